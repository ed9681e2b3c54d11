"""Residual blocks run fused by blocks of rows (planner/fuse.py): the planner finds the pattern
on small blocks and on IC, the byte-level replay passes the schedule and catches broken ones,
the generated C is bit-exact with the TFLM interpreter on the host (QEMU:
firmware_tests/test_fused_qemu.py), and inspect reports the tiles."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.inspection import inspect_model
from lite_micro.planner import PlanError, plan_memory, simulate
from lite_micro.reference import Reference, input_sets
from lite_micro.testing.fused_cases import models
from lite_micro.toolchain.host import build_host

MODELS = models()
IC = Path(__file__).resolve().parent.parent / "examples" / "models" / "pretrainedResnet_quant.tflite"


@pytest.fixture(scope="module")
def host_builds(tmp_path_factory):
    gens = {name: compile_model(model, Options(target="host", prefix=name)) for name, model in MODELS.items()}
    return gens, build_host(list(gens.values()), tmp_path_factory.mktemp("fused"))


def test_every_case_runs_fused_below_the_plan_without_it(host_builds):
    gens, _ = host_builds
    for name, gen in gens.items():
        assert list(gen.plan.fused) == [1], name
        f = gen.plan.fused[1]
        assert f.positions == (1, 2, 3) and len(f.blocks) >= 2
        assert "residual block fused by blocks of rows" in gen.files[f"{name}.c"]
        whole = plan_memory(gen.graph, gen.layers, fuse=False)
        assert gen.arena_bytes < whole.arena_bytes, name


def test_bit_exact_with_tflm_on_the_host(host_builds):
    gens, module = host_builds
    differ = [(name, k) for name, gen in gens.items()
              for k, inputs in enumerate(input_sets(gen.inputs, 4, 5))
              if not all(np.array_equal(np.asarray(w).reshape(-1), g.reshape(-1)) for w, g in
                         zip(Reference(MODELS[name]).run(inputs, 1), module.run(name, inputs)))]
    assert differ == []


def _plan(name: str = "res3x3"):
    gen = compile_model(MODELS[name], Options(target="cortex-m4", prefix=name))
    return gen.graph, gen.plan


def _with_calls(plan, calls):
    f = plan.fused[1]
    return dataclasses.replace(plan, fused={1: dataclasses.replace(f, calls=tuple(calls))})


def test_the_replay_passes_the_schedule_and_catches_a_missing_move():
    graph, plan = _plan()
    simulate(graph, plan)
    calls = list(plan.fused[1].calls)
    move = next(k for k, c in enumerate(calls) if c.kind == "move")
    with pytest.raises(PlanError, match="fused call"):
        simulate(graph, _with_calls(plan, calls[:move] + calls[move + 1:]))


def test_the_replay_catches_an_add_run_before_its_conv2():
    graph, plan = _plan("res_wide")
    calls = list(plan.fused[1].calls)
    second_add = [k for k, c in enumerate(calls) if c.kind == "add"][1]
    conv2 = max(k for k, c in enumerate(calls[:second_add]) if c.kind == "conv2")
    broken = calls[:conv2] + [calls[second_add]] + calls[conv2:second_add] + calls[second_add + 1:]
    with pytest.raises(PlanError, match="add"):
        simulate(graph, _with_calls(plan, broken))


def test_the_replay_catches_a_band_laid_over_x():
    graph, plan = _plan("res_swapped")
    f = plan.fused[1]
    offsets = dict(plan.tensor_offsets)
    offsets[f.t1] = offsets[f.x]            # conv1's rows would overwrite x before the ADDs read it
    with pytest.raises(PlanError):
        simulate(graph, dataclasses.replace(plan, tensor_offsets=offsets))


def test_ic_first_block_fused_under_the_target_with_its_tile_reported():
    r = inspect_model(str(IC), "cortex-m4", stack=False)
    assert r["peak_ram_bytes"] <= 27_000
    assert r["recomputed_macs"] == 0
    tiles = {op["index"]: op["tile"] for op in r["ops"] if op["tile"]}
    assert sorted(tiles) == [1, 2, 3]
    tile = tiles[1]
    assert tile["ops"] == [1, 2, 3] and tile["blocks"] >= 2 and tile["recomputed_macs"] == 0
    assert tile["saved_bytes"] == 2 * 32 * 32 * 16 - tile["band_bytes"]
    assert r["ops"][3]["in_place"]["mode"] == "fused"


def test_the_replay_reads_what_the_params_give_not_what_the_schedule_says():
    graph, plan = _plan("res3x3")
    calls = list(plan.fused[1].calls)
    k = next(k for k, c in enumerate(calls) if c.kind == "conv1" and k > 0)
    taller = tuple((name, v + 1 if name == "in_h" else v) for name, v in calls[k].params)
    place, off = calls[k].src
    row = plan.fused[1].row
    # from one x row earlier (one the previous ADD wrote over), the declared ranges unchanged
    calls[k] = dataclasses.replace(calls[k], params=taller, src=(place, off - row))
    with pytest.raises(PlanError):
        simulate(graph, _with_calls(plan, calls))
