"""TFLM's 513-entry interpolated int16 tables (LUTPopulateInt16<float>, common.h), computed in
float32 step by step as the interpreter does, with the C library's expf for exp (numpy's float32
exp may round differently by one unit in the last place)."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Callable

import numpy as np

from . import tflite_round

F = np.float32
_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_LIBM.expf.restype, _LIBM.expf.argtypes = ctypes.c_float, [ctypes.c_float]


def expf(x) -> np.float32:
    """std::exp(float): the C library's expf."""
    return F(_LIBM.expf(float(x)))


def reciprocal_one_plus(x) -> np.float32:
    """1.0f / (1.0f + x) in float32."""
    return F(1.0) / (F(1.0) + F(x))


def _round(x) -> np.float32:
    return F(tflite_round(float(x)))


def lut_int16(input_scale: float, input_zp: int, output_scale: float, output_zp: int,
              fn: Callable) -> np.ndarray:
    """LUTPopulateInt16<float>: 512 samples of fn over the int16 input range, each biased by half
    its interpolation error at the midpoint, and the last value."""
    with np.errstate(over="ignore", invalid="ignore"):
        in_min, in_max = F(input_scale) * F(-32768 - input_zp), F(input_scale) * F(32767 - input_zp)
        out_min, out_max = F(output_scale) * F(-32768 - output_zp), F(output_scale) * F(32767 - output_zp)
        step = (in_max - in_min) / F(512)
        half = step / F(2)
        inv = F(65536) / (out_max - out_min)
        lut = []
        for i in range(512):
            x = in_min + F(i) * step
            val, mid, nxt = fn(x), fn(x + half), fn(in_min + F(i + 1) * step)
            sample = _round(val * inv)
            interp = _round((nxt * inv + _round(val * inv)) / F(2))
            bias = _round((interp - _round(mid * inv)) / F(2))
            lut.append(min(max(sample - bias, F(-32768)), F(32767)))
        lut.append(min(max(_round(fn(in_max) * inv), F(-32768)), F(32767)))
    return np.asarray(lut, np.float32).astype(np.int64)
