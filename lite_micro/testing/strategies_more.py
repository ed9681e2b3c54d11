"""Hypothesis strategies for the ops beyond the first eight (see `strategies`)."""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.ranges import dot_range, product_range
from lite_micro.testing.strategies import (
    PADDINGS,
    activation,
    activation_scales,
    add,
    bias,
    binary_inputs,
    broadcast_shapes,
    fused_activation,
    log_uniform,
    mapped_output,
    output_quant,
    random_array,
    small_shape,
    typical_accumulator,
    weighted_output,
    weights,
    zero_points,
)
from lite_micro.testing.strategies import STRATEGIES as FIRST_EIGHT


def _f32(x):
    return float(np.float32(x))


def _const(values, shape=None):
    data = np.asarray(values, dtype=np.int32)
    if shape is not None:
        data = data.reshape(shape)
    return TensorSpec(data.shape, "int32", data=data)


def _same_quant(spec, shape):
    """An int8 tensor of `shape` with the quantization of `spec`."""
    return TensorSpec(tuple(shape), "int8", spec.scale, spec.zero_point)


def _axis(draw, rank):
    """An axis in [0, rank) written either way: positive or negative."""
    axis = draw(st.integers(0, rank - 1))
    return axis, (axis - rank if draw(st.booleans()) else axis)


# ---- element-wise -----------------------------------------------------------

@st.composite
def mul(draw):
    s1, s2, so = draw(broadcast_shapes())
    in1, in2 = draw(activation(s1)), draw(activation(s2))
    lo, hi = product_range(in1.zero_point, in2.zero_point)
    product = np.float64(in1.scale) * np.float64(in2.scale)
    scale, zp = draw(output_quant(lo * product, hi * product, (in1.scale, in2.scale)))
    out = TensorSpec(tuple(so), "int8", scale, zp)
    options = dict(fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    return OpCase("MUL", draw(binary_inputs(in1, in2)), [out], options)


def _max_min(op):
    @st.composite
    def strategy(draw):
        s1, s2, so = draw(broadcast_shapes())
        in1 = draw(activation(s1))
        inputs = draw(binary_inputs(in1, _same_quant(in1, s2)))
        return OpCase(op, inputs, [_same_quant(in1, so)])
    return strategy()


def _relu(x, alpha=0.0):
    return np.where(x >= 0, x, alpha * x)


def _hard_swish(x):
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


@st.composite
def _unary(draw, op, fn=None, fixed=None, in_scale=activation_scales, min_ratio=0.0,
           options=None, in_zp=zero_points):
    """An element-wise op: output quantization `fixed` (scale, zero point), the input's
    (fn None), or fitted to fn over the input's values (`min_ratio`: smallest output /
    input scale TFLM accepts)."""
    shape = draw(small_shape(1, 4, max_elems=1024))
    inp = draw(activation(shape, in_scale, in_zp))
    opts = draw(options) if options is not None else {}
    if fixed is not None:
        out = TensorSpec(shape, "int8", *fixed)
    elif fn is None:
        out = _same_quant(inp, shape)
    else:
        out = draw(mapped_output(shape, inp, lambda x: fn(x, **opts), inp.scale * min_ratio))
    return OpCase(op, [inp], [out], opts)


# LOGISTIC and TANH change over inputs of -8..8: input ranges from 0.5 to 50 mostly
def _mostly(usual, rare):
    return st.one_of(usual, usual, usual, rare)


# LOGISTIC changes over inputs of -8..8, TANH over -3..3: input ranges of a few units
logistic = _unary("LOGISTIC", fixed=(1.0 / 256, -128),
                  in_scale=_mostly(log_uniform(4e-3, 0.12), log_uniform(1e-4, 0.5)))
tanh = _unary("TANH", fixed=(1.0 / 128, 0),
              in_scale=_mostly(log_uniform(2e-3, 0.05), log_uniform(1e-4, 0.2)))
def _relu_with_room(x, alpha=0.0):
    """RELU's outputs, plus room below zero: fitted so, zero is not the int8 minimum and
    the clamped half of the outputs is not mistaken for saturation."""
    y = _relu(x, alpha)
    return np.append(y, -0.3 * max(float(y.max()), 0.0))


relu = _unary("RELU", _relu_with_room, min_ratio=2.0 ** -30,
              in_zp=st.integers(-128, 64))                    # inputs above zp: values to keep
relu6 = _unary("RELU6", in_scale=_mostly(log_uniform(1e-4, 0.09), log_uniform(1e-5, 0.5)),
               in_zp=_mostly(st.integers(-128, 40), st.sampled_from([-128, 0]) | st.integers(-128, 100)))
#                  [zp, six] holds values (with a zero point of 127 every output is zero)
leaky_relu = _unary("LEAKY_RELU", _relu, min_ratio=2.0 ** -30, options=st.fixed_dictionaries(
    {"alpha": st.sampled_from([0.2, 0.01, 0.3, 0.25, 0.5]) | st.floats(0.0, 1.0, width=32)}))
hard_swish = _unary("HARD_SWISH", lambda x: _hard_swish(x), min_ratio=1.01 / 128)


@st.composite
def prelu(draw):
    """Alpha as Keras' PReLU makes it: constant, one value per element of the trailing axes
    or shared along some of them (size 1); sometimes a single value, sometimes an activation."""
    shape = draw(small_shape(1, 4, max_elems=1024))
    trailing = shape[len(shape) - draw(st.integers(0, len(shape))):]
    alpha_shape = tuple(1 if draw(st.booleans()) else d for d in trailing) or (1,)
    inp = draw(activation(shape))
    scale, zp = draw(log_uniform(1e-3, 0.5)), draw(zero_points)
    if draw(st.integers(0, 4)):
        alpha = TensorSpec(alpha_shape, "int8", scale, zp,
                           data=draw(random_array(alpha_shape, -128, 127)))
    else:
        alpha = TensorSpec(alpha_shape, "int8", scale, zp)
    slopes = (np.arange(-128, 128) - zp) * np.float64(scale) if alpha.data is None else \
        (alpha.data.astype(np.float64) - zp) * scale
    lowest, highest = float(np.min(slopes)), float(np.max(slopes))
    out = draw(mapped_output(shape, inp, lambda x: np.concatenate(
        [np.where(x >= 0, x, x * lowest), np.where(x >= 0, x, x * highest)])))
    return OpCase("PRELU", [inp, alpha], [out])


# ---- data movement ----------------------------------------------------------

@st.composite
def concatenation(draw):
    base = draw(small_shape(1, 4, max_dim=6, max_elems=256))
    axis, written = _axis(draw, len(base))
    first = draw(activation(base))
    inputs = []
    for _ in range(draw(st.integers(1, 4))):
        shape = list(base)
        shape[axis] = draw(st.integers(1, 6))
        inputs.append(_same_quant(first, shape))
    out_shape = list(base)
    out_shape[axis] = sum(s.shape[axis] for s in inputs)
    return OpCase("CONCATENATION", inputs, [_same_quant(first, out_shape)],
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
    out = _same_quant(inp, [d + a + b for d, (a, b) in zip(shape, pads)])
    inputs = [inp, _const(pads, (len(shape), 2))]
    if op == "PADV2":
        value = np.asarray([draw(st.integers(-128, 127))], dtype=np.int8)
        inputs.append(TensorSpec((1,), "int8", inp.scale, inp.zero_point, data=value))
    return OpCase(op, inputs, [out])


@st.composite
def transpose(draw):
    shape = draw(small_shape(1, 5, max_dim=6, max_elems=1024))
    perm = draw(st.permutations(range(len(shape))))
    inp = draw(activation(shape))
    out = _same_quant(inp, [shape[p] for p in perm])
    return OpCase("TRANSPOSE", [inp, _const(perm)], [out])


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
    inputs = [inp, _const(begin), _const(end), _const(strides)]
    return OpCase("STRIDED_SLICE", inputs, [_same_quant(inp, out_shape)], masks)


@st.composite
def squeeze(draw):
    shape = draw(small_shape(1, 4, max_dim=5, max_elems=512))
    shape = tuple(1 if draw(st.booleans()) else d for d in shape)
    ones = [i for i, d in enumerate(shape) if d == 1]
    dims = [i - len(shape) if draw(st.booleans()) else i
            for i in ones if draw(st.booleans())]
    removed = {d % len(shape) for d in dims} if dims else set(ones)
    inp = draw(activation(shape))
    out = _same_quant(inp, [d for i, d in enumerate(shape) if i not in removed])
    return OpCase("SQUEEZE", [inp], [out], dict(squeeze_dims=dims) if dims else {})


@st.composite
def expand_dims(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    axis, written = _axis(draw, len(shape) + 1)
    inp = draw(activation(shape))
    out = _same_quant(inp, shape[:axis] + (1,) + shape[axis:])
    return OpCase("EXPAND_DIMS", [inp, _const([written])], [out])


@st.composite
def split(draw):
    shape = list(draw(small_shape(1, 4, max_dim=6, max_elems=512)))
    axis, written = _axis(draw, len(shape))
    num = draw(st.integers(1, 4))
    shape[axis] *= num
    inp = draw(activation(shape))
    part = list(shape)
    part[axis] //= num
    outs = [_same_quant(inp, part) for _ in range(num)]
    axis_spec = _const([written]) if draw(st.booleans()) else _const(written, ())
    return OpCase("SPLIT", [axis_spec, inp], outs, dict(num_splits=num))


@st.composite
def split_v(draw):
    shape = list(draw(small_shape(1, 4, max_dim=6, max_elems=512)))
    axis, written = _axis(draw, len(shape))
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    shape[axis] = sum(sizes)
    inp = draw(activation(shape))
    outs = [_same_quant(inp, shape[:axis] + [s] + shape[axis + 1:]) for s in sizes]
    written_sizes = list(sizes)
    if draw(st.booleans()):
        written_sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    inputs = [inp, _const(written_sizes), _const(written, ())]
    return OpCase("SPLIT_V", inputs, outs, dict(num_splits=len(sizes)))


@st.composite
def pack(draw):
    shape = draw(small_shape(1, 3, max_dim=6, max_elems=256))
    axis, written = _axis(draw, len(shape) + 1)
    count = draw(st.integers(1, 4))
    first = draw(activation(shape))
    inputs = [first] + [_same_quant(first, shape) for _ in range(count - 1)]
    out = _same_quant(first, shape[:axis] + (count,) + shape[axis:])
    return OpCase("PACK", inputs, [out], dict(values_count=count, axis=written))


@st.composite
def unpack(draw):
    shape = draw(small_shape(1, 4, max_dim=6, max_elems=512))
    axis, written = _axis(draw, len(shape))
    inp = draw(activation(shape))
    part = shape[:axis] + shape[axis + 1:]
    outs = [_same_quant(inp, part) for _ in range(shape[axis])]
    return OpCase("UNPACK", [inp], outs, dict(num=shape[axis], axis=written))


@st.composite
def broadcast_to(draw):
    """TFLM's BROADCAST_TO: at most 5 dimensions."""
    shape = draw(small_shape(1, 5, max_dim=5, max_elems=512))
    keep = draw(st.integers(0, len(shape)))                    # input rank, right-aligned
    in_shape = tuple(1 if draw(st.booleans()) else d for d in shape[len(shape) - keep:]) or (1,)
    inp = draw(activation(in_shape))
    return OpCase("BROADCAST_TO", [inp, _const(shape)], [_same_quant(inp, shape)])


@st.composite
def resize_nearest_neighbor(draw):
    n, h, w, c = [draw(st.integers(1, k)) for k in (2, 7, 7, 5)]
    oh, ow = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    inp = draw(activation((n, h, w, c)))
    align, half = draw(st.booleans()), draw(st.booleans())
    return OpCase("RESIZE_NEAREST_NEIGHBOR", [inp, _const([oh, ow])],
                  [_same_quant(inp, (n, oh, ow, c))],
                  dict(align_corners=align, half_pixel_centers=half and not align))


# ---- reductions and conversions ---------------------------------------------

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
        out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep else \
            [d for i, d in enumerate(shape) if i not in axes]
        inp = draw(activation(shape))
        count = int(np.prod([shape[a] for a in axes]))
        if op in ("REDUCE_MAX", "REDUCE_MIN") or (op == "MEAN" and draw(st.booleans())):
            out = _same_quant(inp, out_shape)
        else:                                   # fitted to the spread of the mean or the sum
            lo, hi = dot_range(np.full((1, count), 1.0 / count if op == "MEAN" else 1.0),
                               inp.zero_point)
            scale, zp = draw(output_quant(float(lo[0]) * inp.scale, float(hi[0]) * inp.scale,
                                          (inp.scale, 1.0)))
            out = TensorSpec(tuple(out_shape), "int8", scale, zp)
        return OpCase(op, [inp, _const(written)], [out], dict(keep_dims=keep))
    return strategy()


mean = _reduce("MEAN")


@st.composite
def tile(draw):
    """TILE for the tests that check it against numpy (TFLM has no TILE kernel, so the
    conformance runner cannot judge it)."""
    shape = draw(small_shape(1, 5, max_dim=5, max_elems=256))
    multiples = [draw(st.integers(1, 3)) for _ in shape]
    inp = draw(activation(shape))
    out = _same_quant(inp, [d * m for d, m in zip(shape, multiples)])
    return OpCase("TILE", [inp, _const(multiples)], [out])


@st.composite
def arg_max(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    axis, written = _axis(draw, len(shape))
    if shape[axis] == 1 and draw(st.integers(0, 7)):     # one candidate: the index is always 0
        shape = shape[:axis] + (draw(st.integers(2, 9)),) + shape[axis + 1:]
    inp = draw(activation(shape))
    out = TensorSpec(shape[:axis] + shape[axis + 1:], "int32")
    return OpCase("ARG_MAX", [inp, _const([written])], [out], dict(output_type="INT32"))


@st.composite
def quantize(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    out = draw(activation(shape))
    if draw(st.booleans()):                                   # float32 -> int8
        return OpCase("QUANTIZE", [TensorSpec(shape, "float32")], [out], version=1)
    inp = draw(activation(shape, st.just(_f32(out.scale * 10 ** draw(st.floats(-2, 2))))))
    out = draw(mapped_output(shape, inp, lambda x: x))
    return OpCase("QUANTIZE", [inp], [out], version=2)


@st.composite
def dequantize(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    inp = draw(activation(shape))
    return OpCase("DEQUANTIZE", [inp], [TensorSpec(shape, "float32")])


# ---- ops with weights --------------------------------------------------------

@st.composite
def transpose_conv(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    cin, cout = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(PADDINGS))
    if padding == "SAME":
        oh, ow = h * sh, w * sw
    else:
        oh, ow = (h - 1) * sh + kh, (w - 1) * sw + kw
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((cout, kh, kw, cin), 0))
    rows = filt.data.reshape(cout, kh, kw, cin)[:, ::sh, ::sw].reshape(cout, -1)  # one output's taps
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.booleans())
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    act = draw(st.sampled_from(["NONE"]) | fused_activation(out.scale, out.zero_point))
    inputs = [_const([n, oh, ow, cout]), filt, inp] + ([b] if with_bias else [])
    options = dict(padding=padding, stride_h=sh, stride_w=sw, fused_activation_function=act)
    version = 4 if act != "NONE" else (3 if with_bias else 2)
    return OpCase("TRANSPOSE_CONV", inputs, [out], options, version)


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
    state_scale = _f32(fitted.scale / 256) if wide else fitted.scale
    state = TensorSpec((batch, memory * filters), time_dtype, state_scale,
                       0 if wide else draw(zero_points), variable=True)
    # TFLM requires |bias scale - state scale * time scale| < 1e-5 (in double); a float32
    # bias scale is that close only when the product is below about 160
    assume(state.scale * time.scale < 100.0)
    b = draw(bias(units, state.scale, time.scale))
    as_int8 = TensorSpec((batch, memory * filters), "int8", fitted.scale, 0)  # state values
    rows = time.data.astype(np.float64).reshape(units, rank * memory)
    out = draw(weighted_output((batch, units), as_int8, time, rows))
    options = dict(rank=rank, fused_activation_function=draw(st.sampled_from(
        ["NONE", "RELU"])))
    return OpCase("SVDF", [inp, feature, time, b, state], [out], options)


STRATEGIES = {
    "SUB": add("SUB"),
    "MUL": mul(),
    "MAXIMUM": _max_min("MAXIMUM"),
    "MINIMUM": _max_min("MINIMUM"),
    "LOGISTIC": logistic,
    "TANH": tanh,
    "RELU": relu,
    "RELU6": relu6,
    "LEAKY_RELU": leaky_relu,
    "HARD_SWISH": hard_swish,
    "PRELU": prelu(),
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
    "RESIZE_NEAREST_NEIGHBOR": resize_nearest_neighbor(),
    "BROADCAST_TO": broadcast_to(),
    "MEAN": mean,
    "SUM": _reduce("SUM"),
    "REDUCE_MAX": _reduce("REDUCE_MAX"),
    "REDUCE_MIN": _reduce("REDUCE_MIN"),
    "ARG_MAX": arg_max(),
    "QUANTIZE": quantize(),
    "DEQUANTIZE": dequantize(),
    "TRANSPOSE_CONV": transpose_conv(),
    "BATCH_MATMUL": batch_matmul(),
    "SVDF": svdf(),
}

ALL_STRATEGIES = {**FIRST_EIGHT, **STRATEGIES}

# Ops TFLM has no kernel for: checked against numpy in tests/ops, not by the conformance runner.
WITHOUT_TFLM = {"TILE": tile()}
