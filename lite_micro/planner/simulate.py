"""Byte-level replay of a plan: every read must find the bytes its tensor was given.

Each arena byte carries a tag: the tensor whose value it holds, or none. A tensor expects one
tag per byte: its own; an alias expects its source's; a concatenation done by placement
expects, slice by slice, its inputs' (those bytes were never copied). The replay walks the
layers in execution order. A pointwise kernel (planner/access.py) reads element e of each
input, then writes output element e, for e = 0, 1, ...; any other kernel is assumed to write
any byte of its outputs and scratch before reading any input byte, so those may share no byte
with its inputs. A convolution run by blocks of rows (planner/rows.py) is its calls in their
order: call j writes its output rows at step 2j and reads its input rows at step 2j + 1, so a
call may write over nothing it or a later call reads, whatever its inner order. A read fails
when the byte was overwritten before it: by an earlier layer (its tag is not the one
expected) or by the same layer at an earlier step. Two outputs (or an output and the
scratch) of one layer must not share a byte. At the end the model outputs and the state
tensors must still hold their values.

A residual block run fused (planner/fuse.py) is replayed call by call, as generated: a conv
call writes its band rows then reads its input rows, the ADD call walks its elements in order
(read x and t2 element e, write out element e), a move reads its bytes before it writes them
(memmove). A byte of a band is tagged by the tensor and the row it holds, so a call reading a
band row that was moved away or not yet computed fails like any clobbered read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Graph, Tensor
from ..ops.base import Layer
from .access import concat_slices, element_bytes, is_placed_concat, is_pointwise, read_map

NONE, SCRATCH = -1, -2
EARLY, LATE = 0, 1           # unknown-order kernels: every write at EARLY, every read at LATE


class PlanError(AssertionError):
    """The plan lets a kernel read a byte after it was overwritten."""


@dataclass
class _Access:
    addr: np.ndarray          # byte addresses
    time: np.ndarray          # step at which each byte is touched
    tag: np.ndarray           # read: the tag expected per byte; write: the tag left behind
    what: str


class _Replay:
    def __init__(self, graph: Graph, plan):
        self.plan, self.offsets = plan, plan.tensor_offsets
        self.owner = np.full(max(plan.arena_bytes, 1), NONE, dtype=np.int64)
        self.expect: dict[int, np.ndarray] = {}
        state = [t for layer in plan.layers for t in layer.inputs if t.is_variable]
        for t in graph.inputs + state:
            self.expect[t.index] = np.full(t.nbytes, t.index, dtype=np.int64)
            self.owner[self.span(t)] = t.index

    def span(self, t: Tensor) -> np.ndarray:
        off, arena = self.offsets[t.index], self.plan.arena_bytes
        if off < 0 or off + t.nbytes > arena:
            raise PlanError(f"tensor '{t.name}' [{off}, {off + t.nbytes}) is outside the arena of {arena} bytes")
        return np.arange(off, off + t.nbytes, dtype=np.int64)

    def whole(self, t: Tensor, time: int) -> _Access:
        addr = self.span(t)
        return _Access(addr, np.full(addr.size, time, dtype=np.int64), self.expect[t.index], f"tensor '{t.name}'")

    def elements(self, t: Tensor, elements: np.ndarray, read: bool) -> _Access:
        """Element k of `elements` touched at step k (its bytes)."""
        esize = element_bytes(t)
        rel = np.repeat(elements * esize, esize) + np.tile(np.arange(esize, dtype=np.int64), elements.size)
        steps = np.repeat(np.arange(elements.size, dtype=np.int64), esize)
        addr = self.span(t)[rel]
        tag = self.expect[t.index][rel] if read else np.full(rel.size, t.index, dtype=np.int64)
        return _Access(addr, steps, tag, f"tensor '{t.name}'")

    def check(self, reads: list[_Access], writes: list[_Access], i: int) -> None:
        first_write = np.full(self.owner.size, np.iinfo(np.int64).max, dtype=np.int64)
        for w in writes:
            np.minimum.at(first_write, w.addr, w.time)
        for r in reads:
            early = first_write[r.addr] < r.time
            bad = np.nonzero(early | (self.owner[r.addr] != r.tag))[0]
            if bad.size:
                k = bad[0]
                why = "overwritten earlier in this layer" if early[k] else f"holds tag {self.owner[r.addr[k]]}"
                raise PlanError(f"layer {i} reads byte {r.addr[k]} of {r.what} after it was overwritten ({why})")


def simulate(graph: Graph, plan) -> None:
    """Replay `plan` (a planner Plan); raise PlanError at the first read of a clobbered byte."""
    rp = _Replay(graph, plan)
    fused = getattr(plan, "fused", {})
    inside = {p for f in fused.values() for p in f.positions[1:]}
    for i, layer in enumerate(plan.layers):
        if i in fused:
            _fused(rp, plan, fused[i])
            continue
        if i in inside:
            continue
        if layer.alias_of is not None or is_placed_concat(layer):
            _no_code(rp, layer, i)
            continue
        for t in layer.outputs:
            rp.expect[t.index] = np.full(t.nbytes, t.index, dtype=np.int64)
        reads, writes = _accesses(rp, layer, i)
        rp.check(reads, writes, i)
        _check_disjoint(writes, i)
        for w in writes:
            rp.owner[w.addr] = w.tag
    end = len(plan.layers)
    state = [t for layer in plan.layers for t in layer.inputs if t.is_variable]
    rp.check([rp.whole(t, LATE) for t in graph.outputs + state], [], end)


def _no_code(rp: _Replay, layer: Layer, i: int) -> None:
    """An alias, or a concatenation by placement: its inputs must be intact (and in their
    slices); the output expects the bytes they hold."""
    rp.check([rp.whole(t, LATE) for t in layer.inputs], [], i)
    out = layer.outputs[0]
    if layer.alias_of is not None:
        for t in layer.outputs:
            rp.expect[t.index] = rp.expect[layer.alias_of.index][:t.nbytes]
        return
    for t, at in concat_slices(layer):
        if rp.offsets[t.index] != rp.offsets[out.index] + at:
            raise PlanError(f"layer {i} concatenates by placement but input '{t.name}' is at "
                            f"{rp.offsets[t.index]}, not in its slice at {rp.offsets[out.index] + at}")
    rp.expect[out.index] = np.concatenate([rp.expect[t.index] for t, _ in concat_slices(layer)])


def _row_accesses(rp: _Replay, layer: Layer, rows) -> tuple[list[_Access], list[_Access]]:
    """Per call j of the blocks: its output rows written at step 2j, its input rows read at 2j + 1."""
    inp, out = layer.op.input("input"), layer.outputs[0]
    v = rows.view
    r_rel, r_step, w_rel, w_step = [], [], [], []
    for j, b in enumerate(rows.blocks):
        r_rel.append(np.arange(b.start * v.in_row, (b.start + b.rows) * v.in_row, dtype=np.int64))
        r_step.append(np.full(b.rows * v.in_row, 2 * j + 1, dtype=np.int64))
        w_rel.append(np.arange(b.r0 * v.out_row, b.r1 * v.out_row, dtype=np.int64))
        w_step.append(np.full((b.r1 - b.r0) * v.out_row, 2 * j, dtype=np.int64))
    r_rel, w_rel = np.concatenate(r_rel), np.concatenate(w_rel)
    if _distinct(w_rel) != out.nbytes:
        raise PlanError(f"layer {layer.op.index}: its blocks of rows do not write each output byte once")
    reads = [_Access(rp.span(inp)[r_rel], np.concatenate(r_step), rp.expect[inp.index][r_rel], f"tensor '{inp.name}'")]
    reads += [rp.whole(t, LATE) for t in layer.inputs if t is not inp]
    writes = [_Access(rp.span(out)[w_rel], np.concatenate(w_step), np.full(w_rel.size, out.index, dtype=np.int64),
                      f"tensor '{out.name}'")]
    return reads, writes


def _accesses(rp: _Replay, layer: Layer, i: int) -> tuple[list[_Access], list[_Access]]:
    if i in rp.plan.rows:
        reads, writes = _row_accesses(rp, layer, rp.plan.rows[i])
    elif is_pointwise(layer):
        out = layer.outputs[0]
        reads = [rp.elements(t, read_map(t, out), read=True) for t in layer.inputs]
        writes = [rp.elements(out, np.arange(out.size, dtype=np.int64), read=False)]
    else:
        reads = [rp.whole(t, LATE) for t in layer.inputs]
        writes = []
        for t in layer.outputs:
            w = rp.whole(t, EARLY)
            writes.append(_Access(w.addr, w.time, np.full(w.addr.size, t.index, dtype=np.int64), w.what))
    return reads, writes + _scratch(rp, layer, i)


def _scratch(rp: _Replay, layer: Layer, i: int) -> list[_Access]:
    if layer.scratch_bytes:
        off, size = rp.plan.scratch_offsets[i], layer.scratch_bytes
        if off < 0 or off + size > rp.plan.arena_bytes:
            raise PlanError(f"scratch of layer {i} [{off}, {off + size}) is outside the arena")
        addr = np.arange(off, off + size, dtype=np.int64)
        return [_Access(addr, np.full(size, -1, dtype=np.int64), np.full(size, SCRATCH, dtype=np.int64),
                        f"scratch of layer {i}")]
    return []


def _distinct(values: np.ndarray) -> int:
    """How many different values (np.unique(values).size, without sorting)."""
    if values.size == 0:
        return 0
    low = int(values.min())
    seen = np.zeros(int(values.max()) - low + 1, dtype=bool)
    seen[values - low] = True
    return int(np.count_nonzero(seen))


def _check_disjoint(writes: list[_Access], i: int) -> None:
    if len(writes) < 2:
        return
    counts = np.zeros(1 + max((int(w.addr.max()) for w in writes if w.addr.size), default=0), dtype=np.int64)
    for w in writes:                  # addresses are in the arena (span and _scratch check): >= 0
        hit = np.zeros(counts.size, dtype=bool)
        hit[w.addr] = True
        counts += hit
    if np.any(counts > 1):
        raise PlanError(f"layer {i} writes byte {np.flatnonzero(counts > 1)[0]} from two destinations "
                        f"({', '.join(w.what for w in writes)})")


BAND = 1 << 40               # tags of band rows: BAND + tensor index * 2**20 + row


def _fused(rp: _Replay, plan, f) -> None:
    """Replay the calls of a residual block run fused (planner/fuse.py), one call at a time."""
    layers = [plan.layers[p] for p in f.positions]
    for t in (t for layer in layers for t in layer.outputs):
        rp.expect[t.index] = np.full(t.nbytes, t.index, dtype=np.int64)
    base = {"x": rp.offsets[f.x], "t1": rp.offsets[f.t1], "t2": rp.offsets[f.t2]}
    ends = {"x": rp.offsets[f.x] + f.row * f.blocks[-1][1],
            "t1": rp.offsets[f.t1] + f.band_bytes, "t2": rp.offsets[f.t2] + f.t2_bytes}
    for n, call in enumerate(f.calls):
        where = f"layer {f.positions[0]} (fused call {n}, {call.kind})"
        reads = [_band_access(rp, f, base, ends, a, where, read=True) for a in _extents(call, call.reads, True)]
        writes = [_band_access(rp, f, base, ends, a, where, read=False) for a in _extents(call, call.writes, False)]
        if call.kind == "move":             # memmove: every read before any write
            for w in writes:
                w.time[:] = LATE
            for r in reads:
                r.time[:] = EARLY
        elif call.kind != "add":            # a conv call: unknown order inside
            for w in writes:
                w.time[:] = EARLY
            for r in reads:
                r.time[:] = LATE
        if call.kind in ("conv1", "conv2"):
            p = f.positions[0 if call.kind == "conv1" else 1]
            writes += _scratch(rp, plan.layers[p], p)
        rp.check(reads, writes, f.positions[0])
        _check_disjoint(writes, f.positions[0])
        for w in writes:
            rp.owner[w.addr] = w.tag


def _extents(call, accesses: tuple, read: bool) -> list[tuple]:
    """The call's accesses with their byte ranges as the kernel sees them: from the pointer the
    call passes and the rows (elements) its params give, not from the schedule's own ranges
    (a move keeps its own: memmove's length is the call's)."""
    if call.kind == "move":
        return list(accesses)
    p = dict(call.params)
    out = []
    for place, _lo, _hi, tensor, row0, row_bytes in accesses:
        if call.kind == "add":
            size = p["inner"] * p["rows"]
        else:
            size = (p["in_h"] if read else p["out_h"]) * row_bytes
        start = (call.src2 if place == "t2" and call.kind == "add" else call.src if read else call.dst)[1]
        out.append((place, start, start + size, tensor, row0, row_bytes))
    return out


def _band_access(rp: _Replay, f, base: dict, ends: dict, a: tuple, where: str, read: bool) -> _Access:
    """One (place, lo, hi, tensor, first row, row bytes) of a fused call as arena bytes: x and
    out bytes carry their tensor's tags, band bytes the tag of their row; element k at step k."""
    place, lo, hi, tensor, row0, row_bytes = a
    addr = np.arange(base[place] + lo, base[place] + hi, dtype=np.int64)
    if lo < 0 or base[place] + hi > ends[place] or base[place] + hi > rp.plan.arena_bytes:
        raise PlanError(f"{where} touches bytes [{lo}, {hi}) outside its {place} region")
    rel = np.arange(hi - lo, dtype=np.int64)
    if place == "x":
        first = row0 * row_bytes
        tag = rp.expect[tensor][first + rel] if read else np.full(rel.size, tensor, dtype=np.int64)
    else:
        tag = BAND + tensor * (1 << 20) + row0 + rel // row_bytes
    return _Access(addr, rel.copy(), tag, f"{where} {place}")
