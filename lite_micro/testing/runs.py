"""How many random cases a test draws, and from which seeds: one place for every test.

    LITEMICRO_CASES=N        cases per op in every randomized test (each test has its own
                             default, sized for CI); the thorough mode is e.g. 500
    LITEMICRO_SEED=S[,S...]  the seeds; several seeds run one after the other

Without LITEMICRO_SEED the seed comes from the commit under test (the first 8 hex digits
of `git rev-parse HEAD`), so a rerun of a commit sees the same cases and every new commit
sees new ones; outside a git checkout it is FALLBACK_SEED. Tests print the seed in use.
"""
from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

CASES_VAR, SEED_VAR = "LITEMICRO_CASES", "LITEMICRO_SEED"
FALLBACK_SEED = 20261129


def case_count(default: int) -> int:
    """LITEMICRO_CASES if set, else the test's CI default."""
    value = os.environ.get(CASES_VAR, "").strip()
    return int(value) if value else default


@functools.lru_cache(maxsize=None)
def commit_seed() -> tuple[int, str]:
    """(seed, where it came from) for the checkout this package sits in."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        return int(head[:8], 16), f"commit {head[:10]}"
    except (OSError, subprocess.SubprocessError, ValueError):
        return FALLBACK_SEED, "fixed fallback (not in a git checkout)"


def seeds() -> list[int]:
    """The seeds of this run: LITEMICRO_SEED's list, else the commit's seed."""
    value = os.environ.get(SEED_VAR, "").strip()
    if value:
        return [int(s) for s in value.replace(",", " ").split()]
    return [commit_seed()[0]]


def run_seed() -> int:
    """The first seed, for tests that take one."""
    return seeds()[0]


def describe() -> str:
    """One line for the test report: the seeds, where they came from, how to replay."""
    origin = f"{SEED_VAR}" if os.environ.get(SEED_VAR, "").strip() else commit_seed()[1]
    count = os.environ.get(CASES_VAR, "").strip() or "each test's default"
    listed = ",".join(str(s) for s in seeds())
    return (f"random cases: seed {listed} ({origin}), cases per op: {count}; "
            f"replay with {SEED_VAR}={listed}")
