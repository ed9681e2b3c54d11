"""Arithmetic shared by the convolution-like ops: padding, output size, bias folding."""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir import Op

PADDING_SAME, PADDING_VALID = 0, 1


def out_size(padding: int, in_size: int, k: int, stride: int, dilation: int = 1) -> int:
    """ComputeOutSize (padding.h)."""
    eff = (k - 1) * dilation + 1
    if padding == PADDING_SAME:
        return (in_size + stride - 1) // stride
    return (in_size + stride - eff) // stride


def pad_before(stride: int, dilation: int, in_size: int, k: int, out: int) -> int:
    """ComputePaddingWithOffset (padding.h): the padding before the first element."""
    eff = (k - 1) * dilation + 1
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2


def spatial(op: Op, padding: int, in_hw, k_hw, strides, dilations, out_hw) -> tuple[int, int]:
    """Check the output size against the model and return (pad_top, pad_left)."""
    if padding not in (PADDING_SAME, PADDING_VALID):
        raise UnsupportedError(f"{op.describe()}: unknown padding {padding}")
    if min(strides) < 1 or min(dilations) < 1:
        raise UnsupportedError(f"{op.describe()}: stride and dilation must be at least 1")
    pads = []
    for i, axis in enumerate(("height", "width")):
        expect = out_size(padding, in_hw[i], k_hw[i], strides[i], dilations[i])
        if expect != out_hw[i]:
            raise UnsupportedError(f"{op.describe()}: output {axis} is {out_hw[i]} in the model but "
                                   f"{expect} from the input, kernel, stride and padding")
        pads.append(pad_before(strides[i], dilations[i], in_hw[i], k_hw[i], out_hw[i]))
    return pads[0], pads[1]


def fold_bias(op: Op, bias, weight_sums: np.ndarray, input_zero_point: int) -> np.ndarray:
    """bias[c] + input_offset * sum(weights[c]): TFLM's (x + input_offset) terms, done once,
    modulo 2^32. TFLM's int32 sums wrap (a bias near -2^31 or 2^31 takes them across), and the
    kernels' sums wrap as theirs do, so a folded bias outside int32 is taken as its low 32 bits."""
    b = np.zeros(weight_sums.shape, dtype=np.int64) if bias is None else bias.astype(np.int64).reshape(-1)
    if b.shape != weight_sums.shape:
        raise UnsupportedError(f"{op.describe()}: bias has {b.size} values for {weight_sums.size} output channels")
    folded = b - int(input_zero_point) * weight_sums.astype(np.int64)
    return wrap_int32(folded).astype(np.int32)


def wrap_int32(a) -> np.ndarray:
    """Integers taken modulo 2^32 as int32 values (a word's bits), in int64."""
    return ((np.asarray(a).astype(np.int64) + (1 << 31)) % (1 << 32)) - (1 << 31)
