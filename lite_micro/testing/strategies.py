"""Hypothesis strategies: random valid one-op int8 configurations, one per op.

Every strategy draws an `OpCase` that the TFLM interpreter accepts: quantization
follows TFLM's rules (symmetric weights with zero point 0, int32 bias with scale
in_scale * w_scale, fixed output quantization for softmax/logistic/tanh, equal
input/output quantization where TFLM assumes it). Tensors stay small (a few
thousand elements) so that a case is cheap to compile and run.

`STRATEGIES` maps op name -> strategy; the common building blocks live here and
the ops beyond the first eight in `strategies_more`.
"""
from __future__ import annotations

import numpy as np

try:
    from hypothesis import strategies as st
except ImportError as exc:           # the rest of lite_micro.testing works without it
    raise ImportError("the conformance strategies need hypothesis: pip install hypothesis") from exc

from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.ranges import EXTREME_ZERO_POINTS, activation_choices, dot_range, fit, input_range
from lite_micro.testing.ties import tie_scale

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
PADDINGS = ["SAME", "VALID"]


# ---- building blocks -------------------------------------------------------

def log_uniform(lo: float, hi: float):
    """Floats spread evenly in log space over [lo, hi], rounded to float32."""
    return st.floats(np.log10(lo), np.log10(hi)).map(
        lambda e: float(np.float32(10.0 ** e)))


zero_points = st.one_of(st.sampled_from(EXTREME_ZERO_POINTS), st.integers(-128, 127),
                        st.integers(-128, 127))


@st.composite
def output_quant(draw, lo: float, hi: float, multiplier_of=None) -> tuple[float, int]:
    """(scale, zero point) for outputs whose real values lie in [lo, hi].

    Mostly the range fitted onto int8 (scale jittered by up to 25%); else an extreme zero
    point with the scale fitted to the side it leaves, a scale 2-6x too small
    (the tails saturate), or, when `multiplier_of` = (scale, factor) gives the multiplier as
    scale * factor / output scale, an output scale that makes the multiplier an exact
    float32 tie near the fitted one, or an exact power of two (when scale * factor is exact
    in float32), so that requantized values land on exact .5 ties.
    """
    scale, zp = fit(lo, hi)
    mode = draw(st.sampled_from(["fit"] * 6 + ["zero point", "saturate", "tie", "exact", "exact"]))
    if mode == "exact":      # a power-of-two multiplier, exact in double: requantized values
        product = np.float64(np.float32(multiplier_of[0])) * np.float32(multiplier_of[1]) \
            if multiplier_of is not None else 0.0
        if product and np.float32(product) == product:       # land on exact .5 ties
            scale = float(product * 2.0 ** round(np.log2(scale / product)))
        else:
            mode = "tie"
    if mode == "fit":
        scale *= draw(st.floats(0.8, 1.25))
    elif mode == "zero point":                      # an extreme one the outputs can use
        usable = [z for z, ok in zip(EXTREME_ZERO_POINTS, (hi > 0, lo < 0 < hi, lo < 0)) if ok]
        zp = draw(st.sampled_from(usable or [zp]))
        reach = {-128: max(hi, 0.0), 127: max(-lo, 0.0)}.get(zp, max(hi, -lo))
        scale = max(reach, 1e-30) / 127.5
    elif mode == "saturate":                        # the tails clamp, the middle spreads
        scale /= draw(st.floats(2.0, 6.0))
    elif multiplier_of is not None:
        other, factor = multiplier_of
        fitted = float(np.float32(other) * np.float32(factor)) / scale
        t = draw(st.sampled_from([1.5, 1.25, 1.75])) * 2.0 ** round(np.log2(fitted))
        tied = tie_scale(t, other, factor, numerator=False, above=draw(st.booleans()), reach=64)
        scale = tied if tied is not None else scale
    if multiplier_of is not None:     # outputs all zero: keep the multiplier's shift <= 30
        scale = max(scale, float(np.float32(multiplier_of[0]) * np.float32(multiplier_of[1])) * 2.0 ** -29)
    return float(np.float32(scale)), zp


@st.composite
def weighted_output(draw, shape, inp, filt, rows: np.ndarray, bias=None):
    """Output TensorSpec of an op whose output channel c is sum_k x_k * rows[c, k] + bias[c],
    requantized with input scale * filter scale (per tensor or per channel)."""
    lo, hi = dot_range(rows, inp.zero_point, None if bias is None else bias.data)
    scales = np.float64(inp.scale) * np.broadcast_to(np.atleast_1d(filt.scale), lo.shape)
    real = np.concatenate([lo * scales, hi * scales])
    top = float(np.max(filt.scale))
    scale, zp = draw(output_quant(float(real.min()), float(real.max()), (inp.scale, top)))
    return TensorSpec(tuple(shape), "int8", scale, zp)


@st.composite
def mapped_output(draw, shape, inp, fn, min_scale: float = 0.0):
    """Output TensorSpec of an element-wise op `fn` (numpy, on real values) of `inp`:
    fitted to fn over the 256 values the input can take; a tie against the input scale."""
    real = fn((np.arange(-128, 128) - inp.zero_point) * np.float64(inp.scale))
    scale, zp = draw(output_quant(float(real.min()), float(real.max()), (inp.scale, 1.0)))
    return TensorSpec(tuple(shape), "int8", float(np.float32(max(scale, min_scale))), zp)


def fused_activation(out_scale: float, zero_point: int = 0):
    """A fused activation whose clamp TFLM can quantize (6/scale must fit in int32): mostly
    one that leaves a range of output values, sometimes any of them."""
    useful = activation_choices(out_scale, zero_point)
    every = ACTIVATIONS if out_scale > 1e-8 else ["NONE", "RELU"]
    return st.integers(0, 19).flatmap(lambda k: st.sampled_from(every if k == 7 else useful))


activation_scales = st.one_of(log_uniform(1e-6, 10.0), log_uniform(1e-6, 10.0),
                              st.integers(-20, 3).map(lambda e: 2.0 ** e))  # exact products


@st.composite
def random_array(draw, shape, lo, hi, dtype=np.int8):
    """Random integer data in [lo, hi] of `shape` (seeded, so cheap for big tensors)."""
    seed = draw(st.integers(0, 2**32 - 1))
    mode = draw(st.sampled_from(["uniform", "uniform", "extremes", "small"]))
    rng = np.random.default_rng(seed)
    if mode == "extremes":
        values = rng.choice([lo, hi], size=shape)
    elif mode == "small":
        values = rng.integers(max(lo, -3), min(hi, 3) + 1, size=shape)
    else:
        values = rng.integers(lo, hi, size=shape, endpoint=True)
    return np.asarray(values, dtype=dtype).reshape(shape)


def activation(shape, scale=activation_scales, zero_point=zero_points):
    """Strategy for an int8 activation TensorSpec of a fixed shape."""
    return st.builds(TensorSpec, st.just(tuple(shape)), st.just("int8"), scale, zero_point)


@st.composite
def weights(draw, shape, channel_dim, per_channel=None):
    """Symmetric int8 weights (zero point 0), per-tensor or per-channel scales."""
    if per_channel is None:
        per_channel = draw(st.booleans())
    base = draw(log_uniform(1e-5, 1.0))
    count = shape[channel_dim] if per_channel else 1
    spread = draw(st.lists(st.floats(-1.0, 1.0), min_size=count, max_size=count))
    scales = [float(np.float32(base * 10.0 ** u)) for u in spread]
    data = draw(random_array(tuple(shape), -127, 127))
    return TensorSpec(tuple(shape), "int8", scales if per_channel else scales[0], 0,
                      channel_dim, data)


@st.composite
def bias(draw, count, input_scale, weight_scale, typical: float = 0.0):
    """int32 bias with scale input_scale * weight_scale and zero point 0: mostly of about
    the size `typical` of the accumulator (when given), sometimes up to 2^22."""
    w = np.atleast_1d(np.asarray(weight_scale, dtype=np.float64))
    scales = [float(np.float32(input_scale * s)) for s in w]
    near = max(1, int(np.log2(typical + 1)) + 1)
    bits = draw(st.integers(0, near) | st.integers(0, near) | st.integers(0, 22))
    data = draw(random_array((count,), -(2**bits), 2**bits, np.int32))
    return TensorSpec((count,), "int32", scales if len(scales) > 1 else scales[0], 0, 0, data)


@st.composite
def output_for(draw, shape, product_scale, fan_in=1):
    """Output activation for an accumulator of `fan_in` int8 products whose values are not
    known here (SVDF's state): an effective multiplier product_scale/out_scale that keeps
    outputs in range."""
    multiplier = draw(log_uniform(0.1, 10.0)) / (128.0 * np.sqrt(fan_in))
    scale = float(np.float32(product_scale / multiplier))
    return TensorSpec(tuple(shape), "int8", scale, draw(zero_points))


def typical_accumulator(rows: np.ndarray) -> float:
    """Standard deviation of the largest channel's accumulator over uniform int8 inputs."""
    return float(np.sqrt(np.max((np.asarray(rows, np.float64) ** 2).sum(axis=1)) * 5461.25))


def small_shape(min_rank=1, max_rank=4, max_dim=9, max_elems=2048):
    """Shapes with dims including 1 and odd sizes, at most max_elems elements."""
    return st.lists(st.integers(1, max_dim), min_size=min_rank, max_size=max_rank).map(
        tuple).filter(lambda s: int(np.prod(s)) <= max_elems)


def conv_out_size(size, kernel, stride, dilation, padding):
    effective = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size - effective + stride) // stride


@st.composite
def window(draw, height, width, max_kernel=5, max_stride=3, max_dilation=3):
    """(kh, kw, sh, sw, dh, dw, padding) with a non-empty output; 1x1 and 3x3
    kernels, stride 1 and no dilation come up more often (specialized kernels)."""
    padding = draw(st.sampled_from(PADDINGS))
    kernel = st.sampled_from([1, 3]) | st.integers(1, max_kernel)
    stride = st.sampled_from([1, 1, 2]) | st.integers(1, max_stride)
    dilation = st.just(1) | st.integers(1, max_dilation)
    kh, kw = draw(kernel), draw(kernel)
    sh, sw = draw(stride), draw(stride)
    dh, dw = draw(dilation), draw(dilation)
    if padding == "VALID":
        kh = min(kh, 1 + (height - 1) // dh)
        kw = min(kw, 1 + (width - 1) // dw)
    return kh, kw, sh, sw, dh, dw, padding


# ---- the first eight ops ---------------------------------------------------

@st.composite
def conv_2d(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    groups = draw(st.sampled_from([1] * 6 + [2, 3]))
    group_in, cout = draw(st.integers(1, 8)), groups * draw(st.integers(1, 8 // groups + 1))
    cin = group_in * groups
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((cout, kh, kw, group_in), 0))
    rows = filt.data.reshape(cout, -1)
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.integers(0, 9)) > 0
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw,
                   fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    inputs = [inp, filt] + ([b] if with_bias else [])
    return OpCase("CONV_2D", inputs, [out], options, 6 if groups > 1 else 3)


@st.composite
def depthwise_conv_2d(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    # one input channel and multipliers up to 8 come up often (a first layer, lm_conv_rows.h)
    cin = draw(st.sampled_from([1, 1, 1]) | st.integers(1, 12))
    mult = draw(st.sampled_from([1, 1, 2, 3]) if cin > 1 else st.sampled_from([1, 2, 3, 4, 5, 8]))
    cout = cin * mult
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((1, kh, kw, cout), 3))
    rows = filt.data.reshape(-1, cout).T
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.integers(0, 9)) > 0
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw, depth_multiplier=mult,
                   fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    inputs = [inp, filt] + ([b] if with_bias else [])
    return OpCase("DEPTHWISE_CONV_2D", inputs, [out], options)


@st.composite
def fully_connected(draw):
    shape = draw(small_shape(2, 4, max_dim=8, max_elems=512))
    keep_num_dims = draw(st.booleans())
    depth = shape[-1] if keep_num_dims else draw(
        st.sampled_from([d for d in _divisors(int(np.prod(shape)))]))
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


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0 and d <= 256]


def _pool(op):
    @st.composite
    def strategy(draw):
        n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 11)), draw(st.integers(1, 11))
        c = draw(st.integers(1, 8))
        kh, kw, sh, sw, _, _, padding = draw(window(h, w, max_kernel=4, max_dilation=1))
        if draw(st.integers(0, 4)) == 0:              # global pooling, up to 16x16
            h, w = draw(st.integers(1, 16)), draw(st.integers(1, 16))
            kh, kw, sh, sw, padding = h, w, 1, 1, "VALID"
        inp = draw(activation((n, h, w, c)))
        oh, ow = conv_out_size(h, kh, sh, 1, padding), conv_out_size(w, kw, sw, 1, padding)
        out = TensorSpec((n, oh, ow, c), "int8", inp.scale, inp.zero_point)
        options = dict(padding=padding, stride_h=sh, stride_w=sw, filter_height=kh,
                       filter_width=kw,
                       fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
        return OpCase(op, [inp], [out], options)
    return strategy()


@st.composite
def broadcast_shapes(draw, max_rank=4):
    """Two shapes that broadcast against each other, and the result shape."""
    out = draw(small_shape(1, max_rank, max_dim=7, max_elems=1024))
    if draw(st.booleans()):
        return out, out, out
    shapes = []
    for _ in range(2):
        rank = draw(st.integers(0, len(out)))           # rank 0: a scalar
        tail = out[len(out) - rank:]
        shapes.append(tuple(d if draw(st.booleans()) else 1 for d in tail))
    result = tuple(np.broadcast_shapes(*shapes))
    return shapes[0], shapes[1], result


@st.composite
def binary_inputs(draw, in1, in2):
    """Both operands as graph inputs, or one of them (never both) a constant
    tensor, as converted models have for `x * 0.5` or `1 - x`."""
    which = draw(st.sampled_from([None, None, 0, 1]))
    specs = [in1, in2]
    if which is not None:
        spec = specs[which]
        spec.data = draw(random_array(spec.shape, -128, 127))
    return specs


@st.composite
def add(draw, op="ADD"):
    s1, s2, so = draw(broadcast_shapes())
    base = draw(log_uniform(1e-5, 1.0))
    spread = st.floats(-1.5, 1.5)
    in1 = draw(activation(s1, st.just(float(np.float32(base * 10 ** draw(spread))))))
    same = draw(st.booleans())                      # equal scales: exact ties are possible
    in2 = draw(activation(s2, st.just(in1.scale if same else
                                      float(np.float32(base * 10 ** draw(spread))))))
    (lo1, hi1), (lo2, hi2) = input_range(in1.scale, in1.zero_point), \
        input_range(in2.scale, in2.zero_point)
    lo, hi = (lo1 + lo2, hi1 + hi2) if op == "ADD" else (lo1 - hi2, hi1 - lo2)
    middle, half = (lo + hi) / 2, (hi - lo) * 0.3  # a sum of two uniforms gathers in the middle
    scale, zp = draw(output_quant(middle - half, middle + half, (in1.scale, 1.0)))
    out = TensorSpec(tuple(so), "int8", scale, zp)
    options = dict(fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    return OpCase(op, draw(binary_inputs(in1, in2)), [out], options)


@st.composite
def reshape(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    size = int(np.prod(shape))
    new_shape, rest = [], size
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from(_divisors(rest)))
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
def softmax(draw):
    shape = draw(small_shape(1, 4, max_dim=12, max_elems=1024))
    if draw(st.booleans()) or shape[-1] == 1:       # one class: the output is constant
        shape = shape[:-1] + (draw(st.integers(2, 40) | st.integers(1, 40)),)
    beta = draw(st.sampled_from([1.0, 1.0, 0.5, 2.0]) | st.floats(0.05, 4.0))
    spread = draw(log_uniform(1.0, 60.0) | log_uniform(1e-3, 1e3))   # beta * input range
    inp = draw(activation(shape, st.just(float(np.float32(spread / 255.0 / beta)))))
    out = TensorSpec(shape, "int8", 1.0 / 256, -128)
    return OpCase("SOFTMAX", [inp], [out], dict(beta=beta))


STRATEGIES = {
    "CONV_2D": conv_2d(),
    "DEPTHWISE_CONV_2D": depthwise_conv_2d(),
    "FULLY_CONNECTED": fully_connected(),
    "AVERAGE_POOL_2D": _pool("AVERAGE_POOL_2D"),
    "MAX_POOL_2D": _pool("MAX_POOL_2D"),
    "ADD": add(),
    "RESHAPE": reshape(),
    "SOFTMAX": softmax(),
}
