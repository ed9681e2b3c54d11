"""Instruction counts are exact, so a rise is a regression: CI fails when an inference of KWS
or IC on cortex-m4 takes more than 1% more instructions than the figure recorded in
benchmarks/icount_baseline.json. A fall is welcome: record it with

    python benchmarks/run.py --record-baseline

so that the next regression is measured from the new figure.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lite_micro.bench import bench

ROOT = Path(__file__).resolve().parents[1]
BASELINE = json.loads((ROOT / "benchmarks" / "icount_baseline.json").read_text())
TOLERANCE = 0.01

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None
                                or shutil.which("qemu-system-arm") is None,
                                reason="needs gcc-arm-none-eabi and qemu-system-arm")


@pytest.mark.parametrize("model", ["kws_ref_model", "pretrainedResnet_quant"])
def test_instructions_do_not_rise(model):
    recorded = BASELINE["cortex-m4"][model]
    now = bench(ROOT / "examples" / "models" / f"{model}.tflite", "cortex-m4", per_layer=False)["instructions"]
    assert now <= recorded * (1 + TOLERANCE), (
        f"{model} on cortex-m4: {now:,} instructions, {now / recorded - 1:+.2%} against the recorded {recorded:,}")
