"""`verify` compares every input set and every output the model has: a build that prints
fewer is a mismatch, not a shorter comparison."""
from pathlib import Path

import pytest

from lite_micro import verify as verify_module
from lite_micro import verify_data

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "hello_world_int8.tflite"


@pytest.fixture
def truncated(monkeypatch):
    real = verify_data.run_batched

    def run(keep_sets, keep_outputs):
        def fake(gen, sets, workdir, *args, **kwargs):
            return [outs[:keep_outputs] for outs in real(gen, sets, workdir)[:keep_sets]]
        monkeypatch.setattr(verify_data, "run_batched", fake)
        return verify_module.verify(str(MODEL), target="host", count=4)
    return run


def test_complete_output_is_bit_exact(truncated):
    result = truncated(4, 1)
    assert result.ok and result.inputs == 4


def test_missing_input_sets_are_mismatches(truncated):
    result = truncated(2, 1)
    assert not result.ok and result.mismatched_inputs == 2
    assert "input set 2: litemicro gave 0 of 1 outputs" in result.first_mismatch


def test_missing_outputs_are_mismatches(truncated):
    result = truncated(4, 0)
    assert not result.ok and result.mismatched_inputs == 4
