"""Planner invariants: no two live buffers overlap; lower bound <= arena <= sum of sizes."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import analyze, load
from lite_micro.ir import Graph, Op, QuantParams, Tensor
from lite_micro.ops.base import Layer
from lite_micro.planner import check_no_overlap, plan_memory
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
