"""The row reader of lm_conv_rows.h (CONV_2D with 1-3 input channels, DEPTHWISE_CONV_2D with one
input channel and a depth multiplier of 2 or more) against the TFLM interpreter (tolerance 0).

The cases reach every branch of the reader: kernel rows of 1 to 15 bytes (rows that are a
multiple of 4 bytes and rows padded to 4 with zero weights, whose extra bytes are read past the
row or, at the end of the input, from the row buffer), windows clipped at every border (SAME
padding, asymmetric padding from even kernels and stride 2, VALID), padded kernel rows, stride 1
and 2 and unequal strides, dilation along the height, odd output widths and pixel counts (a lone
last pixel), output channels that end in a tail of 1 to 3, multipliers 2 to 12, batches, every
requantization form (SSAT, clamp, zero point after the shift) and channels parked at huge biases.
A cortex-m4 compile runs on the host through the kernels' portable C, and as firmware in QEMU on
a Cortex-M4 (SMLAD path): CI runs a few cases there, LM_THOROUGH=1 all of them.
"""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest
from test_conv_fc_fast import _check, _conv_case
from test_depthwise_add_fast import depthwise

from lite_micro.api import Options, compile_model
from lite_micro.ops.conv_rows import row_weights
from lite_micro.reference import input_sets
from lite_micro.toolchain.host import build_host

THOROUGH = os.environ.get("LM_THOROUGH") == "1"
needs_firmware = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")

# (name, model, kernel prefix expected on cortex-m4)
CASES = [
    ("kws 10x4 c1 stride 2 same tail 3", _conv_case(31, 1, 13, 10, 1, 7, 10, 4, stride=(2, 2)), "lm_conv_rows_g10_r1_"),
    ("c1 3x3 valid odd width tail 1", _conv_case(32, 1, 6, 7, 1, 5, 3, 3, padding="VALID"), "lm_conv_rows_g3_r1_"),
    ("c2 3x3 stride 2 same tail 2", _conv_case(33, 1, 9, 8, 2, 6, 3, 3, stride=(2, 2)), "lm_conv_rows_g6_r2_"),
    ("c3 3x3 stride 2 relu6 like vww", _conv_case(34, 1, 11, 9, 3, 8, 3, 3, stride=(2, 2), act="RELU6"),
     "lm_conv_rows_g9_r3_clamp"),
    ("c3 5x5 batch 2 per tensor relu", _conv_case(35, 2, 6, 5, 3, 4, 5, 5, per_channel=False, act="RELU"),
     "lm_conv_rows_g20_r4_clamp"),
    ("c1 5x1 tall kernel stride 2x1", _conv_case(36, 1, 9, 4, 1, 9, 5, 1, stride=(2, 1)), "lm_conv_rows_g5_r1_"),
    ("c2 3x3 dilation 2 along height", _conv_case(37, 1, 9, 6, 2, 4, 3, 3, dil=(2, 1)), "lm_conv_rows_g6_r2_"),
    ("c2 3x2 zero point after the shift", _conv_case(38, 1, 5, 6, 2, 6, 3, 2, mult=4e-9, out_zp=-128, act="RELU"),
     "lm_conv_rows_g3_r1_zp"),
    ("c1 4x4 dead channels", _conv_case(39, 1, 7, 6, 1, 7, 4, 4, act="RELU", dead=(1, 5)), "lm_conv_rows_g4_r1_"),
    ("c3 1x1 stride 2 odd pixels", _conv_case(40, 1, 5, 5, 3, 4, 1, 1, stride=(2, 2)), "lm_conv_rows_g1_r1_"),
    ("c1 2x8 wide rows valid", _conv_case(41, 1, 4, 19, 1, 12, 2, 8, padding="VALID"), "lm_conv_rows_g4_r2_"),
    ("dw micro_speech 10x8 mult 8 stride 2", depthwise(14, 12, 1, mult=8, k=(10, 8), stride=2, seed=42).build(),
     "lm_conv_rows_g20_r2_"),
    ("dw c1 mult 3 tail 3", depthwise(5, 4, 1, mult=3, seed=43).build(), "lm_conv_rows_g3_r1_"),
    ("dw c1 mult 5 3x3 stride 2 relu6", depthwise(9, 7, 1, mult=5, stride=2, act="RELU6", seed=44).build(),
     "lm_conv_rows_g3_r1_clamp"),
    ("dw c1 mult 12 2x8 valid", depthwise(6, 11, 1, mult=12, k=(2, 8), padding="VALID", seed=45,
                                          out_q=(0.02, 3)).build(), "lm_conv_rows_g4_r2_"),
    ("dw c1 mult 2 4x5 odd width", depthwise(8, 9, 1, mult=2, k=(4, 5), seed=46).build(), "lm_conv_rows_g8_r2_"),
    ("dw c1 mult 8 per tensor 4x4", depthwise(11, 9, 1, mult=8, k=(4, 4), stride=2, seed=47,
                                             per_channel=False).build(), "lm_conv_rows_g4_r1_"),
]
QEMU_CI = {"kws 10x4 c1 stride 2 same tail 3", "c2 3x3 stride 2 same tail 2", "c3 3x3 stride 2 relu6 like vww",
           "c2 3x2 zero point after the shift", "dw micro_speech 10x8 mult 8 stride 2", "dw c1 mult 3 tail 3"}


def _compile(name, model):
    return compile_model(model, Options(target="cortex-m4", prefix="r_" + re.sub(r"\W", "_", name)))


def test_each_case_reaches_the_row_reader():
    for name, model, kernel in CASES:
        kernels = [layer.kernel for layer in _compile(name, model).layers]
        assert len(kernels) == 1 and kernels[0].startswith(kernel), (name, kernels)


def test_row_reader_bit_exact_on_host(tmp_path):
    gens = [_compile(name, model) for name, model, _ in CASES]
    module = build_host(gens, tmp_path)
    for (name, model, _), gen in zip(CASES, gens):
        sets = input_sets(gen.inputs, 4, 11)
        _check(name, model, [module.run(gen.prefix, s) for s in sets], sets)


@needs_firmware
@pytest.mark.parametrize("name", [c[0] for c in CASES if THOROUGH or c[0] in QEMU_CI])
def test_row_reader_bit_exact_in_qemu_m4(name, tmp_path):
    from lite_micro.targets import load_target
    from lite_micro.toolchain.firmware import build_firmware
    from lite_micro.toolchain.qemu import run_firmware

    model = next(c[1] for c in CASES if c[0] == name)
    target = load_target("cortex-m4")
    gen = _compile(name, model)
    sets = input_sets(gen.inputs, 4, 11)
    elf = build_firmware(gen, target, sets, tmp_path)
    _check(name, model, run_firmware(elf, target), sets)


def test_row_weights_pad_rows_with_zeros():
    w = (np.arange(5 * 3 * 3 * 3).reshape(5, 3, 3, 3) % 251 - 125).astype(np.int8)
    rows = row_weights(w)
    assert rows.shape == (5, 3 * 12) and rows.dtype == np.int8
    assert np.array_equal(rows.reshape(5, 3, 12)[:, :, :9], w.reshape(5, 3, 9))
    assert not rows.reshape(5, 3, 12)[:, :, 9:].any()


def test_rows_requantization_matches_multiply_by_quantized_multiplier(tmp_path):
    """lm_conv_rows_rq (portable C) from twice the sum and the derived triple, against the
    double-rounding port, over random and edge sums and every right shift."""
    import importlib.util

    import cffi

    from lite_micro import quant
    from lite_micro.ops.conv_rows import SUM_LIMIT, rows_triples
    from lite_micro.ops.requant import rq_triple
    from lite_micro.resources import templates_dir

    ffi = cffi.FFI()
    ffi.cdef("void t_rows(const int32_t *d, const int32_t *c, int32_t *out, int n);")
    ffi.set_source("_lm_rows_rq_test", """
        #include "lm_conv_rows.h"
        void t_rows(const int32_t *d, const int32_t *c, int32_t *out, int n) {
            for (int i = 0; i < n; ++i) out[i] = lm_conv_rows_rq(d[i], c[3 * i], c[3 * i + 1], c[3 * i + 2]);
        }
    """, include_dirs=[str(templates_dir() / "runtime")], extra_compile_args=["-O2"])
    spec = importlib.util.spec_from_file_location("_lm_rows_rq_test", ffi.compile(tmpdir=str(tmp_path)))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(12)
    edges = [0, 1, -1, 2, -2, SUM_LIMIT - 1, -(SUM_LIMIT - 1)]
    ds, triples, want = [], [], []
    for i in range(100_000 if THOROUGH else 20_000):
        m, s = quant.quantize_multiplier(float(10 ** rng.uniform(-9, -0.7)))
        if i % 50 == 0:
            m = 0
        zp = int(rng.integers(-128, 128))
        base = rq_triple(m, s, zp)
        if base is None:
            continue
        x = edges[i % len(edges)] if i % 5 == 0 else \
            int(rng.integers(-SUM_LIMIT + 1, SUM_LIMIT) >> int(rng.integers(0, 29)))
        triple = rows_triples(np.zeros((1, 1), np.int8), [0], np.array([base]))
        if triple is None:
            continue
        ds.append(2 * x)
        triples.extend(int(v) for v in triple[0])
        want.append(quant.multiply_by_quantized_multiplier(x, m, s) + zp)
    out = ffi.new("int32_t[]", len(ds))
    mod.lib.t_rows(ffi.new("int32_t[]", ds), ffi.new("int32_t[]", triples), out, len(ds))
    assert len(ds) > 1000
    assert list(out) == want


def _drawn(op: str, count: int, seed: int) -> dict:
    """name -> model: the conformance strategy's cases (lite_micro.testing.strategies) that reach
    the row reader on cortex-m4."""
    from lite_micro.errors import UnsupportedError
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import INT8 as STRATEGIES

    found = {}
    for i, case in enumerate(sample_cases(STRATEGIES[op], count, seed)):
        model = case.build()
        try:
            kernel = _compile(f"{op} drawn {i}", model).layers[0].kernel
        except UnsupportedError:
            continue
        if kernel.startswith("lm_conv_rows_"):
            found[f"{op} drawn {i}"] = model
    return found


DRAWN = {**_drawn("CONV_2D", 200 if THOROUGH else 60, 5), **_drawn("DEPTHWISE_CONV_2D", 200 if THOROUGH else 60, 6)}


def test_drawn_cases_reach_the_row_reader():
    assert sum(name.startswith("CONV_2D") for name in DRAWN) >= 5, sorted(DRAWN)
    assert sum(name.startswith("DEPTHWISE") for name in DRAWN) >= 5, sorted(DRAWN)


def test_drawn_cases_bit_exact_on_host(tmp_path):
    gens = [_compile(name, model) for name, model in DRAWN.items()]
    module = build_host(gens, tmp_path)
    for (name, model), gen in zip(DRAWN.items(), gens):
        sets = input_sets(gen.inputs, 3, 11)
        _check(name, model, [module.run(gen.prefix, s) for s in sets], sets)


@needs_firmware
@pytest.mark.parametrize("name", [n for i, n in enumerate(DRAWN) if THOROUGH or i % 8 == 0])
def test_drawn_cases_bit_exact_in_qemu_m4(name, tmp_path):
    from lite_micro.targets import load_target
    from lite_micro.toolchain.firmware import build_firmware
    from lite_micro.toolchain.qemu import run_firmware

    target = load_target("cortex-m4")
    gen = _compile(name, DRAWN[name])
    sets = input_sets(gen.inputs, 3, 11)
    _check(name, DRAWN[name], run_firmware(build_firmware(gen, target, sets, tmp_path), target), sets)
