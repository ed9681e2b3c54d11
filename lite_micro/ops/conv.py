"""CONV_2D and DEPTHWISE_CONV_2D: Prepare (conv.cc / depthwise_conv.cc moved to compile time)."""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import (ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg, require,
                   require_int8)
from .common import fold_bias, spatial


def _common(op: Op):
    inp, weights = op.inputs[0], op.inputs[1]
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    out = op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(weights is not None and weights.is_const, op, "weights must be a constant tensor")
    require_int8(op, weights, "weights")
    require(len(inp.shape) == 4 and len(weights.shape) == 4 and len(out.shape) == 4, op,
            "input, weights and output must be 4-D (NHWC)")
    if bias is not None:
        require(bias.is_const and bias.dtype == "int32", op,
                f"bias tensor {bias.index} must be a constant int32 tensor")
    require(not inp.quant.per_channel and not out.quant.per_channel, op,
            "input and output must be quantized per tensor")
    return inp, weights, bias, out


def _conv_layer(op: Op, kernel: str, params: dict, weights: np.ndarray, bias, mults, shifts, macs, note,
                scratch_bytes: int = 0):
    fields = list(params.items())
    scratch = [] if kernel != "lm_conv_s8" else [ScratchArg() if scratch_bytes else "NULL"]
    return Layer(
        op=op, kernel=kernel, runtime=("lm_dot.h", "lm_conv.c"), params_type="lm_conv_params", params=fields,
        scratch_bytes=scratch_bytes,
        consts=[
            ConstArray("weights", "int8_t", weights, f"weights {list(weights.shape)}"),
            ConstArray("bias", "int32_t", bias, "bias with the input zero-point term folded in"),
            ConstArray("mult", "int32_t", np.asarray(mults, dtype=np.int64), "requantization multipliers"),
            ConstArray("shift", "int32_t", np.asarray(shifts, dtype=np.int64), "requantization shifts"),
        ],
        args=[ParamsArg(), TensorArg(op.inputs[0], const=True), ConstArg("weights"), ConstArg("bias"),
              ConstArg("mult"), ConstArg("shift"), *scratch, TensorArg(op.outputs[0])],
        macs=macs, note=note)


def _window(op: Op, inp, weights, out, k_h: int, k_w: int, out_c: int, groups: int):
    """Shared by both convolutions: padding, clamp and per-channel multipliers, as the
    lm_conv_params fields plus (mults, shifts)."""
    o = op.options
    b, in_h, in_w, in_c = inp.shape
    _, out_h, out_w, _ = out.shape
    wq = weights.quant
    require(len(wq.scales) in (1, out_c), op, "weights need one scale or one per output channel")
    pad_top, pad_left = spatial(op, o["padding"], (in_h, in_w), (k_h, k_w), (o["stride_h"], o["stride_w"]),
                                (o["dilation_hfactor"], o["dilation_wfactor"]), (out_h, out_w))
    act_min, act_max = quant.activation_range(o["fused_activation_function"], out.scale, out.zero_point)
    mults, shifts = quant.conv_channel_multipliers(inp.scale, wq.scales, out.scale, out_c)
    params = dict(batches=b, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                  k_h=k_h, k_w=k_w, stride_h=o["stride_h"], stride_w=o["stride_w"],
                  dil_h=o["dilation_hfactor"], dil_w=o["dilation_wfactor"], pad_top=pad_top,
                  pad_left=pad_left, groups=groups, in_zp=inp.zero_point, out_zp=out.zero_point,
                  act_min=act_min, act_max=act_max)
    return params, mults, shifts


def prepare_conv(op: Op) -> Layer:
    inp, weights, bias, out = _common(op)
    b, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, group_in = weights.shape
    _, out_h, out_w, out_c2 = out.shape
    require(out_c2 == out_c and out.shape[0] == b, op, "output shape does not match weights")
    require(group_in > 0 and in_c % group_in == 0, op,
            f"input channels {in_c} not a multiple of weight channels {group_in}")
    groups = in_c // group_in
    require(out_c % groups == 0, op, f"output channels {out_c} not divisible into {groups} groups")
    params, mults, shifts = _window(op, inp, weights, out, k_h, k_w, out_c, groups)
    w = weights.data
    folded = fold_bias(op, None if bias is None else bias.data,
                       w.reshape(out_c, -1).astype(np.int64).sum(axis=1), inp.zero_point)
    macs = b * out_h * out_w * out_c * k_h * k_w * group_in
    direct = k_h == 1 and k_w == 1 and params["pad_top"] == 0 and params["pad_left"] == 0
    note = ("1x1, two pixels per pass, read in place" if direct
            else f"two pixels per pass, patches of {k_h * k_w * group_in} bytes")
    return _conv_layer(op, "lm_conv_s8", params, w, folded, mults, shifts, macs, note,
                       scratch_bytes=0 if direct else 2 * k_h * k_w * group_in)


def prepare_depthwise(op: Op) -> Layer:
    inp, weights, bias, out = _common(op)
    b, in_h, in_w, in_c = inp.shape
    one, k_h, k_w, out_c = weights.shape
    _, out_h, out_w, out_c2 = out.shape
    require(one == 1 and out_c2 == out_c and out.shape[0] == b, op, "weights must be [1, H, W, C_out]")
    require(in_c > 0 and out_c % in_c == 0, op,
            f"output channels {out_c} not a multiple of input channels {in_c}")
    mult = out_c // in_c
    params, mults, shifts = _window(op, inp, weights, out, k_h, k_w, out_c, mult)
    w = weights.data
    folded = fold_bias(op, None if bias is None else bias.data,
                       w.reshape(-1, out_c).astype(np.int64).sum(axis=0), inp.zero_point)
    macs = b * out_h * out_w * out_c * k_h * k_w
    kernel = "lm_dwconv_m1_s8" if mult == 1 else "lm_dwconv_s8"
    note = "depthwise, 4 channels per pass" if mult == 1 else f"depthwise, multiplier {mult}"
    return _conv_layer(op, kernel, params, w.reshape(k_h, k_w, out_c), folded, mults, shifts, macs, note)
