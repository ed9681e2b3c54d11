"""The C runtime's requantization against the Python ports of TFLM's arithmetic."""

from __future__ import annotations

import cffi
import numpy as np

from lite_micro import quant
from lite_micro.resources import templates_dir


def _build(tmp_path):
    ffi = cffi.FFI()
    ffi.cdef("int32_t t_requantize(int32_t, int32_t, int32_t);"
             "int32_t t_srdhm(int32_t, int32_t); int32_t t_rdbpot(int32_t, int32_t);")
    ffi.set_source("_lm_runtime_math", """
        #include "lm_common.h"
        int32_t t_requantize(int32_t x, int32_t m, int32_t s) { return lm_requantize(x, m, s); }
        int32_t t_srdhm(int32_t a, int32_t b) { return lm_srdhm(a, b); }
        int32_t t_rdbpot(int32_t x, int32_t e) { return lm_rdbpot(x, e); }
    """, include_dirs=[str(templates_dir() / "runtime")], extra_compile_args=["-O2"])
    so = ffi.compile(tmpdir=str(tmp_path))
    import importlib.util
    spec = importlib.util.spec_from_file_location("_lm_runtime_math", so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.lib


def test_requantize_matches_double_rounding_reference(tmp_path):
    lib = _build(tmp_path)
    rng = np.random.default_rng(7)
    edge_x = [0, 1, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 30, -2 ** 30, 12345, -12345]
    xs = edge_x + [int(v) for v in rng.integers(-2 ** 31, 2 ** 31, 20000)] + \
        [int(v) for v in rng.integers(-70000, 70000, 20000)]
    for x in xs:
        real = float(10 ** rng.uniform(-9, 1.5))
        m, s = quant.quantize_multiplier(real)
        if s > 0:
            x = int(np.clip(x, -(2 ** 31) >> s, ((2 ** 31) - 1) >> s))  # TFLM's own range
        want = quant.multiply_by_quantized_multiplier(x, m, s)
        assert lib.t_requantize(x, m, s) == want, (x, m, s)


def test_srdhm_and_rdbpot_match_reference(tmp_path):
    lib = _build(tmp_path)
    rng = np.random.default_rng(3)
    for _ in range(20000):
        a, b = (int(v) for v in rng.integers(-2 ** 31, 2 ** 31, 2))
        assert lib.t_srdhm(a, b) == quant.saturating_rounding_doubling_high_mul(a, b)
        e = int(rng.integers(0, 31))
        assert lib.t_rdbpot(a, e) == quant.rounding_divide_by_pot(a, e)
    assert lib.t_srdhm(-2 ** 31, -2 ** 31) == 2 ** 31 - 1
