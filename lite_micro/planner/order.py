"""Execution order: the topological order of the layers with the lowest peak of live bytes.

A dynamic program over the sets of layers already run: the bytes alive after a set of layers
does not depend on the order they ran in, so of all orders reaching the same set only the one
with the lowest peak so far is kept. Sets are grown one layer per level; a level keeps at most
BEAM sets (the lowest peaks, ties broken by the order closest to the stored one), so chains and
residual nets are solved exactly and wide graphs stay bounded. The live bytes follow the same
rules as the placement: aliases share their source's bytes, a pointwise layer may write over
an input dying there, scratch is alive during its layer, model outputs stay alive to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph
from ..ops.base import Layer
from .access import in_place_inputs

BEAM = 256


@dataclass
class _Graph:
    """Buffers (alias groups) and who makes and reads them."""
    group: dict[int, int] = field(default_factory=dict)          # tensor index -> group id
    size: dict[int, int] = field(default_factory=dict)           # group -> bytes
    consumers: dict[int, frozenset] = field(default_factory=dict)
    pinned: set = field(default_factory=set)                     # model outputs
    made_by: dict[int, int] = field(default_factory=dict)        # tensor index -> layer
    deps: list[frozenset] = field(default_factory=list)          # layer -> layers it needs
    makes: list[tuple] = field(default_factory=list)             # layer -> new groups


def _build(graph: Graph, layers: list[Layer]) -> _Graph:
    g = _Graph()
    readers: dict[int, set] = {}
    for t in graph.inputs:
        g.group[t.index] = t.index
        g.size[t.index] = t.nbytes
    for i, layer in enumerate(layers):
        for t in layer.inputs:
            g.group.setdefault(t.index, t.index)
            g.size.setdefault(g.group[t.index], t.nbytes)
            readers.setdefault(g.group[t.index], set()).add(i)
        made = []
        for t in layer.outputs:
            g.made_by[t.index] = i
            root = g.group[layer.alias_of.index] if layer.alias_of is not None else t.index
            g.group[t.index] = root
            g.size[root] = max(g.size.get(root, 0), t.nbytes)
            if layer.alias_of is None:
                made.append(root)
        g.makes.append(tuple(made))
        g.deps.append(frozenset(g.made_by[t.index] for t in layer.inputs if t.index in g.made_by))
    g.consumers = {k: frozenset(v) for k, v in readers.items()}
    g.pinned = {g.group[t.index] for t in graph.outputs}
    return g


def _in_place_saving(g: _Graph, layer: Layer, i: int, done: frozenset) -> int:
    """Bytes not added because the output overwrites a dying input (as merge_in_place does)."""
    for k in in_place_inputs(layer):
        src = g.group[layer.op.inputs[k].index]
        if src in g.pinned or g.consumers.get(src, frozenset()) - done != {i}:
            continue
        mine = layer.op.inputs[k]
        if all(t is mine or g.group[t.index] != src for t in layer.inputs):
            return g.size[src]
    return 0


def _step(g: _Graph, layer: Layer, i: int, done: frozenset, live: int) -> tuple[int, int]:
    """(bytes alive while layer i runs, bytes alive after it) given the set already run."""
    made = sum(g.size[m] for m in g.makes[i])
    during = live + made + layer.scratch_bytes - _in_place_saving(g, layer, i, done)
    after_done = done | {i}
    freed = {g.group[t.index] for t in layer.inputs}
    freed |= set(g.makes[i])
    freed = {f for f in freed if f not in g.pinned and g.consumers.get(f, frozenset()) <= after_done}
    return during, live + made - sum(g.size[f] for f in freed)


def best_order(graph: Graph, layers: list[Layer]) -> list[int]:
    """Positions of `layers` in the order with the lowest peak found; the stored order when the
    graph keeps state across invokes (its order is part of the meaning)."""
    n = len(layers)
    if n < 3 or any(t.is_variable for layer in layers for t in layer.inputs):
        return list(range(n))
    g = _build(graph, layers)
    start = sum(g.size[g.group[t.index]] for t in graph.inputs)
    states = {frozenset(): (0, start, ())}
    for _ in range(n):
        nxt: dict[frozenset, tuple] = {}
        for done, (peak, live, path) in states.items():
            for i in range(n):
                if i in done or not g.deps[i] <= done:
                    continue
                during, after = _step(g, layers[i], i, done, live)
                cand = (max(peak, during), after, path + (i,))
                key = done | {i}
                if key not in nxt or cand < nxt[key]:
                    nxt[key] = cand
        states = dict(sorted(nxt.items(), key=lambda kv: kv[1])[:BEAM])
    return list(min(states.values())[2])
