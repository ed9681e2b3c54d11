"""Differential conformance per op: random valid one-op models, our generated C vs TFLM.

N configurations per op (30 by default; LITEMICRO_CONFORMANCE_CASES=500 for the
thorough mode; LITEMICRO_CONFORMANCE_SEED=k draws another set) are checked in one
batch (one C compile). On a mismatch the failing configuration is shrunk with
hypothesis and kept under regressions/ for replay.
"""
import os
import time
import zlib

import pytest

from lite_micro.testing.conformance import run_cases, save_regression
from lite_micro.testing.sampling import minimize, sample_cases
from lite_micro.testing.strategies_more import ALL_STRATEGIES

CASES = int(os.environ.get("LITEMICRO_CONFORMANCE_CASES", "30"))
SEED = int(os.environ.get("LITEMICRO_CONFORMANCE_SEED", "0"))
REGRESSIONS = os.path.join(os.path.dirname(__file__), "regressions")
FAILURES = ("mismatch", "error", "tflm")
SHRINK_SECONDS = {"left": 240.0}   # for the whole session: a broken kernel shared by
                                   # many ops must not turn CI into hours of shrinking


@pytest.mark.parametrize("op", sorted(ALL_STRATEGIES))
def test_op_matches_tflm(op, conformance_results, tmp_path):
    start = time.monotonic()
    strategy, seed = ALL_STRATEGIES[op], zlib.crc32(op.encode()) + SEED
    cases = sample_cases(strategy, CASES, seed)
    problems = run_cases(cases, workdir=tmp_path)
    failures = [p for p in problems if p.kind in FAILURES]
    unsupported = [p for p in problems if p.kind == "unsupported"]
    conformance_results[op] = (len(cases), len(unsupported), len(failures),
                               time.monotonic() - start)
    if failures:
        known = {bytes(c.build()): None for c in cases}
        known.update({p.model: p for p in problems})
        budget = min(120.0, SHRINK_SECONDS["left"])
        began = time.monotonic()
        smallest = (budget > 0 and minimize(strategy, CASES, seed, known, FAILURES, budget)
                    or failures[0])
        SHRINK_SECONDS["left"] -= time.monotonic() - began
        path = save_regression(smallest, REGRESSIONS)
        pytest.fail(f"{len(failures)} of {len(cases)} {op} cases differ from TFLM; "
                    f"smallest kept as {os.path.relpath(path)}:\n  {smallest.summary()}")
    if unsupported:
        pytest.xfail(f"{op}: {len(unsupported)} of {len(cases)} configurations not "
                     f"supported yet ({unsupported[0].message})")
    assert len(cases) >= min(CASES, 10)
