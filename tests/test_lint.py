"""ruff over every Python package of the project, with the configuration in pyproject.toml."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from model_zoo import ROOT

FOLDERS = ["lite_micro", "tests", "firmware_tests", "benchmarks", "examples"]


def _ruff() -> list[str]:
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.skip("ruff is not installed (it is in the test extra: pip install -e '.[test]')")


def test_ruff_is_clean():
    proc = subprocess.run([*_ruff(), "check", "--no-cache", *FOLDERS], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-1000:]


def test_ruff_reads_every_package():
    """ruff skips folders with output-like names (`build`, `dist`) by default: every package must be checked."""
    proc = subprocess.run([*_ruff(), "check", "--no-cache", "--show-files", *FOLDERS], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    files = proc.stdout
    for path in ("lite_micro/toolchain/firmware.py", "lite_micro/ops/base.py", "tests/test_lint.py",
                 "firmware_tests/test_firmware.py", "examples/make_keras_model.py"):
        assert path in files, f"ruff does not check {path}"
