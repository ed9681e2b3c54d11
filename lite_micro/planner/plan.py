"""Liveness and placement.

Every activation tensor (model inputs and outputs included) and every layer's scratch area
becomes a Buffer with a lifetime [first, last] in layer indices. Aliases (RESHAPE and kin)
share their input's buffer. A pointwise layer may write over an input that dies there (its
output joins that input's buffer); a concatenation may be done by placement (its inputs'
buffers join the output's at their slices); a convolution may run in place by blocks of rows
(planner/rows.py: its output buffer joins its input's group at a fixed shift; a group is
placed as one shape, each buffer still alive only for its own layers); a conv-conv-ADD residual
block may run fused by blocks of rows (planner/fuse.py: the convolutions' outputs become bands
alive over the block's three layers, the ADD's output joins its input's buffer). Placement tries
several orders (by size, by first use, by lifetime) with best-fit offsets and keeps the
smallest arena. The execution order is the stored one unless a searched order
(planner/order.py: the best order of its model, or one move away from the stored one, with
the blocks of rows chosen again for it) gives a smaller arena. The plan chosen is replayed byte by byte
(planner/simulate.py) before it is returned.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..ir import Graph, Tensor
from ..ops.base import Layer
from .concat import place_concats
from .fuse import MAX_CALLS, Fused, fused_groups, to_bands
from .inplace import merge_in_place
from .order import best_order, moves
from .rows import RowChoice, Rows, options, row_view
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
    group: int = -1         # buffers of one chain of layers run by blocks of rows, placed together
    rel: int = 0            # offset from the group's origin (any sign)

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
    rows: dict[int, Rows] = field(default_factory=dict)     # layer index -> its calls by blocks of rows
    placed: list[int] = field(default_factory=list)         # concatenations done by placement
    live_set_bound_bytes: int = 0           # the bound of separate buffers in the stored order
    savings: dict[str, int] = field(default_factory=dict)   # technique -> arena bytes it saved
    fused: dict[int, Fused] = field(default_factory=dict)   # conv1 position -> residual block run fused

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
    """Peak over time of the bytes alive together: no placement can beat it (a group counts
    the span of its members alive at that time)."""
    if not buffers:
        return 0
    end = max(b.last for b in buffers)
    live: list[list[Buffer]] = [[] for _ in range(end + 1)]
    for b in buffers:                       # each buffer in the steps it is alive, in order
        for t in range(max(b.first, 0), b.last + 1):
            live[t].append(b)
    return max(_live_bytes(at) for at in live)


def _live_bytes(live: list[Buffer]) -> int:
    spans: dict[int, tuple[int, int]] = {}
    total = 0
    for b in live:
        if b.group < 0:
            total += b.size
            continue
        lo, hi = spans.get(b.group, (b.rel, b.rel + b.size))
        spans[b.group] = (min(lo, b.rel), max(hi, b.rel + b.size))
    return total + sum(hi - lo for lo, hi in spans.values())


def _place_group(members: list[Buffer], placed: dict[int, int], overlaps: dict[int, list[Buffer]]) -> None:
    """The lowest origin (4-aligned) at which no member shares a byte with a placed buffer
    (`placed`: their ids) alive with it; every member at origin + rel."""
    low = -min(m.rel for m in members)
    banned = [(p.offset - m.rel - m.size, p.offset + p.size - m.rel)
              for m in members for p in overlaps[id(m)] if id(p) in placed]
    for base in sorted({low} | {_align(hi) for _, hi in banned if hi > low}):
        if all(not lo < base < hi for lo, hi in banned):
            break
    for m in members:
        m.offset = base + m.rel


def _place(buffers: list[Buffer], order: list[Buffer], overlaps: dict[int, list[Buffer]]) -> int:
    """Place `order` one by one, each in the tightest gap among the placed buffers alive with
    it (`overlaps`: id of a buffer -> the others alive with it, from alive_together)."""
    rank: dict[int, int] = {}              # id of each placed buffer -> placing order
    groups: dict[int, list[Buffer]] = {}
    for b in buffers:
        if b.group >= 0:
            groups.setdefault(b.group, []).append(b)
    for b in order:
        if b.group >= 0:
            if b.group in groups:
                _place_group(groups[b.group], rank, overlaps)
                for m in groups.pop(b.group):
                    rank[id(m)] = len(rank)
            continue
        # placed buffers alive with b by offset (ties in placing order): (offset, rank, end)
        spans = sorted((p.offset, rank[id(p)], p.offset + p.size) for p in overlaps[id(b)] if id(p) in rank)
        best, best_gap = None, None
        cursor = 0
        for offset, _, end in spans:
            gap = offset - cursor
            if gap >= b.size and (best_gap is None or gap < best_gap):
                best, best_gap = cursor, gap
            cursor = max(cursor, _align(end))
        b.offset = best if best is not None else cursor
        rank[id(b)] = len(rank)
    return max((_align(b.offset + b.size) for b in buffers), default=0)


def alive_together(buffers: list[Buffer]) -> dict[int, list[Buffer]]:
    """id of each buffer -> the other buffers alive at some same time, in `buffers`' order."""
    first = np.array([b.first for b in buffers], dtype=np.int64)
    last = np.array([b.last for b in buffers], dtype=np.int64)
    together = (first[:, None] <= last[None, :]) & (first[None, :] <= last[:, None])
    np.fill_diagonal(together, False)
    return {id(b): [buffers[j] for j in np.flatnonzero(row).tolist()] for b, row in zip(buffers, together)}


STRATEGIES = {
    "greedy-by-size": lambda bs: sorted(bs, key=lambda b: (-b.size, b.first)),
    "by-first-use": lambda bs: sorted(bs, key=lambda b: (b.first, -b.size)),
    "by-lifetime": lambda bs: sorted(bs, key=lambda b: (-(b.last - b.first), -b.size)),
    "by-area": lambda bs: sorted(bs, key=lambda b: (-b.size * (b.last - b.first + 1), b.first)),
}


# planner techniques that go below separate buffers, each kept only if the arena shrinks
TECHNIQUES = ("in_place", "concat", "fuse", "rows")
FREE = ("concat", "in_place")  # also kept at an equal arena: they cost no cycles (concat removes a copy)


RAM_MODES = ("fast", "small")


def plan_memory(graph: Graph, layers: list[Layer], in_place: bool = True, reorder: bool = True,
                concat: bool = True, rows: bool = True, ram_mode: str = "fast", fuse: bool = True,
                arena_budget: int | None = None, alternatives: dict[int, Layer] | None = None) -> Plan:
    """Plan the arena: separate buffers in the stored order, then each technique in turn, then
    the searched order; each step is kept only when it makes the arena smaller (a FREE one
    also when the arena stays the same). "rows" runs convolutions in place by blocks of rows
    (planner/rows.py) where that lowers the peak, each with the fewest calls that keep it;
    "fuse" runs conv-conv-add residual blocks fused by blocks of rows (planner/fuse.py): the
    smallest bands first, at the end the fewest calls that keep the arena (it costs next to no
    cycles, so both modes use it).
    ram_mode "fast" offers only blocks that cost next to no cycles (rows.CHEAP); "small"
    offers every block size, for the smallest peak whatever the cycles. With `arena_budget`,
    the blocks are chosen for the fewest calls whose arena fits it (the smallest arena when
    none does). `alternatives` ({position: layer}, rows.alternatives): in ram_mode small, the
    layer to run by blocks instead of one whose blocks would cost more (next to the layer's own
    blocks where those run on rows: the smaller region wins)."""
    if ram_mode not in RAM_MODES:
        raise ValueError(f"ram_mode {ram_mode!r}: one of {', '.join(RAM_MODES)}")
    stored = list(range(len(layers)))
    best = plain = _plan_in_order(graph, layers, stored, set())
    wanted = {name for name, on in zip(TECHNIQUES, (in_place, concat, fuse, rows)) if on}
    used: set = set()
    savings = {}
    chosen: dict[int, RowChoice] = {}
    fuse_calls = 0
    for name in TECHNIQUES:
        if name not in wanted:
            continue
        if name == "fuse":
            fuse_calls, trial = choose_fuse(graph, layers, stored, used)
            if not fuse_calls:
                continue                # no residual block fits the pattern
        else:
            if name == "rows":
                alts = alternatives if ram_mode == "small" else None
                chosen = choose_rows(graph, layers, stored, used, ram_mode == "fast", arena_budget, alts, fuse_calls)
            trial = _plan_in_order(graph, layers, stored, used | {name}, chosen, fuse_calls)
        savings[name] = max(0, best.arena_bytes - trial.arena_bytes)
        if trial.arena_bytes < best.arena_bytes or (name in FREE and trial.arena_bytes == best.arena_bytes):
            best, used = trial, used | {name}
    if reorder:
        rows_args = (ram_mode == "fast", arena_budget, alternatives if ram_mode == "small" else None, fuse_calls)
        best, used, chosen = _search_order(graph, layers, best, used, chosen, fuse_calls,
                                           rows_args if "rows" in wanted else None, savings)
    if best.fused:
        best = fewest_fuse_calls(graph, layers, best, used, chosen, fuse_calls)
    best.live_set_bound_bytes = plain.lower_bound_bytes
    best.savings = savings
    simulate(graph, best)           # every plan is replayed byte by byte before it is used
    return best


def choose_fuse(graph: Graph, layers: list[Layer], order: list[int], techniques: set) -> tuple[int, "Plan"]:
    """(calls, plan) of the residual blocks run fused: the most calls per block among those that
    give the smallest arena (the smallest bands: the peak may lie elsewhere until the other
    techniques lower it; fewest_fuse_calls takes the fewest at the end). Calls 0 and the plan
    without fusion when no block fits."""
    best = (0, None)
    for calls in range(2, MAX_CALLS + 1):
        trial = _plan_in_order(graph, layers, order, techniques | {"fuse"}, None, calls)
        if not trial.fused:
            break
        if best[1] is None or trial.arena_bytes <= best[1].arena_bytes:
            best = (calls, trial)
    if best[1] is None:
        return 0, _plan_in_order(graph, layers, order, techniques, None)
    return best


def _search_order(graph: Graph, layers: list[Layer], best: "Plan", used: set, chosen: dict, fuse_calls: int,
                  rows_args: tuple | None, savings: dict) -> tuple["Plan", set, dict]:
    """The best of `best` and the plans in the searched order and in the orders one move away
    (order.moves; only where blocks of rows or fused blocks may use them, which best_order's
    model does not see), each with the blocks of rows chosen again for it (rows_args:
    choose_rows's last arguments; None: rows not wanted). Sets savings["order"] when an order
    was tried."""
    before = best.arena_bytes
    searched = best_order(graph, layers)
    for order in [searched] + moves(graph, layers, list(range(len(layers)))):
        if order == best.order:
            continue
        again = choose_rows(graph, layers, order, used, *rows_args) if rows_args is not None else {}
        if order is not searched and not again and not best.fused:
            continue                    # best_order's model already covers this order
        savings["order"] = 0
        trials = [(used, chosen)] + ([(used | {"rows"}, again)] if again else [])
        for techniques, rows_chosen in trials:
            searched = _plan_in_order(graph, layers, order, techniques, rows_chosen, fuse_calls)
            if searched.arena_bytes < best.arena_bytes:
                best, used, chosen = searched, techniques, rows_chosen
    if "order" in savings:
        savings["order"] = before - best.arena_bytes
    return best, used, chosen


def fewest_fuse_calls(graph: Graph, layers: list[Layer], plan: "Plan", used: set, chosen: dict,
                      calls: int) -> "Plan":
    """The plan with the fewest calls per fused block that keeps its arena."""
    for fewer in range(2, calls):
        trial = _plan_in_order(graph, layers, plan.order, used, chosen, fewer)
        if trial.fused and trial.arena_bytes <= plan.arena_bytes:
            return trial
    return plan


def choose_rows(graph: Graph, layers: list[Layer], order: list[int], techniques: set,
                cheap_only: bool = True, arena_budget: int | None = None,
                alternatives: dict[int, Layer] | None = None, fuse_calls: int = 0) -> dict[int, RowChoice]:
    """{stored position: RowChoice}: every layer that can run by blocks of rows with its smallest
    region; then the layers whose blocks do not lower the arena are dropped (they run whole),
    and each remaining one takes the fewest calls that keep the arena (or the budget, if
    larger)."""
    alternatives = alternatives or {}

    def offer(k: int, layer: Layer) -> list[RowChoice]:
        if k not in alternatives:
            return options(layer, cheap_only)
        alt = [dataclasses.replace(c, layer=alternatives[k]) for c in options(alternatives[k], cheap_only)]
        view = row_view(layer)
        own = options(layer, cheap_only) if view is not None and view.axis != "w" else []
        return sorted(own + alt, key=lambda c: (c.region, c.layer is not None, c.calls))

    offered = {k: found for k, found in ((k, offer(k, layer)) for k, layer in enumerate(layers)) if found}
    if not offered:
        return {}
    chosen = {k: found[0] for k, found in offered.items()}

    def arena(trial: dict) -> int:
        return _plan_in_order(graph, layers, order, techniques | {"rows"}, trial, fuse_calls).arena_bytes

    least = max(arena(chosen), arena_budget or 0)
    for k in sorted(chosen, key=lambda k: -chosen[k].calls):
        trial = {j: r for j, r in chosen.items() if j != k}
        if arena(trial) <= least:
            chosen = trial
    for k in list(chosen):
        for r in sorted(offered[k], key=lambda r: (r.calls, r.region)):
            if r.calls >= chosen[k].calls:
                break
            if arena({**chosen, k: r}) <= least:
                chosen[k] = r
                break
    return chosen


def plan_to_fit(graph: Graph, layers: list[Layer], plan: Plan, arena_budget: int,
                alternatives: dict[int, Layer] | None = None) -> Plan:
    """`plan` if its arena fits the budget, else the plan of ram_mode small that fits it with the
    fewest calls (or the smallest one, when none fits: its peak is what an error should give)."""
    if plan.arena_bytes <= arena_budget:
        return plan
    small = plan_memory(graph, layers, ram_mode="small", arena_budget=arena_budget, alternatives=alternatives)
    return small if small.arena_bytes < plan.arena_bytes else plan


def _plan_in_order(graph: Graph, layers: list[Layer], order: list[int], techniques: set,
                   rows: dict[int, RowChoice] | None = None, fuse_calls: int = 0) -> Plan:
    rows = rows if "rows" in techniques else None
    ordered = [rows[k].layer if rows and k in rows and rows[k].layer else layers[k] for k in order]
    buffers, by_tensor, scratch = build_buffers(graph, ordered)
    placed = place_concats(graph, ordered, buffers, by_tensor) if "concat" in techniques else []
    fused = {}
    if "fuse" in techniques and fuse_calls:
        groups = fused_groups(ordered, {t.index for t in graph.outputs}, fuse_calls)
        fused = to_bands(groups, buffers, by_tensor, scratch)
    members = {p for f in fused.values() for p in f.positions}
    by_position = {pos: rows[k] for pos, k in enumerate(order)
                   if k in (rows or {}) and pos not in members} if "rows" in techniques else {}
    chosen, settled = merge_in_place(ordered, buffers, by_tensor, "in_place" in techniques, by_position)
    best, overlaps = None, alive_together(buffers)
    for name, strategy in STRATEGIES.items():
        size = _place(buffers, strategy(buffers), overlaps)
        if best is None or size < best[0]:
            best = (size, name, [b.offset for b in buffers])
    size, name, offsets = best
    for b, off in zip(buffers, offsets):
        b.offset = off
    check_no_overlap(buffers, overlaps)
    return Plan(buffers=buffers, arena_bytes=size, lower_bound_bytes=lower_bound(buffers),
                strategy=name,
                tensor_offsets={i: b.offset + b.inner.get(i, 0) for i, b in by_tensor.items()},
                scratch_offsets={i: b.offset for i, b in scratch.items()},
                layers=ordered, order=list(order), in_place=chosen, placed=placed,
                rows=settled, fused=fused)


def check_no_overlap(buffers: list[Buffer], overlaps: dict[int, list[Buffer]] | None = None) -> None:
    """Raise AssertionError if two buffers alive at the same time share bytes (but the input
    and output of a layer run in place by blocks of rows, which planner/simulate.py checks)."""
    overlaps = alive_together(buffers) if overlaps is None else overlaps
    for a in buffers:
        for b in overlaps[id(a)]:
            handoff = a.group == b.group >= 0 and (a.last == b.first or b.last == a.first)
            if not handoff and a.offset < b.offset + b.size and b.offset < a.offset + a.size:
                raise AssertionError(f"buffers '{a.name}' and '{b.name}' overlap in the arena")
