"""SOFTMAX int8: Prepare (softmax_common.cc moved to compile time)."""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .base import Layer, ParamsArg, TensorArg, require, require_int8

SCALED_DIFF_INTEGER_BITS = 5


def softmax_s8_params(op: Op, inp: Tensor, out: Tensor) -> list:
    """SoftmaxPrepare for int8 input (PreprocessSoftmaxScaling, CalculateInputRadius)."""
    require(len(inp.shape) >= 1 and inp.size == out.size, op, "input and output sizes differ")
    mult, left_shift = quant.preprocess_softmax_scaling(op.options.beta, inp.scale, SCALED_DIFF_INTEGER_BITS)
    diff_min = -quant.calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    depth = inp.shape[-1]
    return [("rows", inp.size // depth), ("depth", depth), ("input_mult", mult),
            ("input_left_shift", left_shift), ("diff_min", diff_min)]


def prepare(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(out.zero_point == -128 and np.float32(out.scale) == np.float32(1.0 / 256), op,
            f"int8 output must have scale 1/256 and zero point -128 "
            f"(got {out.scale}, {out.zero_point}), as TFLM requires")
    params = softmax_s8_params(op, inp, out)
    return Layer(op=op, kernel="lm_softmax_s8", runtime=("lm_softmax.c",),
                 params_type="lm_softmax_params", params=params,
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 macs=0, note="gemmlowp fixed-point softmax")
