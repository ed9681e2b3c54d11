"""A fixed slice of the fuzzer (tests/fuzz) and every kept regression, replayed forever.

The slice fails on any internal error (exit 3), timeout or memory blow-up; a sample of the
accepted mutants is compiled with ASan+UBSan and run. LITEMICRO_FUZZ_CASES sets the slice
size (default 600, about 15 s on an idle machine); the long campaign is `python3 -m tests.fuzz --cases 1000000`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fuzz import campaign, runner

SLICE = int(os.environ.get("LITEMICRO_FUZZ_CASES", "600"))
SANITIZED = int(os.environ.get("LITEMICRO_FUZZ_SANITIZED", "3"))
REGRESSIONS = sorted(campaign.REGRESSIONS_DIR.glob("*.tflite"))


def test_fuzz_slice_has_no_internal_errors():
    summary = campaign.Summary()
    for number in range(SLICE):
        r = run_in_process(number)
        summary.add(r)
    assert not summary.failures, summary.report()
    assert summary.kinds["accepted"] > SLICE // 20, summary.report()    # the slice reaches codegen
    assert summary.kinds["refused"] > SLICE // 2, summary.report()


def run_in_process(number: int) -> campaign.Result:
    data, target, inspect, what = campaign.make_case(1, number)
    out = runner.run_case(data, target, inspect)
    return campaign.Result(number, out.kind, out.detail, out.message, what, target)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_accepted_mutants_are_clean_under_asan_and_ubsan():
    """The first accepted host mutants of the slice, built into one executable (one prefix
    each, as `--sanitize-sample` does) and run once."""
    kept = []
    for number in range(SLICE):
        data, target, inspect, what = campaign.make_case(1, number)
        if target != "host" or inspect:
            continue
        out = runner.run_case(data, target, prefix=f"fz{number}")
        if out.kind != "accepted" or out.gen.arena_bytes > runner.SANITIZE_MAX_ARENA:
            continue
        kept.append((number, out.gen))
        if len(kept) == SANITIZED:
            break
    assert len(kept) == SANITIZED
    assert runner.sanitize_batch(kept) == ("", -1), [n for n, _ in kept]


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_kept_regression(path: Path):
    target = path.name.split(".")[1]
    out = runner.run_case(path.read_bytes(), target)
    assert out.kind in ("accepted", "refused"), (out.kind, out.detail, out.message)
    if out.kind == "accepted" and out.gen is not None and shutil.which("gcc"):
        assert runner.sanitize_run(out.gen) == ""


def test_a_gcc_timeout_is_not_counted_and_does_not_stop_the_campaign(monkeypatch):
    """A loaded machine can make gcc time out under ASan: that case is not sanitized (None),
    it is no finding, and the campaign goes on (once it ended the whole run)."""
    import subprocess

    def slow_gcc(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, kwargs.get("timeout", 0))

    monkeypatch.setattr(runner.subprocess, "run", slow_gcc)
    number = next(n for n in range(SLICE) if _accepted_host(n))
    data, target, _, _ = campaign.make_case(1, number)
    assert runner.sanitize_run(runner.run_case(data, target).gen) is None
    res = campaign.run_one(1, 1, number)
    assert not res.sanitized and res.sanitizer == ""


def _accepted_host(number: int) -> bool:
    data, target, inspect, _ = campaign.make_case(1, number)
    return target == "host" and not inspect and runner.run_case(data, target).kind == "accepted"
