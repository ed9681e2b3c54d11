"""Strategies for the matrix ops: FULLY_CONNECTED, BATCH_MATMUL, SVDF."""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.ranges import product_range
from lite_micro.testing.strategies.common import (
    activation,
    bias,
    divisors,
    f32,
    fused_activation,
    log_uniform,
    output_quant,
    random_array,
    small_shape,
    typical_accumulator,
    weighted_output,
    weights,
    zero_points,
)


@st.composite
def fully_connected(draw):
    shape = draw(small_shape(2, 4, max_dim=8, max_elems=512))
    keep_num_dims = draw(st.booleans())
    depth = shape[-1] if keep_num_dims else draw(
        st.sampled_from([d for d in divisors(int(np.prod(shape)))]))
    units = draw(st.integers(1, 16))
    inp = draw(activation(shape))
    filt = draw(weights((units, depth), 0, per_channel=draw(st.integers(0, 3)) == 0))
    b = draw(bias(units, inp.scale, filt.scale, typical_accumulator(filt.data)))
    with_bias = draw(st.integers(0, 9)) > 0
    batch = int(np.prod(shape)) // depth
    out_shape = shape[:-1] + (units,) if keep_num_dims else (batch, units)
    out = draw(weighted_output(out_shape, inp, filt, filt.data, b if with_bias else None))
    options = dict(keep_num_dims=keep_num_dims,
                   fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    version = 5 if keep_num_dims else (4 if with_bias else 6)
    return OpCase("FULLY_CONNECTED", [inp, filt] + ([b] if with_bias else []), [out],
                  options, version)


@st.composite
def batch_matmul(draw):
    m, k, n = draw(st.integers(1, 8)), draw(st.integers(1, 16)), draw(st.integers(1, 8))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    rhs_batch = [d if draw(st.booleans()) else 1 for d in batch][
        draw(st.integers(0, len(batch))):]
    adj_x, adj_y = draw(st.booleans()), draw(st.booleans())
    lhs_shape = tuple(batch) + ((k, m) if adj_x else (m, k))
    rhs_shape = tuple(rhs_batch) + ((n, k) if adj_y else (k, n))
    lhs = draw(activation(lhs_shape))
    if draw(st.booleans()):
        rhs = draw(weights(rhs_shape, 0, per_channel=False))
    else:
        rhs = draw(activation(rhs_shape))
    out_shape = tuple(np.broadcast_shapes(tuple(batch), tuple(rhs_batch))) + (m, n)
    if rhs.data is not None:                        # the columns of rhs are the weight rows
        rows = np.swapaxes(rhs.data, -1, -2) if not adj_y else rhs.data
        out = draw(weighted_output(out_shape, lhs, rhs, rows.reshape(-1, k)))
    else:
        lo, hi = product_range(lhs.zero_point, rhs.zero_point, k)
        product = np.float64(lhs.scale) * np.float64(rhs.scale)
        scale, zp = draw(output_quant(lo * product, hi * product, (lhs.scale, rhs.scale)))
        out = TensorSpec(out_shape, "int8", scale, zp)
    return OpCase("BATCH_MATMUL", [lhs, rhs], [out], dict(adj_x=adj_x, adj_y=adj_y))


@st.composite
def svdf(draw):
    batch, size = draw(st.integers(1, 3)), draw(st.integers(1, 16))
    units, rank, memory = draw(st.integers(1, 8)), draw(st.integers(1, 2)), \
        draw(st.integers(1, 8))
    filters = units * rank
    inp = draw(activation((batch, size)))
    feature = draw(weights((filters, size), 0, per_channel=False))
    wide = draw(st.booleans())                    # int16 time weights and state
    time_dtype = "int16" if wide else "int8"
    limit = 32767 if wide else 127
    time = TensorSpec((filters, memory), time_dtype, draw(log_uniform(1e-5, 1e-1)), 0,
                      data=draw(random_array((filters, memory), -limit, limit,
                                             np.int16 if wide else np.int8)))
    fitted = draw(weighted_output((1,), inp, feature, feature.data))   # the features' range
    state_scale = f32(fitted.scale / 256) if wide else fitted.scale
    state = TensorSpec((batch, memory * filters), time_dtype, state_scale,
                       0 if wide else draw(zero_points), variable=True)
    # TFLM requires |bias scale - state scale * time scale| < 1e-5 (in double); a float32
    # bias scale is that close only when the product is below about 160
    assume(state.scale * time.scale < 100.0)
    rows = time.data.astype(np.float64).reshape(units, rank * memory)
    unit = 256 if wide else 1                 # state units in one unit of the features' scale
    b = draw(bias(units, state.scale, time.scale, typical_accumulator(rows) * unit))
    as_int8 = TensorSpec((batch, memory * filters), "int8", fitted.scale, 0)  # state values
    in_features = TensorSpec((units,), "int32", data=b.data / unit)   # the bias in as_int8's units
    out = draw(weighted_output((batch, units), as_int8, time, rows, in_features))
    options = dict(rank=rank, fused_activation_function=draw(st.sampled_from(
        ["NONE", "RELU"])))
    return OpCase("SVDF", [inp, feature, time, b, state], [out], options)


STRATEGIES = {
    "FULLY_CONNECTED": fully_connected(),
    "BATCH_MATMUL": batch_matmul(),
    "SVDF": svdf(),
}
