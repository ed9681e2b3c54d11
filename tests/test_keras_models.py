"""Models TensorFlow's converter makes from ordinary Keras layers (examples/make_keras_model.py),
bit-exact with TFLM on the host: the kept example models always, and freshly converted ones
(another seed, so other weights and scales) when TensorFlow is installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lite_micro.verify import verify

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ("keras_mix_int8", "keras_mix_float_io", "keras_mix1d_int8")
INPUTS = 20


def _check(path: Path) -> None:
    result = verify(str(path), target="host", count=INPUTS)
    assert result.inputs == INPUTS and result.total_bytes > 0
    assert result.ok, f"{path.name}: {result.mismatched_inputs} of {INPUTS} inputs differ; " \
                      f"first: {result.first_mismatch}"


@pytest.mark.parametrize("name", NAMES)
def test_example_model_is_bit_exact(name):
    _check(EXAMPLES / "models" / f"{name}.tflite")


def test_freshly_converted_models_are_bit_exact(tmp_path):
    pytest.importorskip("tensorflow")
    subprocess.run([sys.executable, str(EXAMPLES / "make_keras_model.py"), str(tmp_path),
                    "--seed", "5"], check=True, capture_output=True)
    for name in NAMES:
        _check(tmp_path / f"{name}.tflite")
