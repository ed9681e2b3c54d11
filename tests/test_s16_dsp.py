"""int16x8 CONV_2D / FULLY_CONNECTED / DEPTHWISE_CONV_2D on DSP cores (lm_s16_dsp.c): the
cortex-m4 generation, its weights in the DSP layout, built for the host (the kernels' portable
loops over the same constants) against the TFLM interpreter. Each model reaches the paths its
builder names (lite_micro/testing/models_s16_dsp.py); the same models run in QEMU on a
cortex-m4 in firmware_tests/test_s16_dsp_qemu.py."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.ops import s16_dsp
from lite_micro.reference import Reference, input_sets
from lite_micro.testing.models_s16_dsp import conv_paths_model, wide_sums_model
from lite_micro.toolchain.host import build_host

MODELS = {"conv_paths": conv_paths_model, "wide_sums": wide_sums_model}


def _dsp_layers(gen):
    return [dict(layer.params) for layer in gen.layers if layer.kernel == "lm_conv_s16_dsp"]


def test_every_summing_mode_and_window_form_is_reached():
    layers = [p for build in MODELS.values() for p in _dsp_layers(compile_model(build(), Options(target="cortex-m4")))]
    assert sorted({p["mode"] for p in layers}) == [0, 1, 2, 3]
    forms = {(p["patch"], p["merge"], p["odd"]) for p in layers}
    assert {(1, 1, 0), (0, 0, 1), (0, 0, 0), (0, 1, 0)} <= forms      # patch, odd per tap, even per tap, rows


def test_depthwise_multipliers_1_and_2_take_the_dsp_kernel():
    gen = compile_model(conv_paths_model(), Options(target="cortex-m4"))
    dws = [dict(layer.params) for layer in gen.layers if layer.kernel == "lm_dwconv_s16_dsp"]
    assert sorted(p["out_c"] // p["in_c"] for p in dws) == [1, 2]
    assert any(p["out_c"] % 4 for p in dws)                        # a channel tail


def test_portable_cores_keep_the_portable_kernels():
    gen = compile_model(conv_paths_model(), Options(target="cortex-m3"))
    assert not _dsp_layers(gen) and any(layer.kernel == "lm_conv_s16" for layer in gen.layers)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_dsp_layout_bit_exact_on_host(name, host_workdir):
    model = MODELS[name]()
    gen = compile_model(model, Options(target="cortex-m4", prefix=f"s16dsp_{name}"))
    module = build_host([gen], host_workdir)
    ref = Reference(model)
    for k, s in enumerate(input_sets(gen.inputs, 6, 7)):
        want = ref.run(s, len(gen.outputs))
        got = module.run(gen.prefix, s)
        for j, (w, g) in enumerate(zip(want, got)):
            assert np.array_equal(np.asarray(g).reshape(-1), np.asarray(w).reshape(-1)), f"set {k} output {j}"
            if k >= 2:         # random inputs: outputs that are not one clamped constant
                assert len(np.unique(w)) > 1, f"set {k} output {j} is degenerate"


def test_wide_sums_exceed_int32_at_the_extreme_inputs():
    """The model of the 64-bit case really needs 64 bits: channel 0's sum at the all-32767 input."""
    assert 600 * 127 * 32767 >= s16_dsp.INT32_LIMIT


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs gcc-arm-none-eabi")
@pytest.mark.parametrize("opt", ["-O0", "-Os"])
def test_dsp_kernels_compile_strict_at_every_optimization(opt, tmp_path):
    """The asm blocks need registers an unoptimized build does not leave: those builds take the
    C loops; every build warning-free."""
    gen = compile_model(conv_paths_model(), Options(target="cortex-m4", prefix="s16o"))
    for fname, text in gen.files.items():
        (tmp_path / fname).write_text(text)
    subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", opt,
                    "-mcpu=cortex-m4", "-mthumb", "-c", "lm_s16_dsp.c"], cwd=tmp_path, check=True)
