"""The DSP fast paths of CONV_2D and FULLY_CONNECTED (lm_conv_quad_s8 and its SSAT (also for
taps a multiple of 16) and clamp forms, lm_fc_hex_s8 and its per-tensor and SSAT forms, and
lm_conv_fast_s8 / lm_fc_fast_s8 where channel pairs do not fit) and their one-multiply requantization, against the TFLM
interpreter (tolerance 0).

Each case is a one-op model built to reach one branch of the fast paths: taps that end in a
tail (K not a multiple of 4), 1-3 input channels, odd widths and pixel counts, odd channel
counts, SAME and VALID padding, stride 2, dilation, per-tensor and per-channel scales, right
shifts of every size and the left shifts that keep the general kernel. A cortex-m4 compile
(DSP layouts) runs on the host through the kernels' portable C, and as firmware in QEMU on a
Cortex-M4 (SMLAD path), zero-weight channels parked at biases near 2^30 and sums too wide for
channel pairs included. LM_THOROUGH=1 runs every case in QEMU (about a minute); CI runs six.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from lite_micro import quant
from lite_micro.api import Options, compile_model
from lite_micro.ops.requant import requantize_rq, rq_triple
from lite_micro.reference import Reference, input_sets
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.toolchain.host import build_host

THOROUGH = os.environ.get("LM_THOROUGH") == "1"
needs_firmware = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")


def _conv_case(seed, n, h, w, cin, cout, kh, kw, stride=(1, 1), padding="SAME", dil=(1, 1),
               per_channel=True, act="NONE", mult=3e-3, out_zp=None, dead=()):
    """A CONV_2D model whose effective multiplier is about `mult` (>= 1: a left shift); the
    channels in `dead` have zero weights and a bias of +-2^30 (as some models park them)."""
    rng = np.random.default_rng(seed)
    in_scale, in_zp = 0.05, int(rng.integers(-20, 20))
    w_scales = [float(np.float32(0.01 * (1 + 0.5 * rng.random()))) for _ in range(cout)]
    weights = rng.integers(-127, 128, (cout, kh, kw, cin)).astype(np.int8)
    biases = rng.integers(-3000, 3000, cout).astype(np.int32)
    for k, c in enumerate(dead):
        weights[c] = 0
        biases[c] = (1 << 30) * (-1) ** k
    inp = TensorSpec((n, h, w, cin), "int8", in_scale, in_zp)
    filt = TensorSpec((cout, kh, kw, cin), "int8", w_scales if per_channel else w_scales[0], 0, 0, weights)
    bias = TensorSpec((cout,), "int32", [float(np.float32(in_scale * s)) for s in w_scales]
                      if per_channel else float(np.float32(in_scale * w_scales[0])), 0, 0, biases)
    oh = (h + stride[0] - 1) // stride[0] if padding == "SAME" else (h - (kh - 1) * dil[0] - 1) // stride[0] + 1
    ow = (w + stride[1] - 1) // stride[1] if padding == "SAME" else (w - (kw - 1) * dil[1] - 1) // stride[1] + 1
    out = TensorSpec((n, oh, ow, cout), "int8", float(np.float32(in_scale * w_scales[0] / mult)),
                     int(rng.integers(-10, 10)) if out_zp is None else out_zp)
    options = dict(padding=padding, stride_h=stride[0], stride_w=stride[1], dilation_h_factor=dil[0],
                   dilation_w_factor=dil[1], fused_activation_function=act)
    return OpCase("CONV_2D", [inp, filt, bias], [out], options).build()


def _fc_case(seed, batches, depth, units, per_channel=False, act="NONE", mult=3e-3, dead=()):
    rng = np.random.default_rng(seed)
    in_scale = 0.05
    w_scales = [float(np.float32(0.01 * (1 + 0.5 * rng.random()))) for _ in range(units)]
    weights = rng.integers(-127, 128, (units, depth)).astype(np.int8)
    biases = rng.integers(-3000, 3000, units).astype(np.int32)
    for k, c in enumerate(dead):
        weights[c] = 0
        biases[c] = (1 << 30) * (-1) ** k
    inp = TensorSpec((batches, depth), "int8", in_scale, int(rng.integers(-20, 20)))
    filt = TensorSpec((units, depth), "int8", w_scales if per_channel else w_scales[0], 0, 0, weights)
    bias = TensorSpec((units,), "int32", [float(np.float32(in_scale * s)) for s in w_scales]
                      if per_channel else float(np.float32(in_scale * w_scales[0])), 0, 0, biases)
    out = TensorSpec((batches, units), "int8", float(np.float32(in_scale * w_scales[0] / mult)),
                     int(rng.integers(-10, 10)))
    return OpCase("FULLY_CONNECTED", [inp, filt, bias], [out],
                  dict(fused_activation_function=act), 4).build()


# (name, model bytes, kernel expected on cortex-m4)
CASES = [
    ("conv1x1_c16_valid", _conv_case(1, 1, 4, 5, 16, 8, 1, 1, padding="VALID"), "lm_conv_quad16_ssat_s8"),
    # taps a multiple of 16: every block of a pixel pair in one run (lone last pixel, fewer
    # than 4 output channels, stride 2)
    ("conv1x1_c32_stride2_out3", _conv_case(27, 1, 5, 5, 32, 3, 1, 1, stride=(2, 2)), "lm_conv_quad16_ssat_s8"),
    # lm_conv_quad16_ssat_s8's run of every pixel pair (1x1, stride 1, out_c a multiple of 4),
    # the assembly widening the taps itself: an odd pixel count (a lone last pixel), batches;
    # out_c not a multiple of 4 (each pair, then the last block into a buffer); stride 2 (pairs
    # whose pixels are apart, widened by the assembly one pair at a time); kxk: kernel rows or
    # gathered patches widened in C (SAME padding, stride 2, dilation)
    ("conv1x1_c16_out8_odd_pixels_batch2", _conv_case(28, 2, 3, 5, 16, 8, 1, 1), "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c48_out12_one_pixel", _conv_case(29, 1, 1, 1, 48, 12, 1, 1, padding="VALID"),
     "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c32_out6_odd_width", _conv_case(30, 1, 3, 3, 32, 6, 1, 1), "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c16_out4_stride2_odd_width", _conv_case(31, 1, 7, 5, 16, 4, 1, 1, stride=(2, 2)),
     "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c64_out16_stride2", _conv_case(32, 1, 4, 6, 64, 16, 1, 1, stride=(2, 2), padding="VALID"),
     "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c24_out8", _conv_case(33, 1, 3, 3, 24, 8, 1, 1), "lm_conv_quad_ssat_s8"),  # 24 taps: no run
    ("conv3x3_c16_out8_same_stride2", _conv_case(34, 1, 7, 6, 16, 8, 3, 3, stride=(2, 2)),
     "lm_conv_quad16_ssat_s8"),
    ("conv3x3_c32_out5_dilated_valid", _conv_case(35, 1, 7, 7, 32, 5, 3, 3, padding="VALID", dil=(2, 2)),
     "lm_conv_quad16_ssat_s8"),
    ("conv1x1_c6_odd_out", _conv_case(2, 1, 3, 3, 6, 5, 1, 1, act="RELU"), "lm_conv_quad_clamp_s8"),
    ("conv1x1_stride2_odd_pixels", _conv_case(3, 1, 5, 5, 8, 4, 1, 1, stride=(2, 2)), "lm_conv_quad_ssat_s8"),
    ("conv3x3_c3_stride2_same", _conv_case(4, 1, 9, 7, 3, 8, 3, 3, stride=(2, 2), act="RELU6"),
     "lm_conv_rows_g9_r3_clamp"),   # 1-3 input channels: the row reader (test_conv_rows.py)
    ("conv10x4_c1_stride2", _conv_case(5, 1, 12, 7, 1, 7, 10, 4, stride=(2, 2)), "lm_conv_rows_g10_r1_ssat"),
    ("conv3x3_c1_valid", _conv_case(6, 1, 6, 5, 1, 3, 3, 3, padding="VALID"), "lm_conv_rows_g3_r1_ssat"),
    ("conv3x3_c2_dilated", _conv_case(7, 1, 7, 7, 2, 4, 3, 3, dil=(2, 2)), "lm_conv_quad_ssat_s8"),
    ("conv5x5_c4_per_tensor_batch2", _conv_case(8, 2, 6, 6, 4, 6, 5, 5, per_channel=False, act="RELU"),
     "lm_conv_quad_clamp_s8"),
    ("conv3x3_c20_tiny_mult", _conv_case(9, 1, 4, 4, 20, 4, 3, 3, mult=2e-6), "lm_conv_quad_ssat_s8"),
    # kernel rows of whole groups: pixel pairs inside the input widened in place (odd widths,
    # pairs across rows, a lone last pixel, stride 2, dilation, batches), border pairs gathered
    ("conv3x3_c16_valid_odd_width", _conv_case(24, 1, 5, 5, 16, 6, 3, 3, padding="VALID"),
     "lm_conv_quad16_ssat_s8"),
    ("conv3x3_c8_stride2_same_batch2", _conv_case(25, 2, 9, 9, 8, 5, 3, 3, stride=(2, 2)),
     "lm_conv_quad_ssat_s8"),
    ("conv3x2_c4_dilated_rows", _conv_case(26, 1, 8, 7, 4, 4, 3, 2, dil=(2, 1), act="RELU"),
     "lm_conv_quad_clamp_s8"),
    ("conv3x3_huge_shift_zp_after", _conv_case(17, 1, 5, 4, 6, 6, 3, 3, mult=4e-9, out_zp=-128, act="RELU"),
     "lm_conv_quad_s8"),
    ("conv1x1_huge_shift_zp_after_relu", _conv_case(18, 1, 3, 5, 8, 4, 1, 1, mult=1e-9, out_zp=5, act="RELU"),
     "lm_conv_quad_s8"),
    ("conv1x1_dead_channels_huge_biases", _conv_case(22, 1, 3, 4, 12, 7, 1, 1, act="RELU", dead=(1, 2, 6)),
     "lm_conv_quad_clamp_s8"),
    ("conv1x1_c1100_sums_too_wide_for_pairs", _conv_case(19, 1, 2, 3, 1100, 6, 1, 1), "lm_conv_fast_s8"),
    ("conv1x1_shift_right_1", _conv_case(10, 1, 3, 3, 4, 4, 1, 1, mult=0.3), "lm_conv_s8"),
    ("conv1x1_left_shift", _conv_case(11, 1, 3, 3, 4, 4, 1, 1, mult=3.0), "lm_conv_s8"),
    ("fc_10_in_5_units", _fc_case(12, 1, 10, 5), "lm_fc_hex6_tensor_ssat_s8"),
    ("fc_16_in_4_units_per_channel", _fc_case(13, 1, 16, 4, per_channel=True, act="RELU"), "lm_fc_hex_s8"),
    ("fc_3_in_1_unit", _fc_case(14, 1, 3, 1), "lm_fc_hex_tensor_ssat_s8"),
    ("fc_batch3_7_in_9_units", _fc_case(15, 3, 7, 9, act="RELU6"), "lm_fc_hex_tensor_s8"),
    ("fc_batch2_37_in_13_units_per_channel", _fc_case(21, 2, 37, 13, per_channel=True, act="RELU"),
     "lm_fc_hex_s8"),
    ("fc_dead_units_huge_biases_per_channel", _fc_case(23, 1, 24, 6, per_channel=True, dead=(1, 4)),
     "lm_fc_hex6_ssat_s8"),
    ("fc_1100_in_sums_too_wide_for_pairs", _fc_case(20, 1, 1100, 6), "lm_fc_fast_s8"),
    ("fc_left_shift", _fc_case(16, 1, 8, 4, mult=2.5), "lm_fc_s8"),
]
QEMU_CI = {"conv3x3_c3_stride2_same", "conv3x3_c16_valid_odd_width", "conv1x1_c16_out8_odd_pixels_batch2",
           "conv1x1_c32_out6_odd_width", "conv1x1_dead_channels_huge_biases",
           "conv3x3_huge_shift_zp_after", "conv10x4_c1_stride2", "fc_10_in_5_units",
           "fc_batch2_37_in_13_units_per_channel"}


def _compile(name, model):
    return compile_model(model, Options(target="cortex-m4", prefix=name))


def _check(name, model, got_sets, sets):
    ref = Reference(model)
    for k, (inputs, got) in enumerate(zip(sets, got_sets)):
        want = np.asarray(ref.run(inputs, 1)[0]).reshape(-1)
        got = np.asarray(got[0]).reshape(-1)
        bad = np.flatnonzero(got != want)
        assert bad.size == 0, f"{name} set {k}: {bad.size} bytes differ, first at {bad[0]}: " \
                              f"TFLM {want[bad[0]]}, ours {got[bad[0]]}"


def test_each_case_reaches_its_kernel():
    for name, model, kernel in CASES:
        gen = _compile(name, model)
        assert [layer.kernel for layer in gen.layers] == [kernel], name
        if name == "conv3x3_huge_shift_zp_after":   # the zero point added after the shift
            assert "-128" in gen.layers[0].args, gen.layers[0].args
        if name == "conv1x1_huge_shift_zp_after_relu":
            assert "5" in gen.layers[0].args, gen.layers[0].args


def test_fast_layouts_bit_exact_on_host(tmp_path):
    gens = [_compile(name, model) for name, model, _ in CASES]
    module = build_host(gens, tmp_path)
    for (name, model, _), gen in zip(CASES, gens):
        sets = input_sets(gen.inputs, 4, 11)
        _check(name, model, [module.run(name, s) for s in sets], sets)


@needs_firmware
@pytest.mark.parametrize("name", [c[0] for c in CASES if THOROUGH or c[0] in QEMU_CI])
def test_fast_kernels_bit_exact_in_qemu_m4(name, tmp_path):
    from lite_micro.targets import load_target
    from lite_micro.toolchain.firmware import build_firmware
    from lite_micro.toolchain.qemu import run_firmware

    model = next(c[1] for c in CASES if c[0] == name)
    target = load_target("cortex-m4")
    gen = _compile(name, model)
    sets = input_sets(gen.inputs, 4, 11)
    elf = build_firmware(gen, target, sets, tmp_path)
    _check(name, model, run_firmware(elf, target), sets)


def test_requantize_rq_matches_multiply_by_quantized_multiplier():
    """The folded constants against the double-rounding port, over random and edge values."""
    rng = np.random.default_rng(5)
    count = 200_000 if THOROUGH else 20_000
    edges = [0, 1, -1, 2, -2, (1 << 31) - 1, -(1 << 31), 1 << 30, -(1 << 30)]
    for i in range(count):
        m, s = quant.quantize_multiplier(float(10 ** rng.uniform(-9, -0.35)))
        zp = int(rng.integers(-128, 128))
        triple = rq_triple(m, s, zp)
        if triple is None:
            continue
        x = edges[i % len(edges)] if i % 7 == 0 else int(rng.integers(-(1 << 31), 1 << 31) >> int(rng.integers(0, 31)))
        assert requantize_rq(x, triple) == quant.multiply_by_quantized_multiplier(x, m, s) + zp, (x, m, s, zp)
    for m in (0, 1 << 30, (1 << 31) - 1):      # the multipliers at the ends of the range
        for s in range(-31, -1):
            for x in (-3, -2, -1, 0, 1, (1 << 31) - 1, -(1 << 31)):
                assert requantize_rq(x, rq_triple(m, s, 0)) == quant.multiply_by_quantized_multiplier(x, m, s)


def test_c_requantize_rq_and_requantize_match_the_port(tmp_path):
    """lm_requantize_rq (folded constants) and lm_requantize (its general entry) in C."""
    import importlib.util

    import cffi

    from lite_micro.resources import templates_dir

    ffi = cffi.FFI()
    ffi.cdef("void t_rq(const int32_t *x, const int32_t *c, int32_t *out, int n);"
             "void t_req(const int32_t *x, const int32_t *c, int32_t *out, int n);")
    ffi.set_source("_lm_rq_test", """
        #include "lm_common.h"
        void t_rq(const int32_t *x, const int32_t *c, int32_t *out, int n) {
            for (int i = 0; i < n; ++i) out[i] = lm_requantize_rq(x[i], c[3 * i], c[3 * i + 1], c[3 * i + 2]);
        }
        void t_req(const int32_t *x, const int32_t *c, int32_t *out, int n) {
            for (int i = 0; i < n; ++i) out[i] = lm_requantize(x[i], c[3 * i], c[3 * i + 1]);
        }
    """, include_dirs=[str(templates_dir() / "runtime")], extra_compile_args=["-O2"])
    spec = importlib.util.spec_from_file_location("_lm_rq_test", ffi.compile(tmpdir=str(tmp_path)))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(9)
    xs, rqs, reqs, want_rq, want_req = [], [], [], [], []
    for _ in range(100_000 if THOROUGH else 10_000):
        m, s = quant.quantize_multiplier(float(10 ** rng.uniform(-9, 1.2)))
        zp = int(rng.integers(-128, 128))
        x = int(rng.integers(-(1 << 31), 1 << 31) >> int(rng.integers(0, 31)))
        if s > 0:
            x = int(np.clip(x, -(1 << 31) >> s, ((1 << 31) - 1) >> s))  # TFLM's own range
        want = quant.multiply_by_quantized_multiplier(x, m, s)
        xs.append(x)
        reqs.append((m, s, 0))
        want_req.append(want)
        triple = rq_triple(m, s, zp)
        rqs.append(triple or (m, 0, 0))
        want_rq.append(want + zp if triple else None)
    n = len(xs)
    x_c = ffi.new("int32_t[]", xs)
    out = ffi.new("int32_t[]", n)
    mod.lib.t_req(x_c, ffi.new("int32_t[]", [v for t in reqs for v in t]), out, n)
    assert list(out) == want_req
    mod.lib.t_rq(x_c, ffi.new("int32_t[]", [v for t in rqs for v in t]), out, n)
    assert all(w is None or w == g for w, g in zip(want_rq, out))
