"""Biases near the int32 ends in QEMU: conv 1x1 and 3x3, depthwise 3x3 and FC side by side on one
input (tests/test_bias_overflow.py's graph_model), whose sums wrap modulo 2^32 as TFLM's do. On
cortex-m4 the DSP kernels (the packed-pair and doubled-sum forms fall back where the bias leaves
them no room), on cortex-m3 the portable ones built by the cross compiler (their sums in uint32_t)
must match the interpreter bit for bit. One small firmware per core."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_bias_overflow import graph_model, wrapped_share  # noqa: E402


@pytest.mark.parametrize("target_name", ["cortex-m4", "cortex-m3"])
def test_extreme_biases_bit_exact_in_qemu(tmp_path, target_name):
    model, target = graph_model(), load_target(target_name)
    gen = compile_model(model, Options(target=target, prefix="bias_ends"))
    sets = input_sets(gen.inputs, 4, 11)
    outputs = run_firmware(build_firmware(gen, target, sets, tmp_path), target)
    assert len(outputs) == len(sets)
    expected = []
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = Reference(model).run(inputs, len(got))
        assert len(want) == 4
        for j, (w, g) in enumerate(zip(want, got)):
            assert np.array_equal(g.reshape(-1), np.asarray(w).reshape(-1)), f"set {k} output {j}"
        expected += [np.asarray(w) for w in want]
    assert wrapped_share(expected) > 0.05       # some sums did cross an int32 end
