"""The real ranges an op's outputs take, so that strategies can choose output quantizations
that make a case informative (numpy only; the strategies themselves are in `strategies`).

A random output scale mostly gives outputs that are all saturated or all equal: such a case
matches TFLM whatever the arithmetic does. Here the output quantization is derived from the
real range the op's outputs take for the drawn weights and the runner's uniform random
inputs, so that outputs spread over int8; some draws then pick on purpose an extreme zero
point (-128, 0, 127), a saturating scale, or a scale whose multiplier is an exact float32
tie (see `ties`).
"""
from __future__ import annotations

import numpy as np

INPUT_MEAN = -0.5                       # of an int8 drawn uniformly from [-128, 127]
INPUT_VAR = (256.0 ** 2 - 1) / 12.0
SIGMAS = 2.5                            # the range covers the mean +- this many deviations
EXTREME_ZERO_POINTS = (-128, 0, 127)


def dot_range(weights: np.ndarray, input_zp: int, bias=None) -> tuple[np.ndarray, np.ndarray]:
    """Accumulator range of sum_k (x_k - input_zp) * w[c, k] (+ bias[c]) over uniform x,
    rows c = output channels: (lowest, highest) per channel, in accumulator units."""
    w = np.asarray(weights, np.float64).reshape(len(weights), -1)
    mean = w.sum(axis=1) * (INPUT_MEAN - input_zp)
    if bias is not None:
        mean = mean + np.asarray(bias, np.float64)
    std = np.sqrt((w ** 2).sum(axis=1) * INPUT_VAR)
    ends = np.stack([w * (-128 - input_zp), w * (127 - input_zp)])   # the reachable extremes
    low, high = ends.min(axis=0).sum(axis=1), ends.max(axis=0).sum(axis=1)
    if bias is not None:
        low, high = low + np.asarray(bias, np.float64), high + np.asarray(bias, np.float64)
    return np.maximum(mean - SIGMAS * std, low), np.minimum(mean + SIGMAS * std, high)


def product_range(zp1: int, zp2: int, terms: int = 1) -> tuple[float, float]:
    """Range of a sum of `terms` products (x - zp1) * (y - zp2) of independent uniform int8."""
    m1, m2 = INPUT_MEAN - zp1, INPUT_MEAN - zp2
    var = (INPUT_VAR + m1 ** 2) * (INPUT_VAR + m2 ** 2) - (m1 * m2) ** 2
    mean, std = terms * m1 * m2, np.sqrt(terms * var)
    corners = [a * b for a in (-128 - zp1, 127 - zp1) for b in (-128 - zp2, 127 - zp2)]
    return (max(mean - SIGMAS * std, terms * min(corners)),
            min(mean + SIGMAS * std, terms * max(corners)))


def input_range(scale: float, zero_point: int) -> tuple[float, float]:
    """Real values an int8 activation tensor can hold."""
    return (-128 - zero_point) * scale, (127 - zero_point) * scale


def fit(lo: float, hi: float) -> tuple[float, int]:
    """(scale, zero point) mapping [lo, hi] onto [-128, 127] (widened to hold zero: the
    zero point must lie in the int8 range)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    width = max(hi - lo, 1e-30)
    scale = width / 255.0
    return scale, int(np.clip(round(-128 - lo / scale), -128, 127))


def activation_choices(scale: float, zero_point: int, levels: int = 96) -> list[str]:
    """The fused activations whose clamp leaves at least `levels` of the 256 output values
    (outputs spread over int8 then mostly fall inside the clamp)."""
    choices = ["NONE"]
    if 127 - max(zero_point, -128) >= levels:
        choices.append("RELU")
    if scale > 1e-8 and min(127, zero_point + 6.0 / scale) - max(-128, zero_point) >= levels:
        choices.append("RELU6")
    if scale > 1e-8 and min(127, zero_point + 1 / scale) - max(-128, zero_point - 1 / scale) >= levels:
        choices.append("RELU_N1_TO_1")
    return choices
