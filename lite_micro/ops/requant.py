"""Requantization constants for lm_requantize_rq: TFLM's double-rounding
MultiplyByQuantizedMultiplier as one 64-bit multiply-accumulate (see lm_common.h)."""

from __future__ import annotations

from typing import Optional

import numpy as np

HI_LIMIT = (1 << 30) - 2    # |hi_add| bound that keeps the high word of the sum inside int32


def rq_triple(multiplier: int, shift: int, out_zp: int) -> Optional[tuple[int, int, int]]:
    """(multiplier, hi_add, shift_hi) with the output zero point folded in, or None when the
    short form does not apply (a left shift, a right shift below 2, a multiplier outside
    QuantizeMultiplier's [2^30, 2^31) and not 0, or a zero point too large for the shift)."""
    right = -int(shift)
    if multiplier == 0:          # a dead channel: 0 whatever the shift
        right = max(right, 2)
    if right < 2 or right > 31 or not (multiplier == 0 or (1 << 30) <= multiplier < (1 << 31)):
        return None
    hi_add = (1 << (right - 2)) + int(out_zp) * (1 << (right - 1))
    if abs(hi_add) > HI_LIMIT:
        return None
    return int(multiplier), hi_add, right - 1


def rq_table(mults, shifts, out_zp: int) -> Optional[np.ndarray]:
    """[n, 3] int64 triples, one per (multiplier, shift), or None if any does not apply
    (out_zp 0: the zero point is added after the shift instead)."""
    triples = [rq_triple(int(m), int(s), out_zp) for m, s in zip(mults, shifts)]
    if any(t is None for t in triples):
        return None
    return np.asarray(triples, dtype=np.int64).reshape(-1, 3)


def requantize_rq(x: int, triple: tuple[int, int, int]) -> int:
    """What lm_requantize_rq computes (plus the folded zero point), in Python integers."""
    m, hi_add, shift_hi = triple
    neg = 1 if x < 0 else 0
    acc = x * m + ((hi_add - neg) << 32) + (0x40000000 | (neg << 31))
    return (acc >> 32) >> shift_hi


X2_LIMIT = (1 << 30) - 1    # |sum| bound that keeps the doubled sum inside int32


def rq2_table(table: np.ndarray, sum_bound) -> Optional[np.ndarray]:
    """lm_requantize_x2's triples (multiplier, h2 = 2 * hi_add, s2 = shift_hi + 1) from rq_table's,
    or None where a bound on |sum| (one per row, or one for all) leaves no room: the doubled sum
    and h2 plus the high word of the product must stay inside int32."""
    t = np.asarray(table, dtype=np.int64).reshape(-1, 3)
    bound = np.broadcast_to(np.asarray(sum_bound, dtype=np.int64), (len(t),))
    if (bound > X2_LIMIT).any() or (2 * np.abs(t[:, 1]) + bound + 2 >= 1 << 31).any():
        return None
    return np.stack([t[:, 0], 2 * t[:, 1], t[:, 2] + 1], axis=1)


def requantize_x2(x: int, triple: tuple[int, int, int]) -> int:
    """What lm_requantize_x2 computes from the doubled sum 2 * x, in Python integers."""
    m, h2, s2 = triple
    x2 = 2 * x
    return (((x2 * m + (1 << 31)) >> 32) + h2 + (-1 if x2 < 0 else 0)) >> s2
