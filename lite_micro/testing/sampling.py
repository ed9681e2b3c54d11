"""Drive hypothesis in two steps: draw a batch of cases cheaply, then shrink a failure.

Checking cases one by one costs a C compile each; `sample_cases` draws N cases so
they can be checked in one batch. When the batch finds a problem, `minimize`
replays the same draws under `@given` (the batch's verdicts are reused, so the
generation phase is free) and lets hypothesis shrink the failing case, checking
each smaller candidate on its own, within a time budget.
"""
from __future__ import annotations

import time

from lite_micro.testing.conformance import Mismatch, run_cases


def _settings(n, phases):
    from hypothesis import HealthCheck, settings  # lazily: the package works without it
    return settings(max_examples=n, phases=phases, database=None, deadline=None,
                    report_multiple_bugs=False, suppress_health_check=list(HealthCheck))


def sample_cases(strategy, n: int, seed_value: int = 0) -> list:
    """The first `n` cases hypothesis draws from `strategy` with this seed."""
    from hypothesis import Phase, given, seed
    cases = []

    @seed(seed_value)
    @_settings(n, [Phase.generate])
    @given(strategy)
    def collect(case):
        cases.append(case)

    collect()
    return cases


class _Found(AssertionError):
    pass


def minimize(strategy, n: int, seed_value: int, known: dict, kinds=("mismatch", "error"),
             budget_s: float = 120.0) -> Mismatch | None:
    """Shrink a failure of `strategy`; `known` maps model bytes -> Mismatch | None
    for the cases already checked by the batch (same strategy, n and seed).
    Returns the smallest failing case's Mismatch (or None if nothing failed)."""
    from hypothesis import Phase, given, seed
    state = {"last": None, "deadline": time.monotonic() + budget_s}

    def check(case):
        model = case.build()
        if model in known:
            problem = known[model]
        elif time.monotonic() > state["deadline"]:
            return                                 # out of budget: stop shrinking
        else:
            found = run_cases([model])
            problem = found[0] if found else None
            known[model] = problem
        if problem is not None and problem.kind in kinds:
            state["last"] = problem
            raise _Found(problem.summary())

    @seed(seed_value)
    @_settings(n, [Phase.generate, Phase.shrink])
    @given(strategy)
    def search(case):
        check(case)

    try:
        search()
    except _Found:
        return state["last"]
    return None
