"""Convolutions in place by blocks of rows (planner/rows.py): the plan uses them on odd shapes,
the byte-level replay proves them safe and catches a wrong direction, and the generated C is
bit-exact with the TFLM interpreter on the host (QEMU: firmware_tests/test_rows_qemu.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lite_micro.api import Options, compile_model, load
from lite_micro.planner import PlanError, plan_memory, simulate
from lite_micro.planner.rows import BACKWARD, FORWARD, block_of, options, row_view
from lite_micro.reference import Reference
from lite_micro.testing.rows_cases import CASES, models, rows_case
from lite_micro.toolchain.host import build_host

MODELS = models()


@pytest.fixture(scope="module")
def host_builds(tmp_path_factory):
    gens = {name: compile_model(model, Options(target="host", prefix=name, ram_mode="small"))
            for name, model in MODELS.items()}
    return gens, build_host(list(gens.values()), tmp_path_factory.mktemp("rows"))


def test_every_case_runs_in_place_by_blocks(host_builds):
    gens, _ = host_builds
    directions = set()
    for name, gen in gens.items():
        assert 0 in gen.plan.rows, name
        rows = gen.plan.rows[0]
        directions.add(rows.direction)
        inp, out = gen.layers[0].op.input("input"), gen.layers[0].outputs[0]
        assert gen.arena_bytes < inp.nbytes + out.nbytes, name
        assert gen.plan.tensor_offsets[out.index] - gen.plan.tensor_offsets[inp.index] == rows.shift
        assert "in place by blocks of rows" in gen.files[f"{name}.c"]
    assert directions == {FORWARD, BACKWARD}


def test_bit_exact_with_tflm_on_the_host(host_builds):
    gens, module = host_builds
    rng = np.random.default_rng(12)
    for name, gen in gens.items():
        ref = Reference(MODELS[name])
        for _ in range(2):
            x = rng.integers(-128, 128, gen.inputs[0].shape, dtype=np.int8)
            want = np.asarray(ref.run([x], 1)[0])
            assert np.array_equal(module.run(name, [x])[0].reshape(-1), want.reshape(-1)), name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_blocks_read_exactly_the_rows_the_whole_layer_reads(case):
    """Per block, the input rows it is given are the rows its outputs' windows reach inside
    the input, and the blocks cut the output rows once each."""
    gen = compile_model(MODELS[case[0]], Options(target="cortex-m4", prefix=case[0], ram_mode="small"))
    layer = gen.layers[0]
    for choice in options(layer):
        for way in choice.ways:
            v = way.view
            cover = sorted(r for b in way.blocks for r in range(b.r0, b.r1))
            assert cover == list(range(v.out_rows))
            for b in way.blocks:
                reach = {r * v.stride - v.pad + t * v.dil for r in range(b.r0, b.r1) for t in range(v.k)}
                inside = sorted(x for x in reach if 0 <= x < v.in_rows)
                assert (b.start, b.rows) == (inside[0], inside[-1] + 1 - inside[0])
                assert b == block_of(v, b.r0, b.r1)


def test_replay_catches_a_wrong_direction():
    """The plan's blocks run in the other order over the same offsets: a block then writes
    over input rows a later block still reads."""
    gen = compile_model(MODELS["conv3_s1_same"], Options(target="host", ram_mode="small"))
    graph, _, _ = load(MODELS["conv3_s1_same"])
    plan = gen.plan
    simulate(gen.graph, plan)
    rows = plan.rows[0]
    other = FORWARD if rows.direction == BACKWARD else BACKWARD
    plan.rows[0] = dataclasses.replace(rows, blocks=rows.blocks[::-1], direction=other)
    with pytest.raises(PlanError, match="layer 0 reads"):
        simulate(gen.graph, plan)
    plan.rows[0] = dataclasses.replace(rows, shift=0)        # the shift ignored: output over the input
    plan.tensor_offsets[gen.layers[0].outputs[0].index] = plan.tensor_offsets[gen.layers[0].inputs[0].index]
    with pytest.raises(PlanError, match="layer 0 reads"):
        simulate(gen.graph, plan)


def test_fast_mode_leaves_short_lines_whole():
    """The column walk over lines of five pixels repeats each channel's set-up per call: only
    ram_mode small runs the layer in place, on the same kernel."""
    short = MODELS["dw3_tall"]
    fast = compile_model(short, Options(target="cortex-m4", prefix="t"))
    small = compile_model(short, Options(target="cortex-m4", prefix="t", ram_mode="small"))
    assert row_view(fast.layers[0]).line == 5 and fast.layers[0].kernel.startswith("lm_dwt3x3_")
    assert 0 not in fast.plan.rows and 0 in small.plan.rows
    assert small.layers[0].kernel == fast.layers[0].kernel
    assert small.arena_bytes < fast.arena_bytes


def test_fast_mode_leaves_the_column_walk_whole():
    """The walk down the columns would walk shorter lines: only ram_mode small runs the layer
    in place, on the kernel chosen without the walk."""
    walk = rows_case("DEPTHWISE_CONV_2D", 72, 66, 2, 1, 3, 3, 1, "SAME", act="RELU")    # RELU: no column walk
    fast = compile_model(walk, Options(target="cortex-m4", prefix="t"))
    small = compile_model(walk, Options(target="cortex-m4", prefix="t", ram_mode="small"))
    assert row_view(fast.layers[0]).axis == "w"
    assert 0 not in fast.plan.rows and 0 in small.plan.rows
    assert small.layers[0].kernel == "lm_dwconv_3x3_dsp_s8"      # the walk left for blocks of rows
    assert small.arena_bytes < fast.arena_bytes


def test_a_ram_budget_takes_the_blocks_that_cost_cycles_before_refusing():
    from pathlib import Path

    from lite_micro.errors import LiteMicroError
    from lite_micro.memory import STACK_HEADROOM_BYTES

    kws = Path(__file__).resolve().parent.parent / "examples" / "models" / "kws_ref_model.tflite"
    fast = compile_model(kws, Options(target="cortex-m4", budget=True))
    assert not any(fast.layers[i].op.kind == "DEPTHWISE_CONV_2D" for i in fast.plan.rows)
    ram = 11_000 + STACK_HEADROOM_BYTES
    fitted = compile_model(kws, Options(target="cortex-m4", budget=True, ram=ram))
    assert fitted.arena_bytes <= 11_000 < fast.arena_bytes
    smallest = compile_model(kws, Options(target="cortex-m4", ram_mode="small"))
    assert sum(r.calls for r in fitted.plan.rows.values()) <= sum(r.calls for r in smallest.plan.rows.values())
    with pytest.raises(LiteMicroError, match=f"arena {smallest.arena_bytes:,} "):
        compile_model(kws, Options(target="cortex-m4", budget=True, ram=8_000))


def test_random_residual_nets_plan_in_place_and_match_tflm(tmp_path):
    """Random chains of convolutions with residual ADDs: every plan (both modes) passes the
    replay; the small ones run many layers in place and are bit-exact with TFLM."""
    from lite_micro.testing.rows_cases import random_net

    nets = {f"net{seed}": random_net(seed) for seed in range(12)}
    gens, in_place = [], 0
    for name, model in nets.items():
        fast = compile_model(model, Options(target="host", prefix=name + "f"))
        small = compile_model(model, Options(target="host", prefix=name, ram_mode="small"))
        for gen in (fast, small):
            simulate(gen.graph, gen.plan)
            assert gen.arena_bytes <= plan_memory(gen.graph, gen.layers, rows=False).arena_bytes
        in_place += len(small.plan.rows)
        gens.append(small)
    assert in_place >= 12
    module = build_host(gens, tmp_path)
    rng = np.random.default_rng(3)
    for gen in gens:
        x = rng.integers(-128, 128, gen.inputs[0].shape, dtype=np.int8)
        want = np.asarray(Reference(nets[gen.prefix]).run([x], 1)[0])
        assert np.array_equal(module.run(gen.prefix, [x])[0].reshape(-1), want.reshape(-1)), gen.prefix
