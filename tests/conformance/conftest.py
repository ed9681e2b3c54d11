"""Per-op figures of the conformance run, printed at the end of the pytest session."""
import pytest

from lite_micro.testing.runs import describe

RESULTS = {}  # op -> (cases, configurations, informative share, failures, seconds)


@pytest.fixture
def conformance_results():
    return RESULTS


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    terminalreporter.section("op conformance (cases vs TFLM, tolerance 0)")
    terminalreporter.write_line(describe())
    terminalreporter.write_line(f"{'op':24s} {'cases':>5s} {'configs':>7s} {'informative':>11s} "
                                f"{'failures':>8s} {'seconds':>7s}")
    for op, (cases, configs, share, failures, seconds) in sorted(RESULTS.items()):
        terminalreporter.write_line(f"{op:24s} {cases:5d} {configs:7d} {share:11.0%} "
                                    f"{failures:8d} {seconds:7.1f}")
