"""gemmlowp fixed-point arithmetic as TFLM's reference kernels use it, in Python integers.

Used at compile time to tabulate int8 -> int8 functions (LOGISTIC, TANH, HARD_SWISH), so
every function here reproduces the C behaviour bit for bit, including int16/int32
wrap-around and gemmlowp's int16 RoundingDivideByPOT with exponents of 16 and more, where
the mask truncates to -1 (the result is then +1 for x >= 0 and -1 for x < 0).
"""

from __future__ import annotations

from . import rounding_divide_by_pot
from . import saturating_rounding_doubling_high_mul as srdhm

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1

# gemmlowp's raw constants (fixedpoint.h)
EXP_MINUS_ONE_EIGHTH = 1895147668       # exp(-1/8), Q0.31
ONE_THIRD = 715827883                   # 1/3, Q0.31
CONST_48_OVER_17 = 1515870810           # 48/17, Q2.29
CONST_NEG_32_OVER_17 = -1010580540      # -32/17, Q2.29
# exp(-2^k) for k = -2 .. 4, Q0.31 (the barrel shifter of exp_on_negative_values)
EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
              (2, 39332535), (3, 720401), (4, 242))


def wrap32(v: int) -> int:
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def wrap16(v: int) -> int:
    return ((v + (1 << 15)) & 0xFFFF) - (1 << 15)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# ---- int32 -----------------------------------------------------------------

def mul_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> on int32."""
    if exponent > 0:
        threshold = (1 << (31 - exponent)) - 1
        if x > threshold:
            return INT32_MAX
        if x < -threshold:
            return INT32_MIN
        return wrap32(x << exponent)
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    return x


def rounding_half_sum(a: int, b: int) -> int:
    """RoundingHalfSum on int32: (a + b) / 2 rounded half away from zero."""
    s = a + b
    return wrap32(_trunc_div(s + (1 if s >= 0 else -1), 2))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out."""
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = mul_pot(wrap32(srdhm(wrap32(x4_over_4 + x3), ONE_THIRD) + x2), -1)
    return wrap32(EXP_MINUS_ONE_EIGHTH + srdhm(EXP_MINUS_ONE_EIGHTH, wrap32(x + poly)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given in Q(integer_bits); result in Q0.31."""
    frac = 31 - integer_bits
    quarter = 1 << (frac - 2)
    a_mod_quarter_minus_quarter = wrap32((a & (quarter - 1)) - quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        mul_pot(a_mod_quarter_minus_quarter, integer_bits))
    remainder = wrap32(a_mod_quarter_minus_quarter - a)
    for exponent, multiplier in EXP_BARREL:
        if integer_bits > exponent and remainder & (1 << (frac + exponent)):
            result = srdhm(result, multiplier)
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    return INT32_MAX if a == 0 else result


def _newton_reciprocal(half_denominator: int) -> int:
    """The three Newton-Raphson steps shared by the two divisions below; Q2.29 result."""
    x = wrap32(CONST_48_OVER_17 + srdhm(half_denominator, CONST_NEG_32_OVER_17))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + mul_pot(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1 / (1 + a), Q0.31 in and out."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return mul_pot(x, 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """(1 - a) / (1 + a), Q0.31 in and out."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return mul_pot(wrap32(x - (1 << 29)), 2)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp::logistic: a in Q(integer_bits), result in Q0.31."""
    if a == 0:
        return 1 << 30
    positive = a > 0
    abs_input = a if positive else wrap32(-a)
    result_if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(wrap32(-abs_input), integer_bits))
    return result_if_positive if positive else wrap32(INT32_MAX - result_if_positive)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp::tanh: a in Q(integer_bits), result in Q0.31."""
    if a == 0:
        return 0
    negative = a < 0
    n = a if negative else wrap32(-a)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if negative else t


# ---- int16 (HARD_SWISH) ----------------------------------------------------

def srdhm16(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def sdhm16(a: int, b: int) -> int:
    """SaturatingDoublingHighMul (hard_swish.h): as srdhm16 without the rounding nudge."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap16(_trunc_div(a * b, 1 << 15))


def rounding_divide_by_pot16(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT on int16; the mask is (1 << exponent) - 1 cut to int16."""
    mask = wrap16((1 << exponent) - 1)
    remainder = wrap16(x & mask)
    threshold = wrap16((mask >> 1) + (1 if x < 0 else 0))
    return wrap16((x >> exponent) + (1 if remainder > threshold else 0))


def saturating_left_shift16(value: int, amount: int) -> int:
    """SaturatingLeftShift (hard_swish.h) on int16."""
    return max(INT16_MIN, min(INT16_MAX, value * (1 << amount)))
