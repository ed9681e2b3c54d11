"""The Helium (MVE) kernels on cortex-m55 in QEMU against the TFLM interpreter, one op per
model, every output byte equal. The cases reach each MVE path (the `_rshift_s8` kernels and, with
output scales small enough for left shifts, the general ones): channel counts that end in a
predicated tail (1-3, 17, 19), odd widths, SAME/VALID padding (border windows), stride 2,
dilation, depth multiplier 1 and > 1, per-tensor and per-channel weights, batches of 1 and 3.

Set LITEMICRO_MVE_THOROUGH=1 to run every case; by default a few seconds' worth run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.testing.oneop import TensorSpec, build_model
from lite_micro.verify import verify

TARGET = "cortex-m55"
THOROUGH = os.environ.get("LITEMICRO_MVE_THOROUGH") == "1"


def _weights(rng, shape, per_channel: bool, channels: int, axis: int, w_min: int = -127):
    w = rng.integers(-127, 128, size=shape, dtype=np.int8)
    if w_min < -127:       # every third weight at the minimum: neighbouring taps sum past 255
        w.reshape(-1)[::3] = w_min
    scales = list(rng.uniform(0.002, 0.02, channels)) if per_channel else 0.01
    zps = [0] * channels if per_channel else 0
    return TensorSpec(tuple(shape), scale=scales, zero_point=zps, quantized_dimension=axis, data=w)


def _bias(rng, n):
    return TensorSpec((n,), dtype="int32", scale=1e-4, zero_point=0,
                      data=rng.integers(-3000, 3000, size=n, dtype=np.int32))


def conv_case(seed, b, h, w, c_in, c_out, k, stride, padding, per_channel, dil=1, out_scale=0.2):
    rng = np.random.default_rng(seed)
    eff = (k - 1) * dil + 1
    oh, ow = ((h + stride - 1) // stride, (w + stride - 1) // stride) if padding == "SAME" else \
        ((h - eff) // stride + 1, (w - eff) // stride + 1)
    inputs = [TensorSpec((b, h, w, c_in), scale=0.05, zero_point=-3),
              _weights(rng, (c_out, k, k, c_in), per_channel, c_out, 0), _bias(rng, c_out)]
    out = TensorSpec((b, oh, ow, c_out), scale=out_scale, zero_point=5)
    return build_model("CONV_2D", inputs, [out], dict(padding=padding, stride_w=stride, stride_h=stride,
                                                      dilation_w_factor=dil, dilation_h_factor=dil,
                                                      fused_activation_function="RELU"))


def dw_case(seed, h, w, c_in, mult, k, stride, padding, per_channel, dil=1, out_scale=0.1, w_min=-127,
            act="NONE"):
    rng = np.random.default_rng(seed)
    c_out = c_in * mult
    eff = (k - 1) * dil + 1
    oh, ow = ((h + stride - 1) // stride, (w + stride - 1) // stride) if padding == "SAME" else \
        ((h - eff) // stride + 1, (w - eff) // stride + 1)
    inputs = [TensorSpec((1, h, w, c_in), scale=0.05, zero_point=7),
              _weights(rng, (1, k, k, c_out), per_channel, c_out, 3, w_min), _bias(rng, c_out)]
    out = TensorSpec((1, oh, ow, c_out), scale=out_scale, zero_point=-4)
    return build_model("DEPTHWISE_CONV_2D", inputs, [out],
                       dict(padding=padding, stride_w=stride, stride_h=stride, depth_multiplier=mult,
                            dilation_w_factor=dil, dilation_h_factor=dil, fused_activation_function=act))


def fc_case(seed, batches, n_in, n_out, per_channel, out_scale=0.3):
    rng = np.random.default_rng(seed)
    inputs = [TensorSpec((batches, n_in), scale=0.05, zero_point=-9),
              _weights(rng, (n_out, n_in), per_channel, n_out, 0), _bias(rng, n_out)]
    out = TensorSpec((batches, n_out), scale=out_scale, zero_point=2)
    return build_model("FULLY_CONNECTED", inputs, [out], dict(fused_activation_function="NONE"))


def add_case(seed, shape, act="NONE", out_scale=0.08, op="ADD"):
    rng = np.random.default_rng(seed)
    a = TensorSpec(tuple(shape), scale=float(rng.uniform(0.01, 0.1)), zero_point=int(rng.integers(-20, 20)))
    b = TensorSpec(tuple(shape), scale=float(rng.uniform(0.01, 0.1)), zero_point=int(rng.integers(-20, 20)))
    out = TensorSpec(tuple(shape), scale=out_scale, zero_point=-6)
    return build_model(op, [a, b], [out], dict(fused_activation_function=act))


def pool_case(op, seed, h, w, c, k, stride, padding, act="NONE"):
    out_h, out_w = ((h + stride - 1) // stride, (w + stride - 1) // stride) if padding == "SAME" else \
        ((h - k) // stride + 1, (w - k) // stride + 1)
    del seed
    inp = TensorSpec((1, h, w, c), scale=0.05, zero_point=3)
    out = TensorSpec((1, out_h, out_w, c), scale=0.05, zero_point=3)
    return build_model(op, [inp], [out], dict(padding=padding, stride_w=stride, stride_h=stride, filter_width=k,
                                              filter_height=k, fused_activation_function=act))


# (id, builder, kernel the case must reach, in the default set?)
CASES = [
    ("conv1x1-c19-odd", lambda: conv_case(1, 1, 5, 3, 19, 7, 1, 1, "VALID", True), "lm_mve_conv_regs2_rshift_s8",
     True),
    # 1x1 with seven vectors per pixel: three segments (3, 3, 1)
    ("conv1x1-c100-segments", lambda: conv_case(42, 1, 4, 3, 100, 5, 1, 1, "VALID", True),
     "lm_mve_conv_regs_rshift_s8", True),
    # four vectors per pixel: three pixels at a time (weights in segments of two); 1x1 of
    # stride 1 runs over every row as one run (16 pixels: five threes and a last one alone)
    ("conv1x1-c64-threes", lambda: conv_case(45, 1, 4, 4, 64, 9, 1, 1, "VALID", True), "lm_mve_conv_regs_t_rshift_s8",
     True),
    ("conv2x2-c16-threes-same", lambda: conv_case(46, 1, 7, 8, 16, 6, 2, 1, "SAME", True),
     "lm_mve_conv_regs_t_rshift_s8", False),
    ("conv2x2-c16-threes-s2-b2", lambda: conv_case(47, 2, 9, 9, 16, 5, 2, 2, "SAME", False),
     "lm_mve_conv_regs_t_rshift_s8", False),
    # 1x1 of 8 and of 24 input channels: one and two vectors, three pixels at a time
    ("conv1x1-c8-flat-threes", lambda: conv_case(56, 1, 4, 7, 8, 13, 1, 1, "VALID", True),
     "lm_mve_conv_regs1_rshift_s8", False),
    # sums stored per pair of channels pixel by pixel (one STM) and gathered back for the
    # requantization: 18 channels (a tail of two) over 35 pixels (threes, then a pair)
    ("conv1x1-c8-o18-threes-tail", lambda: conv_case(58, 1, 5, 7, 8, 18, 1, 1, "VALID", True),
     "lm_mve_conv_regs1_rshift_s8", True),
    ("conv1x1-c24-s2-threes", lambda: conv_case(57, 2, 7, 11, 24, 10, 1, 2, "SAME", False),
     "lm_mve_conv_regs2_rshift_s8", False),
    ("conv1x1-c40-b3-flat", lambda: conv_case(48, 3, 2, 3, 40, 7, 1, 1, "VALID", True),
     "lm_mve_conv_regs3_rshift_s8", False),
    # small receptive fields held in Q registers (lm_mve_conv_regs.c): direct 16-byte rows
    # (border pixels through a window in scratch), packed words, V = 1..6 vectors
    ("conv3x3-c3-same-s2", lambda: conv_case(2, 1, 9, 7, 3, 8, 3, 2, "SAME", True), "lm_mve_conv_regs3_rshift_s8",
     True),
    ("conv3x3-c1-valid-packed", lambda: conv_case(3, 1, 6, 5, 1, 5, 3, 1, "VALID", False),
     "lm_mve_conv_regs1_rshift_s8", False),
    ("conv3x3-c5-valid-b3-odd", lambda: conv_case(31, 3, 5, 6, 5, 3, 3, 1, "VALID", True),
     "lm_mve_conv_regs3_rshift_s8", False),
    ("conv3x3-regs-left-shift", lambda: conv_case(32, 1, 6, 7, 2, 4, 3, 1, "SAME", True, out_scale=1e-4),
     "lm_mve_conv_regs3_s8", True),
    ("conv5x5-c1-packed-same", lambda: conv_case(37, 1, 9, 8, 1, 13, 5, 1, "SAME", True),
     "lm_mve_conv_regs3_rshift_s8", True),
    ("conv2x2-c9-s2", lambda: conv_case(38, 1, 9, 9, 9, 6, 2, 2, "SAME", True),
     "lm_mve_conv_regs_t_rshift_s8", False),
    ("conv3x3-c6-valid", lambda: conv_case(39, 1, 5, 6, 6, 2, 3, 1, "VALID", True), "lm_mve_conv_regs_rshift_s8",
     False),
    # seven kernel rows of 14 bytes: segments of 3, 3 and 1 vectors
    ("conv7x7-c2-segments", lambda: conv_case(40, 1, 9, 8, 2, 4, 7, 1, "SAME", True), "lm_mve_conv_regs_rshift_s8",
     False),
    # kernel rows past 16 bytes: patches
    ("conv3x3-c12-segments", lambda: conv_case(33, 1, 6, 5, 12, 6, 3, 1, "SAME", True), "lm_mve_conv_regs_rshift_s8",
     False),
    ("conv1x1-s2-b3", lambda: conv_case(4, 3, 6, 6, 17, 33, 1, 2, "SAME", True), "lm_mve_conv_regs2_rshift_s8",
     False),
    ("conv3x3-c2-dil2", lambda: conv_case(5, 1, 11, 9, 2, 6, 3, 1, "SAME", True, dil=2), "lm_mve_conv_rshift_s8",
     False),
    ("dw3x3-m1-c19-same", lambda: dw_case(6, 7, 5, 19, 1, 3, 1, "SAME", True), "lm_mve_dwconv_3x3_rshift_s8", True),
    # 3x3 interior windows unrolled: two full passes and a tail of 3 channels, odd width, stride 2
    ("dw3x3-c35-odd-width", lambda: dw_case(37, 8, 9, 35, 1, 3, 1, "SAME", False), "lm_mve_dwconv_3x3_rshift_s8",
     True),
    ("dw3x3-c21-valid-s2", lambda: dw_case(38, 9, 11, 21, 1, 3, 2, "VALID", True, act="RELU"),
     "lm_mve_dwconv_3x3_rshift_s8", True),
    # an activation inside int8: the clamp (otherwise the saturating narrow clamps)
    ("dw3x3-m1-relu6", lambda: dw_case(35, 6, 5, 20, 1, 3, 1, "SAME", True, act="RELU6"),
     "lm_mve_dwconv_3x3_rshift_s8", True),
    ("dw3x3-twin-relu", lambda: dw_case(36, 5, 6, 8, 1, 3, 1, "SAME", False, act="RELU"),
     "lm_mve_dwconv_x2_3x3_rshift_s8", False),
    ("dw3x3-m1-c16-s2", lambda: dw_case(7, 9, 9, 16, 1, 3, 2, "SAME", True), "lm_mve_dwconv_3x3_rshift_s8", False),
    ("dw3x3-m1-c3-valid", lambda: dw_case(8, 6, 7, 3, 1, 3, 1, "VALID", False), "lm_mve_dwconv_3x3_rshift_s8", False),
    # rows wider than the band-for-every-row limit, channels in 16-channel groups then a tail:
    # interior runs channel group by channel group (the whole 3x3 pass in one asm block)
    ("dw3x3-c40-wide-relu", lambda: dw_case(53, 6, 13, 40, 1, 3, 1, "SAME", True, act="RELU"),
     "lm_mve_dwconv_3x3_rshift_s8", True),
    ("dw3x3-c32-wide-s2-valid", lambda: dw_case(54, 9, 21, 32, 1, 3, 2, "VALID", False),
     "lm_mve_dwconv_3x3_rshift_s8", False),
    ("dw3x3-c8-twin-wide-relu6", lambda: dw_case(55, 5, 15, 8, 1, 3, 1, "SAME", True, act="RELU6"),
     "lm_mve_dwconv_x2_3x3_rshift_s8", False),
    ("dw3x3-m3-c5-same", lambda: dw_case(9, 6, 5, 5, 3, 3, 1, "SAME", True), "lm_mve_dwconv_rshift_s8", True),
    # one input channel: run as a plain convolution, the window in registers (packed words)
    ("dw5x5-m2-c1-s2", lambda: dw_case(10, 9, 8, 1, 2, 5, 2, "SAME", False), "lm_mve_conv_regs_rshift_s8", False),
    # 3x3, one input channel, multiplier a multiple of 8 (lm_mve_dw1): input bytes as scalars x
    # 8 channels' weights, two pixels at a time, an odd last pixel alone, rows through a band
    ("dw3x3-m8-c1-s2", lambda: dw_case(30, 9, 10, 1, 8, 3, 2, "SAME", True), "lm_mve_dw1_rshift_s8", True),
    ("dw3x3-m8-c1-valid-relu", lambda: dw_case(46, 7, 9, 1, 8, 3, 1, "VALID", False, act="RELU"),
     "lm_mve_dw1_rshift_s8", True),
    ("dw3x3-m8-c1-same-odd", lambda: dw_case(47, 7, 11, 1, 8, 3, 1, "SAME", True), "lm_mve_dw1_rshift_s8", False),
    ("dw3x3-m8-c1-valid-s2-relu6", lambda: dw_case(48, 10, 9, 1, 8, 3, 2, "VALID", True, act="RELU6"),
     "lm_mve_dw1_rshift_s8", False),
    ("dw3x3-m16-c1-s2", lambda: dw_case(49, 9, 9, 1, 16, 3, 2, "SAME", True), "lm_mve_dw1_rshift_s8", False),
    ("dw3x3-m8-c1-left-shift", lambda: dw_case(52, 6, 7, 1, 8, 3, 2, "SAME", True, out_scale=1e-4),
     "lm_mve_dw1_s8", False),
    # other multipliers and kernel sizes of one input channel stay plain convolutions
    ("dw3x3-m4-c1-s2-same", lambda: dw_case(50, 8, 7, 1, 4, 3, 2, "SAME", True), "lm_mve_conv_regs1_rshift_s8",
     False),
    ("dw10x8-m8-c1-s2", lambda: dw_case(41, 14, 12, 1, 8, 8, 2, "SAME", True), "lm_mve_conv_regs_t_rshift_s8",
     False),
    ("dw3x3-m3-c2-gather", lambda: dw_case(34, 5, 6, 2, 3, 3, 1, "VALID", True), "lm_mve_dwconv_rshift_s8", False),
    ("dw3x3-c8-twin-dil2", lambda: dw_case(11, 9, 9, 8, 1, 3, 1, "SAME", True, dil=2), "lm_mve_dwconv_x2_rshift_s8",
     False),
    ("dw3x3-m1-dil2", lambda: dw_case(11, 9, 9, 12, 1, 3, 1, "SAME", True, dil=2), "lm_mve_dwconv_m1_rshift_s8", False),
    # 8 channels, stride_w 1: two pixels per pass inside, single pixels at the border, odd width
    ("dw3x3-c8-twin-same", lambda: dw_case(25, 6, 7, 8, 1, 3, 1, "SAME", True), "lm_mve_dwconv_x2_3x3_rshift_s8",
     True),
    ("dw3x3-c8-twin-valid", lambda: dw_case(26, 7, 6, 8, 1, 3, 1, "VALID", False),
     "lm_mve_dwconv_x2_3x3_rshift_s8", False),
    ("dw3x3-c8-s2-not-twin", lambda: dw_case(27, 7, 7, 8, 1, 3, 2, "SAME", True), "lm_mve_dwconv_3x3_rshift_s8",
     False),
    # weights of -128: taps that cannot share an int16 sum go alone
    ("dw-twin-left-shift", lambda: dw_case(29, 4, 5, 8, 1, 3, 1, "SAME", True, out_scale=1e-4),
     "lm_mve_dwconv_x2_3x3_s8", False),
    ("dw3x3-unpairable-taps", lambda: dw_case(28, 5, 6, 21, 1, 3, 1, "SAME", True, w_min=-128),
     "lm_mve_dwconv_m1_rshift_s8", True),
    ("fc-per-tensor-odd", lambda: fc_case(12, 1, 37, 10, False), "lm_mve_fc_rshift_s8", True),
    ("add-tail-relu", lambda: add_case(14, (1, 3, 5, 7), "RELU"), "lm_mve_add_s8", True),
    ("sub-tail", lambda: add_case(21, (1, 3, 5, 7), "RELU", op="SUB"), "lm_mve_sub_s8", False),
    ("mul-tail", lambda: add_case(22, (2, 7, 3), op="MUL", out_scale=0.02), "lm_mve_mul_s8", True),
    ("mul-broadcast-stays-scalar", lambda: build_model("MUL", [TensorSpec((1, 4, 5), scale=0.05, zero_point=1),
                                                               TensorSpec((1, 1, 5), scale=0.04, zero_point=-2)],
                                                       [TensorSpec((1, 4, 5), scale=0.01, zero_point=0)],
                                                       dict(fused_activation_function="NONE")), "lm_mul_s8", False),
    ("add-1x1x1x3", lambda: add_case(15, (1, 1, 1, 3)), "lm_mve_add_s8", False),
    # 576 outputs: Prepare gives ADD / SUB a rescale table, read by gather loads
    ("add-large-table", lambda: add_case(23, (1, 8, 8, 9), "RELU"), "lm_mve_add_table_rshift_s8", True),
    ("sub-large-table", lambda: add_case(24, (1, 8, 8, 9), op="SUB"), "lm_mve_sub_table_rshift_s8", False),
    ("add-table-shift0-tail", lambda: add_case(44, (1, 7, 9, 9), out_scale=1.3e-7), "lm_mve_add_table_s8", False),
    ("maxpool-c19-same-s2", lambda: pool_case("MAX_POOL_2D", 0, 7, 6, 19, 3, 2, "SAME", "RELU6"),
     "lm_mve_maxpool_s8", True),
    ("avgpool-c3-same", lambda: pool_case("AVERAGE_POOL_2D", 0, 5, 7, 3, 3, 1, "SAME"), "lm_mve_avgpool_s8", False),
    ("avgpool-global-c17", lambda: pool_case("AVERAGE_POOL_2D", 0, 5, 4, 17, 4, 1, "VALID"), "lm_mve_avgpool_s8",
     False),
    # windows of more than 256 elements: sums in int32 lanes instead of int16
    ("avgpool-global-289-c10", lambda: pool_case("AVERAGE_POOL_2D", 0, 17, 17, 10, 17, 1, "VALID"),
     "lm_mve_avgpool_s8", False),
    ("maxpool-c1-valid", lambda: pool_case("MAX_POOL_2D", 0, 6, 5, 1, 2, 2, "VALID"), "lm_mve_maxpool_s8", False),
    # output scales below the input x weight scale: left shifts, the general (non-rshift) kernels
    ("conv-left-shift", lambda: conv_case(16, 1, 4, 5, 5, 6, 1, 1, "VALID", True, out_scale=1e-4),
     "lm_mve_conv_regs1_s8", True),
    ("conv-quad-left-shift", lambda: conv_case(43, 1, 7, 6, 3, 6, 3, 1, "SAME", True, dil=2, out_scale=1e-4),
     "lm_mve_conv_s8", False),
    ("dw-left-shift", lambda: dw_case(17, 5, 5, 6, 1, 3, 1, "SAME", True, out_scale=1e-4), "lm_mve_dwconv_3x3_s8",
     False),
    ("dw-m2-left-shift", lambda: dw_case(18, 4, 4, 3, 2, 3, 1, "SAME", False, out_scale=1e-4), "lm_mve_dwconv_s8",
     False),
    ("fc-left-shift", lambda: fc_case(19, 2, 20, 9, True, out_scale=1e-4), "lm_mve_fc_s8", False),
    ("add-left-shift", lambda: add_case(20, (1, 2, 3, 9), out_scale=1e-3), "lm_mve_add_s8", False),
    ("fc-per-channel-b3", lambda: fc_case(13, 3, 64, 5, True), "lm_mve_fc_rshift_s8", False),
]
SELECTED = [c for c in CASES if THOROUGH or c[3]]


@pytest.mark.parametrize("name,build,kernel,default", SELECTED, ids=[c[0] for c in SELECTED])
def test_mve_kernel_bit_exact(name, build, kernel, default, tmp_path):
    model = tmp_path / f"{name}.tflite"
    model.write_bytes(build())
    kernels = {layer.kernel for layer in compile_model(str(model), Options(target=TARGET)).layers}
    assert kernel in kernels, f"{name} did not reach {kernel}: {kernels}"
    result = verify(str(model), target=TARGET, count=3, seed=1, workdir=tmp_path)
    assert result.ok, result.first_mismatch


def test_no_mve_kernel_without_the_feature(tmp_path):
    model = tmp_path / "conv.tflite"
    model.write_bytes(conv_case(1, 1, 5, 3, 19, 7, 1, 1, "VALID", True))
    dw = tmp_path / "dw.tflite"
    dw.write_bytes(dw_case(6, 7, 5, 19, 1, 3, 1, "SAME", True))
    for m in (model, dw):
        kernels = {layer.kernel for layer in compile_model(str(m), Options(target="cortex-m4")).layers}
        assert not any(k.startswith("lm_mve_") for k in kernels)


# The cortex-m55 cycle model (lite_micro/bench/cycles_m55.py): MVE instructions cost 2, the
# FPU and scalar encodings they share the coprocessor space with stay as the M4 table prices them.
M55_PRICES = [
    ("vldrb.s8 q0, [r0], #16", 2), ("vldrw.u32 q1, [r1]", 2), ("vstrb.32 q2, [r2]", 2),
    ("vldrb.s32 q0, [r6, q4]", 2), ("vldrh.u16 q1, [r0]", 2), ("vmladava.s8 r0, q1, q2", 2),
    ("vmullb.s16 q0, q1, q2", 2), ("vadd.i32 q0, q1, q2", 2), ("vadd.i32 q0, q1, r2", 2),
    ("vqrdmulh.s32 q0, q1, q2", 2), ("vrshl.s32 q0, q1, q2", 2), ("vctp.8 r3", 1),
    ("adds r0, r1, r2", 1), ("vadd.f32 s0, s1, s2", 1),
    ("vldr s0, [r0]", 1), ("vldr d0, [r0]", 1), ("vmov r0, s1", 1), ("vpush {d8-d15}", 1),
]


def test_m55_cycle_model_prices(tmp_path):
    import shutil
    import subprocess

    from lite_micro.bench import icount
    from lite_micro.bench.cycles import cycle_model_note
    from lite_micro.bench.cycles_m55 import NOTE

    assert cycle_model_note(TARGET) == NOTE
    if shutil.which("arm-none-eabi-as") is None:
        pytest.skip("arm-none-eabi-as not installed")
    src = tmp_path / "t.s"
    src.write_text(".syntax unified\n.arch armv8.1-m.main\n.arch_extension mve\n.fpu fpv5-d16\n.thumb\n"
                   + "".join(f"{asm}\n" for asm, _ in M55_PRICES))
    obj, raw = tmp_path / "t.o", tmp_path / "t.bin"
    subprocess.run(["arm-none-eabi-as", "-o", obj, src], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
    code, i, got = raw.read_bytes(), 0, []
    while i < len(code):
        size = icount.thumb_size(code[i] | code[i + 1] << 8)
        got.append(icount.classify(code[i:i + size])[1])
        i += size
    assert list(zip([a for a, _ in M55_PRICES], got)) == M55_PRICES


@pytest.mark.skipif(not THOROUGH, reason="random MVE cases run with LITEMICRO_MVE_THOROUGH=1")
@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "AVERAGE_POOL_2D",
                                "MAX_POOL_2D"])
def test_mve_random_cases_bit_exact(op, tmp_path):
    """Cases drawn from the conformance strategies, compiled for cortex-m55 and run in QEMU."""
    from hypothesis import HealthCheck, given, settings

    from lite_micro.errors import UnsupportedError
    from lite_micro.testing.strategies import INT8

    @settings(max_examples=int(os.environ.get("LITEMICRO_MVE_EXAMPLES", "8")), deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(INT8[op])
    def check(case):
        model = tmp_path / "case.tflite"
        model.write_bytes(case.build())
        try:
            result = verify(str(model), target=TARGET, count=2, seed=3, workdir=tmp_path)
        except UnsupportedError:
            return
        checked.append(result.total_bytes)
        assert result.ok, result.first_mismatch

    checked = []
    check()
    assert checked, f"no {op} case drawn was supported"
