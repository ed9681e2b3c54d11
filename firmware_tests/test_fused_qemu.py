"""Residual blocks run fused by blocks of rows (planner/fuse.py) as firmware in QEMU, against
the TFLM interpreter: the DSP kernels on cortex-m4, the portable ones on cortex-m0plus (in
ram_mode small: its fast plans run no blocks of rows). The random graph's small maps take the
depthwise 3x3 instances with their geometry built in on the DSP cores, which do not run by blocks,
so it is fused on cortex-m0plus. IC (pretrainedResnet_quant, its first block fused) runs on every
core in test_models_qemu.py."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.fused_cases import models
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

MODELS = models()
PICKED = [("cortex-m4", "res3x3"), ("cortex-m4", "res_swapped"), ("cortex-m0plus", "res_wide"),
          ("cortex-m0plus", "net34")]


@pytest.mark.parametrize("target,name", PICKED)
def test_fused_block_bit_exact_in_qemu(target, name, tmp_path):
    mode = "fast" if load_target(target).has("dsp") else "small"
    gen = compile_model(MODELS[name], Options(target=target, prefix=name, ram_mode=mode))
    assert list(gen.plan.fused) == [1]
    sets = input_sets(gen.inputs, 3, 7)
    outputs = run_firmware(build_firmware(gen, load_target(target), sets, tmp_path), load_target(target))
    assert len(outputs) == len(sets)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = Reference(MODELS[name]).run(inputs, len(got))
        for w, g in zip(want, got):
            assert np.array_equal(g.reshape(-1), np.asarray(w).reshape(-1)), f"{name} set {k}"
