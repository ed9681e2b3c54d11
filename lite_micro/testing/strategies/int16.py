"""Strategies for the int16 forms of ops (int16x8: int16 activations, int8 weights), keyed
"<OP>:int16" in `CONFORMANCE`.

int16 activations have zero point 0 (TFLM's rule); QUANTIZE and DEQUANTIZE also draw others.
Output scales are fitted to the real range the outputs take over the runner's uniform int16
inputs, sometimes narrower (the tails saturate) or an exact power-of-two multiplier (values
on exact .5 ties).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec, const_i32, reduced_shape
from lite_micro.testing.strategies import conv, elementwise, matmul, movement, reduce
from lite_micro.testing.strategies.common import (
    broadcast_shapes,
    conv_out_size,
    f32,
    log_uniform,
    pool_window,
    random_array,
    small_shape,
    weights,
    window,
)

# the int8 strategies some int16 forms are drawn from (as_int16)
ALL_STRATEGIES = {**conv.STRATEGIES, **matmul.STRATEGIES, **elementwise.STRATEGIES, **reduce.STRATEGIES,
                  **movement.STRATEGIES}

INT16_STD = 65536.0 / np.sqrt(12.0)        # standard deviation of a uniform int16


TENSOR_TYPE_INT32 = 2


RATIO_LOG2 = {("int8", "int16"): (-1.0, 8.0), ("int16", "int8"): (-10.0, -6.0), ("int16", "int16"): (-3.0, 1.5)}


@st.composite
def out_scale(draw, reach: float, product: float):
    """Output scale for real outputs mostly within +-reach; product: the scale of one unit of
    the accumulator (for the power-of-two multipliers)."""
    fitted = max(reach, 1e-30) / 32767.0
    mode = draw(st.sampled_from(["fit"] * 5 + ["saturate", "pot"]))
    if mode == "saturate":
        fitted /= draw(st.floats(2.0, 8.0))
    elif mode == "pot" and product > 0:
        fitted = product * 2.0 ** round(np.log2(fitted / product))
    else:
        fitted *= draw(st.floats(0.7, 1.4))
    return f32(max(fitted, product * 2.0 ** -12))   # all-zero weights: keep the multiplier below 2^12


@st.composite
def quantize16(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    pair = draw(st.sampled_from([("float32", "int16"), ("int8", "int16"), ("int16", "int8"), ("int16", "int16")]))
    zp = {"int8": st.integers(-128, 127), "int16": st.just(0) | st.integers(-300, 300)}
    out_scale_ = draw(log_uniform(1e-5, 1.0))
    out = TensorSpec(shape, pair[1], out_scale_, draw(zp[pair[1]]))
    if pair[0] == "float32":
        return OpCase("QUANTIZE", [TensorSpec(shape, "float32")], [out], version=1)
    lo, hi = RATIO_LOG2[pair]                         # in_scale / out_scale that spreads the outputs
    log2 = draw(st.floats(lo, hi) | st.integers(int(lo), int(hi)).map(float))   # integers: exact, ties
    inp = TensorSpec(shape, pair[0], f32(out_scale_ * 2.0 ** log2), draw(zp[pair[0]]))
    return OpCase("QUANTIZE", [inp], [out], version=2)


@st.composite
def dequantize16(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    inp = TensorSpec(shape, "int16", draw(log_uniform(1e-6, 1.0)), draw(st.just(0) | st.integers(-500, 500)))
    return OpCase("DEQUANTIZE", [inp], [TensorSpec(shape, "float32")])


@st.composite
def bias16(draw, count, in_scale, w_scale, typical: float, dtype: str):
    scales = [f32(in_scale * s) for s in np.atleast_1d(w_scale)]
    top = {"int16": 14, "int32": 30, "int64": 36}[dtype]
    bits = min(top, draw(st.integers(0, max(1, int(np.log2(typical + 1)) + 1)) | st.integers(0, top)))
    data = draw(random_array((count,), -(2 ** bits), 2 ** bits, np.int64)).astype(dtype)
    return TensorSpec((count,), dtype, scales if len(scales) > 1 else scales[0], 0, 0, data)


@st.composite
def weighted16(draw, op, inp, filt, rows, out_shape, bias_types, options):
    """The case of an int16x8 op with weights: bias (int64 / int32 / none), output, activation."""
    typical = float(np.sqrt(np.max((rows.astype(np.float64) ** 2).sum(axis=1)))) * INT16_STD
    channels = rows.shape[0]
    kind = draw(st.sampled_from(bias_types + ["none"]))
    b = None if kind == "none" else draw(bias16(channels, inp.scale, filt.scale, typical, kind))
    if kind == "none" and "int32" in bias_types and draw(st.booleans()):
        options["quantized_bias_type"] = TENSOR_TYPE_INT32
    w_top = float(np.max(filt.scale))
    reach = 2.5 * typical * inp.scale * w_top
    out = TensorSpec(out_shape, "int16", draw(out_scale(reach, f32(inp.scale) * f32(w_top))), 0)
    options["fused_activation_function"] = draw(fused16(out.scale))
    return OpCase(op, [inp, filt] + ([b] if b is not None else []), [out], options)


def fused16(scale: float):
    """A fused activation whose clamp TFLM can quantize (6 / scale must fit in int32) and that
    leaves room for the outputs (the bounded ones: at least 2,000 levels on either side)."""
    bounded = ["RELU6", "RELU_N1_TO_1"] if 1e-8 < scale < 5e-4 else []
    return st.sampled_from(["NONE"] * 4 + ["RELU"] + bounded)


def _input16(shape):
    return st.builds(TensorSpec, st.just(tuple(shape)), st.just("int16"), log_uniform(1e-6, 0.1), st.just(0))


@st.composite
def fully_connected16(draw):
    shape = draw(small_shape(2, 3, max_dim=8, max_elems=512))
    depth, units = shape[-1], draw(st.integers(1, 16))
    inp = draw(_input16(shape))
    filt = draw(weights((units, depth), 0, per_channel=draw(st.integers(0, 3)) == 0))
    batch = int(np.prod(shape)) // depth
    return draw(weighted16("FULLY_CONNECTED", inp, filt, filt.data, (batch, units), ["int64", "int32"],
                           dict(keep_num_dims=False)))


@st.composite
def conv16(draw, depthwise=False):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh, dilation_w_factor=dw)
    if depthwise:
        cin, mult = draw(st.integers(1, 8)), draw(st.sampled_from([1, 1, 2, 3]))
        cout, options["depth_multiplier"] = cin * mult, mult
        filt = draw(weights((1, kh, kw, cout), 3))
        rows, bias_types, op = filt.data.reshape(-1, cout).T, ["int64"], "DEPTHWISE_CONV_2D"
    else:
        groups = draw(st.sampled_from([1] * 6 + [2]))
        group_in, cout = draw(st.integers(1, 6)), groups * draw(st.integers(1, 6 // groups + 1))
        cin = group_in * groups
        filt = draw(weights((cout, kh, kw, group_in), 0))
        rows, bias_types, op = filt.data.reshape(cout, -1), ["int64", "int32"], "CONV_2D"
    inp = draw(_input16((n, h, w, cin)))
    return draw(weighted16(op, inp, filt, rows, (n, oh, ow, cout), bias_types, options))


@st.composite
def binary16(draw, op):
    s1, s2, so = draw(broadcast_shapes())
    base = draw(log_uniform(1e-6, 0.01))
    scales = [f32(base * 10 ** draw(st.floats(-1.5, 1.5))) for _ in range(2)]
    if draw(st.booleans()):
        scales[1] = scales[0]                       # equal scales: exact ties are possible
    ins = [TensorSpec(tuple(s), "int16", sc, 0) for s, sc in zip((s1, s2), scales)]
    const = draw(st.sampled_from([None, None, 0, 1]))
    if const is not None:
        ins[const].data = draw(random_array(ins[const].shape, -32768, 32767, np.int16))
    if op == "MUL":
        reach, product = 2.0 ** 28 * scales[0] * scales[1], scales[0] * scales[1]
    else:
        reach, product = 0.6 * 32768 * (scales[0] + scales[1]), 2.0 * max(scales) / 32768
    scale = draw(out_scale(reach, f32(product)))
    if op != "MUL":
        scale = max(scale, f32(2.0 * max(scales) / 32768 * 1.01))    # TFLM's limit for ADD/SUB
    out = TensorSpec(tuple(so), "int16", scale, 0)
    options = dict(fused_activation_function=draw(fused16(out.scale)))
    return OpCase(op, ins, [out], options)


@st.composite
def leaky_relu16(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    in_scale = draw(log_uniform(1e-6, 0.1))
    alpha = f32(draw(st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, -0.5]) | st.floats(-1.0, 3.0)))
    reach = 32768 * in_scale * max(1.0, abs(alpha))
    out = TensorSpec(shape, "int16", draw(out_scale(reach, f32(in_scale))), 0)
    return OpCase("LEAKY_RELU", [TensorSpec(shape, "int16", in_scale, 0)], [out], dict(alpha=alpha))


@st.composite
def pool16(draw, op):
    n, h, w, c, kh, kw, sh, sw, padding = draw(pool_window())
    inp = draw(_input16((n, h, w, c)))
    oh, ow = conv_out_size(h, kh, sh, 1, padding), conv_out_size(w, kw, sw, 1, padding)
    out = TensorSpec((n, oh, ow, c), "int16", inp.scale, 0)
    options = dict(padding=padding, stride_h=sh, stride_w=sw, filter_height=kh, filter_width=kw,
                   fused_activation_function=draw(fused16(out.scale)))
    return OpCase(op, [inp], [out], options)


@st.composite
def sigmoid16(draw, op):
    """LOGISTIC / TANH: output scale 2^-15; input scales around the table's range (+-10.7 for
    LOGISTIC, +-5.3 for TANH over int16), powers of two among them."""
    shape = draw(small_shape(1, 4, max_elems=1024))
    scale = draw(st.integers(-16, -10).map(lambda e: 2.0 ** e) | log_uniform(1e-5, 2e-3))
    out = TensorSpec(shape, "int16", 2.0 ** -15, 0)
    return OpCase(op, [TensorSpec(shape, "int16", f32(scale), 0)], [out])


@st.composite
def softmax16(draw):
    shape = draw(small_shape(1, 4, max_dim=12, max_elems=1024))
    shape = shape[:-1] + (max(shape[-1], draw(st.integers(2, 12))),)     # a softmax over one value is 1
    scale = draw(log_uniform(1e-5, 3e-4) | st.integers(-16, -12).map(lambda e: 2.0 ** e))
    beta = f32(draw(st.sampled_from([1.0, 1.0, 0.5, 2.0]) | st.floats(0.1, 3.0)))
    out = TensorSpec(shape, "int16", 1.0 / 32768, 0)
    return OpCase("SOFTMAX", [TensorSpec(shape, "int16", f32(scale), 0)], [out], dict(beta=beta))


@st.composite
def reduce16(draw, op):
    """MEAN / SUM on int16: output scale the input's (MEAN, sometimes) or fitted to the spread
    of the mean or the sum over uniform int16 inputs."""
    shape = draw(small_shape(1, 4, max_elems=1024))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    written = [a - len(shape) if draw(st.booleans()) else a for a in axes]
    keep = draw(st.booleans())
    out_shape = reduced_shape(shape, axes, keep)
    inp = draw(_input16(shape))
    count = int(np.prod([shape[a] for a in axes]))
    if op == "MEAN" and draw(st.booleans()):
        scale = inp.scale
    else:
        spread = 2.5 * INT16_STD * (1.0 / np.sqrt(count) if op == "MEAN" else np.sqrt(count))
        scale = draw(out_scale(spread * inp.scale, f32(inp.scale)))
    axis = const_i32(written)
    return OpCase(op, [inp, axis], [TensorSpec(out_shape, "int16", scale, 0)], dict(keep_dims=keep))


@st.composite
def transpose_conv16(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    cin, cout = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kh, kw, sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    oh, ow = (h * sh, w * sw) if padding == "SAME" else ((h - 1) * sh + kh, (w - 1) * sw + kw)
    inp = draw(_input16((n, h, w, cin)))
    filt = draw(weights((cout, kh, kw, cin), 0))
    rows = filt.data.reshape(cout, kh, kw, cin)[:, ::sh, ::sw].reshape(cout, -1)     # one output's taps
    case = draw(weighted16("TRANSPOSE_CONV", inp, filt, rows, (n, oh, ow, cout), ["int64", "int16"],
                           dict(padding=padding, stride_h=sh, stride_w=sw)))
    shape = const_i32([n, oh, ow, cout])
    case.inputs = [shape, filt, inp] + case.inputs[2:]
    return case


# ---- int16 data movement, MAXIMUM / MINIMUM, RELU, RELU6, PRELU, SOFTMAX int8 -> int16 ----------
# The data-movement ops draw their int8 cases (the family modules) and move them to int16.

def _spec16(s: TensorSpec) -> TensorSpec:
    """An int8 tensor as int16 (zero point 0), constant values spread over the int16 range (x * 257:
    a PADV2 pad value of both bytes equal for x >= 0, which is a byte fill, of two bytes otherwise)."""
    if s is None or s.dtype != "int8":
        return s
    data = None
    if s.data is not None:
        wide = s.data.astype(np.int16)
        data = (wide * 257).astype(np.int16)
    zp = [0] * len(s.zero_point) if isinstance(s.zero_point, (list, tuple)) else 0
    return TensorSpec(tuple(s.shape), "int16", s.scale, zp, s.quantized_dimension, data, s.variable, s.name)


def as_int16(case: OpCase, keep=()) -> OpCase:
    """The int8 case with its int8 tensors (but the input slots in `keep`) made int16."""
    ins = [s if k in keep else _spec16(s) for k, s in enumerate(case.inputs)]
    return OpCase(case.op, ins, [_spec16(s) for s in case.outputs], dict(case.options), case.version)


@st.composite
def concatenation16(draw):
    """TFLM's int16 CONCATENATION copies raw values whatever the scales: sometimes different ones."""
    case = as_int16(draw(ALL_STRATEGIES["CONCATENATION"]))
    if draw(st.booleans()):
        for s in case.inputs:
            s.scale = f32(s.scale * 2.0 ** draw(st.integers(-3, 3)))
    return case


@st.composite
def relu6_16(draw):
    """RELU6: six (6 / scale) inside the int16 range, mostly well inside it."""
    shape = draw(small_shape(1, 4, max_elems=1024))
    scale = f32(draw(log_uniform(2e-4, 0.05) | st.sampled_from([6.0 / 32767, 2.0 ** -12, 2.0 ** -10])))
    out = TensorSpec(shape, "int16", f32(scale * draw(st.sampled_from([1.0, 1.0, 0.5, 2.0]))), 0)
    return OpCase("RELU6", [TensorSpec(shape, "int16", scale, 0)], [out])


@st.composite
def relu16(draw):
    shape = draw(small_shape(1, 4, max_elems=1024))
    in_scale = draw(log_uniform(1e-6, 0.1))
    out = TensorSpec(shape, "int16", draw(out_scale(32768 * in_scale, f32(in_scale))), 0)
    return OpCase("RELU", [TensorSpec(shape, "int16", in_scale, 0)], [out])


@st.composite
def prelu16(draw):
    """int16 input and output, the int8 alpha of the int8 strategy; the output scale fitted."""
    case = as_int16(draw(ALL_STRATEGIES["PRELU"]), keep=(1,))
    inp, alpha = case.inputs
    inp.scale = draw(log_uniform(1e-6, 0.1))
    slope = max(1.0, 255.0 * float(alpha.scale))
    reach = 32768 * inp.scale * slope
    case.outputs[0].scale = draw(out_scale(reach, f32(inp.scale)))
    return case


@st.composite
def softmax_s8_s16(draw):
    """SOFTMAX int8 input, int16 output (zero point -32768, scale 1/65536)."""
    case = draw(reduce.softmax())
    case.outputs = [TensorSpec(tuple(case.outputs[0].shape), "int16", 1.0 / 65536, -32768)]
    return case


@st.composite
def batch_matmul16(draw):
    """The int8 case as int16; the output scale follows the 256 times wider inputs (products
    65,536 times larger over a 256 times wider output range)."""
    case = as_int16(draw(ALL_STRATEGIES["BATCH_MATMUL"]))
    case.outputs[0].scale = f32(case.outputs[0].scale * 256.0 * draw(st.floats(0.7, 1.4)))
    return case


def _moved(op: str, keep=()):
    return ALL_STRATEGIES[op].map(lambda case: as_int16(case, keep))


MOVEMENT16 = ("PAD", "PADV2", "STRIDED_SLICE", "RESHAPE", "TRANSPOSE", "SPLIT", "SPLIT_V", "PACK", "UNPACK",
              "SQUEEZE", "EXPAND_DIMS", "RESIZE_NEAREST_NEIGHBOR", "BROADCAST_TO", "MAXIMUM", "MINIMUM")

MORE_STRATEGIES = {
    **{f"{op}:int16": _moved(op) for op in MOVEMENT16},
    "CONCATENATION:int16": concatenation16(),
    "RELU:int16": relu16(),
    "RELU6:int16": relu6_16(),
    "PRELU:int16": prelu16(),
    "SOFTMAX:int8-int16": softmax_s8_s16(),
    "BATCH_MATMUL:int16": batch_matmul16(),
}


STRATEGIES = {
    "QUANTIZE:int16": quantize16(),
    "DEQUANTIZE:int16": dequantize16(),
    "FULLY_CONNECTED:int16": fully_connected16(),
    "CONV_2D:int16": conv16(),
    "DEPTHWISE_CONV_2D:int16": conv16(depthwise=True),
    "ADD:int16": binary16("ADD"),
    "SUB:int16": binary16("SUB"),
    "MUL:int16": binary16("MUL"),
    "LEAKY_RELU:int16": leaky_relu16(),
    "AVERAGE_POOL_2D:int16": pool16("AVERAGE_POOL_2D"),
    "MAX_POOL_2D:int16": pool16("MAX_POOL_2D"),
    "LOGISTIC:int16": sigmoid16("LOGISTIC"),
    "TANH:int16": sigmoid16("TANH"),
    "SOFTMAX:int16": softmax16(),
    "MEAN:int16": reduce16("MEAN"),
    "SUM:int16": reduce16("SUM"),
    "TRANSPOSE_CONV:int16": transpose_conv16(),
}
STRATEGIES.update(MORE_STRATEGIES)
