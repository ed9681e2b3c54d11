"""Whole example models on the host, every output byte against the TFLM interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lite_micro.verify import verify

from model_zoo import INT8_MODELS, model_path


@pytest.mark.parametrize("name", INT8_MODELS)
def test_model_bit_exact_on_host(name, host_workdir):
    result = verify(str(model_path(name)), target="host", count=20, seed=0, workdir=host_workdir)
    assert result.inputs == 20
    assert result.total_bytes > 0
    assert result.ok, result.first_mismatch


def test_cli_verify_json_exit_zero(host_workdir):
    proc = subprocess.run([sys.executable, "-m", "lite_micro.cli", "verify",
                           str(model_path("hello_world_int8")), "--target", "host", "--inputs", "20",
                           "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["bit_exact"] is True and report["inputs"] == 20
