"""Byte-level replay of a plan: every read must find the bytes its tensor was given.

Each arena byte carries a tag: the tensor whose value it holds (aliases share their source's
tag), or none. The replay walks the layers in execution order. A pointwise kernel
(planner/access.py) reads element e of each input, then writes output element e, for
e = 0, 1, ...; any other kernel is assumed to write any byte of its outputs and scratch before
reading any input byte, so those may share no byte with its inputs. A read fails when the byte
was overwritten before it: by an earlier layer (its tag is not the input's) or by the same
layer at an earlier step. Two outputs (or an output and the scratch) of one layer must not
share a byte. At the end the model outputs and the state tensors must still hold their values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Graph, Tensor
from ..ops.base import Layer
from .access import element_bytes, is_pointwise, read_map

NONE, SCRATCH = -1, -2
EARLY, LATE = 0, 1           # unknown-order kernels: every write at EARLY, every read at LATE


class PlanError(AssertionError):
    """The plan lets a kernel read a byte after it was overwritten."""


@dataclass
class _Access:
    addr: np.ndarray          # byte addresses
    time: np.ndarray          # step at which each byte is touched
    tag: int                  # read: the tag expected; write: the tag left behind
    what: str


def simulate(graph: Graph, plan) -> None:
    """Replay `plan` (a planner Plan); raise PlanError at the first read of a clobbered byte."""
    offsets = plan.tensor_offsets
    owner = np.full(max(plan.arena_bytes, 1), NONE, dtype=np.int64)
    tags: dict[int, int] = {}
    for t in graph.inputs + [t for layer in plan.layers for t in layer.inputs if t.is_variable]:
        tags[t.index] = t.index
        owner[_span(offsets[t.index], t.nbytes, plan.arena_bytes, t.name)] = t.index
    for i, layer in enumerate(plan.layers):
        if layer.alias_of is not None:
            _check_reads(owner, [_whole(offsets, tags, t, LATE) for t in layer.inputs], None, i)
            for t in layer.outputs:
                tags[t.index] = tags[layer.alias_of.index]
            continue
        for t in layer.outputs:
            tags[t.index] = t.index
        reads, writes = _accesses(layer, i, plan, tags)
        _check_reads(owner, reads, writes, i)
        _check_disjoint(writes, i)
        for w in writes:
            owner[w.addr] = w.tag
    for t in graph.outputs:
        _check_reads(owner, [_whole(offsets, tags, t, LATE)], None, len(plan.layers))
    for layer in plan.layers:
        for t in layer.inputs:
            if t.is_variable:
                _check_reads(owner, [_whole(offsets, tags, t, LATE)], None, len(plan.layers))


def _span(offset: int, nbytes: int, arena: int, name: str) -> np.ndarray:
    if offset < 0 or offset + nbytes > arena:
        raise PlanError(f"tensor '{name}' [{offset}, {offset + nbytes}) is outside the arena of {arena} bytes")
    return np.arange(offset, offset + nbytes, dtype=np.int64)


def _whole(offsets: dict, tags: dict, t: Tensor, time: int) -> _Access:
    addr = np.arange(offsets[t.index], offsets[t.index] + t.nbytes, dtype=np.int64)
    return _Access(addr, np.full(addr.size, time, dtype=np.int64), tags[t.index], f"tensor '{t.name}'")


def _elements(base: int, esize: int, elements: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Addresses of the given elements' bytes, and the output step each is touched at."""
    steps = np.repeat(np.arange(elements.size, dtype=np.int64), esize)
    addr = base + np.repeat(elements * esize, esize) + np.tile(np.arange(esize, dtype=np.int64), elements.size)
    return addr, steps


def _accesses(layer: Layer, i: int, plan, tags: dict) -> tuple[list[_Access], list[_Access]]:
    offsets = plan.tensor_offsets
    for t in layer.inputs + layer.outputs:
        _span(offsets[t.index], t.nbytes, plan.arena_bytes, t.name)
    if is_pointwise(layer):
        out = layer.outputs[0]
        reads = []
        for t in layer.inputs:
            addr, steps = _elements(offsets[t.index], element_bytes(t), read_map(t, out))
            reads.append(_Access(addr, steps, tags[t.index], f"tensor '{t.name}'"))
        addr, steps = _elements(offsets[out.index], element_bytes(out), np.arange(out.size, dtype=np.int64))
        writes = [_Access(addr, steps, tags[out.index], f"tensor '{out.name}'")]
    else:
        reads = [_whole(offsets, tags, t, LATE) for t in layer.inputs]
        writes = [_whole(offsets, tags, t, EARLY) for t in layer.outputs]
    if layer.scratch_bytes:
        addr = _span(plan.scratch_offsets[i], layer.scratch_bytes, plan.arena_bytes, f"scratch of layer {i}")
        writes.append(_Access(addr, np.full(addr.size, -1, dtype=np.int64), SCRATCH, f"scratch of layer {i}"))
    return reads, writes


def _check_reads(owner: np.ndarray, reads: list[_Access], writes, i: int) -> None:
    first_write = np.full(owner.size, np.iinfo(np.int64).max, dtype=np.int64)
    for w in writes or []:
        np.minimum.at(first_write, w.addr, w.time)
    for r in reads:
        early = first_write[r.addr] < r.time
        stale = owner[r.addr] != r.tag
        bad = np.nonzero(early | stale)[0]
        if bad.size:
            k = bad[0]
            why = "overwritten earlier in this layer" if early[k] else f"holds tag {owner[r.addr[k]]}"
            raise PlanError(f"layer {i} reads byte {r.addr[k]} of {r.what} after it was overwritten ({why})")


def _check_disjoint(writes: list[_Access], i: int) -> None:
    if len(writes) < 2:
        return
    addr = np.concatenate([np.unique(w.addr) for w in writes])
    uniq, counts = np.unique(addr, return_counts=True)
    if np.any(counts > 1):
        raise PlanError(f"layer {i} writes byte {uniq[counts > 1][0]} from two destinations "
                        f"({', '.join(w.what for w in writes)})")
