"""Strategies for the ops along axes: SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION, the reductions
(MEAN, SUM, REDUCE_MAX, REDUCE_MIN) and ARG_MAX."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec, const_i32, reduced_shape
from lite_micro.testing.ranges import dot_range
from lite_micro.testing.strategies.common import (
    activation,
    activation_scales,
    like,
    log_uniform,
    output_quant,
    pick_axis,
    small_shape,
)


@st.composite
def softmax(draw):
    shape = draw(small_shape(1, 4, max_dim=12, max_elems=1024))
    if draw(st.booleans()) or shape[-1] == 1:       # one class: the output is constant
        shape = shape[:-1] + (draw(st.integers(2, 40) | st.integers(1, 40)),)
    beta = draw(st.sampled_from([1.0, 1.0, 0.5, 2.0]) | st.floats(0.05, 4.0))
    spread = draw(log_uniform(1.0, 60.0) | log_uniform(1e-3, 1e3))   # beta * input range
    inp = draw(activation(shape, st.just(float(np.float32(spread / 255.0 / beta)))))
    out = TensorSpec(shape, "int8", 1.0 / 256, -128)
    return OpCase("SOFTMAX", [inp], [out], dict(beta=beta))


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


def _reduce(op):
    """MEAN and SUM requantize (any output quantization); REDUCE_MAX/MIN need the input's."""
    @st.composite
    def strategy(draw):
        shape = draw(small_shape(1, 4, max_elems=1024))
        axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
        written = [a - len(shape) if draw(st.booleans()) else a for a in axes]
        if draw(st.integers(0, 4)) == 0:                      # an axis named twice
            twin = draw(st.sampled_from(axes)) - len(shape)
            written.insert(draw(st.integers(0, len(written))), twin)
        keep = draw(st.booleans())
        out_shape = reduced_shape(shape, axes, keep)
        inp = draw(activation(shape))
        count = int(np.prod([shape[a] for a in axes]))
        if op in ("REDUCE_MAX", "REDUCE_MIN") or (op == "MEAN" and draw(st.booleans())):
            out = like(inp, out_shape)
        else:                                   # fitted to the spread of the mean or the sum
            lo, hi = dot_range(np.full((1, count), 1.0 / count if op == "MEAN" else 1.0),
                               inp.zero_point)
            scale, zp = draw(output_quant(float(lo[0]) * inp.scale, float(hi[0]) * inp.scale,
                                          (inp.scale, 1.0)))
            out = TensorSpec(tuple(out_shape), "int8", scale, zp)
        return OpCase(op, [inp, const_i32(written)], [out], dict(keep_dims=keep))
    return strategy()


@st.composite
def arg_max(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    axis, written = pick_axis(draw, len(shape))
    if shape[axis] == 1 and draw(st.integers(0, 7)):     # one candidate: the index is always 0
        shape = shape[:axis] + (draw(st.integers(2, 9)),) + shape[axis + 1:]
    inp = draw(activation(shape))
    out = TensorSpec(shape[:axis] + shape[axis + 1:], "int32")
    return OpCase("ARG_MAX", [inp, const_i32([written])], [out], dict(output_type="INT32"))


STRATEGIES = {
    "SOFTMAX": softmax(),
    "LOG_SOFTMAX": log_softmax(),
    "L2_NORMALIZATION": l2_normalization(),
    "MEAN": _reduce("MEAN"),
    "SUM": _reduce("SUM"),
    "REDUCE_MAX": _reduce("REDUCE_MAX"),
    "REDUCE_MIN": _reduce("REDUCE_MIN"),
    "ARG_MAX": arg_max(),
}
