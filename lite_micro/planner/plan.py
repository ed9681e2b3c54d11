"""Liveness and placement.

Every activation tensor (model inputs and outputs included) and every layer's scratch area
becomes a Buffer with a lifetime [first, last] in layer indices. Aliases (RESHAPE and kin)
share their input's buffer. A pointwise layer may write over an input that dies there (its
output joins that input's buffer); a concatenation may be done by placement (its inputs'
buffers join the output's at their slices). Placement tries several orders (by size, by first use, by
lifetime) with best-fit offsets and keeps the smallest arena. The execution order is the
stored one unless a searched order (planner/order.py) gives a smaller arena. The plan chosen
is replayed byte by byte (planner/simulate.py) before it is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph, Tensor
from ..ops.base import Layer
from .concat import place_concats
from .inplace import merge_in_place
from .order import best_order
from .simulate import simulate

ALIGN = 4


@dataclass
class Buffer:
    name: str
    size: int
    first: int
    last: int
    tensors: list[Tensor] = field(default_factory=list)
    offset: int = -1
    inner: dict[int, int] = field(default_factory=dict)     # tensor index -> offset inside (concat by placement)

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class Plan:
    buffers: list[Buffer]
    arena_bytes: int
    lower_bound_bytes: int
    strategy: str
    tensor_offsets: dict[int, int]          # tensor index -> arena offset
    scratch_offsets: dict[int, int]         # layer index -> arena offset
    layers: list[Layer] = field(default_factory=list)       # in execution order
    order: list[int] = field(default_factory=list)          # execution position -> stored position
    in_place: dict[int, int] = field(default_factory=dict)  # layer index -> input position overwritten
    placed: list[int] = field(default_factory=list)         # concatenations done by placement
    live_set_bound_bytes: int = 0           # the bound of separate buffers in the stored order
    savings: dict[str, int] = field(default_factory=dict)   # technique -> arena bytes it saved

    def table(self) -> list[tuple[str, int, int, int, int]]:
        """(name, offset, size, first, last) sorted by offset."""
        rows = [(b.name, b.offset, b.size, b.first, b.last) for b in self.buffers]
        return sorted(rows, key=lambda r: (r[1], r[3]))


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def build_buffers(graph: Graph, layers: list[Layer]) -> tuple[list[Buffer], dict[int, Buffer], dict[int, Buffer]]:
    n = len(layers)
    by_tensor: dict[int, Buffer] = {}
    buffers: list[Buffer] = []

    def buffer_for(t: Tensor, at: int) -> Buffer:
        if t.index not in by_tensor:
            b = Buffer(name=t.name, size=t.nbytes, first=at, last=at, tensors=[t])
            by_tensor[t.index] = b
            buffers.append(b)
        return by_tensor[t.index]

    for t in graph.inputs:
        buffer_for(t, 0)
    scratch: dict[int, Buffer] = {}
    for i, layer in enumerate(layers):
        for t in layer.inputs:  # a variable (state) tensor is first seen here, as an input
            b = buffer_for(t, i)
            b.last = max(b.last, i)
        if layer.alias_of is not None:
            src = by_tensor[layer.alias_of.index]
            for t in layer.outputs:
                src.tensors.append(t)
                by_tensor[t.index] = src
                src.size = max(src.size, t.nbytes)
            continue
        for t in layer.outputs:
            b = buffer_for(t, i)
            b.first = min(b.first, i)
        if layer.scratch_bytes:
            sb = Buffer(name=f"scratch of layer {i}", size=layer.scratch_bytes, first=i, last=i)
            scratch[i] = sb
            buffers.append(sb)
    for t in graph.outputs:
        by_tensor[t.index].last = n
    for b in buffers:
        if any(t.is_variable for t in b.tensors):  # state kept across invokes: never shared
            b.first, b.last = 0, n
    return buffers, by_tensor, scratch


def lower_bound(buffers: list[Buffer]) -> int:
    """Peak over time of the bytes alive together: no placement can beat it."""
    if not buffers:
        return 0
    end = max(b.last for b in buffers)
    return max(sum(b.size for b in buffers if b.first <= t <= b.last) for t in range(end + 1))


def _place(buffers: list[Buffer], order: list[Buffer]) -> int:
    placed: list[Buffer] = []
    for b in order:
        conflicts = sorted((p for p in placed if p.overlaps_in_time(b)), key=lambda p: p.offset)
        best, best_gap = None, None
        cursor = 0
        for p in conflicts:
            gap = p.offset - cursor
            if gap >= b.size and (best_gap is None or gap < best_gap):
                best, best_gap = cursor, gap
            cursor = max(cursor, _align(p.offset + p.size))
        b.offset = best if best is not None else cursor
        placed.append(b)
    return max((_align(b.offset + b.size) for b in buffers), default=0)


STRATEGIES = {
    "greedy-by-size": lambda bs: sorted(bs, key=lambda b: (-b.size, b.first)),
    "by-first-use": lambda bs: sorted(bs, key=lambda b: (b.first, -b.size)),
    "by-lifetime": lambda bs: sorted(bs, key=lambda b: (-(b.last - b.first), -b.size)),
    "by-area": lambda bs: sorted(bs, key=lambda b: (-b.size * (b.last - b.first + 1), b.first)),
}


# planner techniques that go below separate buffers, each kept only if the arena shrinks
TECHNIQUES = ("in_place", "concat")
FREE = ("concat",)          # also kept at an equal arena: it removes a copy


def plan_memory(graph: Graph, layers: list[Layer], in_place: bool = True, reorder: bool = True,
                concat: bool = True) -> Plan:
    """Plan the arena: separate buffers in the stored order, then each technique in turn, then
    the searched order; each step is kept only when it makes the arena smaller (a FREE one
    also when the arena stays the same)."""
    stored = list(range(len(layers)))
    best = plain = _plan_in_order(graph, layers, stored, set())
    wanted = {name for name, on in zip(TECHNIQUES, (in_place, concat)) if on}
    used: set = set()
    savings = {}
    for name in TECHNIQUES:
        if name in wanted:
            trial = _plan_in_order(graph, layers, stored, used | {name})
            savings[name] = max(0, best.arena_bytes - trial.arena_bytes)
            if trial.arena_bytes < best.arena_bytes or (name in FREE and trial.arena_bytes == best.arena_bytes):
                best, used = trial, used | {name}
    if reorder:
        order = best_order(graph, layers)
        if order != best.order:
            searched = _plan_in_order(graph, layers, order, wanted)
            savings["order"] = max(0, best.arena_bytes - searched.arena_bytes)
            best = searched if searched.arena_bytes < best.arena_bytes else best
    best.live_set_bound_bytes = plain.lower_bound_bytes
    best.savings = savings
    simulate(graph, best)           # every plan is replayed byte by byte before it is used
    return best


def _plan_in_order(graph: Graph, layers: list[Layer], order: list[int], techniques: set) -> Plan:
    ordered = [layers[k] for k in order]
    buffers, by_tensor, scratch = build_buffers(graph, ordered)
    placed = place_concats(graph, ordered, buffers, by_tensor) if "concat" in techniques else []
    chosen = merge_in_place(ordered, buffers, by_tensor) if "in_place" in techniques else {}
    best = None
    for name, strategy in STRATEGIES.items():
        size = _place(buffers, strategy(buffers))
        if best is None or size < best[0]:
            best = (size, name, [b.offset for b in buffers])
    size, name, offsets = best
    for b, off in zip(buffers, offsets):
        b.offset = off
    check_no_overlap(buffers)
    return Plan(buffers=buffers, arena_bytes=size, lower_bound_bytes=lower_bound(buffers),
                strategy=name,
                tensor_offsets={i: b.offset + b.inner.get(i, 0) for i, b in by_tensor.items()},
                scratch_offsets={i: b.offset for i, b in scratch.items()},
                layers=ordered, order=list(order), in_place=chosen, placed=placed)


def check_no_overlap(buffers: list[Buffer]) -> None:
    """Raise AssertionError if two buffers alive at the same time share bytes."""
    for i, a in enumerate(buffers):
        for b in buffers[i + 1:]:
            if a.overlaps_in_time(b) and a.offset < b.offset + b.size and b.offset < a.offset + a.size:
                raise AssertionError(f"buffers '{a.name}' and '{b.name}' overlap in the arena")
