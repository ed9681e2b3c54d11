"""SOFTMAX int8: Prepare (softmax_common.cc moved to compile time)."""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import Layer, ParamsArg, TensorArg, require, require_int8

SCALED_DIFF_INTEGER_BITS = 5


def prepare(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(out.zero_point == -128 and np.float32(out.scale) == np.float32(1.0 / 256), op,
            f"int8 output must have scale 1/256 and zero point -128 "
            f"(got {out.scale}, {out.zero_point}), as TFLM requires")
    require(len(inp.shape) >= 1 and inp.size == out.size, op, "input and output sizes differ")
    beta = op.options.beta
    mult, left_shift = quant.preprocess_softmax_scaling(beta, inp.scale, SCALED_DIFF_INTEGER_BITS)
    diff_min = -quant.calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    depth = inp.shape[-1]
    params = [("rows", inp.size // depth), ("depth", depth), ("input_mult", mult),
              ("input_left_shift", left_shift), ("diff_min", diff_min)]
    return Layer(op=op, kernel="lm_softmax_s8", runtime=("lm_softmax.c",),
                 params_type="lm_softmax_params", params=params,
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 macs=0, note="gemmlowp fixed-point softmax")
