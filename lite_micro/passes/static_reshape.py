"""RESHAPE, SQUEEZE, EXPAND_DIMS take their output shape from the model's static output tensor,
so their shape input is metadata: detach it (the ops computing it then become dead)."""

from __future__ import annotations

from dataclasses import replace

from ..ir import Graph

SHAPE_INPUT = {"RESHAPE": "shape", "EXPAND_DIMS": "axis"}


def run(graph: Graph) -> Graph:
    ops = []
    for op in graph.ops:
        name = SHAPE_INPUT.get(op.kind)
        if name is not None and op.input_or_none(name) is not None:
            slot = op.signature.slot(name)
            op = replace(op, inputs=op.inputs[:slot] + [None] + op.inputs[slot + 1:])
        ops.append(op)
    return replace(graph, ops=ops)
