"""A residual block (conv1 -> conv2 -> ADD with the block input) run fused by blocks of rows.

Pattern (checked here, nothing model-specific): three consecutive layers in execution order,
conv1 (x -> t1) and conv2 (t1 -> t2) convolutions that can run by blocks of rows
(planner/rows.py, rows cut along the height), and an element-wise ADD (x, t2) -> out of one
shape with no broadcast, whose kernel walks element by element (planner/access.py). x dies at
the ADD; t1 is read by conv2 only, t2 by the ADD only; every row pitch is a multiple of 4.

Schedule. The output rows are cut in blocks [r0, r1). For block j, conv2 needs t1 rows
[s_j, e_j) (block_of); t1 lives only as a band of at most max(e_j - s_j) rows, t2 as a band of
one block. Per block: move the t1 rows the block shares with the previous one ([s_j, e_{j-1}))
to the front of the band (memmove), compute the new t1 rows [max(s_j, e_{j-1}), e_j) with one
conv1 call (its block's params, reading x rows [lo, hi)), one conv2 call (band -> t2 band), one
ADD call over the block's elements writing the result over x's rows [r0, r1). No t1 row is
computed twice (no recomputed MACs): s_j and e_j only grow.

Read/write-order argument. The conv calls read and write in an unknown order inside a call
(every write of a call before any of its reads, as in planner/simulate.py); their outputs are
the bands, which share no byte with x or with each other, and the band rows a conv1 call
writes are past the rows kept by the move. The ADD reads x element e and t2 element e, then
writes out element e at x's element e (in place, as any pointwise layer). What it writes over
are x rows [r0, r1): later conv1 calls read x rows from block_of(conv1, e_j, ...).start on,
and that is >= r1 (checked: a 3x3 stride-1 conv2 needs t1 up to r1 + 1, whose conv1 reads x
from row r1), and later ADD calls read rows >= r1. planner/simulate.py replays exactly the
calls below (each call's reads and writes, band rows tagged by their row) on every plan.

Cost: per block, the kernels' set-up three times and a move of the shared rows (IC on
cortex-m4: +6 k cycles of 17.5 M, 0.03%), so the planner uses it in both RAM modes.
Not fused: a 1x1 stride-1 convolution (it runs by blocks of pixels, not rows), a 3x3 walk
(its blocks have their own conditions), an ADD with broadcast or on M55 (its MVE kernels).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ops.base import Layer
from .access import is_pointwise
from .rows import RowView, block_of, block_params, row_view

ALIGN = 4
ADD_KERNELS = frozenset({"lm_add_s8", "lm_add_table_s8", "lm_add_table_rq_s8"})


@dataclass(frozen=True)
class Call:
    """One call of the fused schedule. Pointers are (place, byte offset): place "x" (the block
    input, and the output written over it), "t1" (the band of conv1's rows), "t2" (conv2's band).
    reads/writes: (place, lo, hi, tensor index, first row, row bytes): bytes [lo, hi) of the
    place hold (or get) that tensor's rows from `first row` on."""
    kind: str                       # "conv1", "conv2", "add", "move"
    params: tuple = ()              # the block's params ((name, value), ...); move: ()
    src: tuple = ()                 # (place, offset) of the input (conv/move), x rows (add)
    src2: tuple = ()                # add: t2's band
    dst: tuple = ()                 # (place, offset) of the output
    nbytes: int = 0                 # move: bytes moved
    reads: tuple = ()
    writes: tuple = ()


@dataclass(frozen=True)
class Fused:
    positions: tuple[int, int, int]     # conv1, conv2, add (execution positions)
    x: int                              # tensor indices
    t1: int
    t2: int
    out: int
    blocks: tuple[tuple[int, int], ...]  # output rows of each block
    band_rows: int                      # rows of t1 kept at once
    t1_row: int                         # bytes of one row of t1, t2 (= x, out)
    row: int
    calls: tuple[Call, ...]

    @property
    def band_bytes(self) -> int:
        return self.band_rows * self.t1_row

    @property
    def t2_bytes(self) -> int:
        return max(r1 - r0 for r0, r1 in self.blocks) * self.row


def find_blocks(layers: list[Layer], graph_outputs: set[int]) -> list[tuple[int, RowView, RowView]]:
    """(conv1 position, its RowView, conv2's) of every residual block that fits the pattern."""
    readers: dict[int, list[int]] = {}
    for i, layer in enumerate(layers):
        for t in layer.inputs:
            readers.setdefault(t.index, []).append(i)
    found = []
    for i in range(len(layers) - 2):
        c1, c2, add = layers[i:i + 3]
        v1, v2 = row_view(c1), row_view(c2)
        if v1 is None or v2 is None or v1.axis != "h" or v2.axis != "h" or v1.walk or v2.walk:
            continue
        x, t1, t2 = c1.op.input("input"), c1.outputs[0], c2.outputs[0]
        if c2.op.input("input") is not t1 or add.kernel not in ADD_KERNELS or not is_pointwise(add):
            continue
        if len(add.inputs) != 2 or {id(t) for t in add.inputs} != {id(x), id(t2)} or len(add.outputs) != 1:
            continue
        out = add.outputs[0]
        p = dict(add.params)
        if not (tuple(x.shape) == tuple(t2.shape) == tuple(out.shape) and p.get("outer_dims") == 0
                and p.get("rows") == 1 and p.get("inner") == out.size and p.get("in1_inner") == 1
                and p.get("in2_inner") == 1 and x.dtype == out.dtype == "int8"):
            continue
        if any(t.is_variable or t.index in graph_outputs for t in (x, t1, t2)):
            continue
        if readers.get(t1.index) != [i + 1] or readers.get(t2.index) != [i + 2]:
            continue
        if max(readers.get(x.index, [])) != i + 2 or v1.in_rows != v2.out_rows:
            continue
        if v1.in_row % ALIGN or v1.out_row % ALIGN or v2.out_row % ALIGN:
            continue
        found.append((i, v1, v2))
    return found


def schedule(layers: list[Layer], at: int, v1: RowView, v2: RowView, size: int) -> Fused | None:
    """The fused calls with blocks of `size` output rows, or None when the order of reads and
    writes over x would not hold. Every pointer is 4-aligned (row pitches are, find_blocks);
    the kernels take any block of rows (rows.ROW_KERNELS, no 3x3 walk)."""
    c1, c2, add = layers[at:at + 3]
    x, t1, t2, out = c1.op.input("input"), c1.outputs[0], c2.outputs[0], add.outputs[0]
    h = v2.out_rows
    blocks = [(r0, min(h, r0 + size)) for r0 in range(0, h, size)]
    if len(blocks) < 2:
        return None
    row, row1 = v2.out_row, v1.out_row
    per_row = out.size // h
    need = [block_of(v2, r0, r1) for r0, r1 in blocks]
    band = max(b.rows for b in need)
    calls: list[Call] = []
    prev_s = prev_e = 0
    for j, ((r0, r1), b2) in enumerate(zip(blocks, need)):
        s, e = b2.start, b2.start + b2.rows
        if s < prev_s:
            return None
        keep = max(0, prev_e - s) if j else 0
        if keep and s > prev_s:
            calls.append(Call("move", src=("t1", (s - prev_s) * row1), dst=("t1", 0), nbytes=keep * row1,
                              reads=(("t1", (s - prev_s) * row1, (prev_e - prev_s) * row1, t1.index, s, row1),),
                              writes=(("t1", 0, keep * row1, t1.index, s, row1),)))
        new0 = s + keep
        if new0 < e:
            b1 = block_of(v1, new0, e)
            if any(r1_done > b1.start for r1_done in [blocks[k][1] for k in range(j)]):
                return None             # the ADD already wrote over x rows this call reads
            calls.append(Call("conv1", tuple(block_params(c1, v1, b1)), ("x", b1.start * v1.in_row),
                              dst=("t1", keep * row1),
                              reads=(("x", b1.start * v1.in_row, (b1.start + b1.rows) * v1.in_row, x.index, b1.start,
                                      v1.in_row),),
                              writes=(("t1", keep * row1, (e - s) * row1, t1.index, new0, row1),)))
        calls.append(Call("conv2", tuple(block_params(c2, v2, b2)), ("t1", 0), dst=("t2", 0),
                          reads=(("t1", 0, (e - s) * row1, t1.index, s, row1),),
                          writes=(("t2", 0, (r1 - r0) * row, t2.index, r0, row),)))
        count = (r1 - r0) * per_row
        ap = tuple((k, count if k == "inner" else v) for k, v in add.params)
        calls.append(Call("add", ap, ("x", r0 * row), ("t2", 0), ("x", r0 * row),
                          reads=(("x", r0 * row, r1 * row, x.index, r0, row),
                                 ("t2", 0, (r1 - r0) * row, t2.index, r0, row)),
                          writes=(("x", r0 * row, r1 * row, out.index, r0, row),)))
        prev_s, prev_e = s, e
    return Fused((at, at + 1, at + 2), x.index, t1.index, t2.index, out.index, tuple(blocks), band, row1, row,
                 tuple(calls))


MAX_CALLS = 16


def fused_groups(layers: list[Layer], graph_outputs: set[int], calls: int) -> dict[int, Fused]:
    """{conv1 position: Fused} for every block that fits, cut in `calls` blocks of rows (fewer
    when the height does not allow as many)."""
    out = {}
    taken: set[int] = set()
    for at, v1, v2 in find_blocks(layers, graph_outputs):
        if taken & {at, at + 1, at + 2}:
            continue
        f = schedule(layers, at, v1, v2, -(-v2.out_rows // calls))
        if f is not None:
            out[at] = f
            taken |= {at, at + 1, at + 2}
    return out


def to_bands(groups: dict[int, Fused], buffers: list, by_tensor: dict, scratch: dict) -> dict[int, Fused]:
    """Shrink each group's t1 and t2 to their bands, alive over the three layers; the convs'
    scratch alive over them too; out joins x's buffer (the ADD writes over x). Groups whose x
    cannot take out (x's buffer lives on, or out is already placed elsewhere) are dropped."""
    from .inplace import join_at
    kept = {}
    for at, f in groups.items():
        first, _, last = f.positions
        x, out = by_tensor[f.x], by_tensor[f.out]
        bands = [by_tensor[f.t1], by_tensor[f.t2]]
        if x is out or x.last != last or out.first != last or out.inner or out.group >= 0 or any(
                len(b.tensors) != 1 or b.group >= 0 or b.inner for b in bands):
            continue
        x_t = next(t for t in x.tensors if t.index == f.x)
        join_at(x, out, x_t, buffers, by_tensor)
        for b, size in zip(bands, (f.band_bytes, f.t2_bytes)):
            b.size, b.first, b.last = size, first, last
        for p in f.positions[:2]:
            if p in scratch:
                scratch[p].first, scratch[p].last = first, last
        kept[at] = f
    return kept
