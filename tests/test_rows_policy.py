"""Which cores run convolutions in place by blocks of rows by default (api.rows_offered): the
DSP cores and the host in ram_mode fast; the cores without DSP only in ram_mode small (their
instruction counts may not rise), or when a RAM budget needs the blocks."""
from pathlib import Path

import pytest

from lite_micro.api import Options, compile_model
from lite_micro.testing.rows_cases import models

KWS = Path(__file__).resolve().parent.parent / "examples" / "models" / "kws_ref_model.tflite"


@pytest.mark.parametrize("target,fast_rows", [("cortex-m3", False), ("cortex-m0plus", False),
                                              ("cortex-m4", True), ("host", True)])
def test_fast_mode_blocks_only_where_they_cost_no_instructions(target, fast_rows):
    model = models()["pw_grow"]
    fast = compile_model(model, Options(target=target))
    small = compile_model(model, Options(target=target, ram_mode="small"))
    assert bool(fast.plan.rows) == fast_rows
    assert small.plan.rows
    if not fast_rows:
        assert small.arena_bytes < fast.arena_bytes


def test_a_budget_the_fast_plan_misses_still_gets_the_blocks():
    gen = compile_model(KWS, Options(target="cortex-m3", budget=True, ram=12_000))
    assert gen.plan.rows and gen.arena_bytes <= 12_000
