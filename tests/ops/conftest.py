"""Shared by the op-family tests: the seed line in the report, and one batch of random and
edge cases against TFLM."""
import zlib

import pytest

from lite_micro.testing.conformance import run_cases
from lite_micro.testing.runs import describe, run_seed


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(describe())


@pytest.fixture
def check_random_and_edge_cases(tmp_path):
    """check(ops, count, offset, edges): `count` cases of each op's conformance strategy (seed
    crc32(op) + offset + the run's seed) and the edge cases, in one C build, against TFLM."""
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import INT8

    def check(ops, count: int, offset: int, edges: list) -> None:
        cases = [c for op in ops
                 for c in sample_cases(INT8[op], count, zlib.crc32(op.encode()) + offset + run_seed())]
        cases += edges
        problems = run_cases(cases, inputs_per_model=2, workdir=tmp_path)
        assert not problems, f"{len(problems)} of {len(cases)} differ; first: {problems[0].summary()}"
    return check
