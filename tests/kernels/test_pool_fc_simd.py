"""The DSP forms of AVERAGE_POOL_2D (lm_avgpool_simd_s8: window sums of 4 channels per word in
int16 lanes), of FULLY_CONNECTED's block shapes (lm_fc_hex_s8: blocks of six units, then of
four) and the limit of the doubled-sum requantization (lm_requantize_x2: sums near 2^30 keep
the single-multiply form), against the TFLM interpreter (tolerance 0).

Each case is a one-op model reaching one branch: channels in blocks of 16, of 4 and one by one
(and every mix), global windows over whole rows, windows cut by SAME padding, stride 2, the
largest window the lanes hold (256 pixels) and the first one they do not (the portable kernel),
batches, clamps; FC unit counts that end in a block of four, in two, in a padded block (odd
counts, 1 and 2 units), input depths of 1 to 7 and AD's shapes. A cortex-m4 compile runs on the
host through the kernels' portable C, and as firmware in QEMU on a Cortex-M4 (SXTAB16, SMLAD and
SMMLAR). LM_THOROUGH=1 runs every case in QEMU; CI runs four.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from test_conv_fc_fast import _check, _compile, _fc_case

from lite_micro.ops.specialize import fc_blocks
from lite_micro.reference import input_sets
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.toolchain.host import build_host

THOROUGH = os.environ.get("LM_THOROUGH") == "1"
needs_firmware = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")


def _pool_case(seed, n, h, w, c, kh, kw, stride=(1, 1), padding="VALID", act="NONE"):
    rng = np.random.default_rng(seed)
    scale, zp = float(np.float32(0.02 + 0.05 * rng.random())), int(rng.integers(-30, 30))
    inp = TensorSpec((n, h, w, c), "int8", scale, zp)
    oh = (h + stride[0] - 1) // stride[0] if padding == "SAME" else (h - kh) // stride[0] + 1
    ow = (w + stride[1] - 1) // stride[1] if padding == "SAME" else (w - kw) // stride[1] + 1
    out = TensorSpec((n, oh, ow, c), "int8", scale, zp)
    options = dict(padding=padding, stride_h=stride[0], stride_w=stride[1], filter_height=kh, filter_width=kw,
                   fused_activation_function=act)
    return OpCase("AVERAGE_POOL_2D", [inp], [out], options).build()


def _huge_bias_case(op, seed):
    """A CONV_2D 1x1 or FULLY_CONNECTED whose first (live) channel has a bias near 2^30: its sums
    do not fit the doubled-sum requantization, so the layer keeps the single-multiply form."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (4, 1, 1, 8) if op == "CONV_2D" else (4, 8)).astype(np.int8)
    b = rng.integers(-3000, 3000, 4).astype(np.int32)
    b[0] = (1 << 30) - 5
    inp = TensorSpec((1, 3, 3, 8) if op == "CONV_2D" else (1, 8), "int8", 0.05, 3)
    filt = TensorSpec(w.shape, "int8", 0.01, 0, 0, w)
    bias = TensorSpec((4,), "int32", float(np.float32(0.05 * 0.01)), 0, 0, b)
    out = TensorSpec((1, 3, 3, 4) if op == "CONV_2D" else (1, 4), "int8", 0.2, -5)
    options = dict(padding="VALID", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1) \
        if op == "CONV_2D" else {}
    return OpCase(op, [inp, filt, bias], [out], dict(options, fused_activation_function="NONE")).build()


# (name, model bytes, kernel expected on cortex-m4)
CASES = [
    ("pool_global_25x5_c64", _pool_case(1, 1, 25, 5, 64, 25, 5), "lm_avgpool_simd_s8"),
    ("pool_3x3_s2_same_c21", _pool_case(2, 1, 7, 9, 21, 3, 3, (2, 2), "SAME"), "lm_avgpool_simd_s8"),
    ("pool_2x3_c7_relu6_batch2", _pool_case(3, 2, 5, 6, 7, 2, 3, (1, 2), act="RELU6"), "lm_avgpool_simd_s8"),
    ("pool_4x4_s1_same_c3", _pool_case(4, 1, 6, 5, 3, 4, 4, padding="SAME", act="RELU"), "lm_avgpool_simd_s8"),
    ("pool_global_16x16_c20_limit", _pool_case(5, 1, 16, 16, 20, 16, 16), "lm_avgpool_simd_s8"),
    ("pool_global_17x16_c8_portable", _pool_case(6, 1, 17, 16, 8, 17, 16), "lm_avgpool_s8"),
    ("pool_1x1_c36", _pool_case(7, 1, 3, 4, 36, 1, 1), "lm_avgpool_simd_s8"),
    ("fc_8_in_128_units", _fc_case(31, 1, 8, 128), "lm_fc_hex_tensor_ssat_s8"),
    ("fc_128_in_8_units_relu", _fc_case(32, 1, 128, 8, act="RELU"), "lm_fc_hex_tensor_s8"),
    ("fc_5_in_2_units_per_channel", _fc_case(33, 1, 5, 2, per_channel=True), "lm_fc_hex_ssat_s8"),
    ("fc_6_in_12_units", _fc_case(34, 2, 6, 12), "lm_fc_hex6_tensor_ssat_s8"),
    ("fc_1_in_7_units_per_channel_relu6", _fc_case(35, 1, 1, 7, per_channel=True, act="RELU6"), "lm_fc_hex_s8"),
    ("fc_64_in_20_units_per_channel", _fc_case(36, 1, 64, 20, per_channel=True), "lm_fc_hex_ssat_s8"),
    ("fc_2_in_11_units", _fc_case(37, 1, 2, 11), "lm_fc_hex6_tensor_ssat_s8"),
    ("conv1x1_huge_bias_single_multiply", _huge_bias_case("CONV_2D", 38), "lm_conv_quad_s8"),
    ("fc_huge_bias_single_multiply", _huge_bias_case("FULLY_CONNECTED", 39), "lm_fc_fast_s8"),
]
QEMU_CI = {"pool_3x3_s2_same_c21", "pool_2x3_c7_relu6_batch2", "fc_64_in_20_units_per_channel", "fc_2_in_11_units",
           "conv1x1_huge_bias_single_multiply"}


def test_each_case_reaches_its_kernel():
    for name, model, kernel in CASES:
        assert [layer.kernel for layer in _compile(name, model).layers] == [kernel], name


def test_fc_blocks_cover_every_unit_count_without_padding_a_full_block():
    for units in range(1, 200):
        hexes, quads = fc_blocks(units)
        padded = 6 * hexes + 4 * quads
        assert padded >= units and padded - units <= 3, units
        assert padded - units <= 1 or units <= 2, units   # only 1 or 2 units pad more than one


def test_simd_forms_bit_exact_on_host(tmp_path):
    gens = [_compile(name, model) for name, model, _ in CASES]
    module = build_host(gens, tmp_path)
    for (name, model, _), gen in zip(CASES, gens):
        sets = input_sets(gen.inputs, 4, 13)
        _check(name, model, [module.run(name, s) for s in sets], sets)


@needs_firmware
@pytest.mark.parametrize("name", [c[0] for c in CASES if THOROUGH or c[0] in QEMU_CI])
def test_simd_forms_bit_exact_in_qemu_m4(name, tmp_path):
    from lite_micro.targets import load_target
    from lite_micro.toolchain.firmware import build_firmware
    from lite_micro.toolchain.qemu import run_firmware

    model = next(c[1] for c in CASES if c[0] == name)
    target = load_target("cortex-m4")
    gen = _compile(name, model)
    sets = input_sets(gen.inputs, 4, 13)
    elf = build_firmware(gen, target, sets, tmp_path)
    _check(name, model, run_firmware(elf, target), sets)


def test_requantize_x2_matches_multiply_by_quantized_multiplier(tmp_path):
    """rq2_table's triples, in Python and in lm_requantize_x2 (C), against the double-rounding
    port, over random and edge sums that the compiler's bound admits."""
    import importlib.util

    import cffi

    from lite_micro import quant
    from lite_micro.ops.requant import X2_LIMIT, requantize_x2, rq2_table, rq_triple
    from lite_micro.resources import templates_dir

    rng = np.random.default_rng(17)
    edges = [0, 1, -1, 2, -2, X2_LIMIT, -X2_LIMIT, 1 << 20, -(1 << 20)]
    xs, triples, want = [], [], []
    for i in range(200_000 if THOROUGH else 20_000):
        m, s = quant.quantize_multiplier(float(10 ** rng.uniform(-9, -0.35)))
        zp = int(rng.integers(-128, 128))
        triple = rq_triple(m, s, zp)
        x = edges[i % len(edges)] if i % 5 == 0 else int(rng.integers(-X2_LIMIT, X2_LIMIT + 1)
                                                          >> int(rng.integers(0, 30)))
        table = None if triple is None else rq2_table(np.asarray([triple]), abs(x))
        if table is None:
            continue
        t2 = tuple(int(v) for v in table[0])
        expected = quant.multiply_by_quantized_multiplier(x, m, s) + zp
        assert requantize_x2(x, t2) == expected, (x, m, s, zp)
        xs.append(2 * x)
        triples.extend(t2)
        want.append(expected)
    assert rq2_table(np.asarray([rq_triple(1 << 30, -5, 0)]), X2_LIMIT + 1) is None
    ffi = cffi.FFI()
    ffi.cdef("void t_x2(const int32_t *x, const int32_t *c, int32_t *out, int n);")
    ffi.set_source("_lm_x2_test", """
        #include "lm_common.h"
        void t_x2(const int32_t *x, const int32_t *c, int32_t *out, int n) {
            for (int i = 0; i < n; ++i) out[i] = lm_requantize_x2(x[i], c[3 * i], c[3 * i + 1], c[3 * i + 2]);
        }
    """, include_dirs=[str(templates_dir() / "runtime")], extra_compile_args=["-O2"])
    spec = importlib.util.spec_from_file_location("_lm_x2_test", ffi.compile(tmpdir=str(tmp_path)))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = ffi.new("int32_t[]", len(xs))
    mod.lib.t_x2(ffi.new("int32_t[]", xs), ffi.new("int32_t[]", triples), out, len(xs))
    assert list(out) == want
