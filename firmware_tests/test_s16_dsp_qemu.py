"""The int16x8 models of lite_micro/testing/models_s16_dsp.py (every path of the DSP kernels
in lm_s16_dsp.c) as cortex-m4 firmware in QEMU, against the TFLM interpreter: every output
byte equal."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.models_s16_dsp import conv_paths_model, wide_sums_model
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

MODELS = {"conv_paths": conv_paths_model, "wide_sums": wide_sums_model}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_s16_dsp_kernels_bit_exact_in_qemu(name, tmp_path):
    model = MODELS[name]()
    target = load_target("cortex-m4")
    gen = compile_model(model, Options(target="cortex-m4", prefix="s16dsp"))
    assert any(layer.kernel == "lm_conv_s16_dsp" for layer in gen.layers)
    sets = input_sets(gen.inputs, 5, 17)
    outputs = run_firmware(build_firmware(gen, target, sets, tmp_path), target)
    assert len(outputs) == len(sets)
    ref = Reference(model)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = ref.run(inputs, len(got))
        assert len(want) == len(got)
        for j, (w, g) in enumerate(zip(want, got)):
            w = np.asarray(w)
            assert g.dtype == w.dtype and np.array_equal(g.reshape(-1), w.reshape(-1)), f"set {k} output {j}"
