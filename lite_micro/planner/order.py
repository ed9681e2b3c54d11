"""Execution order: the topological order of the layers with the lowest peak of live bytes.

A dynamic program over the sets of layers already run: the bytes alive after a set of layers
does not depend on the order they ran in, so of all orders reaching the same set only the one
with the lowest peak so far is kept. Sets are grown one layer per level; a level keeps at most
BEAM sets (the lowest peaks, ties broken by the order closest to the stored one; fewer when
the graph is so wide that the work would pass WORK), so chains and residual nets are solved
exactly and wide graphs stay bounded. The live bytes follow the same
rules as the placement: aliases share their source's bytes, a pointwise layer may write over
an input dying there, scratch is alive during its layer, model outputs stay alive to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph
from ..ops.base import Layer
from .access import in_place_inputs

BEAM = 256                  # sets kept per level at most
WORK = 400_000              # sets x layers x levels at most: wide graphs get a narrower beam


@dataclass
class _Graph:
    """Buffers (alias groups) and who makes and reads them; layer sets are bit masks."""
    group: dict[int, int] = field(default_factory=dict)          # tensor index -> group id
    size: dict[int, int] = field(default_factory=dict)           # group -> bytes
    consumers: dict[int, int] = field(default_factory=dict)      # group -> mask of readers
    pinned: set = field(default_factory=set)                     # model outputs
    deps: list[int] = field(default_factory=list)                # layer -> mask of layers it needs
    makes: list[tuple] = field(default_factory=list)             # layer -> new groups
    reads: list[tuple] = field(default_factory=list)             # layer -> groups it reads


def _build(graph: Graph, layers: list[Layer]) -> _Graph:
    g = _Graph()
    made_by: dict[int, int] = {}
    for t in graph.inputs:
        g.group[t.index] = t.index
        g.size[t.index] = t.nbytes
    for i, layer in enumerate(layers):
        for t in layer.inputs:
            root = g.group.setdefault(t.index, t.index)
            g.size.setdefault(root, t.nbytes)
            g.consumers[root] = g.consumers.get(root, 0) | 1 << i
        g.reads.append(tuple({g.group[t.index] for t in layer.inputs}))
        g.deps.append(sum({1 << made_by[t.index] for t in layer.inputs if t.index in made_by}))
        made = []
        for t in layer.outputs:
            made_by[t.index] = i
            root = g.group[layer.alias_of.index] if layer.alias_of is not None else t.index
            g.group[t.index] = root
            g.size[root] = max(g.size.get(root, 0), t.nbytes)
            if layer.alias_of is None:
                made.append(root)
        g.makes.append(tuple(made))
    g.pinned = {g.group[t.index] for t in graph.outputs}
    return g


def _in_place_saving(g: _Graph, layer: Layer, i: int, done: int) -> int:
    """Bytes not added because the output overwrites a dying input (as merge_in_place does)."""
    for k in in_place_inputs(layer):
        src = g.group[layer.op.inputs[k].index]
        if src in g.pinned or g.consumers.get(src, 0) & ~done != 1 << i:
            continue
        mine = layer.op.inputs[k]
        if all(t is mine or g.group[t.index] != src for t in layer.inputs):
            return g.size[src]
    return 0


def _step(g: _Graph, layer: Layer, i: int, done: int, live: int) -> tuple[int, int]:
    """(bytes alive while layer i runs, bytes alive after it) given the set already run."""
    made = sum(g.size[m] for m in g.makes[i])
    during = live + made + layer.scratch_bytes - _in_place_saving(g, layer, i, done)
    after = done | 1 << i
    freed = {f for f in g.reads[i] + g.makes[i]
             if f not in g.pinned and g.consumers.get(f, 0) & ~after == 0}
    return during, live + made - sum(g.size[f] for f in freed)


def best_order(graph: Graph, layers: list[Layer]) -> list[int]:
    """Positions of `layers` in the order with the lowest peak found; the stored order when the
    graph keeps state across invokes (its order is part of the meaning)."""
    n = len(layers)
    if n < 3 or any(t.is_variable for layer in layers for t in layer.inputs):
        return list(range(n))
    g = _build(graph, layers)
    beam = max(4, min(BEAM, WORK // (n * n)))
    start = sum(g.size[g.group[t.index]] for t in graph.inputs)
    states = {0: (0, start, ())}
    for _ in range(n):
        nxt: dict[int, tuple] = {}
        for done, (peak, live, path) in states.items():
            for i in range(n):
                if done >> i & 1 or g.deps[i] & ~done:
                    continue
                during, after = _step(g, layers[i], i, done, live)
                cand = (max(peak, during), after, path + (i,))
                key = done | 1 << i
                if key not in nxt or cand < nxt[key]:
                    nxt[key] = cand
        states = dict(sorted(nxt.items(), key=lambda kv: kv[1])[:beam])
    return list(min(states.values())[2])


def moves(graph: Graph, layers: list[Layer], order: list[int], limit: int = 24) -> list[list[int]]:
    """Orders made from `order` by running one layer earlier (at any position its inputs allow),
    at most `limit` of them: the planner's techniques (rows, fusion) lower peaks that
    best_order's model of separate buffers does not see, so it tries these too. None when the
    graph keeps state across invokes."""
    if any(t.is_variable for layer in layers for t in layer.inputs):
        return []
    g = _build(graph, layers)
    found = []
    for q in range(1, len(order)):
        k, p = order[q], q
        while p > 0 and not g.deps[k] >> order[p - 1] & 1:
            p -= 1
        found += [order[:to] + [k] + order[to:q] + order[q + 1:] for to in range(p, q)]
    return found[:limit]
