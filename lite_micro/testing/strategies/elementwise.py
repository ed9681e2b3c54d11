"""Strategies for the element-wise ops: the binary ones (ADD, SUB, MUL, MAXIMUM, MINIMUM,
SQUARED_DIFFERENCE, PRELU), the activations and other unary ones (LOGISTIC, TANH, RELU,
RELU6, LEAKY_RELU, HARD_SWISH, ABS, RSQRT) and the conversions (QUANTIZE, DEQUANTIZE, CAST).

RSQRT's input zero point is -128 so that no input is below zero, where TFLM stops the invoke.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.ranges import input_range, product_range
from lite_micro.testing.strategies.common import (
    activation,
    activation_scales,
    binary_inputs,
    broadcast_shapes,
    f32,
    fused_activation,
    like,
    log_uniform,
    mapped_output,
    mostly,
    output_quant,
    random_array,
    small_shape,
    zero_points,
)


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
        inputs = draw(binary_inputs(in1, like(in1, s2)))
        return OpCase(op, inputs, [like(in1, so)])
    return strategy()


@st.composite
def squared_difference(draw):
    """Output quantization fitted to the real squared differences over every pair of int8
    input values (most of them are small: the widest tenth saturates)."""
    s1, s2, so = draw(broadcast_shapes())
    in1 = draw(activation(s1, log_uniform(1e-4, 1.0)))
    in2 = TensorSpec(s2, "int8", f32(in1.scale * 10 ** draw(st.floats(-1.0, 1.0))), draw(zero_points))
    values = np.arange(-128, 128, dtype=np.float64)
    squares = np.subtract.outer((values - in1.zero_point) * in1.scale,
                                (values - in2.zero_point) * in2.scale) ** 2
    top = max(in1.scale, in2.scale)
    scale, zp = draw(output_quant(0.0, float(np.quantile(squares, 0.9))))
    out = TensorSpec(so, "int8", f32(max(scale, top * top)), zp)
    return OpCase("SQUARED_DIFFERENCE", draw(binary_inputs(in1, in2)), [out])


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
        out = like(inp, shape)
    else:
        out = draw(mapped_output(shape, inp, lambda x: fn(x, **opts), inp.scale * min_ratio))
    return OpCase(op, [inp], [out], opts)


# LOGISTIC changes over inputs of -8..8, TANH over -3..3: input ranges of a few units
logistic = _unary("LOGISTIC", fixed=(1.0 / 256, -128),
                  in_scale=mostly(log_uniform(4e-3, 0.12), log_uniform(1e-4, 0.5)))


tanh = _unary("TANH", fixed=(1.0 / 128, 0),
              in_scale=mostly(log_uniform(2e-3, 0.05), log_uniform(1e-4, 0.2)))


def _relu_with_room(x, alpha=0.0):
    """RELU's outputs, plus room below zero: fitted so, zero is not the int8 minimum and
    the clamped half of the outputs is not mistaken for saturation."""
    y = _relu(x, alpha)
    return np.append(y, -0.3 * max(float(y.max()), 0.0))


relu = _unary("RELU", _relu_with_room, min_ratio=2.0 ** -30,
              in_zp=st.integers(-128, 64))                    # inputs above zp: values to keep


relu6 = _unary("RELU6", in_scale=mostly(log_uniform(1e-4, 0.09), log_uniform(1e-5, 0.5)),
               in_zp=mostly(st.integers(-128, 40), st.sampled_from([-128, 0]) | st.integers(-128, 100)))


#                  [zp, six] holds values (with a zero point of 127 every output is zero)
# alpha: the usual values, 0 and 1, else any float32 from 2^-10 (a subnormal alpha scales the
# negative half to nothing: with a high zero point every output is then the same)
leaky_relu = _unary("LEAKY_RELU", _relu, min_ratio=2.0 ** -30, options=st.fixed_dictionaries(
    {"alpha": st.sampled_from([0.2, 0.01, 0.3, 0.25, 0.5, 0.0, 1.0]) | st.floats(2.0 ** -10, 1.0, width=32)}))


# HARD_SWISH is 0 below -3: input zero points mostly at most 40, so that enough of the inputs
# lie above -3 for the outputs to vary (extreme zero points still drawn, a quarter of the time)
hard_swish = _unary("HARD_SWISH", lambda x: _hard_swish(x), min_ratio=1.01 / 128,
                    in_zp=mostly(st.integers(-128, 40), zero_points))


@st.composite
def rsqrt(draw):
    """Output quantization fitted to 1/sqrt(x) over the positive inputs (the widest twentieth,
    near zero, saturates)."""
    shape = draw(small_shape(1, 4, max_elems=512))
    in_scale = draw(log_uniform(1e-3, 1.0))
    real = 1.0 / np.sqrt(np.arange(1, 256) * np.float64(in_scale))
    scale, zp = draw(output_quant(0.0, float(np.quantile(real, 0.95))))
    lowest = real[0] / 1280                                    # TFLM's multiplier stays in range
    out = TensorSpec(shape, "int8", f32(max(scale, lowest)), zp)
    return OpCase("RSQRT", [TensorSpec(shape, "int8", in_scale, -128)], [out])


@st.composite
def quantize(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    out = draw(activation(shape))
    if draw(st.booleans()):                                   # float32 -> int8
        return OpCase("QUANTIZE", [TensorSpec(shape, "float32")], [out], version=1)
    inp = draw(activation(shape, st.just(f32(out.scale * 10 ** draw(st.floats(-2, 2))))))
    out = draw(mapped_output(shape, inp, lambda x: x))
    return OpCase("QUANTIZE", [inp], [out], version=2)


@st.composite
def dequantize(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    inp = draw(activation(shape))
    return OpCase("DEQUANTIZE", [inp], [TensorSpec(shape, "float32")])


CAST_PAIRS = [("int8", "int32"), ("int32", "int8"), ("int8", "float32"), ("float32", "int8"),
              ("int32", "float32"), ("float32", "int32")]


@st.composite
def cast(draw):
    src, dst = draw(st.sampled_from(CAST_PAIRS))
    shape = draw(small_shape(1, 4, max_elems=256))
    return OpCase("CAST", [TensorSpec(shape, src)], [TensorSpec(shape, dst)])


STRATEGIES = {
    "ADD": add(),
    "SUB": add("SUB"),
    "MUL": mul(),
    "MAXIMUM": _max_min("MAXIMUM"),
    "MINIMUM": _max_min("MINIMUM"),
    "SQUARED_DIFFERENCE": squared_difference(),
    "PRELU": prelu(),
    "LOGISTIC": logistic,
    "TANH": tanh,
    "RELU": relu,
    "RELU6": relu6,
    "LEAKY_RELU": leaky_relu,
    "HARD_SWISH": hard_swish,
    "ABS": _unary("ABS", lambda x: np.abs(x)),           # output fitted to |x|
    "RSQRT": rsqrt(),
    "QUANTIZE": quantize(),
    "DEQUANTIZE": dequantize(),
    "CAST": cast(),
}

# int8 forms TFLM's interpreter does not run (its EXP takes float32 only, its NEG float32
# and int32 only): no strategy, and the compiler refuses them with the usual error.
TFLM_LACKS_INT8 = ("EXP", "NEG")
