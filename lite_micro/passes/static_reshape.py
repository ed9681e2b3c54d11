"""RESHAPE, SQUEEZE, EXPAND_DIMS take their output shape from the model's static output tensor,
so their shape input is metadata: detach it (the ops computing it then become dead)."""

from __future__ import annotations

from dataclasses import replace

from ..ir import Graph

SHAPE_INPUT = {"RESHAPE": 1, "EXPAND_DIMS": 1}


def run(graph: Graph) -> Graph:
    ops = []
    for op in graph.ops:
        slot = SHAPE_INPUT.get(op.kind)
        if slot is not None and len(op.inputs) > slot and op.inputs[slot] is not None:
            op = replace(op, inputs=op.inputs[:slot] + [None] + op.inputs[slot + 1:])
        ops.append(op)
    return replace(graph, ops=ops)
