"""Hypothesis strategies for the coverage ops: space/batch/depth rearrangements, gathers,
CAST, SQUARED_DIFFERENCE, ABS, RSQRT, LOG_SOFTMAX, L2_NORMALIZATION.

`STRATEGIES` maps op name -> strategy, in the form of `strategies.STRATEGIES`. Every case
is one the TFLM interpreter runs on the inputs the conformance runner feeds (random int8
values, then all -128 and all 127): RSQRT's input zero point is -128 so that no input is
below zero, where TFLM stops the invoke.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.strategies import (
    activation,
    activation_scales,
    binary_inputs,
    broadcast_shapes,
    log_uniform,
    output_quant,
    small_shape,
    zero_points,
)
from lite_micro.testing.strategies_more import _unary


def _f32(x) -> float:
    return float(np.float32(x))


def _i32(values) -> TensorSpec:
    data = np.asarray(values, dtype=np.int32)
    return TensorSpec(data.shape, "int32", data=data)


@st.composite
def _data(draw, shape):
    """An int8 activation (mostly) or a float32 one, for the pure data-movement ops."""
    if draw(st.integers(0, 4)):
        return draw(activation(shape))
    return TensorSpec(tuple(shape), "float32")


def _like(spec: TensorSpec, shape) -> TensorSpec:
    return TensorSpec(tuple(shape), spec.dtype, spec.scale, spec.zero_point)


# ---- space / batch / depth ------------------------------------------------------------------

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
    out = _like(inp, (n * int(np.prod(blocks)), *out_spatial, c))
    return OpCase("SPACE_TO_BATCH_ND", [inp, _i32(blocks), _i32(pads)], [out])


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
    out = _like(inp, (n, *out_spatial, c))
    return OpCase("BATCH_TO_SPACE_ND", [inp, _i32(blocks), _i32(crops)], [out])


@st.composite
def depth_to_space(draw):
    bs = draw(st.integers(1, 3))
    n, h, w, c = (draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 5)),
                  draw(st.integers(1, 4)))
    inp = draw(_data((n, h, w, c * bs * bs)))
    return OpCase("DEPTH_TO_SPACE", [inp], [_like(inp, (n, h * bs, w * bs, c))], dict(block_size=bs))


@st.composite
def space_to_depth(draw):
    bs = draw(st.integers(1, 3))
    n, h, w, c = (draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4)),
                  draw(st.integers(1, 4)))
    inp = draw(_data((n, h * bs, w * bs, c)))
    return OpCase("SPACE_TO_DEPTH", [inp], [_like(inp, (n, h, w, c * bs * bs))], dict(block_size=bs))


# ---- gathers --------------------------------------------------------------------------------

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
    return OpCase("GATHER", [inp, indices], [_like(inp, out_shape)],
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
    return OpCase("GATHER_ND", [inp, indices], [_like(inp, lead + tuple(shape[depth:]))])


# ---- CAST -----------------------------------------------------------------------------------

CAST_PAIRS = [("int8", "int32"), ("int32", "int8"), ("int8", "float32"), ("float32", "int8"),
              ("int32", "float32"), ("float32", "int32")]


@st.composite
def cast(draw):
    src, dst = draw(st.sampled_from(CAST_PAIRS))
    shape = draw(small_shape(1, 4, max_elems=256))
    return OpCase("CAST", [TensorSpec(shape, src)], [TensorSpec(shape, dst)])


# ---- arithmetic -----------------------------------------------------------------------------

@st.composite
def squared_difference(draw):
    """Output quantization fitted to the real squared differences over every pair of int8
    input values (most of them are small: the widest tenth saturates)."""
    s1, s2, so = draw(broadcast_shapes())
    in1 = draw(activation(s1, log_uniform(1e-4, 1.0)))
    in2 = TensorSpec(s2, "int8", _f32(in1.scale * 10 ** draw(st.floats(-1.0, 1.0))), draw(zero_points))
    values = np.arange(-128, 128, dtype=np.float64)
    squares = np.subtract.outer((values - in1.zero_point) * in1.scale,
                                (values - in2.zero_point) * in2.scale) ** 2
    top = max(in1.scale, in2.scale)
    scale, zp = draw(output_quant(0.0, float(np.quantile(squares, 0.9))))
    out = TensorSpec(so, "int8", _f32(max(scale, top * top)), zp)
    return OpCase("SQUARED_DIFFERENCE", draw(binary_inputs(in1, in2)), [out])


@st.composite
def rsqrt(draw):
    """Output quantization fitted to 1/sqrt(x) over the positive inputs (the widest twentieth,
    near zero, saturates)."""
    shape = draw(small_shape(1, 4, max_elems=512))
    in_scale = draw(log_uniform(1e-3, 1.0))
    real = 1.0 / np.sqrt(np.arange(1, 256) * np.float64(in_scale))
    scale, zp = draw(output_quant(0.0, float(np.quantile(real, 0.95))))
    lowest = real[0] / 1280                                    # TFLM's multiplier stays in range
    out = TensorSpec(shape, "int8", _f32(max(scale, lowest)), zp)
    return OpCase("RSQRT", [TensorSpec(shape, "int8", in_scale, -128)], [out])


@st.composite
def _rows(draw, max_dim=12, max_elems=1024):
    """A shape whose last axis (the row an op normalizes over) mostly holds several values:
    over a row of one the output is constant."""
    shape = draw(small_shape(1, 4, max_dim=max_dim, max_elems=max_elems))
    if shape[-1] == 1 and draw(st.integers(0, 9)):
        shape = shape[:-1] + (draw(st.integers(2, max_dim)),)
    return shape


@st.composite
def log_softmax(draw):
    shape = draw(_rows())
    # the output covers [-16, 0]: input differences within about 16 spread over it, larger
    # ones saturate at -128 and tiny ones give one value (a quarter of the draws go wider)
    usual = log_uniform(2e-3, 0.06)
    inp = draw(activation(shape, st.one_of(usual, usual, usual, log_uniform(1e-3, 0.2))))
    return OpCase("LOG_SOFTMAX", [inp], [TensorSpec(shape, "int8", 16.0 / 256, 127)])


@st.composite
def l2_normalization(draw):
    shape = draw(_rows())
    inp = draw(activation(shape, activation_scales))
    return OpCase("L2_NORMALIZATION", [inp], [TensorSpec(shape, "int8", 1.0 / 128, 0)])


STRATEGIES = {
    "SPACE_TO_BATCH_ND": space_to_batch_nd(),
    "BATCH_TO_SPACE_ND": batch_to_space_nd(),
    "DEPTH_TO_SPACE": depth_to_space(),
    "SPACE_TO_DEPTH": space_to_depth(),
    "GATHER": gather(),
    "GATHER_ND": gather_nd(),
    "CAST": cast(),
    "SQUARED_DIFFERENCE": squared_difference(),
    "ABS": _unary("ABS", lambda x: np.abs(x)),           # output fitted to |x|
    "RSQRT": rsqrt(),
    "LOG_SOFTMAX": log_softmax(),
    "L2_NORMALIZATION": l2_normalization(),
}

# int8 forms TFLM's interpreter does not run (its EXP takes float32 only, its NEG float32
# and int32 only): no strategy, and the compiler refuses them with the usual error.
TFLM_LACKS_INT8 = ("EXP", "NEG")
