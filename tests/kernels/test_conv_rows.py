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
from lite_micro.reference import Reference, input_sets
from lite_micro.toolchain.host import build_host

THOROUGH = os.environ.get("LM_THOROUGH") == "1"
needs_firmware = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")

# (name, model, kernel prefix expected on cortex-m4)
CASES = [
    ("kws 10x4 c1 stride 2 same tail 3", _conv_case(31, 1, 13, 10, 1, 7, 10, 4, stride=(2, 2)), "lm_conv_rows_g10_"),
    ("c1 3x3 valid odd width tail 1", _conv_case(32, 1, 6, 7, 1, 5, 3, 3, padding="VALID"), "lm_conv_rows_g3_"),
    ("c2 3x3 stride 2 same tail 2", _conv_case(33, 1, 9, 8, 2, 6, 3, 3, stride=(2, 2)), "lm_conv_rows_g6_"),
    ("c3 3x3 stride 2 relu6 like vww", _conv_case(34, 1, 11, 9, 3, 8, 3, 3, stride=(2, 2), act="RELU6"),
     "lm_conv_rows_g9_clamp"),
    ("c3 5x5 batch 2 per tensor relu", _conv_case(35, 2, 6, 5, 3, 4, 5, 5, per_channel=False, act="RELU"),
     "lm_conv_rows_g20_clamp"),
    ("c1 5x1 tall kernel stride 2x1", _conv_case(36, 1, 9, 4, 1, 9, 5, 1, stride=(2, 1)), "lm_conv_rows_g5_"),
    ("c2 3x3 dilation 2 along height", _conv_case(37, 1, 9, 6, 2, 4, 3, 3, dil=(2, 1)), "lm_conv_rows_g6_"),
    ("c2 3x2 zero point after the shift", _conv_case(38, 1, 5, 6, 2, 6, 3, 2, mult=4e-9, out_zp=-128, act="RELU"),
     "lm_conv_rows_g3_zp"),
    ("c1 4x4 dead channels", _conv_case(39, 1, 7, 6, 1, 7, 4, 4, act="RELU", dead=(1, 5)), "lm_conv_rows_g4_"),
    ("c3 1x1 stride 2 odd pixels", _conv_case(40, 1, 5, 5, 3, 4, 1, 1, stride=(2, 2)), "lm_conv_rows_g1_"),
    ("c1 2x8 wide rows valid", _conv_case(41, 1, 4, 19, 1, 12, 2, 8, padding="VALID"), "lm_conv_rows_g4_"),
    ("dw micro_speech 10x8 mult 8 stride 2", depthwise(14, 12, 1, mult=8, k=(10, 8), stride=2, seed=42).build(),
     "lm_conv_rows_g20_"),
    ("dw c1 mult 3 tail 3", depthwise(5, 4, 1, mult=3, seed=43).build(), "lm_conv_rows_g3_"),
    ("dw c1 mult 5 3x3 stride 2 relu6", depthwise(9, 7, 1, mult=5, stride=2, act="RELU6", seed=44).build(),
     "lm_conv_rows_g3_clamp"),
    ("dw c1 mult 12 2x8 valid", depthwise(6, 11, 1, mult=12, k=(2, 8), padding="VALID", seed=45, out_q=(0.02, 3)).build(),
     "lm_conv_rows_g4_"),
    ("dw c1 mult 2 4x5 odd width", depthwise(8, 9, 1, mult=2, k=(4, 5), seed=46).build(), "lm_conv_rows_g8_"),
    ("dw c1 mult 8 per tensor 4x4", depthwise(11, 9, 1, mult=8, k=(4, 4), stride=2, seed=47,
                                             per_channel=False).build(), "lm_conv_rows_g4_"),
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
