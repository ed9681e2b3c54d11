"""Bit-exact ports of TFLM's quantization arithmetic, done once at compile time.

Each function mirrors one TFLM function (named in its docstring). Float arithmetic that TFLM
does in float32 is done in float32 here (numpy), double in double (Python float).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedError

ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6, ACT_TANH, ACT_SIGN_BIT = range(6)
ACTIVATION_NAMES = {ACT_NONE: "NONE", ACT_RELU: "RELU", ACT_RELU_N1_TO_1: "RELU_N1_TO_1",
                    ACT_RELU6: "RELU6", ACT_TANH: "TANH", ACT_SIGN_BIT: "SIGN_BIT"}
INT8_MIN, INT8_MAX = -128, 127
MAX_LEFT_SHIFT = 31         # the largest requantization left shift with defined behaviour


def tflite_round(x: float) -> float:
    """TfLiteRound / std::round: halves away from zero (Python's round() is banker's)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier (quantization_util.cc): real ~= m * 2^(shift - 31), m in [2^30, 2^31).

    Returns (multiplier, shift) with shift > 0 meaning a left shift. Supported shifts are
    [-31, MAX_LEFT_SHIFT]: below, TFLM flushes the multiplier to zero (as here); above, TFLM's
    MultiplyByQuantizedMultiplier would compute x * (1 << shift) on int32, which is undefined
    behaviour, so such a multiplier (a scale ratio of 2^31 or more) is refused.
    """
    if real == 0.0:
        return 0, 0
    if not math.isfinite(real):
        raise UnsupportedError(f"requantization multiplier {real!r} is not a finite number "
                               "(check the tensors' scales)")
    q, shift = math.frexp(real)
    q_fixed = int(tflite_round(q * (1 << 31)))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if shift > MAX_LEFT_SHIFT:
        raise UnsupportedError(f"requantization multiplier {real:.6g} (a ratio of scales) is too large "
                               f"(shift {shift}): TFLM's MultiplyByQuantizedMultiplier shifts int32 "
                               f"values, undefined behaviour beyond {MAX_LEFT_SHIFT} (check the scales)")
    return q_fixed, shift


def quantize_multiplier_smaller_than_one(real: float) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: as quantize_multiplier, for 0 < real < 1."""
    if not 0.0 < real < 1.0:
        raise UnsupportedError(f"multiplier {real} is outside (0, 1)")
    return quantize_multiplier(real)


def quantize_multiplier_greater_than_one(real: float) -> tuple[int, int]:
    """QuantizeMultiplierGreaterThanOne: as quantize_multiplier, for real > 1."""
    if not real > 1.0:
        raise UnsupportedError(f"multiplier {real} is not greater than one")
    return quantize_multiplier(real)


def quantize_value(scale: float, zero_point: int, value: float) -> int:
    """Quantize (kernel_util.cc): zero_point + round(value / scale), with the division in float32."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = float(np.float32(value) / np.float32(scale))
    if not np.isfinite(ratio):
        raise UnsupportedError(f"{value} / scale {scale} is not a finite number")
    tmp = tflite_round(ratio)
    if not float(np.float32(-(2 ** 31))) <= tmp <= float(np.float32(2 ** 31 - 1)):
        raise UnsupportedError(f"quantizing {value} with scale {scale} overflows int32 "
                               "(TFLM rejects this activation range)")
    return int(zero_point) + int(tmp)


def activation_range(activation: int, scale: float, zero_point: int,
                     qmin: int = INT8_MIN, qmax: int = INT8_MAX) -> tuple[int, int]:
    """CalculateActivationRangeQuantized (kernel_util.cc) for int8 (or a given qmin/qmax)."""
    if activation == ACT_RELU:
        return max(qmin, quantize_value(scale, zero_point, 0.0)), qmax
    if activation == ACT_RELU6:
        return (max(qmin, quantize_value(scale, zero_point, 0.0)),
                min(qmax, quantize_value(scale, zero_point, 6.0)))
    if activation == ACT_RELU_N1_TO_1:
        return (max(qmin, quantize_value(scale, zero_point, -1.0)),
                min(qmax, quantize_value(scale, zero_point, 1.0)))
    if activation == ACT_NONE:
        return qmin, qmax
    raise UnsupportedError(f"fused activation {ACTIVATION_NAMES.get(activation, activation)}")


def conv_channel_multipliers(input_scale: float, filter_scales, output_scale: float,
                             channels: int) -> tuple[list[int], list[int]]:
    """PopulateConvolutionQuantizationParams: per-channel (multiplier, shift) lists.

    effective = double(input_scale) * double(filter_scale) / double(output_scale); a
    per-tensor filter scale is broadcast over the channels.
    """
    mults, shifts = [], []
    for c in range(channels):
        fs = filter_scales[c] if len(filter_scales) > 1 else filter_scales[0]
        eff = f64(input_scale) * f64(fs) / f64(output_scale)
        m, s = quantize_multiplier(eff)
        mults.append(m)
        shifts.append(s)
    return mults, shifts


def fc_tensor_multiplier(input_scale: float, filter_scale: float, output_scale: float) -> tuple[int, int]:
    """GetQuantizedConvolutionMultipler, as the TFLM interpreter runs it: the scales widened to
    double before the product (an older form took the product in float32; the interpreter's
    outputs follow the double product, see tests/conformance/regressions)."""
    return quantize_multiplier(f64(input_scale) * f64(filter_scale) / f64(output_scale))


def f64(x) -> float:
    """A float32 value widened to double, as static_cast<double>(float) does."""
    return float(np.float32(x))


def preprocess_softmax_scaling(beta: float, input_scale: float, integer_bits: int) -> tuple[int, int]:
    """PreprocessSoftmaxScaling (double rounding build): (multiplier, left_shift)."""
    max_real = float((1 << 31) - 1)
    real = min(f64(beta) * f64(input_scale) * float(1 << (31 - integer_bits)), max_real)
    return quantize_multiplier_greater_than_one(real)


def calculate_input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: floor of the largest input difference that does not overflow."""
    max_input_rescaled = (1.0 * ((1 << integer_bits) - 1) * float(1 << (total_signed_bits - integer_bits))
                          / float(1 << left_shift))
    return int(math.floor(max_input_rescaled))


def add_params(scale1: float, scale2: float, out_scale: float, left_shift: int = 20) -> dict:
    """CalculateOpDataAdd (add_common.cc), int8 path: input and output multipliers."""
    twice_max = 2.0 * f64(max(np.float32(scale1), np.float32(scale2)))
    m1, s1 = quantize_multiplier_smaller_than_one(f64(scale1) / twice_max)
    m2, s2 = quantize_multiplier_smaller_than_one(f64(scale2) / twice_max)
    mo, so = quantize_multiplier_smaller_than_one(twice_max / ((1 << left_shift) * f64(out_scale)))
    return dict(left_shift=left_shift, input1_multiplier=m1, input1_shift=s1,
                input2_multiplier=m2, input2_shift=s2, output_multiplier=mo, output_shift=so)


# ---- integer reference arithmetic (used by tests and by constant folding) ----

def saturating_rounding_doubling_high_mul(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else (1 - (1 << 30))
    return _trunc_div(ab + nudge, 1 << 31)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT: round half away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (double rounding): the requantization TFLM uses."""
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    v = _wrap32(x * (1 << left))
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(v, multiplier), right)


def _wrap32(v: int) -> int:
    return ((v + (1 << 31)) % (1 << 32)) - (1 << 31)
