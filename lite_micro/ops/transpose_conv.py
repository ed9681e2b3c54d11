"""TRANSPOSE_CONV, int8: Prepare (transpose_conv.cc moved to compile time).

TFLM scatters every input pixel into an int32 buffer the size of the output, then
requantizes. The kernel here gathers instead: for each output pixel it sums the input
pixels whose scattered taps land on it. Same integer sums, no output-sized scratch. The
input zero-point term of each tap is folded into a per-tap, per-channel table.
"""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8
from .common import PADDING_SAME, PADDING_VALID, out_size, pad_before


def _padding(op: Op, padding: int, out_hw, k_hw, strides) -> tuple[int, int]:
    """CalculateOpData: ComputePaddingHeightWidth with the *output* size as the input size."""
    require(padding in (PADDING_SAME, PADDING_VALID), op, f"unknown padding {padding}")
    require(min(strides) >= 1, op, "strides must be at least 1")
    return tuple(pad_before(s, 1, n, k, out_size(padding, n, k, s)) for n, k, s in zip(out_hw, k_hw, strides))


def prepare(op: Op) -> Layer:
    require(len(op.inputs) in (3, 4) and len(op.outputs) == 1, op, "needs 3 or 4 inputs and one output")
    shape_t, weights, inp = op.input("output_shape"), op.input("weights"), op.input("input")
    bias = op.input_or_none("bias")
    out = op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(weights is not None and weights.is_const, op, "weights must be a constant tensor")
    require_int8(op, weights, "weights")
    require(not inp.quant.per_channel and not out.quant.per_channel, op,
            "input and output must be quantized per tensor")
    require(len(inp.shape) == 4 and len(weights.shape) == 4 and len(out.shape) == 4, op,
            "input, weights and output must be 4-D (NHWC)")
    b, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, w_in_c = weights.shape
    _, out_h, out_w, out_c2 = out.shape
    require(w_in_c == in_c and out_c2 == out_c and out.shape[0] == b, op,
            "weights [out_c, h, w, in_c] do not match the input and output channels")
    if shape_t is not None and shape_t.is_const:
        require([int(v) for v in shape_t.data.reshape(-1)] == list(out.shape), op,
                "the output-shape input does not match the output tensor")
    if bias is not None:
        require(bias.is_const and bias.dtype == "int32" and bias.size == out_c, op,
                f"bias must be a constant int32 tensor of {out_c} values")
    wq = weights.quant
    require(len(wq.scales) in (1, out_c), op, "weights need one scale or one per output channel")
    o = op.options
    strides = (o.stride_h, o.stride_w)
    pad_top, pad_left = _padding(op, o.padding, (out_h, out_w), (k_h, k_w), strides)
    act_min, act_max = quant.activation_range(o.fused_activation_function, out.scale, out.zero_point)
    mults, shifts = quant.conv_channel_multipliers(inp.scale, wq.scales, out.scale, out_c)
    w = weights.data
    # -in_zp * sum over input channels, per (tap, output channel): added for every tap that lands
    tap_terms = -int(inp.zero_point) * w.astype(np.int64).sum(axis=3).transpose(1, 2, 0)
    require(np.abs(tap_terms).max(initial=0) < (1 << 31), op, "zero-point term overflows int32")
    b_data = np.zeros(out_c, np.int64) if bias is None else bias.data.astype(np.int64)
    params = [("batches", b), ("in_h", in_h), ("in_w", in_w), ("in_c", in_c), ("out_h", out_h),
              ("out_w", out_w), ("out_c", out_c), ("k_h", k_h), ("k_w", k_w), ("stride_h", strides[0]),
              ("stride_w", strides[1]), ("pad_top", pad_top), ("pad_left", pad_left),
              ("out_zp", out.zero_point), ("act_min", act_min), ("act_max", act_max)]
    consts = [ConstArray("weights", "int8_t", w, f"weights {list(w.shape)}"),
              ConstArray("bias", "int32_t", b_data, "bias"),
              ConstArray("taps", "int32_t", tap_terms, f"input zero-point term [{k_h}][{k_w}][{out_c}]"),
              ConstArray("mult", "int32_t", np.asarray(mults, np.int64), "requantization multipliers"),
              ConstArray("shift", "int32_t", np.asarray(shifts, np.int64), "requantization shifts")]
    args = [ParamsArg(), TensorArg(inp, const=True), ConstArg("weights"), ConstArg("bias"), ConstArg("taps"),
            ConstArg("mult"), ConstArg("shift"), TensorArg(out)]
    return Layer(op=op, kernel="lm_tconv_s8", runtime=("lm_dot.h", "lm_tconv.h", "lm_tconv.c"), params_type="lm_tconv_params",
                 params=params, consts=consts, args=args, macs=b * in_h * in_w * in_c * k_h * k_w * out_c,
                 note=f"gather form, stride {strides[0]}x{strides[1]}")
