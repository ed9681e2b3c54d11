"""Graph passes run between reading a model and preparing its ops; each is `run(graph) -> graph`.

Shapes are static on a microcontroller, so shape arithmetic (SHAPE -> STRIDED_SLICE -> PACK
-> RESHAPE, what TensorFlow emits for a Flatten with a dynamic batch) is evaluated here and
never reaches the generated C.
"""

from __future__ import annotations

from ..ir import Graph
from . import dead_ops, dilated_conv, fold_constants, fold_pad, static_reshape

PASSES = (fold_constants, static_reshape, dilated_conv, fold_pad, dead_ops)


def run_passes(graph: Graph) -> Graph:
    for p in PASSES:
        graph = p.run(graph)
    return graph
