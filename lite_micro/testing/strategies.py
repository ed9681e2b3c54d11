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
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
PADDINGS = ["SAME", "VALID"]


# ---- building blocks -------------------------------------------------------

def log_uniform(lo: float, hi: float):
    """Floats spread evenly in log space over [lo, hi], rounded to float32."""
    return st.floats(np.log10(lo), np.log10(hi)).map(
        lambda e: float(np.float32(10.0 ** e)))


zero_points = st.integers(-128, 127)


def fused_activation(out_scale: float):
    """A fused activation whose clamp TFLM can quantize: 6/scale must fit in int32."""
    return st.sampled_from(ACTIVATIONS if out_scale > 1e-8 else ["NONE", "RELU"])
activation_scales = log_uniform(1e-6, 10.0)


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
def bias(draw, count, input_scale, weight_scale):
    """int32 bias with scale input_scale * weight_scale and zero point 0."""
    w = np.atleast_1d(np.asarray(weight_scale, dtype=np.float64))
    scales = [float(np.float32(input_scale * s)) for s in w]
    bits = draw(st.integers(0, 22))
    data = draw(random_array((count,), -(2**bits), 2**bits, np.int32))
    return TensorSpec((count,), "int32", scales if len(scales) > 1 else scales[0], 0, 0, data)


@st.composite
def output_for(draw, shape, product_scale, fan_in=1):
    """Output activation for an accumulator of `fan_in` int8 products: mostly with
    an effective multiplier product_scale/out_scale that keeps outputs in range,
    sometimes anywhere from 1e-6 to above one (all saturated or all zero)."""
    if draw(st.integers(0, 3)):
        multiplier = draw(log_uniform(0.1, 10.0)) / (128.0 * np.sqrt(fan_in))
    else:
        multiplier = draw(log_uniform(1e-6, 4.0))
    scale = float(np.float32(product_scale / multiplier))
    return TensorSpec(tuple(shape), "int8", scale, draw(zero_points))


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
    b = draw(bias(cout, inp.scale, filt.scale))
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(output_for((n, oh, ow, cout), inp.scale * float(np.max(filt.scale)),
                          kh * kw * group_in))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw,
                   fused_activation_function=draw(fused_activation(out.scale)))
    inputs = [inp, filt] + ([b] if draw(st.integers(0, 9)) else [])
    return OpCase("CONV_2D", inputs, [out], options, 6 if groups > 1 else 3)


@st.composite
def depthwise_conv_2d(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    cin, mult = draw(st.integers(1, 12)), draw(st.sampled_from([1, 1, 2, 3]))
    cout = cin * mult
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((1, kh, kw, cout), 3))
    b = draw(bias(cout, inp.scale, filt.scale))
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(output_for((n, oh, ow, cout), inp.scale * float(np.max(filt.scale)),
                          kh * kw))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw, depth_multiplier=mult,
                   fused_activation_function=draw(fused_activation(out.scale)))
    inputs = [inp, filt] + ([b] if draw(st.integers(0, 9)) else [])
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
    b = draw(bias(units, inp.scale, filt.scale))
    batch = int(np.prod(shape)) // depth
    out_shape = shape[:-1] + (units,) if keep_num_dims else (batch, units)
    out = draw(output_for(out_shape, inp.scale * float(np.max(filt.scale)), depth))
    options = dict(keep_num_dims=keep_num_dims,
                   fused_activation_function=draw(fused_activation(out.scale)))
    with_bias = draw(st.integers(0, 9)) > 0
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
                       fused_activation_function=draw(fused_activation(out.scale)))
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
    in2 = draw(activation(s2, st.just(float(np.float32(base * 10 ** draw(spread))))))
    out = draw(activation(so, st.just(float(np.float32(base * 10 ** draw(spread))))))
    options = dict(fused_activation_function=draw(fused_activation(out.scale)))
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
    if draw(st.booleans()):
        shape = shape[:-1] + (draw(st.integers(1, 40)),)
    inp = draw(activation(shape, log_uniform(1e-5, 10.0)))
    out = TensorSpec(shape, "int8", 1.0 / 256, -128)
    beta = draw(st.sampled_from([1.0, 1.0, 0.5, 2.0]) | st.floats(0.05, 4.0))
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
