"""Convolutions in place by blocks of rows (planner/rows.py) as firmware in QEMU, against the
TFLM interpreter: the DSP kernels (the 3x3 walks along rows and down columns, the quad 1x1
and 3x3 convolutions, the one-channel depthwise) on cortex-m4, the portable ones on
cortex-m0plus; and KWS with ram_mode small (every depthwise layer in place) on cortex-m4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.rows_cases import models
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

MODELS = models()
PICKED = {"cortex-m4": ["pw_shrink", "pw_grow", "conv3_s2_same", "dw3_tall", "dw3_wide", "dw3_s2_same",
                        "dw_mult2", "dw_c1_mult8"],
          "cortex-m0plus": ["pw_grow_odd", "conv3_s1_same", "dw3_tall", "dw_c1_mult8"]}
KWS = Path(__file__).resolve().parent.parent / "examples" / "models" / "kws_ref_model.tflite"


def _check(model: bytes, gen, target: str, tmp_path) -> None:
    sets = input_sets(gen.inputs, 3, 5)
    outputs = run_firmware(build_firmware(gen, load_target(target), sets, tmp_path), load_target(target))
    assert len(outputs) == len(sets)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = Reference(model).run(inputs, len(got))
        for w, g in zip(want, got):
            assert np.array_equal(g.reshape(-1), np.asarray(w).reshape(-1)), f"{gen.prefix} set {k}"


@pytest.mark.parametrize("target,name", [(t, n) for t, names in PICKED.items() for n in names])
def test_rows_case_bit_exact_in_qemu(target, name, tmp_path):
    gen = compile_model(MODELS[name], Options(target=target, prefix=name, ram_mode="small"))
    assert 0 in gen.plan.rows
    _check(MODELS[name], gen, target, tmp_path)


def test_kws_small_ram_mode_bit_exact_in_qemu(tmp_path):
    model = KWS.read_bytes()
    gen = compile_model(model, Options(target="cortex-m4", ram_mode="small"))
    assert sum(layer.op.kind == "DEPTHWISE_CONV_2D" for layer in gen.layers) == 4
    assert {i for i in gen.plan.rows if gen.layers[i].op.kind == "DEPTHWISE_CONV_2D"} == {1, 3, 5, 7}
    _check(model, gen, "cortex-m4", tmp_path)


@pytest.mark.parametrize("seed", [1, 4, 7])
def test_random_residual_net_in_qemu(seed, tmp_path):
    """Chains of convolutions in place by rows, with residual ADDs, on the DSP kernels."""
    from lite_micro.testing.rows_cases import random_net

    model = random_net(seed)
    gen = compile_model(model, Options(target="cortex-m4", prefix=f"net{seed}", ram_mode="small"))
    assert gen.plan.rows
    _check(model, gen, "cortex-m4", tmp_path)
