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


@pytest.mark.parametrize("name", ["kws_ref_model", "person_detect"])
def test_dsp_layouts_bit_exact_through_portable_path(name, host_workdir):
    """A cortex-m4 generation (DSP kernels, packed weights) built for the host runs the
    kernels' portable paths over the same packed constants: still bit-exact."""
    import numpy as np

    from lite_micro.api import Options, compile_model
    from lite_micro.reference import Reference, input_sets
    from lite_micro.toolchain.host import build_host

    gen = compile_model(model_path(name), Options(target="cortex-m4", prefix=f"{name}_m4"))
    assert any((layer.kernel or "").startswith("lm_dwt3x3_") for layer in gen.layers)    # lm_dwconv_3x3_cols.h
    module = build_host([gen], host_workdir)
    ref = Reference(model_path(name).read_bytes())
    for s in input_sets(gen.inputs, 6, 3):
        assert np.array_equal(module.run(gen.prefix, s)[0], ref.run(s, 1)[0])
