"""Per-op counts of the conformance run, printed at the end of the pytest session."""
import pytest

RESULTS = {}  # op -> (checked, unsupported, problems, seconds)


@pytest.fixture
def conformance_results():
    return RESULTS


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    terminalreporter.section("op conformance (cases vs TFLM, tolerance 0)")
    for op, (checked, unsupported, problems, seconds) in sorted(RESULTS.items()):
        terminalreporter.write_line(
            f"{op:24s} {checked:4d} cases  {unsupported:4d} unsupported  "
            f"{problems:3d} mismatches  {seconds:6.1f} s")
