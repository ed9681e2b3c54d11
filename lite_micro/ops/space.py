"""SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, DEPTH_TO_SPACE, SPACE_TO_DEPTH, GATHER, GATHER_ND:
Prepare steps.

Each is a pure rearrangement of bytes, so each becomes strided block copies run by
`lm_copy_blocks` (see shape_ops): Python derives, from the constant block shape, paddings,
crops or indices, where every run of bytes comes from and goes to. Padding of
SPACE_TO_BATCH_ND is a fill with the output zero point (int8) or 0.0 (float32), as TFLM's
reference kernel writes it. GATHER and GATHER_ND need constant indices (TFLM also takes them
at run time: `lm_gather` / `lm_gather_nd` run those, GATHER's when batch_dims is 0).
"""

from __future__ import annotations

import numpy as np

from ..ir import Op, Tensor
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require
from .shape_ops import (
    Block,
    _shape_is,
    const_ints,
    contiguous_strides,
    copy_layer,
    data_tensors,
    element_bytes,
    positive_axis,
    prod,
)

SPACE_DTYPES = ("int8", "float32")          # what TFLM's kernels take
GATHER_MAX_BLOCKS = 4096


def _space_dtypes(op: Op, t: Tensor) -> None:
    require(t.dtype in SPACE_DTYPES, op, f"tensor {t.index} '{t.name}' is {t.dtype}; "
                                         f"{op.kind} supports {', '.join(SPACE_DTYPES)}")


def _nhwc(op: Op, inp: Tensor, block: list[int], pairs: list[int], role: str):
    """The input as 4-D (N, H, W, C) with 2 block sizes and 2 (before, after) pairs;
    a 3-D input (N, W, C) gets H = 1 with block 1 and no padding."""
    rank = len(inp.shape)
    require(rank in (3, 4), op, f"input must be 3-D or 4-D, not {list(inp.shape)}")
    spatial = rank - 2
    require(len(block) == spatial and min(block) >= 1, op,
            f"block_shape {block} must be {spatial} positive sizes")
    require(len(pairs) == 2 * spatial and min(pairs) >= 0, op,
            f"{role} {pairs} must be {spatial} non-negative (before, after) pairs")
    if rank == 3:
        n, w, c = inp.shape
        return (n, 1, w, c), [1] + block, [0, 0] + pairs
    return tuple(inp.shape), block, pairs


def prepare_space_to_batch(op: Op) -> Layer:
    """Output batch (oy * bw + ox) * N + b holds input pixels (y * bh + oy - top,
    x * bw + ox - left) of batch b; pixels that fall in the padding are the fill value."""
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    _space_dtypes(op, inp)
    block = const_ints(op, op.input("block_shape"), "block_shape")
    pads = const_ints(op, op.input("paddings"), "paddings")
    (n, h, w, c), (bh, bw), (top, bottom, left, right) = _nhwc(op, inp, block, pads, "paddings")
    require((h + top + bottom) % bh == 0 and (w + left + right) % bw == 0, op,
            f"padded input {h + top + bottom}x{w + left + right} is not a multiple of block {bh}x{bw}")
    oh, ow = (h + top + bottom) // bh, (w + left + right) // bw
    _shape_is(op, out, _out_shape(inp, (n * bh * bw, oh, ow, c)), "output")
    ostr, istr = contiguous_strides((n * bh * bw, oh, ow, c)), contiguous_strides((n, h, w, c))
    blocks = []
    if top or bottom or left or right:
        blocks.append(Block(dst=out, extents=[out.size], dst_strides=[1], fill=_zero_byte(out)))
    for oy in range(bh):
        y0, y1 = _valid_range(oy - top, bh, h, oh)
        for ox in range(bw):
            x0, x1 = _valid_range(ox - left, bw, w, ow)
            if y1 <= y0 or x1 <= x0:
                continue
            group = (oy * bw + ox) * n
            blocks.append(Block(
                dst=out, dst_offset=group * ostr[0] + y0 * ostr[1] + x0 * ostr[2],
                extents=[n, y1 - y0, x1 - x0, c], dst_strides=ostr, src=inp,
                src_offset=(y0 * bh + oy - top) * istr[1] + (x0 * bw + ox - left) * istr[2],
                src_strides=[istr[0], bh * istr[1], bw * istr[2], 1]))
    return copy_layer(op, blocks, f"block {bh}x{bw}, paddings {pads}")


def _valid_range(offset: int, step: int, size: int, count: int) -> tuple[int, int]:
    """[first, last) of k in [0, count) with 0 <= k * step + offset < size."""
    first = 0
    while first < count and first * step + offset < 0:
        first += 1
    last = first
    while last < count and last * step + offset < size:
        last += 1
    return first, last


def _out_shape(inp: Tensor, nhwc) -> tuple:
    n, h, w, c = nhwc
    return (n, w, c) if len(inp.shape) == 3 else (n, h, w, c)


def _zero_byte(out: Tensor) -> int:
    zp = out.zero_point if out.dtype == "int8" else 0
    return int(zp)


def prepare_batch_to_space(op: Op) -> Layer:
    """Output pixel (y, x) of batch b comes from input batch (oy * bw + ox) * N + b, pixel
    ((y + top) // bh, (x + left) // bw), where oy, ox are (y + top) % bh, (x + left) % bw."""
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    _space_dtypes(op, inp)
    block = const_ints(op, op.input("block_shape"), "block_shape")
    crops = const_ints(op, op.input("crops"), "crops")
    (nb, ih, iw, c), (bh, bw), (top, bottom, left, right) = _nhwc(op, inp, block, crops, "crops")
    require(nb % (bh * bw) == 0, op, f"input batch {nb} is not a multiple of block {bh}x{bw}")
    n, oh, ow = nb // (bh * bw), ih * bh - top - bottom, iw * bw - left - right
    require(oh > 0 and ow > 0, op, f"crops {crops} leave nothing of {ih * bh}x{iw * bw}")
    _shape_is(op, out, _out_shape(inp, (n, oh, ow, c)), "output")
    ostr, istr = contiguous_strides((n, oh, ow, c)), contiguous_strides((nb, ih, iw, c))
    blocks = []
    for oy in range(bh):
        y0 = (oy - top) % bh                     # first output row fed by this offset
        for ox in range(bw):
            x0 = (ox - left) % bw
            rows, cols = len(range(y0, oh, bh)), len(range(x0, ow, bw))
            if rows == 0 or cols == 0:
                continue
            blocks.append(Block(
                dst=out, dst_offset=y0 * ostr[1] + x0 * ostr[2], extents=[n, rows, cols, c],
                dst_strides=[ostr[0], bh * ostr[1], bw * ostr[2], 1], src=inp,
                src_offset=(oy * bw + ox) * n * istr[0] + (y0 + top) // bh * istr[1]
                + (x0 + left) // bw * istr[2],
                src_strides=[istr[0], istr[1], istr[2], 1]))
    return copy_layer(op, blocks, f"block {bh}x{bw}, crops {crops}")


def _depth_space_block(op: Op, deep: Tensor, wide: Tensor, bs: int, to_space: bool) -> Block:
    """One 6-D block: (batch, y, dy, x, dx, channel) walks the wide tensor in order and the
    deep one at channel (dy * bs + dx) * C + c of pixel (y, x)."""
    n, h, w, dc = deep.shape
    c = dc // (bs * bs)
    extents = [n, h, bs, w, bs, c]
    wstr = contiguous_strides((n, h * bs, w * bs, c))
    wide_strides = [wstr[0], bs * wstr[1], wstr[1], bs * wstr[2], wstr[2], 1]
    dstr = contiguous_strides(deep.shape)
    deep_strides = [dstr[0], dstr[1], bs * c, dstr[2], c, 1]
    if to_space:
        return Block(dst=wide, extents=extents, dst_strides=wide_strides, src=deep,
                     src_strides=deep_strides)
    return Block(dst=deep, extents=extents, dst_strides=deep_strides, src=wide,
                 src_strides=wide_strides)


def _block_size(op: Op) -> int:
    bs = int(op.options.block_size)
    require(bs >= 1, op, f"block_size {bs} must be positive")
    return bs


def prepare_depth_to_space(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    require(len(inp.shape) == 4, op, f"input must be 4-D NHWC, not {list(inp.shape)}")
    _space_dtypes(op, inp)
    bs = _block_size(op)
    n, h, w, c = inp.shape
    require(c % (bs * bs) == 0, op, f"input depth {c} is not a multiple of block_size^2 {bs * bs}")
    _shape_is(op, out, (n, h * bs, w * bs, c // (bs * bs)), "output")
    return copy_layer(op, [_depth_space_block(op, inp, out, bs, True)], f"block_size {bs}")


def prepare_space_to_depth(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    require(len(inp.shape) == 4, op, f"input must be 4-D NHWC, not {list(inp.shape)}")
    _space_dtypes(op, inp)
    bs = _block_size(op)
    n, h, w, c = inp.shape
    require(h % bs == 0 and w % bs == 0, op, f"input {h}x{w} is not a multiple of block_size {bs}")
    _shape_is(op, out, (n, h // bs, w // bs, c * bs * bs), "output")
    return copy_layer(op, [_depth_space_block(op, out, inp, bs, False)], f"block_size {bs}")


# ---- gather ---------------------------------------------------------------------------------

def _indices(op: Op, t: Tensor | None, limit: int, what: str) -> list[int]:
    require(t is not None and t.is_const, op, "the indices must be a constant tensor "
            "(indices computed at run time are not supported)")
    require(t.dtype == "int32", op, f"indices are {t.dtype}; TFLM takes int32 indices")
    values = const_ints(op, t, "indices")
    bad = [v for v in values if not 0 <= v < limit]
    require(not bad, op, f"index {bad[0] if bad else 0} is out of range for {what} of size {limit}")
    return values


def _merged_blocks(op: Op, inp: Tensor, out: Tensor, runs: list[tuple[int, int]], size: int,
                   outer: int = 1, outer_src: int = 0, outer_dst: int = 0) -> list[Block]:
    """Copy `size` elements from each source offset in `runs` (source, destination), repeated
    `outer` times; neighbouring runs contiguous on both sides become one block."""
    merged: list[list[int]] = []
    for src, dst in runs:
        if merged and merged[-1][0] + merged[-1][2] == src and merged[-1][1] + merged[-1][2] == dst:
            merged[-1][2] += size
        else:
            merged.append([src, dst, size])
    require(len(merged) <= GATHER_MAX_BLOCKS, op, f"the gather needs {len(merged)} copies; "
            f"at most {GATHER_MAX_BLOCKS} are supported")
    return [Block(dst=out, dst_offset=dst, extents=[outer, n], dst_strides=[outer_dst, 1], src=inp,
                  src_offset=src, src_strides=[outer_src, 1]) for src, dst, n in merged]


def prepare_gather(op: Op) -> Layer:
    """out[batch, outer, index k, inner] = params[batch, outer, indices[batch, k], inner]."""
    inp, idx_t, out = op.input("input"), op.input("indices"), op.outputs[0]
    data_tensors(op, [inp, out])
    rank = len(inp.shape)
    axis = positive_axis(op, int(op.options.axis), rank)
    batch_dims = int(op.options.batch_dims)
    require(idx_t is not None, op, "missing indices tensor")
    batch_dims = batch_dims + len(idx_t.shape) if batch_dims < 0 else batch_dims
    require(0 <= batch_dims <= axis and batch_dims <= len(idx_t.shape) and
            tuple(inp.shape[:batch_dims]) == tuple(idx_t.shape[:batch_dims]), op,
            f"batch_dims {batch_dims} does not fit params {list(inp.shape)} and indices "
            f"{list(idx_t.shape)} on axis {axis}")
    _shape_is(op, out, tuple(inp.shape[:axis]) + tuple(idx_t.shape[batch_dims:])
              + tuple(inp.shape[axis + 1:]), "output")
    if not idx_t.is_const:
        return _gather_at_run_time(op, inp, idx_t, out, axis, batch_dims)
    values = _indices(op, idx_t, inp.shape[axis], f"axis {axis}")
    batches = prod(inp.shape[:batch_dims])
    outer, inner = prod(inp.shape[batch_dims:axis]), prod(inp.shape[axis + 1:])
    per_batch = len(values) // max(batches, 1)
    blocks = []
    for b in range(batches):
        runs = [(b * outer * inp.shape[axis] * inner + v * inner, (b * outer * per_batch + k) * inner)
                for k, v in enumerate(values[b * per_batch:(b + 1) * per_batch])]
        blocks += _merged_blocks(op, inp, out, runs, inner, outer, inp.shape[axis] * inner,
                                 per_batch * inner)
    return copy_layer(op, blocks, f"{len(values)} constant indices on axis {axis}")


def _gather_at_run_time(op: Op, inp: Tensor, idx_t: Tensor, out: Tensor, axis: int,
                        batch_dims: int) -> Layer:
    """Indices computed at run time (int32): `lm_gather` copies one slice per index."""
    require(idx_t.dtype == "int32", op, f"indices are {idx_t.dtype}; TFLM takes int32 indices")
    require(batch_dims == 0, op, "batch_dims with indices computed at run time is not supported")
    params = [("outer", prod(inp.shape[:axis])), ("axis_size", inp.shape[axis]),
              ("inner_bytes", prod(inp.shape[axis + 1:]) * element_bytes(op, inp)),
              ("count", idx_t.size)]
    consts: list = []
    src = _source(inp, consts)
    return Layer(op=op, kernel="lm_gather", runtime=("lm_gather.h", "lm_gather.c"), params_type="lm_gather_params",
                 params=params, consts=consts, args=[ParamsArg(), src, TensorArg(idx_t, const=True), TensorArg(out)],
                 note=f"{idx_t.size} run-time indices on axis {axis}")


def _source(inp: Tensor, consts: list):
    """The params argument: its arena buffer, or its bytes as a table in flash."""
    if not inp.is_const:
        return TensorArg(inp, const=True)
    raw = np.ascontiguousarray(inp.data).view(np.int8).reshape(-1)
    consts.append(ConstArray("table", "int8_t", raw, f"constant input '{inp.name}' ({inp.dtype} bytes)"))
    return ConstArg("table")


def _gather_nd_at_run_time(op: Op, inp: Tensor, idx_t: Tensor, out: Tensor, depth: int) -> Layer:
    require(idx_t.dtype == "int32", op, f"indices are {idx_t.dtype}; TFLM takes int32 indices")
    esize = element_bytes(op, inp)
    strides = [s * esize for s in contiguous_strides(inp.shape)[:depth]]
    consts = [ConstArray("dims", "int32_t", np.asarray(inp.shape[:depth], dtype=np.int32), "index limits"),
              ConstArray("strides", "int32_t", np.asarray(strides, dtype=np.int32), "byte strides")]
    src = _source(inp, consts)
    params = [("count", idx_t.size // depth), ("depth", depth), ("slice_bytes", prod(inp.shape[depth:]) * esize)]
    return Layer(op=op, kernel="lm_gather_nd", runtime=("lm_gather.h", "lm_gather.c"),
                 params_type="lm_gather_nd_params", params=params, consts=consts,
                 args=[ParamsArg(), ConstArg("dims"), ConstArg("strides"), src, TensorArg(idx_t, const=True),
                       TensorArg(out)],
                 note=f"{idx_t.size // depth} run-time index tuples of depth {depth}")


def prepare_gather_nd(op: Op) -> Layer:
    """out[i..., inner] = params[indices[i..., :], inner]: one contiguous slice per index tuple."""
    inp, idx_t, out = op.input("input"), op.input("indices"), op.outputs[0]
    data_tensors(op, [inp, out])
    require(idx_t is not None and len(idx_t.shape) >= 1, op, "indices must have at least one axis")
    depth = idx_t.shape[-1]
    require(1 <= depth <= len(inp.shape), op,
            f"index depth {depth} does not fit params of rank {len(inp.shape)}")
    _shape_is(op, out, tuple(idx_t.shape[:-1]) + tuple(inp.shape[depth:]), "output")
    if not idx_t.is_const:
        return _gather_nd_at_run_time(op, inp, idx_t, out, depth)
    values = _indices(op, idx_t, max(inp.shape[:depth]), "params")
    tuples = [values[k:k + depth] for k in range(0, len(values), depth)]
    for t in tuples:
        bad = [(d, v) for d, v in enumerate(t) if v >= inp.shape[d]]
        require(not bad, op, f"index {t} is out of range for params {list(inp.shape)}")
    strides = contiguous_strides(inp.shape)
    inner = prod(inp.shape[depth:])
    runs = [(sum(v * s for v, s in zip(t, strides)), k * inner) for k, t in enumerate(tuples)]
    return copy_layer(op, _merged_blocks(op, inp, out, runs, inner),
                      f"{len(tuples)} constant index tuples of depth {depth}")
