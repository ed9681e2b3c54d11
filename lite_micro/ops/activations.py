"""LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH (int8): Prepare steps.

An int8 -> int8 unary op is a function of 256 inputs, so Prepare runs TFLM's integer
arithmetic for that op (Prepare and Eval, moved to compile time) over every input value and
emits the 256-entry table; the C kernel is one lookup per element (`lm_lut_s8`).
The `*_table` functions take the quantization parameters and return that table, indexed
by input value + 128.
"""

from __future__ import annotations

import math

import numpy as np

from .. import quant
from ..ir import Op
from ..quant import fixedpoint as fp
from .base import Layer, require
from .elementwise import check_int8_tensors, lut_layer

INPUTS = np.arange(-128, 128)
LOGISTIC_TANH_INPUT_BITS = 4


def _clamp8(v: int) -> int:
    return max(-128, min(127, v))


def _f32(x) -> np.float32:
    return np.float32(x)


def _table(fn) -> np.ndarray:
    return np.array([fn(int(x)) for x in INPUTS], dtype=np.int8)


def _mbqm(x: int, multiplier: int, shift: int) -> int:
    return quant.multiply_by_quantized_multiplier(x, multiplier, shift)


# ---- LOGISTIC and TANH: gemmlowp fixed point on Q4.27 ----------------------

def fixedpoint_input_params(input_scale: float) -> tuple[int, int, int]:
    """(multiplier, left_shift, range_radius) of TFLM's int8 LOGISTIC/TANH Prepare.

    frexp of input_scale * 2^27 without QuantizeMultiplier's normalisation, then
    CalculateInputRadius(4, left_shift, 31).
    """
    real = quant.f64(input_scale) * float(1 << (31 - LOGISTIC_TANH_INPUT_BITS))
    q, left_shift = math.frexp(real)
    multiplier = int(quant.tflite_round(q * (1 << 31)))
    if left_shift < 0:              # TFLM shifts by a negative amount: undefined, rejected
        return multiplier, left_shift, 0
    radius = quant.calculate_input_radius(LOGISTIC_TANH_INPUT_BITS, left_shift)
    return multiplier, left_shift, radius


def logistic_table(input_scale: float, input_zp: int) -> np.ndarray:
    """reference_integer_ops::Logistic (int8): output fixed at scale 1/256, zero point -128."""
    mult, shift, radius = fixedpoint_input_params(input_scale)

    def one(x: int) -> int:
        v = x - input_zp
        if v <= -radius:
            return -128
        if v >= radius:
            return 127
        raw = fp.logistic(_mbqm(v, mult, shift), LOGISTIC_TANH_INPUT_BITS)
        return _clamp8(quant.rounding_divide_by_pot(raw, 31 - 8) - 128)
    return _table(one)


def tanh_table(input_scale: float, input_zp: int) -> np.ndarray:
    """reference_integer_ops::Tanh (int8): output fixed at scale 1/128, zero point 0."""
    mult, shift, radius = fixedpoint_input_params(input_scale)

    def one(x: int) -> int:
        v = x - input_zp
        if v <= -radius:
            return -128
        if v >= radius:
            return 127
        raw = fp.tanh(_mbqm(v, mult, shift), LOGISTIC_TANH_INPUT_BITS)
        return _clamp8(quant.rounding_divide_by_pot(raw, 31 - 7))
    return _table(one)


# ---- RELU, RELU6, LEAKY_RELU: requantization and clamps --------------------

def scale_ratio(numerator: float, denominator: float, factor: float = 1.0) -> float:
    """numerator * factor / denominator with the float32 scales widened to double first.

    TFLM's source writes these ratios (RELU, LEAKY_RELU, HARD_SWISH) in float32, but the
    interpreter rounds as with double: on scales whose float32 ratio is an exact tie
    (tests/conformance/test_ties.py) only the double ratio matches its outputs.
    """
    return quant.f64(numerator) * quant.f64(factor) / quant.f64(denominator)


def relu_table(input_scale: float, input_zp: int, output_scale: float, output_zp: int) -> np.ndarray:
    """CalculateReluOpData + ReluQuantized (int8): requantize, clamp at the output's zero."""
    mult, shift = quant.quantize_multiplier(scale_ratio(input_scale, output_scale))
    act_min = max(-128, output_zp)
    return _table(lambda x: min(127, max(act_min, output_zp + _mbqm(x - input_zp, mult, shift))))


def relu6_bounds(input_scale: float, input_zp: int) -> tuple[int, int]:
    """Relu6Prepare (int8): (zero, six) in the input's quantization, clamped to int8.
    6 / scale in float32: on exact float32 ties the interpreter rounds as float32 does."""
    six = round_half_away(float(_f32(6.0) / _f32(input_scale))) + input_zp
    return input_zp, max(-128, min(127, six))


def round_half_away(v: float) -> int:
    return int(quant.tflite_round(v))


def relu6_table(input_scale: float, input_zp: int) -> np.ndarray:
    """Relu6Quantized (int8): a clamp of the raw input values; the output's quantization is not used."""
    lower, upper = relu6_bounds(input_scale, input_zp)
    return _table(lambda x: upper if x > upper else (lower if x < lower else x))


def leaky_relu_params(input_scale: float, output_scale: float, alpha: float) -> tuple[int, int, int, int]:
    """CalculateOpDataLeakyRelu: (identity mult, shift, alpha mult, shift), ratios in double."""
    mi, si = quant.quantize_multiplier(scale_ratio(input_scale, output_scale))
    ma, sa = quant.quantize_multiplier(scale_ratio(input_scale, output_scale, alpha))
    return mi, si, ma, sa


def leaky_relu_table(input_scale: float, input_zp: int, output_scale: float, output_zp: int,
                     alpha: float) -> np.ndarray:
    """QuantizeLeakyRelu (int8); a negative alpha multiplies by |multiplier| and negates."""
    mi, si, ma, sa = leaky_relu_params(input_scale, output_scale, alpha)
    safe_ma = fp.wrap32(-ma) if ma < 0 else ma

    def one(x: int) -> int:
        v = x - input_zp
        if v >= 0:
            return _clamp8(output_zp + _mbqm(v, mi, si))
        scaled = _mbqm(v, safe_ma, sa)
        return _clamp8(output_zp + (fp.wrap32(-scaled) if ma < 0 else scaled))
    return _table(one)


# ---- HARD_SWISH: int16 fixed point ------------------------------------------

def downscale_to_int16(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier (common.h)."""
    if multiplier >= fp.INT32_MAX - (1 << 15):
        return fp.INT16_MAX
    return (multiplier + (1 << 15)) >> 16


def hard_swish_params(input_scale: float, output_scale: float) -> dict:
    """HardSwishPrepare (int8): int16 multipliers and exponents; the hi-res input scale
    (input scale / 128, exact) in float32, the ratios in double."""
    hires = _f32(1.0 / 128.0) * _f32(input_scale)
    reluish_scale = _f32(3.0) / _f32(32768.0)
    om, oe = quant.quantize_multiplier(scale_ratio(hires, output_scale))
    rm, re = quant.quantize_multiplier(scale_ratio(hires, reluish_scale))
    return dict(output_multiplier=downscale_to_int16(om), output_exponent=oe,
                reluish_multiplier=downscale_to_int16(rm), reluish_exponent=re)


def hard_swish_one(x: int, input_zp: int, output_zp: int, p: dict) -> int:
    """reference_ops::HardSwish<int8_t> for one input value."""
    hires = fp.wrap16(fp.wrap16(x - input_zp) * 128)
    preshift = fp.srdhm16(hires, p["output_multiplier"])
    reluish, exponent = hires, p["reluish_exponent"]
    if exponent > 0:
        reluish = fp.saturating_left_shift16(reluish, exponent - 1)
    reluish = fp.srdhm16(reluish, p["reluish_multiplier"])
    if exponent > 0:
        reluish = fp.saturating_left_shift16(reluish, 1)
    if exponent < 0:
        reluish = fp.rounding_divide_by_pot16(reluish, -exponent)
    reluish = fp.wrap16((reluish + (1 << 15)) >> 1)
    out = fp.rounding_divide_by_pot16(fp.sdhm16(reluish, preshift), -p["output_exponent"])
    return _clamp8(fp.wrap16(out + output_zp))


def hard_swish_table(input_scale: float, input_zp: int, output_scale: float, output_zp: int) -> np.ndarray:
    p = hard_swish_params(input_scale, output_scale)
    return _table(lambda x: hard_swish_one(x, input_zp, output_zp, p))


# ---- Prepare ------------------------------------------------------------------

MAX_LEFT_SHIFT = 31     # beyond it TFLM's `x * (1 << shift)` is undefined


def _unary(op: Op) -> tuple:
    require(len(op.inputs) >= 1 and len(op.outputs) == 1, op, "needs one input and one output")
    inp, out = op.input("input"), op.outputs[0]
    check_int8_tensors(op, [(inp, "input"), (out, "output")])
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    return inp, out


def _require_shift(op: Op, shift: int, what: str) -> None:
    require(shift <= MAX_LEFT_SHIFT, op, f"{what} is too large (shift {shift}): TFLM's "
                                         f"requantization overflows")


def prepare_logistic(op: Op) -> Layer:
    inp, out = _unary(op)
    require(out.zero_point == -128, op, f"output zero point is {out.zero_point}; TFLM requires -128")
    return lut_layer(op, inp, _sigmoid_like(op, inp, logistic_table), "table: gemmlowp logistic")


def prepare_tanh(op: Op) -> Layer:
    inp, _ = _unary(op)
    return lut_layer(op, inp, _sigmoid_like(op, inp, tanh_table), "table: gemmlowp tanh")


def _sigmoid_like(op: Op, inp, table_fn) -> np.ndarray:
    _, left_shift, _ = fixedpoint_input_params(inp.scale)
    require(left_shift >= 0, op, f"input scale {inp.scale:g} is below 2^-28, where TFLM's "
                                 f"fixed-point arithmetic is undefined")
    return table_fn(inp.scale, inp.zero_point)


def prepare_relu(op: Op) -> Layer:
    inp, out = _unary(op)
    _, shift = quant.quantize_multiplier(scale_ratio(inp.scale, out.scale))
    _require_shift(op, shift, "input to output scale ratio")
    return lut_layer(op, inp, relu_table(inp.scale, inp.zero_point, out.scale, out.zero_point),
                     "table: requantize and clamp")


def prepare_relu6(op: Op) -> Layer:
    inp, _ = _unary(op)
    require(float(_f32(6.0) / _f32(inp.scale)) < 2.0 ** 31 - 256, op,
            f"input scale {inp.scale:g} is too small: 6.0 does not fit in int32")
    return lut_layer(op, inp, relu6_table(inp.scale, inp.zero_point),
                     "table: clamp to the input's [0, 6]")


def prepare_leaky_relu(op: Op) -> Layer:
    inp, out = _unary(op)
    alpha = float(op.options.alpha)
    _, si, _, sa = leaky_relu_params(inp.scale, out.scale, alpha)
    _require_shift(op, si, "input to output scale ratio")
    _require_shift(op, sa, "alpha times the scale ratio")
    table = leaky_relu_table(inp.scale, inp.zero_point, out.scale, out.zero_point, alpha)
    return lut_layer(op, inp, table, f"table: leaky relu, alpha {alpha:g}")


def prepare_hard_swish(op: Op) -> Layer:
    inp, out = _unary(op)
    p = hard_swish_params(inp.scale, out.scale)
    require(p["output_exponent"] <= 0, op, f"output scale {out.scale:g} is at most input scale / 128, "
                                           f"which TFLM rejects")
    _require_shift(op, p["reluish_exponent"], "input scale")
    table = hard_swish_table(inp.scale, inp.zero_point, out.scale, out.zero_point)
    return lut_layer(op, inp, table, "table: int16 fixed-point hard swish")
