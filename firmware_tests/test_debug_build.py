"""A user's debug build (-O0, -Og) of the generated C compiles warning-free on every core: the
inline-assembly fast paths need the optimizer's register allocation, so unoptimized builds take
their C forms (which compute the same values)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lite_micro.api import Options, compile_model
from lite_micro.targets import load_target

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs gcc-arm-none-eabi")


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55", "cortex-m0plus"])
@pytest.mark.parametrize("level", ["-O0", "-Og"])
def test_unoptimized_build_compiles(tmp_path, target, level):
    for name in ("kws_ref_model", "pretrainedResnet_quant"):
        gen = compile_model(MODELS / f"{name}.tflite", Options(target=target))
        out = tmp_path / name
        out.mkdir()
        for fname, text in gen.files.items():
            (out / fname).write_text(text)
        for source in sorted(f for f in gen.files if f.endswith(".c")):
            proc = subprocess.run(["arm-none-eabi-gcc", *load_target(target).cflags, level, "-std=c99", "-Wall",
                                   "-Werror", "-c", source, "-o", "/dev/null"], cwd=out, capture_output=True,
                                  text=True, timeout=120)
            assert proc.returncode == 0, (name, source, proc.stderr[-2000:])
