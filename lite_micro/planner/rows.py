"""Convolutions in place by blocks of output rows.

A convolution-like layer (CONV_2D, 1x1 included, and DEPTHWISE_CONV_2D) is run as a few calls
of its own kernel, each on a block of output rows [r0, r1): the kernel sees a smaller image
whose input starts at the first input row the block needs (the padding above it, if any,
kept in pad_top), whose in_h ends at the last row it needs, and whose output is those rows.
The output tensor shares one region of the arena with the input, shifted by D bytes.

Read/write-order argument. The only thing relied on is what every kernel call does by its
contract: it reads nothing outside the input rows it is given and writes nothing outside its
output rows and its scratch; in which order it does so inside the call is unknown. So
call j (rows [r0_j, r1_j), input rows [lo_j, hi_j)) must not write a byte that call j itself
or any later call reads:
- first to last (forward): later calls read rows >= lo_j only (lo grows with r0), so it is
  enough that out + r1_j * out_row <= in + lo_j * in_row, i.e. D <= min_j(lo_j * in_row -
  r1_j * out_row): the output starts that many bytes before the input (D < 0) or with it.
- last to first (backward): later calls read rows < hi_j only, so out + r0_j * out_row >=
  in + hi_j * in_row, i.e. D >= max_j(hi_j * in_row - r0_j * out_row).
The bytes a call writes over are input rows every remaining call has finished with, whatever
its inner order; that is what planner/simulate.py replays (every write of a call before any
of its reads). The region is then max(in, D + out) - min(0, D) bytes instead of in + out.
Shrinking channels (C_out <= C_in) fit forward with a slack of one block of output rows;
growing ones fit either way with a slack of about one block of input rows; the direction
with the smaller region is chosen.

A block is an image of its own for the kernel, so the kernel's own conditions must hold for
each block (the 3x3 walk needs three input rows along its line, at most one padded column
at either end): blocks that break them are not offered. A block never computes a value the
whole call would not: output row r reads input rows r * s - pad + k * d, the same rows in
the block's frame (start - pad_top = r0 * s - pad), and rows outside the input are padding in
both. Only kernels known to take their geometry from the params are used (ROW_KERNELS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ops.base import Layer, ParamsArg, TensorArg
from ..ops.conv import depthwise_for_target, tiny_fits, walk_block_fits

ALIGN = 4
# kernels whose output rows depend on the params only (no geometry compiled in but the row
# pitch): the portable and DSP convolutions and depthwise convolutions
ROW_KERNELS = frozenset({
    "lm_conv_s8", "lm_conv_fast_s8", "lm_conv_quad_s8", "lm_conv_quad_ssat_s8", "lm_conv_quad16_ssat_s8",
    "lm_conv_quad_clamp_s8",
    "lm_dwconv_m1_s8", "lm_dwconv_s8", "lm_dwconv_dsp_s8", "lm_dwconv_3x3_dsp_s8", "lm_dwconv_mult2_dsp_s8",
    "lm_dwconv_3x3_mult2_dsp_s8",
    "lm_dwconv_3x3_mult_dsp_s8", "lm_dwconv_mult_dsp_s8", "lm_dwconv_c1_mult_dsp_s8"})
# the 3x3 walk instances (ops/conv.py): _h_ walks the rows, _v_ the columns, in a transposed
# view; lm_dwp3x3 (one pass) takes its line length from the params, lm_dw3x3 (two passes, _l)
# has it built in: cut only across its lines (_h_)
WALK = re.compile(r"^lm_dwp?3x3_c\d+_w\d+(?:_s[12])?_([hv])_q\d(_l\d+)?$")
# the instances of lm_dwconv_3x3_tiny.h: the row geometry built in, the rows' from the params
TINY = re.compile(r"^lm_dwt3x3_c\d+(?:_m\d+)?_w\d+_o\d+_s[12]_p[01]_q\d$")
# ... and those of small maps, whose rows' geometry is built in too: whole layers only
TINY_MAP = re.compile(r"^lm_dwt3x3_c\d+(?:_m\d+)?_w\d+_o\d+_s[12]_p[01]_q\d_h\d+_o\d+_s[12]_p[01]$")
# the instances of lm_conv_rows.h (ops/conv_rows.py): geometry from lm_conv_params, rows
# outside the input read as the zero point
ROWS_INSTANCE = re.compile(r"^lm_conv_rows_g\d+_r\d+_\w+$")
AXIS = {"h": ("in_h", "out_h", "k_h", "stride_h", "dil_h", "pad_top"),
        "w": ("in_w", "out_w", "k_w", "stride_w", "dil_w", "pad_left")}
FORWARD, BACKWARD = "first-to-last", "last-to-first"


@dataclass(frozen=True)
class RowView:
    """The real rows of a layer's tensors, as its params name them."""
    axis: str               # "h"; "w" when the params are in the walk's transposed view; "p": pixels
    in_rows: int            # rows (pixels for "p")
    out_rows: int
    k: int
    stride: int
    dil: int
    pad: int
    in_row: int             # bytes of one input row
    out_row: int            # bytes of one output row
    walk: bool              # the 3x3 walk: its conditions are checked per block
    line: int = 0           # output pixels per row of a depthwise 3x3 per-channel kernel (walks, column walk)


@dataclass(frozen=True)
class Block:
    r0: int                 # output rows [r0, r1)
    r1: int
    start: int              # first input row read
    rows: int               # input rows read
    pad: int                # padded rows above `start` (pad_top of the block)


@dataclass(frozen=True)
class Rows:
    """A layer run in place: its calls in execution order and where the output goes."""
    view: RowView
    blocks: tuple[Block, ...]
    direction: str
    shift: int              # output offset minus input offset (D)
    region: int             # bytes of the region holding both

    @property
    def calls(self) -> int:
        return len(self.blocks)


def row_view(layer: Layer):
    """The RowView of a layer that can run by blocks of rows, else None. A 1x1 convolution
    of stride 1 runs by blocks of pixels instead: each block is a 1 x n image, so a block may
    end inside a row (rows of odd width then add no odd pixel per block)."""
    walk = WALK.match(layer.kernel or "") or TINY.match(layer.kernel or "")
    rows = ROWS_INSTANCE.match(layer.kernel or "")
    if layer.kernel not in ROW_KERNELS and not walk and not rows:
        return None
    if rows and _pointwise_conv(dict(layer.params)):
        return None
    inp, out = layer.op.input("input"), layer.outputs[0]
    if len(inp.shape) != 4 or inp.shape[0] != 1 or len(layer.outputs) != 1 or inp.dtype != "int8":
        return None
    if inp.is_const or inp.is_variable:     # no arena buffer to run in (a folded input is a table)
        return None
    if sum(isinstance(a, ParamsArg) for a in layer.args) != 1 or not _tensor_args(layer):
        return None
    p = dict(layer.params)
    if p.get("batches", 1) != 1:
        return None
    if not walk and _pointwise_conv(p):
        pixels = inp.shape[1] * inp.shape[2]
        return RowView("p", pixels, pixels, 1, 1, 1, 0, inp.shape[3], out.shape[3], False)
    axis = "w" if walk and walk.re is WALK and walk.group(1) == "v" else "h"
    in_rows, out_rows, k, s, d, pad = (p[f] for f in AXIS[axis])
    if in_rows != inp.shape[1] or out_rows != out.shape[1] or out_rows < 2:
        return None
    return RowView(axis, in_rows, out_rows, k, s, d, pad, inp.nbytes // in_rows, out.nbytes // out_rows, bool(walk),
                   out.shape[2] if walk and axis == "h" else 0)


def _pointwise_conv(p: dict) -> bool:
    return (p["k_h"], p["k_w"], p["stride_h"], p["stride_w"], p["pad_top"], p["pad_left"]) == (1, 1, 1, 1, 0, 0)


def _tensor_args(layer: Layer):
    """(position of the input's pointer, of the output's) in the kernel's arguments, or None."""
    inp, out = layer.op.input("input"), layer.outputs[0]
    at_in = [k for k, a in enumerate(layer.args) if isinstance(a, TensorArg) and a.tensor is inp]
    at_out = [k for k, a in enumerate(layer.args) if isinstance(a, TensorArg) and a.tensor is out]
    return (at_in[0], at_out[0]) if len(at_in) == 1 and len(at_out) == 1 else None


def block_of(v: RowView, r0: int, r1: int) -> Block:
    lo = r0 * v.stride - v.pad
    hi = min(v.in_rows, (r1 - 1) * v.stride - v.pad + (v.k - 1) * v.dil + 1)
    start = max(0, lo)
    return Block(r0, r1, start, hi - start, start - lo)


def block_params(layer: Layer, v: RowView, b: Block) -> list[tuple[str, object]]:
    """The layer's params for one block."""
    if v.axis == "p":
        new = {"in_h": 1, "out_h": 1, "in_w": b.rows, "out_w": b.r1 - b.r0}
    else:
        in_f, out_f, *_, pad_f = AXIS[v.axis]
        new = {in_f: b.rows, out_f: b.r1 - b.r0, pad_f: b.pad}
    return [(k, new.get(k, val)) for k, val in layer.params]


def _valid(layer: Layer, v: RowView, b: Block) -> bool:
    """The kernel accepts the block: its pointers 4-aligned, and the walk's conditions."""
    if b.rows < 1 or (b.start * v.in_row) % ALIGN or (b.r0 * v.out_row) % ALIGN:
        return False
    if not v.walk:
        return True
    if TINY.match(layer.kernel):
        return tiny_fits(dict(block_params(layer, v, b)))
    two_pass = layer.kernel.startswith("lm_dw3x3_")
    return not (two_pass and v.axis == "w") and walk_block_fits(dict(block_params(layer, v, b)), two_pass)


def partitions(v: RowView, size: int) -> list[list[tuple[int, int]]]:
    """Output rows cut in blocks of `size`, the remainder first or last."""
    n, rem = divmod(v.out_rows, size)
    full = [size] * n
    out = []
    for sizes in ([rem] + full, full + [rem]) if rem else (full,):
        sizes = [s for s in sizes if s]
        edges = [sum(sizes[:k]) for k in range(len(sizes) + 1)]
        out.append(list(zip(edges[:-1], edges[1:])))
    return out


def _limit(v: RowView, blocks: list[Block], direction: str) -> int:
    """The shift the direction allows at most (forward) or at least (backward), 4-aligned."""
    if direction == FORWARD:
        return min(b.start * v.in_row - b.r1 * v.out_row for b in blocks) // ALIGN * ALIGN
    return -(-max((b.start + b.rows) * v.in_row - b.r0 * v.out_row for b in blocks) // ALIGN) * ALIGN


@dataclass(frozen=True)
class RowChoice:
    """One block size for a layer: its ways (forward, backward) with their limits in .shift;
    the direction and the shift are settled when the region it joins is known (settle)."""
    ways: tuple[Rows, ...]
    region: int             # the smallest region of the two, alone
    calls: int
    layer: Layer | None = None      # the layer to run instead (another kernel), if any


def _region(at: int, size: int, shift: int, out_bytes: int) -> int:
    return max(size, at + shift + out_bytes) - min(0, at + shift)


def settle(choice: RowChoice, at: int, size: int, out_bytes: int, home: int = 0) -> Rows:
    """The way and shift that grow a region of `size` bytes, whose input lies at `at`, the
    least; on a tie the one putting the output nearest `home` (where the chain began, so that
    a chain zig-zags around it rather than drifting), then the smaller shift, then forward."""
    best = None
    for r in choice.ways:
        shifts = {r.shift, (size - at - out_bytes) // ALIGN * ALIGN, -at, (home - at) // ALIGN * ALIGN}
        shifts = {d for d in shifts if (d <= r.shift if r.direction == FORWARD else d >= r.shift)}
        for d in shifts:
            key = (_region(at, size, d, out_bytes), abs(at + d - home), abs(d), r.direction != FORWARD)
            if best is None or key < best[0]:
                best = (key, r, d)
    _, r, d = best
    return Rows(r.view, r.blocks, r.direction, d, _region(at, size, d, out_bytes))


def cheap(v: RowView) -> bool:
    """Whether blocks cost next to no cycles: each call repeats only the kernel's set-up (on
    cortex-m4, under 0.3% of VWW, person_detect, micro_speech; 0.05% for KWS's 1x1
    convolutions). Blocks of the 3x3 walk down the columns (axis "w") cut every line it walks
    short, which costs much more (KWS: +57% for each depthwise layer with 5 calls); a per-channel
    depthwise kernel over lines shorter than SHORT_LINE pixels repeats each channel's set-up
    against little work per row (KWS's 25x5 map in the column walk: 2.19 cycles/MAC whole, 2.49
    in blocks of 5 rows)."""
    return v.axis != "w" and not (v.walk and v.line < SHORT_LINE)


# Rows of fewer output pixels than this make blocks of a per-channel depthwise kernel costly (cheap).
SHORT_LINE = 8


def alternatives(portable: list[Layer], chosen: list[Layer], features) -> dict[int, Layer]:
    """{position: layer}: for a depthwise layer whose blocks are not cheap, the same layer on
    the kernel chosen without the walks, which blocks of one or two rows do not slow down
    further (KWS on cortex-m4: 424 k cycles per layer whole or by blocks, against the walk's
    338 k whole and 529 k in blocks of 5 rows): in place of the walk down the columns, offered
    next to the layer's own blocks for the short lines of the column walk (the smaller region
    wins, plan.choose_rows); likewise for a small map's instance of lm_dwconv_3x3_tiny.h, which
    cannot run by blocks."""
    found = {}
    for k, (before, after) in enumerate(zip(portable, chosen)):
        v = row_view(after)
        whole = v is None and TINY_MAP.match(after.kernel or "")
        if (v is None and not whole) or (v is not None and cheap(v)) or before.op is not after.op:
            continue
        alt = depthwise_for_target(before, features, walk=False)
        if row_view(alt) is not None:
            found[k] = alt
    return found


def options(layer: Layer, cheap_only: bool = False, max_calls: int = 64) -> list[RowChoice]:
    """Ways to run the layer in place, smallest region first (fewer calls on a tie): per block
    size, the partitions whose every block the kernel accepts, each way it allows."""
    v = row_view(layer)
    if v is None or (cheap_only and not cheap(v)):
        return []
    in_bytes, out_bytes = layer.op.input("input").nbytes, layer.outputs[0].nbytes
    found = {}
    for size in sorted({-(-v.out_rows // calls) for calls in range(2, max_calls + 1)}):
        if v.axis == "p" and size % 2:
            continue                        # kernels take pixels in pairs: no odd pixel per block
        for part in partitions(v, size):
            blocks = [block_of(v, r0, r1) for r0, r1 in part]
            if not all(_valid(layer, v, b) for b in blocks):
                continue
            ways = []
            for direction in (FORWARD, BACKWARD):
                limit = _limit(v, blocks, direction)
                ordered = tuple(blocks if direction == FORWARD else blocks[::-1])
                ways.append(Rows(v, ordered, direction, limit, _region(0, in_bytes, limit, out_bytes)))
            choice = RowChoice(tuple(ways), min(w.region for w in ways), len(blocks))
            if choice.region < in_bytes + out_bytes:
                found.setdefault((choice.region, choice.calls), choice)
    return [found[k] for k in sorted(found)]


def tensor_arg_positions(layer: Layer) -> tuple[int, int]:
    return _tensor_args(layer)
