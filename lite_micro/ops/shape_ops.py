"""CONCATENATION, PAD, PADV2, TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK, UNPACK,
TILE, BROADCAST_TO, RESIZE_NEAREST_NEIGHBOR: Prepare steps.

All but the resize are strided block copies run by one kernel, `lm_copy_blocks`: Python
works out each block's offsets, extents and strides, merges the dimensions that are
contiguous on both sides, and the table of int32 words is all the C sees. Bytes move as they are,
as TFLM does; only CONCATENATION requantizes an int8 input whose quantization differs from
the output's (TFLM rejects such models; the arithmetic is TFLM's QUANTIZE int8 -> int8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import quant
from ..ir import DTYPE_BYTES, Op, Tensor
from ..ir.dtypes import dtype
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require

PAD_MAX_DIMS = 6
BLOCK_MAX_RANK = 6                     # LM_BLOCK_MAX_RANK in lm_shape.h
BLOCK_COPY, BLOCK_FILL, BLOCK_REQUANT = 0, 1, 2
MOVABLE = ("int8", "int16", "int32", "float32")
RUNTIME = ("lm_shape.h", "lm_shape.c")


def prod(values) -> int:
    return int(math.prod(values))


def positive_axis(op: Op, axis: int, rank: int) -> int:
    require(-rank <= axis < rank, op, f"axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def const_ints(op: Op, t: Tensor | None, role: str) -> list[int]:
    require(t is not None and t.is_const, op, f"the {role} input must be a constant tensor")
    require(t.dtype in ("int32", "int64"), op, f"the {role} input must be int32 or int64, not {t.dtype}")
    return [int(v) for v in t.data.reshape(-1)]


def data_tensors(op: Op, tensors: list) -> None:
    """Every tensor present, non-empty, of one movable type."""
    for t in tensors:
        require(t is not None, op, "missing input or output tensor")
        require(t.size > 0, op, f"tensor {t.index} '{t.name}' is empty")
    dtypes = {t.dtype for t in tensors}
    require(len(dtypes) == 1, op, f"inputs and outputs mix types {sorted(dtypes)}")
    element_bytes(op, tensors[0])


# ---- block copies -------------------------------------------------------------------------

@dataclass
class Block:
    """Copy (or fill, or requantize) an N-d strided region; offsets and strides in elements."""
    dst: Tensor
    extents: list
    dst_strides: list
    dst_offset: int = 0
    src: Optional[Tensor] = None           # None: fill with `fill`
    src_strides: Optional[list] = None
    src_offset: int = 0
    fill: int = 0
    requant: Optional[tuple] = None        # (in_zp, multiplier, shift, out_zp), int8 only


def contiguous_strides(shape) -> list[int]:
    strides, step = [], 1
    for dim in reversed(tuple(shape)):
        strides.append(step)
        step *= dim
    return strides[::-1]


def element_bytes(op: Op, t: Tensor) -> int:
    require(t.dtype in MOVABLE, op, f"tensor {t.index} '{t.name}' is {t.dtype}; "
            f"data movement supports {', '.join(MOVABLE)}")
    return DTYPE_BYTES[t.dtype]


def requant_params(op: Op, src: Tensor, dst: Tensor) -> Optional[tuple]:
    """None when src already has dst's quantization, else TFLM's Requantize constants."""
    if src.quant == dst.quant or (src.quant is not None and dst.quant is not None and
                                  np.float32(src.scale) == np.float32(dst.scale) and
                                  src.zero_point == dst.zero_point):
        return None
    require(src.dtype == "int8" and src.quant is not None and dst.quant is not None, op,
            f"tensor {src.index} '{src.name}' is quantized differently from the output")
    require(not src.quant.per_channel and not dst.quant.per_channel, op,
            "per-channel quantized data cannot be requantized")
    return (src.zero_point, *requant_multiplier(src, dst), dst.zero_point)


def requant_multiplier(src: Tensor, dst: Tensor) -> tuple[int, int]:
    """TFLM's Requantize multiplier and shift (quantize_common.cc): the scale ratio in double."""
    return quant.quantize_multiplier(quant.f64(src.scale) / quant.f64(dst.scale))


def merge_dims(extents, src_strides, dst_strides) -> list[tuple[int, int, int]]:
    """Drop size-1 dimensions and merge neighbours that are contiguous on both sides."""
    merged: list[tuple[int, int, int]] = []
    for e, s, d in zip(extents, src_strides, dst_strides):
        if e == 1:
            continue
        if merged and merged[-1][1] == e * s and merged[-1][2] == e * d:
            merged[-1] = (merged[-1][0] * e, s, d)
        else:
            merged.append((e, s, d))
    return merged


def encode_block(op: Op, b: Block, esize: int) -> list[int]:
    """The block's int32 words for lm_copy_blocks (layout in lm_shape.h)."""
    src_strides = b.dst_strides if b.src is None else b.src_strides
    dims = merge_dims(b.extents, src_strides, b.dst_strides)
    run = esize
    if dims and dims[-1][1] == 1 and dims[-1][2] == 1:
        run = dims.pop()[0] * esize
    require(len(dims) <= BLOCK_MAX_RANK, op, f"a copy needs {len(dims)} nested loops; "
            f"at most {BLOCK_MAX_RANK} are supported")
    if b.src is None:
        mode, extra, src_offset = BLOCK_FILL, [b.fill], 0
        dims = [(e, 0, d) for e, _, d in dims]
    elif b.requant is not None:
        mode, extra, src_offset = BLOCK_REQUANT, list(b.requant), b.src_offset * esize
    else:
        mode, extra, src_offset = BLOCK_COPY, [], b.src_offset * esize
    words = [mode, len(dims), src_offset, b.dst_offset * esize, run] + extra
    for e, s, d in dims:
        words += [e, s * esize, d * esize]
    return words


def describe_table(table: list[int], count: int, shown: int = 4) -> str:
    """'3 blocks (layout in lm_shape.h): copy 6x15 B, fill 1x24 B, ...' for the table's comment."""
    parts, k = [], 0
    for _ in range(count):
        mode, rank, run = table[k], table[k + 1], table[k + 4]
        k += 5 + {BLOCK_COPY: 0, BLOCK_FILL: 1}.get(mode, 4)
        runs = "x".join(str(table[k + 3 * d]) for d in range(rank)) or "1"
        parts.append(f"{('copy', 'fill', 'requantize')[mode]} {runs}x{run} B")
        k += 3 * rank
    more = f", ... ({count - shown} more)" if count > shown else ""
    noun = "block" if count == 1 else "blocks"
    return f"{count} {noun} (layout in lm_shape.h): " + ", ".join(parts[:shown]) + more


def copy_layer(op: Op, blocks: list[Block], note: str) -> Layer:
    """One lm_copy_blocks call: the block table in flash, then (source, destination) per block."""
    blocks = [b for b in blocks if all(e > 0 for e in b.extents)]
    esize = element_bytes(op, blocks[0].dst)
    table: list[int] = []
    args: list = [ConstArg("blocks"), str(len(blocks))]
    consts: list[ConstArray] = []
    const_src: dict[int, str] = {}
    for b in blocks:
        table += encode_block(op, b, esize)
        if b.src is None:
            src = TensorArg(b.dst)                  # not read by a fill block
        elif b.src.is_const:
            if b.src.index not in const_src:
                const_src[b.src.index] = f"src{len(const_src)}"
                raw = np.ascontiguousarray(b.src.data).view(np.int8).reshape(-1)
                consts.append(ConstArray(const_src[b.src.index], "int8_t", raw,
                                         f"constant input '{b.src.name}' ({b.src.dtype} bytes)"))
            src = ConstArg(const_src[b.src.index])
        else:
            src = TensorArg(b.src, const=True)
        args += [src, TensorArg(b.dst)]
    consts.insert(0, ConstArray("blocks", "int32_t", np.asarray(table, dtype=np.int32),
                                describe_table(table, len(blocks))))
    return Layer(op=op, kernel="lm_copy_blocks", runtime=RUNTIME, consts=consts, args=args,
                 note=f"block copy, {note}")


def _shape_is(op: Op, t: Tensor, expect, what: str) -> None:
    require(tuple(t.shape) == tuple(expect), op,
            f"{what} shape is {list(t.shape)} in the model but {list(expect)} from the inputs")


# ---- concatenation, pack, unpack, split ----------------------------------------------------

def _along_axis(op: Op, src: Tensor, dst: Tensor, axis: int, src_at: int, dst_at: int,
                count: int, requant=None) -> Block:
    """Copy `count` slices along `axis` of src (from src_at) into dst (at dst_at)."""
    outer = prod(src.shape[:axis])
    inner = prod(dst.shape[axis + 1:])
    return Block(dst=dst, dst_offset=dst_at * inner, extents=[outer, count * inner],
                 dst_strides=[dst.shape[axis] * inner, 1], src=src,
                 src_offset=src_at * inner, src_strides=[src.shape[axis] * inner, 1],
                 requant=requant)


def prepare_concatenation(op: Op) -> Layer:
    out, ins = op.outputs[0], list(op.inputs)
    data_tensors(op, ins + [out])
    require(op.options.fused_activation_function == 0, op,
            "a fused activation on CONCATENATION is not supported (TFLM allows none)")
    rank = len(out.shape)
    axis = positive_axis(op, op.options.axis, rank)
    for t in ins:
        require(len(t.shape) == rank and all(a == b for k, (a, b) in enumerate(zip(t.shape, out.shape))
                                             if k != axis), op,
                f"input shape {list(t.shape)} does not concatenate into {list(out.shape)} on axis {axis}")
    require(sum(t.shape[axis] for t in ins) == out.shape[axis], op,
            f"input sizes along axis {axis} do not add up to the output's {out.shape[axis]}")
    blocks, at = [], 0
    for t in ins:    # int16: TFLM copies the raw values whatever the scales, with zero points 0
        require(t.dtype != "int16" or t.zero_point == 0 == out.zero_point, op,
                "int16 inputs and output need zero point 0 (TFLM's int16 CONCATENATION)")
        rq = requant_params(op, t, out) if t.dtype != "int16" else None
        blocks.append(_along_axis(op, t, out, axis, 0, at, t.shape[axis], rq))
        at += t.shape[axis]
    rescaled = sum(b.requant is not None for b in blocks)
    note = f"{len(ins)} inputs on axis {axis}" + (f", {rescaled} requantized" if rescaled else "")
    return copy_layer(op, blocks, note)


def prepare_pack(op: Op) -> Layer:
    out, ins = op.outputs[0], list(op.inputs)
    data_tensors(op, ins + [out])
    shape = tuple(ins[0].shape)
    axis = positive_axis(op, op.options.axis, len(shape) + 1)
    for t in ins:
        _shape_is(op, t, shape, "input")
    _shape_is(op, out, shape[:axis] + (len(ins),) + shape[axis:], "output")
    outer, inner = prod(shape[:axis]), prod(shape[axis:])
    blocks = [Block(dst=out, dst_offset=k * inner, extents=[outer, inner],
                    dst_strides=[len(ins) * inner, 1], src=t, src_strides=[inner, 1])
              for k, t in enumerate(ins)]
    return copy_layer(op, blocks, f"{len(ins)} inputs stacked on axis {axis}")


def prepare_unpack(op: Op) -> Layer:
    inp, outs = op.input("input"), list(op.outputs)
    data_tensors(op, [inp] + outs)
    axis = positive_axis(op, op.options.axis, len(inp.shape))
    require(inp.shape[axis] == len(outs), op,
            f"{len(outs)} outputs for {inp.shape[axis]} slices along axis {axis}")
    part = tuple(inp.shape[:axis]) + tuple(inp.shape[axis + 1:])
    blocks = []
    for k, t in enumerate(outs):
        _shape_is(op, t, part, "output")
        inner = prod(inp.shape[axis + 1:])
        blocks.append(Block(dst=t, extents=[prod(inp.shape[:axis]), inner], dst_strides=[inner, 1],
                            src=inp, src_offset=k * inner,
                            src_strides=[inp.shape[axis] * inner, 1]))
    return copy_layer(op, blocks, f"{len(outs)} slices along axis {axis}")


def _split(op: Op, inp: Tensor, axis: int, sizes: list[int]) -> Layer:
    outs = list(op.outputs)
    data_tensors(op, [inp] + outs)
    require(len(sizes) == len(outs), op, f"{len(outs)} outputs for {len(sizes)} splits")
    require(sum(sizes) == inp.shape[axis] and min(sizes) > 0, op,
            f"split sizes {sizes} do not divide axis {axis} of size {inp.shape[axis]}")
    blocks, at = [], 0
    for t, n in zip(outs, sizes):
        _shape_is(op, t, inp.shape[:axis] + (n,) + inp.shape[axis + 1:], "output")
        blocks.append(_along_axis(op, inp, t, axis, at, 0, n))
        at += n
    return copy_layer(op, blocks, f"{len(outs)} parts along axis {axis}")


def prepare_split(op: Op) -> Layer:
    axis_t, inp = op.input("axis"), op.input("input")
    axis = positive_axis(op, const_ints(op, axis_t, "axis")[0], len(inp.shape))
    num = op.options.num_splits
    require(num == len(op.outputs) and num > 0 and inp.shape[axis] % num == 0, op,
            f"axis {axis} of size {inp.shape[axis]} does not split into {num} equal parts")
    return _split(op, inp, axis, [inp.shape[axis] // num] * num)


def prepare_split_v(op: Op) -> Layer:
    inp = op.input("input")
    axis = positive_axis(op, const_ints(op, op.input("axis"), "axis")[0], len(inp.shape))
    sizes = const_ints(op, op.input("size_splits"), "size_splits")
    unknown = [k for k, s in enumerate(sizes) if s == -1]
    require(len(unknown) <= 1 and all(s >= 0 or s == -1 for s in sizes), op,
            f"invalid size_splits {sizes}")
    if unknown:
        sizes[unknown[0]] = inp.shape[axis] - sum(s for s in sizes if s != -1)
    return _split(op, inp, axis, sizes)


# ---- transpose, pad, strided slice --------------------------------------------------------

def prepare_transpose(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    perm = const_ints(op, op.input("perm"), "perm")
    rank = len(inp.shape)
    require(sorted(perm) == list(range(rank)), op, f"perm {perm} is not a permutation of {rank} axes")
    _shape_is(op, out, [inp.shape[p] for p in perm], "output")
    strides = contiguous_strides(inp.shape)
    block = Block(dst=out, extents=list(out.shape), dst_strides=contiguous_strides(out.shape),
                  src=inp, src_strides=[strides[p] for p in perm])
    return copy_layer(op, [block], f"perm {perm}")


def pad_value(op: Op, inp: Tensor, out: Tensor) -> Optional[int]:
    """The fill byte: PADV2's constant, else the output zero point (int8) or 0; None when
    PADV2's constant is not one repeated byte (an int16 or int32 value)."""
    value_t = op.input_or_none("constant_values") if op.kind == "PADV2" else None
    if value_t is None:
        value = np.asarray(out.zero_point if inp.dtype == "int8" else 0, dtype=value_dtype(inp))
    else:
        require(value_t.is_const and value_t.size == 1 and value_t.dtype == inp.dtype, op,
                "the pad value must be one constant of the input's type")
        if inp.dtype == "int8":
            require(value_t.quant is not None and value_t.zero_point == out.zero_point
                    and np.float32(value_t.scale) == np.float32(out.scale), op,
                    "the pad value must have the output's quantization (as TFLM requires)")
        value = value_t.data.reshape(-1)[0]
    raw = np.asarray(value, dtype=value_dtype(inp)).tobytes()
    if len(set(raw)) != 1:
        return None                           # not one repeated byte: copied from the constant
    return int(np.frombuffer(raw[:1], dtype=np.int8)[0])


def value_dtype(t: Tensor):
    return dtype(t.dtype).numpy


def prepare_pad(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    rank = len(inp.shape)
    require(rank <= PAD_MAX_DIMS, op, f"more than {PAD_MAX_DIMS} dimensions")
    pads = const_ints(op, op.input("paddings"), "paddings")
    require(len(pads) == 2 * rank and min(pads, default=0) >= 0, op,
            f"paddings {pads} must be {rank} non-negative (before, after) pairs")
    lo, hi = pads[0::2], pads[1::2]
    _shape_is(op, out, [d + a + b for d, a, b in zip(inp.shape, lo, hi)], "output")
    fill = pad_value(op, inp, out)
    ostr = contiguous_strides(out.shape)
    blocks = [Block(dst=out, dst_offset=sum(a * s for a, s in zip(lo, ostr)), extents=list(inp.shape),
                    dst_strides=ostr, src=inp, src_strides=contiguous_strides(inp.shape))]
    for d in range(rank):                     # the borders, each byte written once
        for start, size in ((0, lo[d]), (lo[d] + inp.shape[d], hi[d])):
            if size == 0:
                continue
            origin = [lo[e] if e < d else 0 for e in range(rank)]
            origin[d] = start
            extents = [inp.shape[e] if e < d else out.shape[e] for e in range(rank)]
            extents[d] = size
            value = {} if fill is not None else dict(src=op.input("constant_values"), src_strides=[0] * rank)
            blocks.append(Block(dst=out, dst_offset=sum(o * s for o, s in zip(origin, ostr)),
                                extents=extents, dst_strides=ostr, fill=fill or 0, **value))
    return copy_layer(op, blocks, f"pad value byte {fill}" if fill is not None else "pad value copied")


def strided_slice_plan(shape, begin, end, strides, begin_mask=0, end_mask=0, ellipsis_mask=0,
                       new_axis_mask=0, shrink_axis_mask=0):
    """TensorFlow's strided-slice semantics on a static shape.

    Returns (axes, out_shape): per input axis (start, step, count), and the output shape
    (shrunk axes removed, new axes inserted). Start/stop clamping follows TFLM's
    StartForAxis/EndForAxis; ellipsis and new axes follow TensorFlow (TFLM ignores them).
    Raises ValueError for an invalid specification.
    """
    n, rank = len(begin), len(shape)
    if not (len(end) == len(strides) == n):
        raise ValueError("begin, end and strides differ in length")
    if ellipsis_mask & (ellipsis_mask - 1):
        raise ValueError("more than one ellipsis")
    if not ellipsis_mask:
        ellipsis_mask, n = 1 << n, n + 1          # an implicit ellipsis at the end
    dense, out_shape = [], []
    for i in range(n):
        bit = 1 << i
        if ellipsis_mask & bit:
            after = sum(1 for j in range(i + 1, n) if new_axis_mask >> j & 1)
            stop = min(rank - (n - i) + 1 + after, rank)
            for axis in range(len(dense), stop):
                dense.append((0, 1, shape[axis]))
                out_shape.append(shape[axis])
        elif new_axis_mask & bit:
            if shrink_axis_mask & bit:
                raise ValueError(f"entry {i} is both a new axis and shrunk")
            out_shape.append(1)
        else:
            if len(dense) >= rank:
                raise ValueError("the slice has more entries than the input has axes")
            axis_size, step = shape[len(dense)], strides[i]
            if step == 0:
                raise ValueError("stride 0")
            start = _start_for_axis(begin[i], step, axis_size, begin_mask & bit)
            if shrink_axis_mask & bit:
                if step < 0 or not -axis_size <= begin[i] < axis_size:
                    raise ValueError(f"shrunk axis {len(dense)}: index {begin[i]} or stride {step}")
                dense.append((start, 1, 1))
                continue
            stop = _stop_for_axis(end[i], step, axis_size, end_mask & bit)
            count = max(0, -(-(stop - start) // step))
            dense.append((start, step, count))
            out_shape.append(count)
    if len(dense) != rank:
        raise ValueError(f"the slice covers {len(dense)} of {rank} axes")
    return dense, out_shape


def _start_for_axis(start: int, step: int, size: int, masked: int) -> int:
    if start < 0:
        start += size
    start = min(max(start, 0), size) if step > 0 else min(max(start, -1), size - 1)
    if masked:
        start = 0 if step > 0 else size - 1
    return start


def _stop_for_axis(stop: int, step: int, size: int, masked: int) -> int:
    if stop < 0:
        stop += size
    stop = min(max(stop, 0), size) if step > 0 else min(max(stop, -1), size - 1)
    if masked:
        stop = size if step > 0 else -1
    return stop


def prepare_strided_slice(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    o = op.options
    require(not o.offset, op, "the 'offset' option is not supported")
    begin, end, steps = (const_ints(op, op.input(role), role) for role in ("begin", "end", "strides"))
    try:
        axes, out_shape = strided_slice_plan(inp.shape, begin, end, steps, o.begin_mask, o.end_mask,
                                             o.ellipsis_mask, o.new_axis_mask, o.shrink_axis_mask)
    except ValueError as exc:
        require(False, op, f"invalid slice: {exc}")
    _shape_is(op, out, out_shape, "output")
    strides = contiguous_strides(inp.shape)
    counts = [c for _, _, c in axes]
    block = Block(dst=out, extents=counts, dst_strides=contiguous_strides(counts), src=inp,
                  src_offset=sum(s * st for (s, _, _), st in zip(axes, strides)),
                  src_strides=[step * st for (_, step, _), st in zip(axes, strides)])
    return copy_layer(op, [block], "begin " + str([s for s, _, _ in axes]) +
                      " step " + str([step for _, step, _ in axes]))


def prepare_slice(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    begin, size = const_ints(op, op.input("begin"), "begin"), const_ints(op, op.input("size"), "size")
    require(len(begin) == len(size) == len(inp.shape), op,
            f"begin {begin} and size {size} must have one entry per input axis")
    size = [n - b if s == -1 else s for b, s, n in zip(begin, size, inp.shape)]
    require(all(0 <= b and 0 < s and b + s <= n for b, s, n in zip(begin, size, inp.shape)), op,
            f"slice begin {begin} size {size} does not fit in {list(inp.shape)}")
    _shape_is(op, out, size, "output")
    strides = contiguous_strides(inp.shape)
    block = Block(dst=out, extents=size, dst_strides=contiguous_strides(size), src=inp,
                  src_offset=sum(b * st for b, st in zip(begin, strides)), src_strides=strides)
    return copy_layer(op, [block], f"begin {begin}")


# ---- tile --------------------------------------------------------------------------------

TILE_MAX_BLOCKS = 64


def within_rank(op: Op, block: Block) -> list[Block]:
    """`block` as blocks of at most BLOCK_MAX_RANK loops (plus a contiguous run): outermost
    loops are unrolled into blocks of their own while there are too many."""
    dims = merge_dims(block.extents, block.src_strides, block.dst_strides)
    limit = BLOCK_MAX_RANK + (1 if dims and dims[-1][1:] == (1, 1) else 0)
    blocks = [(block.src_offset, block.dst_offset)]
    while len(dims) > limit:
        e, s, d = dims.pop(0)
        blocks = [(so + i * s, do + i * d) for so, do in blocks for i in range(e)]
    require(len(blocks) <= TILE_MAX_BLOCKS, op, f"the copy needs {len(blocks)} blocks; "
            f"at most {TILE_MAX_BLOCKS} are supported")
    return [Block(dst=block.dst, extents=[e for e, _, _ in dims], src=block.src,
                  src_strides=[s for _, s, _ in dims], dst_strides=[d for _, _, d in dims],
                  src_offset=so, dst_offset=do) for so, do in blocks]


def prepare_tile(op: Op) -> Layer:
    """TILE (TensorFlow Lite's reference; TFLM has no TILE kernel): the input repeated
    multiples[d] times along each axis d, bytes as they are. One block: per axis, a loop
    over the repeats (source stride 0) around a loop over the input's extent."""
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    multiples = const_ints(op, op.input("multiples"), "multiples")
    require(len(multiples) == len(inp.shape) and min(multiples, default=1) >= 1, op,
            f"multiples {multiples} must be one positive count per input axis")
    _shape_is(op, out, [n * m for n, m in zip(inp.shape, multiples)], "output")
    extents, src_strides, dst_strides = [], [], []
    for n, m, s, d in zip(inp.shape, multiples, contiguous_strides(inp.shape),
                          contiguous_strides(out.shape)):
        extents += [m, n]
        src_strides += [0, s]
        dst_strides += [n * d, d]
    block = Block(dst=out, extents=extents, dst_strides=dst_strides, src=inp, src_strides=src_strides)
    return copy_layer(op, within_rank(op, block), f"multiples {multiples}")


def prepare_broadcast_to(op: Op) -> Layer:
    """BROADCAST_TO: the input's axes aligned to the output's last ones; an axis of size one
    is read with stride 0."""
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    shape = const_ints(op, op.input("shape"), "shape")
    _shape_is(op, out, shape, "output")
    extra = len(shape) - len(inp.shape)
    require(extra >= 0 and all(n in (1, m) for n, m in zip(inp.shape, shape[extra:])), op,
            f"input shape {list(inp.shape)} does not broadcast to {shape}")
    src_strides = [0] * extra + [0 if n == 1 else s for n, s in
                                 zip(inp.shape, contiguous_strides(inp.shape))]
    block = Block(dst=out, extents=list(shape), dst_strides=contiguous_strides(shape), src=inp,
                  src_strides=src_strides)
    return copy_layer(op, within_rank(op, block), f"from {list(inp.shape)}")


# ---- resize -----------------------------------------------------------------------------

def nearest_index(x: int, in_size: int, out_size: int, align: bool, half: bool) -> int:
    """GetNearestNeighbor (resize_nearest_neighbor.h), in float32 as TFLM computes it."""
    f32 = np.float32
    if align and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    v = float((f32(x) + f32(0.5 if half else 0.0)) * scale)
    index = int(quant.tflite_round(v)) if align else math.floor(v)
    index = min(index, in_size - 1)
    return max(0, index) if half else index


def prepare_resize_nearest(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    data_tensors(op, [inp, out])
    require(not inp.is_const, op, "the input must be an activation tensor")
    require(len(inp.shape) == 4, op, f"input must be 4-D NHWC, not {list(inp.shape)}")
    size = const_ints(op, op.input("size"), "size")
    require(len(size) == 2 and min(size) > 0, op, f"size {size} must be (height, width)")
    n, h, w, c = inp.shape
    _shape_is(op, out, (n, size[0], size[1], c), "output")
    align = bool(op.options.align_corners)
    half = bool(op.options.half_pixel_centers)
    esize = element_bytes(op, inp)
    rows = [nearest_index(y, h, size[0], align, half) * w * c * esize for y in range(size[0])]
    cols = [nearest_index(x, w, size[1], align, half) * c * esize for x in range(size[1])]
    consts = [ConstArray("rows", "int32_t", np.asarray(rows, dtype=np.int32), "input row byte offsets"),
              ConstArray("cols", "int32_t", np.asarray(cols, dtype=np.int32), "input pixel byte offsets")]
    params = [("batches", n), ("out_h", size[0]), ("out_w", size[1]),
              ("pixel_bytes", c * esize), ("batch_bytes", h * w * c * esize)]
    return Layer(op=op, kernel="lm_resize_nearest", runtime=RUNTIME,
                 params_type="lm_resize_params", params=params, consts=consts,
                 args=[ParamsArg(), ConstArg("rows"), ConstArg("cols"), TensorArg(inp, const=True),
                       TensorArg(out)],
                 note=f"index tables, align_corners={int(align)} half_pixel_centers={int(half)}")
