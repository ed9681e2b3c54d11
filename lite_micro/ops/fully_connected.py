"""FULLY_CONNECTED: Prepare (fully_connected_common.cc moved to compile time)."""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8
from .common import fold_bias


def prepare(op: Op) -> Layer:
    inp, weights = op.input("input"), op.input("weights")
    bias = op.input_or_none("bias")
    out = op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(weights is not None and weights.is_const, op, "weights must be a constant tensor")
    require_int8(op, weights, "weights")
    require(len(weights.shape) == 2, op, f"weights must be 2-D, got {list(weights.shape)}")
    require(op.options.weights_format == 0, op, "shuffled weights format is not supported")
    if bias is not None:
        require(bias.is_const and bias.dtype == "int32", op, "bias must be a constant int32 tensor")
    out_depth, in_depth = weights.shape
    require(inp.size % in_depth == 0, op, f"input size {inp.size} is not a multiple of {in_depth}")
    batches = inp.size // in_depth
    require(out.size == batches * out_depth, op, "output size does not match batches x units")
    wq = weights.quant
    per_channel = wq.per_channel
    require(all(z == 0 for z in wq.zero_points), op, "weights must be symmetric (zero point 0)")
    if per_channel:
        require(len(wq.scales) == out_depth, op, "per-channel weights need one scale per unit")
        mults, shifts = quant.conv_channel_multipliers(inp.scale, wq.scales, out.scale, out_depth)
    else:
        m, s = quant.fc_tensor_multiplier(inp.scale, wq.scale, out.scale)
        mults, shifts = [m], [s]
    act_min, act_max = quant.activation_range(op.options.fused_activation_function,
                                              out.scale, out.zero_point)
    w = weights.data
    folded = fold_bias(op, None if bias is None else bias.data,
                       w.astype(np.int64).sum(axis=1), inp.zero_point)
    params = [("batches", batches), ("in_depth", in_depth), ("out_depth", out_depth),
              ("out_zp", out.zero_point), ("act_min", act_min), ("act_max", act_max),
              ("per_channel", int(per_channel))]
    return Layer(
        op=op, kernel="lm_fc_s8", runtime=("lm_dot.h", "lm_fc.c"), params_type="lm_fc_params", params=params,
        consts=[ConstArray("weights", "int8_t", w, f"weights {list(w.shape)}"),
                ConstArray("bias", "int32_t", folded, "bias with the input zero-point term folded in"),
                ConstArray("mult", "int32_t", np.asarray(mults, dtype=np.int64), "requantization multipliers"),
                ConstArray("shift", "int32_t", np.asarray(shifts, dtype=np.int64), "requantization shifts")],
        args=[ParamsArg(), TensorArg(inp, const=True), ConstArg("weights"), ConstArg("bias"),
              ConstArg("mult"), ConstArg("shift"), TensorArg(out)],
        macs=batches * in_depth * out_depth, note="generic fully connected")
