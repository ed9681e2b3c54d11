"""Replay every kept minimized failure: each must now match TFLM exactly, on random inputs
and on the input sets its note lists under "replay" (the inputs that failed)."""
import json
from pathlib import Path

import pytest

from lite_micro.testing.conformance import run_cases

KEPT = sorted((Path(__file__).parent / "regressions").glob("*.tflite"))


@pytest.mark.parametrize("path", KEPT, ids=[p.stem for p in KEPT])
def test_kept_case_matches_tflm(path):
    note = json.loads(path.with_suffix(".json").read_text())
    problems = run_cases([path.read_bytes()], workdir=None, replay=[note.get("replay", [])])
    assert not problems, f"{note['model']}: {problems[0].summary()}"
