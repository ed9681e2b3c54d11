"""Strategies for the ops that move data without arithmetic: RESHAPE, CONCATENATION, PAD,
PADV2, TRANSPOSE, STRIDED_SLICE, SQUEEZE, EXPAND_DIMS, SPLIT, SPLIT_V, PACK, UNPACK,
BROADCAST_TO, RESIZE_NEAREST_NEIGHBOR, the space/batch/depth rearrangements, GATHER,
GATHER_ND (and TILE, which TFLM has no kernel for: `WITHOUT_TFLM`)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec, const_i32
from lite_micro.testing.strategies.common import (
    activation,
    divisors,
    like,
    pick_axis,
    small_shape,
)


@st.composite
def reshape(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    size = int(np.prod(shape))
    new_shape, rest = [], size
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from(divisors(rest)))
        new_shape.append(d)
        rest //= d
    new_shape.append(rest)
    new_shape = tuple(draw(st.permutations(new_shape)))
    inp = draw(activation(shape))
    out = TensorSpec(new_shape, "int8", inp.scale, inp.zero_point)
    form = draw(st.sampled_from(["tensor", "tensor", "option", "both"]))
    inputs = [inp]
    if form != "option":
        inputs.append(TensorSpec((len(new_shape),), "int32",
                                 data=np.asarray(new_shape, dtype=np.int32)))
    options = {} if form == "tensor" else dict(new_shape=list(new_shape))
    return OpCase("RESHAPE", inputs, [out], options)


@st.composite
def concatenation(draw):
    base = draw(small_shape(1, 4, max_dim=6, max_elems=256))
    axis, written = pick_axis(draw, len(base))
    first = draw(activation(base))
    inputs = []
    for _ in range(draw(st.integers(1, 4))):
        shape = list(base)
        shape[axis] = draw(st.integers(1, 6))
        inputs.append(like(first, shape))
    out_shape = list(base)
    out_shape[axis] = sum(s.shape[axis] for s in inputs)
    return OpCase("CONCATENATION", inputs, [like(first, out_shape)],
                  dict(axis=written, fused_activation_function="NONE"))


@st.composite
def _pad(draw, op):
    shape = draw(small_shape(1, 4, max_dim=7, max_elems=512))
    pads = [[draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in shape]
    while np.prod([d + a + b for d, (a, b) in zip(shape, pads)]) > 3 * np.prod(shape):
        axis, side = max(((i, j) for i in range(len(shape)) for j in (0, 1)),
                         key=lambda ij: pads[ij[0]][ij[1]])    # mostly padding: trim it
        pads[axis][side] -= 1
    inp = draw(activation(shape))
    out = like(inp, [d + a + b for d, (a, b) in zip(shape, pads)])
    inputs = [inp, const_i32(pads, (len(shape), 2))]
    if op == "PADV2":
        value = np.asarray([draw(st.integers(-128, 127))], dtype=np.int8)
        inputs.append(TensorSpec((1,), "int8", inp.scale, inp.zero_point, data=value))
    return OpCase(op, inputs, [out])


@st.composite
def transpose(draw):
    shape = draw(small_shape(1, 5, max_dim=6, max_elems=1024))
    perm = draw(st.permutations(range(len(shape))))
    inp = draw(activation(shape))
    out = like(inp, [shape[p] for p in perm])
    return OpCase("TRANSPOSE", [inp, const_i32(perm)], [out])


@st.composite
def strided_slice(draw):
    shape = draw(small_shape(1, 4, max_dim=8, max_elems=1024))
    begin, end, strides, masks = [], [], [], dict(begin_mask=0, end_mask=0,
                                                  shrink_axis_mask=0)
    out_shape = []
    for i, n in enumerate(shape):
        if draw(st.integers(0, 5)) == 0:                       # shrink this axis
            b = draw(st.integers(-n, n - 1))
            begin.append(b), end.append(b + 1), strides.append(1)
            masks["shrink_axis_mask"] |= 1 << i
            continue
        s = draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
        b, e = draw(st.integers(-n, n)), draw(st.integers(-n, n))
        if draw(st.booleans()):
            masks["begin_mask"] |= 1 << i
        if draw(st.booleans()):
            masks["end_mask"] |= 1 << i
        sl = slice(None if masks["begin_mask"] >> i & 1 else b,
                   None if masks["end_mask"] >> i & 1 else e, s)
        size = len(range(*sl.indices(n)))
        if size == 0:                                          # keep it non-empty
            sl, b, e = slice(None, None, s), 0, 0
            masks["begin_mask"] |= 1 << i
            masks["end_mask"] |= 1 << i
            size = len(range(*sl.indices(n)))
        begin.append(b), end.append(e), strides.append(s), out_shape.append(size)
    inp = draw(activation(shape))
    inputs = [inp, const_i32(begin), const_i32(end), const_i32(strides)]
    return OpCase("STRIDED_SLICE", inputs, [like(inp, out_shape)], masks)


@st.composite
def squeeze(draw):
    shape = draw(small_shape(1, 4, max_dim=5, max_elems=512))
    shape = tuple(1 if draw(st.booleans()) else d for d in shape)
    ones = [i for i, d in enumerate(shape) if d == 1]
    dims = [i - len(shape) if draw(st.booleans()) else i
            for i in ones if draw(st.booleans())]
    removed = {d % len(shape) for d in dims} if dims else set(ones)
    inp = draw(activation(shape))
    out = like(inp, [d for i, d in enumerate(shape) if i not in removed])
    return OpCase("SQUEEZE", [inp], [out], dict(squeeze_dims=dims) if dims else {})


@st.composite
def expand_dims(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    axis, written = pick_axis(draw, len(shape) + 1)
    inp = draw(activation(shape))
    out = like(inp, shape[:axis] + (1,) + shape[axis:])
    return OpCase("EXPAND_DIMS", [inp, const_i32([written])], [out])


@st.composite
def split(draw):
    shape = list(draw(small_shape(1, 4, max_dim=6, max_elems=512)))
    axis, written = pick_axis(draw, len(shape))
    num = draw(st.integers(1, 4))
    shape[axis] *= num
    inp = draw(activation(shape))
    part = list(shape)
    part[axis] //= num
    outs = [like(inp, part) for _ in range(num)]
    axis_spec = const_i32([written]) if draw(st.booleans()) else const_i32(written, ())
    return OpCase("SPLIT", [axis_spec, inp], outs, dict(num_splits=num))


@st.composite
def split_v(draw):
    shape = list(draw(small_shape(1, 4, max_dim=6, max_elems=512)))
    axis, written = pick_axis(draw, len(shape))
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    shape[axis] = sum(sizes)
    inp = draw(activation(shape))
    outs = [like(inp, shape[:axis] + [s] + shape[axis + 1:]) for s in sizes]
    written_sizes = list(sizes)
    if draw(st.booleans()):
        written_sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    inputs = [inp, const_i32(written_sizes), const_i32(written, ())]
    return OpCase("SPLIT_V", inputs, outs, dict(num_splits=len(sizes)))


@st.composite
def pack(draw):
    shape = draw(small_shape(1, 3, max_dim=6, max_elems=256))
    axis, written = pick_axis(draw, len(shape) + 1)
    count = draw(st.integers(1, 4))
    first = draw(activation(shape))
    inputs = [first] + [like(first, shape) for _ in range(count - 1)]
    out = like(first, shape[:axis] + (count,) + shape[axis:])
    return OpCase("PACK", inputs, [out], dict(values_count=count, axis=written))


@st.composite
def unpack(draw):
    shape = draw(small_shape(1, 4, max_dim=6, max_elems=512))
    axis, written = pick_axis(draw, len(shape))
    inp = draw(activation(shape))
    part = shape[:axis] + shape[axis + 1:]
    outs = [like(inp, part) for _ in range(shape[axis])]
    return OpCase("UNPACK", [inp], outs, dict(num=shape[axis], axis=written))


@st.composite
def broadcast_to(draw):
    """TFLM's BROADCAST_TO: at most 5 dimensions."""
    shape = draw(small_shape(1, 5, max_dim=5, max_elems=512))
    keep = draw(st.integers(0, len(shape)))                    # input rank, right-aligned
    in_shape = tuple(1 if draw(st.booleans()) else d for d in shape[len(shape) - keep:]) or (1,)
    inp = draw(activation(in_shape))
    return OpCase("BROADCAST_TO", [inp, const_i32(shape)], [like(inp, shape)])


@st.composite
def resize_nearest_neighbor(draw):
    n, h, w, c = [draw(st.integers(1, k)) for k in (2, 7, 7, 5)]
    oh, ow = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    inp = draw(activation((n, h, w, c)))
    align, half = draw(st.booleans()), draw(st.booleans())
    return OpCase("RESIZE_NEAREST_NEIGHBOR", [inp, const_i32([oh, ow])],
                  [like(inp, (n, oh, ow, c))],
                  dict(align_corners=align, half_pixel_centers=half and not align))


@st.composite
def tile(draw):
    """TILE for the tests that check it against numpy (TFLM has no TILE kernel, so the
    conformance runner cannot judge it)."""
    shape = draw(small_shape(1, 5, max_dim=5, max_elems=256))
    multiples = [draw(st.integers(1, 3)) for _ in shape]
    inp = draw(activation(shape))
    out = like(inp, [d * m for d, m in zip(shape, multiples)])
    return OpCase("TILE", [inp, const_i32(multiples)], [out])


@st.composite
def _data(draw, shape):
    """An int8 activation (mostly) or a float32 one, for the pure data-movement ops."""
    if draw(st.integers(0, 4)):
        return draw(activation(shape))
    return TensorSpec(tuple(shape), "float32")


@st.composite
def space_to_batch_nd(draw, padded=False):
    """Without padding unless `padded`: TFLM fills the padding with a value its Prepare never
    sets (uninitialized memory, usually 0), so padded outputs are compared off the padding."""
    rank = draw(st.sampled_from([4, 4, 3]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 5))
    spatial, blocks, pads, out_spatial = [], [], [], []
    for _ in range(rank - 2):
        b, size = draw(st.integers(1, 3)), draw(st.integers(1, 7))
        if padded:
            before = draw(st.integers(0, 2))
            after = (-(size + before)) % b + b * draw(st.integers(0, 1))
        else:
            size, before, after = b * draw(st.integers(1, 4)), 0, 0
        spatial.append(size)
        blocks.append(b)
        pads.append([before, after])
        out_spatial.append((size + before + after) // b)
    inp = draw(_data((n, *spatial, c)))
    out = like(inp, (n * int(np.prod(blocks)), *out_spatial, c))
    return OpCase("SPACE_TO_BATCH_ND", [inp, const_i32(blocks), const_i32(pads)], [out])


@st.composite
def batch_to_space_nd(draw):
    rank = draw(st.sampled_from([4, 4, 3]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 5))
    blocks, crops, in_spatial, out_spatial = [], [], [], []
    for _ in range(rank - 2):
        b, size = draw(st.integers(1, 3)), draw(st.integers(1, 5))
        full = b * size
        before = draw(st.integers(0, min(2, full - 1)))
        after = draw(st.integers(0, min(2, full - 1 - before)))
        blocks.append(b)
        crops.append([before, after])
        in_spatial.append(size)
        out_spatial.append(full - before - after)
    inp = draw(_data((n * int(np.prod(blocks)), *in_spatial, c)))
    out = like(inp, (n, *out_spatial, c))
    return OpCase("BATCH_TO_SPACE_ND", [inp, const_i32(blocks), const_i32(crops)], [out])


@st.composite
def depth_to_space(draw):
    bs = draw(st.integers(1, 3))
    n, h, w, c = (draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 5)),
                  draw(st.integers(1, 4)))
    inp = draw(_data((n, h, w, c * bs * bs)))
    return OpCase("DEPTH_TO_SPACE", [inp], [like(inp, (n, h * bs, w * bs, c))], dict(block_size=bs))


@st.composite
def space_to_depth(draw):
    bs = draw(st.integers(1, 3))
    n, h, w, c = (draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4)),
                  draw(st.integers(1, 4)))
    inp = draw(_data((n, h * bs, w * bs, c)))
    return OpCase("SPACE_TO_DEPTH", [inp], [like(inp, (n, h, w, c * bs * bs))], dict(block_size=bs))


@st.composite
def gather(draw):
    shape = draw(small_shape(1, 4, max_dim=6, max_elems=512))
    rank = len(shape)
    axis = draw(st.integers(0, rank - 1))
    batch_dims = draw(st.sampled_from([0, 0, 0, 1])) if axis >= 1 else 0
    idx_shape = tuple(shape[:batch_dims]) + tuple(draw(st.lists(st.integers(1, 4), max_size=2)))
    seed = draw(st.integers(0, 2**32 - 1))
    values = np.random.default_rng(seed).integers(0, shape[axis], size=idx_shape)
    indices = TensorSpec(idx_shape, "int32", data=values.astype(np.int32).reshape(idx_shape))
    inp = draw(_data(shape))
    out_shape = tuple(shape[:axis]) + idx_shape[batch_dims:] + tuple(shape[axis + 1:])
    axis_option = axis - rank if draw(st.booleans()) else axis
    return OpCase("GATHER", [inp, indices], [like(inp, out_shape)],
                  dict(axis=axis_option, batch_dims=batch_dims))


@st.composite
def gather_nd(draw):
    shape = draw(small_shape(1, 4, max_dim=6, max_elems=512))
    depth = draw(st.integers(1, len(shape)))
    lead = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = np.stack([rng.integers(0, shape[d], size=lead) for d in range(depth)], axis=-1)
    indices = TensorSpec(lead + (depth,), "int32", data=values.astype(np.int32).reshape(lead + (depth,)))
    inp = draw(_data(shape))
    return OpCase("GATHER_ND", [inp, indices], [like(inp, lead + tuple(shape[depth:]))])


STRATEGIES = {
    "RESHAPE": reshape(),
    "CONCATENATION": concatenation(),
    "PAD": _pad("PAD"),
    "PADV2": _pad("PADV2"),
    "TRANSPOSE": transpose(),
    "STRIDED_SLICE": strided_slice(),
    "SQUEEZE": squeeze(),
    "EXPAND_DIMS": expand_dims(),
    "SPLIT": split(),
    "SPLIT_V": split_v(),
    "PACK": pack(),
    "UNPACK": unpack(),
    "BROADCAST_TO": broadcast_to(),
    "RESIZE_NEAREST_NEIGHBOR": resize_nearest_neighbor(),
    "SPACE_TO_BATCH_ND": space_to_batch_nd(),
    "BATCH_TO_SPACE_ND": batch_to_space_nd(),
    "DEPTH_TO_SPACE": depth_to_space(),
    "SPACE_TO_DEPTH": space_to_depth(),
    "GATHER": gather(),
    "GATHER_ND": gather_nd(),
}

# Ops TFLM has no kernel for: checked against numpy in tests/ops, not by the conformance runner.
WITHOUT_TFLM = {"TILE": tile()}
