"""Biases near the int32 ends on cortex-m4 in QEMU: conv 1x1 and 3x3, depthwise 3x3 and FC side
by side on one input (tests/test_bias_overflow.py's graph_model), whose sums wrap modulo 2^32 as
TFLM's do; the DSP kernels (the packed-pair and doubled-sum forms fall back where the bias leaves
them no room) must match the interpreter bit for bit. One small firmware."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_bias_overflow import graph_model, wrapped_share  # noqa: E402


def test_extreme_biases_bit_exact_on_cortex_m4(tmp_path):
    model, target = graph_model(), load_target("cortex-m4")
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
