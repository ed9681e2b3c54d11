"""Planner invariants: no two live buffers overlap; lower bound <= arena <= sum of sizes."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import analyze, load
from lite_micro.ir import Graph, Op, QuantParams, Tensor
from lite_micro.ops.base import Layer
from lite_micro.planner import PlanError, check_no_overlap, plan_memory, simulate
from lite_micro.planner.plan import Buffer

from model_zoo import INT8_MODELS, model_path


def _invariants(plan):
    check_no_overlap(plan.buffers)
    total = sum(b.size for b in plan.buffers)
    assert plan.lower_bound_bytes <= plan.arena_bytes <= total + 4 * len(plan.buffers)
    for b in plan.buffers:
        assert b.offset >= 0 and b.offset % 4 == 0
        assert b.offset + b.size <= plan.arena_bytes


@pytest.mark.parametrize("name", INT8_MODELS)
def test_example_model_plans(name):
    graph, _, _ = load(model_path(name))
    layers, problems = analyze(graph)
    assert not problems
    plan = plan_memory(graph, layers)
    _invariants(plan)
    # every activation tensor the layers touch has a place
    for layer in layers:
        for t in layer.inputs + layer.outputs:
            assert t.index in plan.tensor_offsets


def _chain_graph(sizes, skips, seed):
    """A random DAG of fake layers over int8 tensors, some with extra (skip) inputs."""
    rng = np.random.default_rng(seed)
    q = QuantParams((1.0,), (0,))
    tensors = [Tensor(i, f"t{i}", (int(s),), "int8", q) for i, s in enumerate(sizes)]
    ops, layers = [], []
    for i in range(1, len(tensors)):
        ins = [tensors[i - 1]]
        if skips and i > 2 and rng.random() < 0.4:
            ins.append(tensors[int(rng.integers(0, i - 1))])
        op = Op(i - 1, "FAKE", 1, ins, [tensors[i]])
        ops.append(op)
        layers.append(Layer(op=op, kernel="fake", scratch_bytes=int(rng.integers(0, 3)) * 8))
    graph = Graph("g", tensors, ops, [tensors[0]], [tensors[-1]])
    return graph, layers


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_plans(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5000, size=int(rng.integers(2, 25)))
    graph, layers = _chain_graph(sizes, skips=True, seed=seed)
    _invariants(plan_memory(graph, layers))


def test_overlap_checker_catches_overlap():
    a = Buffer("a", 100, 0, 3, offset=0)
    b = Buffer("b", 100, 2, 5, offset=50)
    with pytest.raises(AssertionError):
        check_no_overlap([a, b])
    b.first = 4  # not alive together: sharing bytes is fine
    check_no_overlap([a, b])


# ---- byte-level simulation, in-place layers, execution order ---------------------------

ALL_MODELS = sorted(p.stem for p in model_path("x").parent.glob("*.tflite"))


def _planned(name, target="cortex-m4", ram_mode="fast"):
    from lite_micro.ops.specialize import specialize
    from lite_micro.targets import load_target

    graph, _, _ = load(model_path(name))
    layers, problems = analyze(graph)
    assert not problems
    layers = specialize(layers, load_target(target).features)
    return graph, plan_memory(graph, layers, ram_mode=ram_mode)


@pytest.mark.parametrize("ram_mode", ["fast", "small"])
@pytest.mark.parametrize("name", ALL_MODELS)
def test_simulator_accepts_every_example_plan(name, ram_mode):
    graph, plan = _planned(name, ram_mode=ram_mode)
    _invariants(plan)
    simulate(graph, plan)
    assert plan.arena_bytes <= plan.live_set_bound_bytes      # never worse than separate buffers
    assert sorted(plan.order) == list(range(len(plan.layers)))


def _pointwise_graph(seed):
    """A random DAG of 1-D int8 tensors made by opaque layers, table lookups (one input),
    additions (two inputs, the second possibly a broadcast scalar) and concatenations."""
    rng = np.random.default_rng(seed)
    q = QuantParams((1.0,), (0,))
    tensors = [Tensor(0, "t0", (int(rng.integers(1, 300)),), "int8", q)]
    ops, layers = [], []
    for i in range(1, int(rng.integers(3, 22))):
        kind = ("FAKE", "LUT", "ADD", "CAT")[int(rng.integers(0, 4))]
        a = tensors[int(rng.integers(max(0, i - 3), i))]
        ins = [a]
        if kind == "CAT":
            ins.append(tensors[int(rng.integers(0, i))])
        size = {"FAKE": int(rng.integers(1, 300)), "CAT": sum(t.size for t in ins)}.get(kind, a.size)
        out = Tensor(i, f"t{i}", (size,), "int8", q)
        if kind == "ADD":
            same = [t for t in tensors if t.size == a.size or t.size == 1]
            ins.append(same[int(rng.integers(0, len(same)))])
        elif kind == "FAKE" and i > 2 and rng.random() < 0.4:
            ins.append(tensors[int(rng.integers(0, i - 1))])
        tensors.append(out)
        op = Op(i - 1, "CONCATENATION" if kind == "CAT" else kind, 1, ins, [out], options={"axis": 0})
        ops.append(op)
        kernel = {"FAKE": "fake", "LUT": "lm_lut_s8", "ADD": "lm_add_s8", "CAT": "lm_copy_blocks"}[kind]
        layers.append(Layer(op=op, kernel=kernel, scratch_bytes=8 * int(rng.integers(0, 2)) if kind == "FAKE" else 0))
    return Graph("g", tensors, ops, [tensors[0]], [tensors[-1]]), layers


def test_random_graph_plans_pass_the_simulator():
    used = dict(in_place=0, placed=0, reordered=0)
    for seed in range(80):
        graph, layers = _pointwise_graph(seed)
        plan = plan_memory(graph, layers)
        _invariants(plan)
        simulate(graph, plan)
        used["in_place"] += len(plan.in_place)
        used["placed"] += len(plan.placed)
        used["reordered"] += plan.order != sorted(plan.order)
        made = {t.index for t in graph.inputs}
        for layer in plan.layers:   # every input is made before it is read
            assert all(t.index in made for t in layer.inputs)
            made |= {t.index for t in layer.outputs}
    assert min(used.values()) > 3, used


def _one_layer_graph(kernel, kind, size=64):
    q = QuantParams((1.0,), (0,))
    a, b = Tensor(0, "a", (size,), "int8", q), Tensor(1, "b", (size,), "int8", q)
    op = Op(0, kind, 1, [a], [b])
    return Graph("g", [a, b], [op], [a], [b]), [Layer(op=op, kernel=kernel)]


def test_simulator_catches_a_corrupted_plan():
    graph, plan = _planned("keras_mix_int8")
    simulate(graph, plan)
    # put some layer's output over the input it reads, for a kernel with no documented order
    i, layer = next((i, x) for i, x in enumerate(plan.layers) if x.kernel and x.kernel.startswith("lm_conv"))
    plan.tensor_offsets[layer.outputs[0].index] = plan.tensor_offsets[layer.inputs[0].index]
    with pytest.raises(PlanError, match=f"layer {i} reads"):
        simulate(graph, plan)


def test_simulator_follows_the_pointwise_order():
    graph, layers = _one_layer_graph("lm_lut_s8", "TANH")
    plan = plan_memory(graph, layers)
    assert plan.in_place == {0: 0} and plan.arena_bytes == 64
    simulate(graph, plan)
    plan.arena_bytes = 128
    plan.tensor_offsets[1] = plan.tensor_offsets[0] + 1      # writes element e over element e+1
    with pytest.raises(PlanError, match="overwritten earlier in this layer"):
        simulate(graph, plan)
    plan.tensor_offsets[0], plan.tensor_offsets[1] = 4, 3    # over element e-1, already read: fine
    simulate(graph, plan)


def test_no_in_place_for_kernels_without_a_documented_order():
    graph, layers = _one_layer_graph("lm_fc_s8", "FULLY_CONNECTED")
    plan = plan_memory(graph, layers)
    assert plan.in_place == {} and plan.arena_bytes == 128
    plan.tensor_offsets[1] = plan.tensor_offsets[0]
    with pytest.raises(PlanError):
        simulate(graph, plan)


def test_order_search_runs_one_branch_to_its_end_first():
    """x -> big1 -> small1 and x -> big2 -> small2, joined: the stored order keeps both big
    tensors alive together, the searched order does not."""
    q = QuantParams((1.0,), (0,))
    sizes = [16, 1000, 1000, 8, 8, 8]
    t = [Tensor(i, f"t{i}", (s,), "int8", q) for i, s in enumerate(sizes)]
    edges = [([t[0]], t[1]), ([t[0]], t[2]), ([t[1]], t[3]), ([t[2]], t[4]), ([t[3], t[4]], t[5])]
    ops = [Op(k, "FAKE", 1, ins, [out]) for k, (ins, out) in enumerate(edges)]
    graph = Graph("g", t, ops, [t[0]], [t[5]])
    layers = [Layer(op=op, kernel="fake") for op in ops]
    stored = plan_memory(graph, layers, reorder=False)
    plan = plan_memory(graph, layers)
    assert stored.arena_bytes >= 2000 and plan.arena_bytes < 1100
    assert plan.order in ([0, 2, 1, 3, 4], [1, 3, 0, 2, 4]) and plan.savings["order"] > 0
    simulate(graph, plan)
    assert plan_memory(graph, layers).order == plan.order      # deterministic


def _concat_graph(axis_shapes, axis, same_quant=True):
    """x -> two opaque layers -> CONCATENATION (-> opaque layer)."""
    q, q2 = QuantParams((1.0,), (0,)), QuantParams((0.5,), (3,))
    x = Tensor(0, "x", (4,), "int8", q)
    a = Tensor(1, "a", axis_shapes[0], "int8", q)
    b = Tensor(2, "b", axis_shapes[1], "int8", q if same_quant else q2)
    out_shape = list(axis_shapes[0])
    out_shape[axis] += axis_shapes[1][axis]
    c = Tensor(3, "c", tuple(out_shape), "int8", q)
    y = Tensor(4, "y", (4,), "int8", q)
    ops = [Op(0, "FAKE", 1, [x], [a]), Op(1, "FAKE", 1, [x], [b]),
           Op(2, "CONCATENATION", 1, [a, b], [c], options={"axis": axis}), Op(3, "FAKE", 1, [c], [y])]
    layers = [Layer(op=op, kernel="fake") for op in ops]
    layers[2] = Layer(op=ops[2], kernel="lm_copy_blocks")
    return Graph("g", [x, a, b, c, y], ops, [x], [y]), layers


def test_concatenation_by_placement():
    graph, layers = _concat_graph([(1, 3, 8), (1, 5, 8)], axis=1)
    plan = plan_memory(graph, layers)
    assert plan.placed == [2] and plan.layers[2].kernel is None
    off = plan.tensor_offsets
    assert off[1] == off[3] and off[2] == off[3] + 24
    simulate(graph, plan)
    off[1], off[2] = off[3] + 40, off[3]             # the inputs in each other's slice
    with pytest.raises(PlanError, match="not in its slice"):
        simulate(graph, plan)


@pytest.mark.parametrize("shapes, axis, same", [([(1, 3, 8), (1, 3, 5)], 2, True),    # strided slices
                                                ([(1, 3, 8), (1, 5, 8)], 1, False)])  # requantized
def test_concatenation_copied_when_not_placeable(shapes, axis, same):
    graph, layers = _concat_graph(shapes, axis, same)
    plan = plan_memory(graph, layers)
    assert plan.placed == [] and plan.layers[2].kernel == "lm_copy_blocks"
    simulate(graph, plan)


def test_inspect_reports_peak_bound_savings_and_in_place():
    from lite_micro.inspection import inspect_model, render_text
    from lite_micro.planner.access import POINTWISE_KERNELS

    r = inspect_model(str(model_path("keras_mix_int8")), "host")
    assert r["peak_ram_bytes"] == r["arena_bytes"] < r["live_lower_bound_bytes"]
    assert r["savings"]["in_place"] + r["savings"]["rows"] == r["live_lower_bound_bytes"] - r["arena_bytes"]
    assert r["scratch_bytes"] > 0 and r["stack_bytes"] is None and "host" in r["stack_note"]
    rows = [op for op in r["ops"] if op["in_place"]]
    pointwise = [op for op in rows if op["in_place"]["mode"] == "pointwise"]
    assert pointwise and all(op["kernel"] in POINTWISE_KERNELS | {"lm_copy_blocks"} for op in pointwise)
    blocked = [op for op in rows if op["in_place"]["mode"] == "rows"]
    assert blocked and all(op["in_place"]["calls"] >= 2 for op in blocked)
    assert "blocks of rows" in render_text(r)
    assert all(op["tile"] is None and op["position"] is not None for op in r["ops"])
    assert "writes over input 0" in render_text(r)


def test_inspect_measures_the_stack_of_invoke_on_cortex_m():
    import shutil

    from lite_micro.inspection import inspect_model

    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    r = inspect_model(str(model_path("hello_world_int8")), "cortex-m4")
    assert 16 <= r["stack_bytes"] <= 4096, r["stack_note"]
