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
