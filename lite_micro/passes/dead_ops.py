"""Drop ops whose outputs nobody reads (neither a later op nor the model's outputs)."""

from __future__ import annotations

from dataclasses import replace

from ..ir import Graph, Op


def _keep_anyway(op: Op) -> bool:
    """Ops without outputs or touching state (variable tensors) act by side effect."""
    return not op.outputs or any(t is not None and t.is_variable for t in op.inputs + op.outputs)


def run(graph: Graph) -> Graph:
    used = {t.index for t in graph.outputs}
    kept = []
    for op in reversed(graph.ops):
        if not _keep_anyway(op) and not any(t.index in used for t in op.outputs):
            continue
        kept.append(op)
        used.update(t.index for t in op.inputs if t is not None)
    return replace(graph, ops=kept[::-1])
