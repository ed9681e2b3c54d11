"""ABS, RSQRT, SQUARED_DIFFERENCE (int8; ABS and SQUARED_DIFFERENCE also int16) and CAST:
Prepare steps.

ABS and RSQRT are int8 -> int8 functions of one input: Prepare runs TFLM's integer
arithmetic (elementwise.cc, Prepare and Eval) over all 256 input values and the kernel is
the table lookup `lm_lut_s8`. SQUARED_DIFFERENCE is TFLM's quantized squared difference
(squared_difference.cc) over the element-wise loop nest, or a table when one input is a
constant holding a single value. Their int16 forms (zero points 0, as TFLM requires) are
C loops: a table would have 65,536 entries. CAST converts between int8, int16, int32 and float32 as
TFLM's `static_cast` does (quantization parameters are ignored, as TFLM ignores them).

TFLM has no int8 EXP (float32 only) and no int8 NEG (float32 and int32 only): both are
left to the "not supported" error.
"""

from __future__ import annotations

import math

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from ..quant import fixedpoint as fp
from .base import Layer, ParamsArg, TensorArg, require
from .elementwise import broadcast_params, check_int8_tensors, lut_layer, operand

INPUTS = range(-128, 128)
RSQRT_SHIFT = 20                      # kShift of RsqrtEvalQuantized
SQDIFF_LEFT_SHIFT = {"int8": 7, "int16": 0}    # headroom of SquaredDifferencePrepare
CAST_TYPES = {"int8": "s8", "int16": "s16", "int32": "s32", "float32": "f32"}


def _clamp8(v: int) -> int:
    return max(-128, min(127, v))


def _unary_int8(op: Op) -> tuple[Tensor, Tensor]:
    require(len(op.inputs) == 1 and len(op.outputs) == 1, op, "needs one input and one output")
    inp, out = op.input("input"), op.outputs[0]
    check_int8_tensors(op, [(inp, "input"), (out, "output")])
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    return inp, out


# ---- ABS ----------------------------------------------------------------------------------

def abs_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """AbsEvalQuantized<int8_t>: |x - in_zp| requantized by in_scale / out_scale (ratio in
    double) unless the two float32 scales are equal."""
    rescale = np.float32(in_scale) != np.float32(out_scale)
    mult, shift = quant.quantize_multiplier(quant.f64(in_scale) / quant.f64(out_scale))

    def one(x: int) -> int:
        v = abs(x - in_zp)
        if rescale:
            v = quant.multiply_by_quantized_multiplier(v, mult, shift)
        return _clamp8(v + out_zp)
    return np.array([one(x) for x in INPUTS], dtype=np.int8)


def prepare_abs(op: Op) -> Layer:
    if op.input_or_none("input") is not None and op.input("input").dtype == "int16":
        return _abs_int16(op)
    inp, out = _unary_int8(op)
    _, shift = quant.quantize_multiplier(quant.f64(inp.scale) / quant.f64(out.scale))
    require(shift <= 31, op, "input to output scale ratio is too large (TFLM's requantization overflows)")
    table = abs_table(inp.scale, inp.zero_point, out.scale, out.zero_point)
    return lut_layer(op, inp, table, "table: |x - zero point|, requantized")


def _abs_int16(op: Op) -> Layer:
    """AbsEval for int16: quantized (zero points 0, requantized when the scales differ) or,
    without quantization, std::abs kept to 16 bits (-32768 stays -32768)."""
    require(len(op.inputs) == 1 and len(op.outputs) == 1, op, "needs one input and one output")
    inp, out = op.input("input"), op.outputs[0]
    require(out.dtype == "int16" and inp.size == out.size, op, "output must be int16 of the input's size")
    if inp.quant is None:
        mult, shift, rescale = 0, 0, 0
    else:
        check_int16_tensors(op, [(inp, "input"), (out, "output")])
        mult, shift = quant.quantize_multiplier(quant.f64(inp.scale) / quant.f64(out.scale))
        require(shift <= 31, op, "input to output scale ratio is too large")
        rescale = int(np.float32(inp.scale) != np.float32(out.scale))
    args = [TensorArg(inp, const=True), TensorArg(out), str(out.size), str(mult), str(shift), str(rescale),
            str(int(inp.quant is not None))]
    return Layer(op=op, kernel="lm_abs_s16", runtime=("lm_math16.h", "lm_math16.c"), args=args,
                 note="int16 |x|" + (", requantized" if rescale else ""))


# ---- RSQRT --------------------------------------------------------------------------------

def inv_sqrt_multiplier_exp(value: int, reverse_shift: int = -1) -> tuple[int, int]:
    """GetInvSqrtQuantizedMultiplierExp (common.h): 1 / sqrt(value) as (multiplier, shift),
    five gemmlowp Newton-Raphson steps in Q3.28."""
    if value <= 1:
        return fp.INT32_MAX, 0
    shift = 11
    while value >= (1 << 29):
        value //= 4
        shift += 1
    pairs = ((32 - value.bit_length()) - 1) // 2 - 1
    shift -= pairs
    value <<= 2 * pairs
    half_input = quant.rounding_divide_by_pot(value >> 1, 1)         # F3: input / 2
    half_three = (1 << 28) + (1 << 27)                              # F3: 1.5
    x = 1 << 28                                                     # F3: 1.0
    srdhm = quant.saturating_rounding_doubling_high_mul
    for _ in range(5):
        x3 = fp.mul_pot(srdhm(srdhm(x, x), x), 6)                   # F9 -> F3
        x = fp.mul_pot(fp.wrap32(srdhm(half_three, x) - srdhm(half_input, x3)), 3)
    x = srdhm(x, 1518500250)                                        # times sqrt(2) / 2
    if shift < 0:
        x, shift = fp.wrap32(x << -shift), 0
    return x, shift * reverse_shift


def rsqrt_params(in_scale: float, out_scale: float) -> tuple[int, int]:
    """SetRsqrtOutputMultiplier: 1 / (sqrt(in_scale) * out_scale) in double."""
    return quant.quantize_multiplier(1.0 / (math.sqrt(quant.f64(in_scale)) * quant.f64(out_scale)))


def rsqrt_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """RsqrtEvalQuantized<int8_t>. Inputs below the zero point are outside RSQRT's domain:
    TFLM stops the invoke with an error there; the table holds 127, the value TFLM gives
    at the zero point."""
    mult, shift = rsqrt_params(in_scale, out_scale)
    mbqm = quant.multiply_by_quantized_multiplier

    def one(x: int) -> int:
        v = x - in_zp
        if v <= 0:
            return 127
        inv_mult, inv_shift = inv_sqrt_multiplier_exp(v)
        data = mbqm(1, inv_mult, inv_shift + RSQRT_SHIFT)
        return _clamp8(mbqm(data, mult, shift - RSQRT_SHIFT) + out_zp)
    return np.array([one(x) for x in INPUTS], dtype=np.int8)


def prepare_rsqrt(op: Op) -> Layer:
    inp, out = _unary_int8(op)
    _, shift = rsqrt_params(inp.scale, out.scale)
    require(shift - RSQRT_SHIFT <= 31, op, "scales make 1 / (sqrt(input scale) * output scale) "
                                           "too large (TFLM's requantization overflows)")
    table = rsqrt_table(inp.scale, inp.zero_point, out.scale, out.zero_point)
    return lut_layer(op, inp, table, "table: integer inverse square root, requantized")


# ---- SQUARED_DIFFERENCE -------------------------------------------------------------------

def sqdiff_params(a: Tensor, b: Tensor, out: Tensor) -> dict:
    """PrepareQuantized of squared_difference.cc (left shift 7 for int8, 0 for int16), ratios
    in double."""
    shift = SQDIFF_LEFT_SHIFT[a.dtype]
    twice_max = 2.0 * quant.f64(max(np.float32(a.scale), np.float32(b.scale)))
    m1, s1 = quant.quantize_multiplier(quant.f64(a.scale) / twice_max)
    m2, s2 = quant.quantize_multiplier(quant.f64(b.scale) / twice_max)
    mo, so = quant.quantize_multiplier(twice_max * twice_max /
                                       ((1 << (2 * shift)) * quant.f64(out.scale)))
    return dict(in1_offset=-a.zero_point, in2_offset=-b.zero_point, left_shift=shift, in1_mult=m1,
                in1_shift=s1, in2_mult=m2, in2_shift=s2, out_mult=mo, out_shift=so, out_zp=out.zero_point)


def sqdiff_one(p: dict, x1: int, x2: int) -> int:
    """SquaredDifference<int8_t> with ArithmeticParams, for one pair."""
    mbqm = quant.multiply_by_quantized_multiplier
    v1 = mbqm((x1 + p["in1_offset"]) << p["left_shift"], p["in1_mult"], p["in1_shift"])
    v2 = mbqm((x2 + p["in2_offset"]) << p["left_shift"], p["in2_mult"], p["in2_shift"])
    diff = v1 - v2
    return _clamp8(mbqm(fp.wrap32(diff * diff), p["out_mult"], p["out_shift"]) + p["out_zp"])


def check_int16_tensors(op: Op, tensors: list) -> None:
    """int16, quantized per tensor with zero point 0 (TFLM's rule for int16 activations)."""
    for t, role in tensors:
        require(t is not None and t.dtype == "int16" and t.quant is not None and not t.quant.per_channel,
                op, f"{role} must be int16 quantized per tensor")
        require(t.zero_point == 0 and t.scale > 0, op, f"{role} zero point is {t.zero_point}; int16 "
                                                       f"needs zero point 0 and a positive scale")


def _int8_or_int16(op: Op, tensors: list) -> str:
    if tensors[0][0] is not None and tensors[0][0].dtype == "int16":
        check_int16_tensors(op, tensors)
        return "int16"
    check_int8_tensors(op, tensors)
    return "int8"


def prepare_squared_difference(op: Op) -> Layer:
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    a, b, out = op.input("input1"), op.input("input2"), op.outputs[0]
    dtype = _int8_or_int16(op, [(a, "first input"), (b, "second input"), (out, "output")])
    loops = broadcast_params(op, a, b, out)
    p = sqdiff_params(a, b, out)
    require(p["out_shift"] <= 31, op, "output scale is too small for the input scales "
                                      "(TFLM's requantization overflows)")
    if dtype == "int16":
        require(not a.is_const and not b.is_const, op, "constant int16 inputs are not supported")
        return Layer(op=op, kernel="lm_sqdiff_s16", runtime=("lm_sqdiff.h", "lm_sqdiff.c"),
                     params_type="lm_sqdiff_params", params=list(p.items()) + loops,
                     args=[ParamsArg(), TensorArg(a, const=True), TensorArg(b, const=True), TensorArg(out)],
                     note=f"int16, {dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}")
    for var, const, first in ((a, b, True), (b, a, False)):
        values = np.unique(np.asarray(const.data).reshape(-1)) if const.is_const else []
        if not var.is_const and len(values) == 1 and var.size == out.size:
            c = int(values[0])
            table = np.array([sqdiff_one(p, x, c) if first else sqdiff_one(p, c, x) for x in INPUTS],
                             dtype=np.int8)
            return lut_layer(op, var, table, f"table: squared difference with constant {c}")
    consts: list = []
    args = [ParamsArg(), operand(a, "in1", consts), operand(b, "in2", consts), TensorArg(out)]
    return Layer(op=op, kernel="lm_sqdiff_s8", runtime=("lm_sqdiff.h", "lm_sqdiff.c"),
                 params_type="lm_sqdiff_params", params=list(p.items()) + loops, consts=consts,
                 args=args, note=f"{dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}")


# ---- CAST ---------------------------------------------------------------------------------

def prepare_cast(op: Op) -> Layer:
    require(len(op.inputs) == 1 and len(op.outputs) == 1, op, "needs one input and one output")
    inp, out = op.input("input"), op.outputs[0]
    for t, role in ((inp, "input"), (out, "output")):
        require(t.dtype in CAST_TYPES, op, f"{role} tensor {t.index} '{t.name}' is {t.dtype}; CAST "
                                           f"supports {', '.join(CAST_TYPES)} (as TFLM does)")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    require(not inp.is_const, op, "the input must be an activation tensor")
    if inp.dtype == out.dtype:
        return Layer(op=op, kernel=None, alias_of=inp, note="same type: an alias, no copy")
    kernel = f"lm_cast_{CAST_TYPES[inp.dtype]}_{CAST_TYPES[out.dtype]}"
    return Layer(op=op, kernel=kernel, runtime=("lm_cast.h", "lm_cast.c"),
                 args=[TensorArg(inp, const=True), TensorArg(out), str(out.size)],
                 note=f"{inp.dtype} to {out.dtype}, C conversion")
