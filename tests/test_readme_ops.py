"""The README's op table against the op registry: every op kind appears once, and its int16x8
column says what the registry and the test suite say (no model is built: well under a second)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lite_micro.ops import PREPARE
from lite_micro.testing.strategies import CONFORMANCE

ROOT = Path(__file__).resolve().parents[1]
HEADER = "| op | quantization | int16x8 | notes | cases vs TFLM, 0 mismatches (CI / thorough) |"

# int16 forms checked against TFLM outside the conformance suite's "<OP>:int16" strategies
INT16_TESTS = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "tests/ops/test_lstm16.py",
    "SLICE": "tests/ops/test_s16.py",
    "RSQRT": "tests/ops/test_s16.py",
    "CAST": "tests/ops/test_coverage_ops.py",
    "ABS": "tests/ops/test_coverage_ops.py",
    "SQUARED_DIFFERENCE": "tests/ops/test_coverage_ops.py",
}


def readme_int16_column() -> dict[str, str]:
    """op -> "yes", "no" or "untested", from the op table's rows; a cell either applies to every
    op of its row or lists them: "yes: A, B; no: C"."""
    lines = (ROOT / "README.md").read_text().splitlines()
    column: dict[str, str] = {}
    for line in lines[lines.index(HEADER) + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        ops = [o.strip() for o in cells[0].split(",")]
        groups = [g.split(":") for g in cells[2].split(";")] if ":" in cells[2] else [[cells[2], ", ".join(ops)]]
        listed = []
        for status, names in groups:
            for op in (n.strip() for n in names.split(",")):
                assert op in ops, f"README: {op} in the int16x8 cell of row {cells[0]!r} but not in the row"
                assert op not in column, f"README: {op} in two rows of the op table"
                column[op] = status.strip()
                listed.append(op)
        assert sorted(listed) == sorted(ops), f"README: row {cells[0]!r} leaves ops out of its int16x8 cell"
    return column


def registry_int16(op: str) -> str:
    """What the registry and the tests say of op's int16 form."""
    if PREPARE[op].__qualname__.startswith("int8_only("):
        return "no"
    if f"{op}:int16" in CONFORMANCE:
        return "yes"
    test = INT16_TESTS.get(op)
    text = (ROOT / test).read_text() if test else ""
    if re.search(rf"\b{op}\b", text) and "int16" in text:
        return "yes"
    return "untested"


def test_readme_op_table_lists_every_registered_op_once():
    assert sorted(readme_int16_column()) == sorted(PREPARE)


@pytest.mark.parametrize("op", sorted(PREPARE))
def test_readme_int16_column_matches_registry(op):
    said = readme_int16_column().get(op)
    assert said == registry_int16(op), (f"README op table says int16x8 {said!r} for {op}; the registry and "
                                        f"tests say {registry_int16(op)!r}: update the README row")
