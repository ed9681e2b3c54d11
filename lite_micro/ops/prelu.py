"""PRELU (int8, TFLM's BroadcastPrelu4DSlow): Prepare step.

out = requantize(x - in_zp, in_scale / out_scale) + out_zp where x >= in_zp, else
requantize((x - in_zp) * (alpha - alpha_zp), in_scale * alpha_scale / out_scale) + out_zp.
Alpha broadcasts against the input (Keras' shared axes) through the element-wise loop nest;
an alpha holding one value makes the op a function of x alone: a 256-entry table.
"""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .base import ConstArray, Layer, ParamsArg, TensorArg, require
from .elementwise import broadcast_params, check_int8_tensors, lut_layer, operand

RUNTIME = ("lm_prelu.h", "lm_prelu.c")


def prelu_params(inp: Tensor, alpha: Tensor, out: Tensor) -> dict:
    """CalculatePreluParams: both multipliers from scale ratios taken in double."""
    pos_mult, pos_shift = quant.quantize_multiplier(quant.f64(inp.scale) / quant.f64(out.scale))
    neg_mult, neg_shift = quant.quantize_multiplier(
        quant.f64(inp.scale) * quant.f64(alpha.scale) / quant.f64(out.scale))
    return dict(in_offset=-inp.zero_point, alpha_offset=-alpha.zero_point, pos_mult=pos_mult,
                pos_shift=pos_shift, neg_mult=neg_mult, neg_shift=neg_shift, out_zp=out.zero_point)


def prelu_one(p: dict, x: int, a: int) -> int:
    """One element of TFLM's int8 PRELU."""
    v = x + p["in_offset"]
    if v >= 0:
        raw = quant.multiply_by_quantized_multiplier(v, p["pos_mult"], p["pos_shift"])
    else:
        raw = quant.multiply_by_quantized_multiplier(v * (a + p["alpha_offset"]), p["neg_mult"],
                                                     p["neg_shift"])
    return min(127, max(-128, raw + p["out_zp"]))


def prepare(op: Op) -> Layer:
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs an input, an alpha and one output")
    inp, alpha, out = op.input("input"), op.input("alpha"), op.outputs[0]
    check_int8_tensors(op, [(inp, "input"), (alpha, "alpha"), (out, "output")])
    require(not inp.is_const, op, "the input must be an activation tensor")
    loops = broadcast_params(op, inp, alpha, out)
    p = prelu_params(inp, alpha, out)
    if alpha.is_const and inp.size == out.size:
        values = np.unique(np.asarray(alpha.data).reshape(-1))
        if values.size == 1:
            a = int(values[0])
            table = np.array([prelu_one(p, x, a) for x in range(-128, 128)], dtype=np.int8)
            return lut_layer(op, inp, table, f"table: prelu with alpha {a} everywhere")
    consts: list[ConstArray] = []
    args = [ParamsArg(), TensorArg(inp, const=True), operand(alpha, "alpha", consts), TensorArg(out)]
    note = f"{dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}"
    if tuple(alpha.shape) != tuple(inp.shape):
        note += ", alpha broadcast"
    return Layer(op=op, kernel="lm_prelu_s8", runtime=RUNTIME, params_type="lm_prelu_params",
                 params=list(p.items()) + loops, consts=consts, args=args, note=note)
