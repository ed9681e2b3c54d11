"""int16x8 models TensorFlow's converter made from ordinary Keras layers
(examples/make_int16x8_models.py): bit-exact with TFLM on the host, the kept example models
always, freshly converted ones (another seed: other weights and scales) when TensorFlow is
installed. In QEMU they run with every example model (firmware_tests/test_models_qemu.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lite_micro.api import Options, compile_model
from lite_micro.verify import verify

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ("keras_conv16x8", "keras_audio16x8", "keras_lstm16x8")
INPUTS = 20


def _check(path: Path) -> None:
    result = verify(str(path), target="host", count=INPUTS)
    assert result.inputs == INPUTS and result.total_bytes > 0
    assert result.ok, f"{path.name}: {result.mismatched_inputs} of {INPUTS} inputs differ; " \
                      f"first: {result.first_mismatch}"


@pytest.mark.parametrize("name", NAMES)
def test_int16x8_example_model_is_bit_exact(name):
    path = EXAMPLES / "models" / f"{name}.tflite"
    gen = compile_model(str(path), Options(target="host"))
    assert any(layer.kernel and "_s16" in layer.kernel for layer in gen.layers)
    _check(path)


def test_freshly_converted_int16x8_models_are_bit_exact(tmp_path):
    pytest.importorskip("tensorflow")
    subprocess.run([sys.executable, str(EXAMPLES / "make_int16x8_models.py"), str(tmp_path), "--seed", "3",
                    *NAMES], check=True, capture_output=True)
    for name in NAMES:
        _check(tmp_path / f"{name}.tflite")
