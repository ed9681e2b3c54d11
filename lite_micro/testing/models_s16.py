"""Small int16x8 models (int16 activations, int8 weights, int64 / int32 bias) built without
TensorFlow, as the converter lays them out: float32 in, QUANTIZE to int16, the layers, then an
int16 output and its DEQUANTIZE."""
from __future__ import annotations

import numpy as np

from lite_micro.testing.multiop import Node, build_graph
from lite_micro.testing.oneop import TensorSpec


def _f32(x) -> float:
    return float(np.float32(x))


def _weights(rng, shape, channel_dim, base):
    count = shape[channel_dim]
    scales = [_f32(base * s) for s in rng.uniform(0.5, 2.0, count)]
    return TensorSpec(shape, "int8", scales, 0, channel_dim, rng.integers(-127, 128, shape).astype(np.int8))


def _bias(rng, w, in_scale, dtype, spread=3000):
    scales = [_f32(in_scale * s) for s in w.scale]
    data = rng.integers(-spread, spread, len(scales)).astype(dtype)
    return TensorSpec((len(scales),), np.dtype(dtype).name, scales, 0, 0, data)


def conv_add_fc_model(seed: int = 5, hw: int = 8, channels: int = 6) -> bytes:
    """float32 [1, hw, hw, 3] -> QUANTIZE int16 -> CONV_2D 3x3 (int64 bias, RELU) -> DEPTHWISE 3x3
    (int64 bias) -> ADD (residual with the conv output) -> LEAKY_RELU -> AVERAGE_POOL 2x2 -> MUL
    by itself -> FULLY_CONNECTED (int32 bias) -> int16 output, and its DEQUANTIZE (float32 output)."""
    rng = np.random.default_rng(seed)
    x = TensorSpec((1, hw, hw, 3), "float32")
    q = TensorSpec((1, hw, hw, 3), "int16", 1.0 / 8192, 0)
    w1 = _weights(rng, (channels, 3, 3, 3), 0, 0.01)
    c1 = TensorSpec((1, hw, hw, channels), "int16", 0.0004, 0)
    w2 = _weights(rng, (1, 3, 3, channels), 3, 0.02)
    c2 = TensorSpec((1, hw, hw, channels), "int16", 0.0006, 0)
    s = TensorSpec((1, hw, hw, channels), "int16", 0.0009, 0)
    r = TensorSpec((1, hw, hw, channels), "int16", 0.0007, 0)
    p = TensorSpec((1, hw // 2, hw // 2, channels), "int16", 0.0007, 0)
    m = TensorSpec((1, hw // 2, hw // 2, channels), "int16", 0.002, 0)
    w3 = _weights(rng, (10, hw * hw * channels // 4), 0, 0.004)
    y = TensorSpec((1, 10), "int16", 0.015, 0)
    f = TensorSpec((1, 10), "float32")
    conv = dict(padding="SAME", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1)
    nodes = [
        Node("QUANTIZE", [x], [q]),
        Node("CONV_2D", [q, w1, _bias(rng, w1, q.scale, np.int64)], [c1], dict(conv, fused_activation_function="RELU")),
        Node("DEPTHWISE_CONV_2D", [c1, w2, _bias(rng, w2, c1.scale, np.int64)], [c2],
             dict(conv, depth_multiplier=1, fused_activation_function="NONE")),
        Node("ADD", [c1, c2], [s], dict(fused_activation_function="NONE")),
        Node("LEAKY_RELU", [s], [r], dict(alpha=0.2)),
        Node("AVERAGE_POOL_2D", [r], [p], dict(padding="VALID", stride_h=2, stride_w=2, filter_height=2,
                                                 filter_width=2, fused_activation_function="NONE")),
        Node("MUL", [p, p], [m], dict(fused_activation_function="NONE")),
        Node("FULLY_CONNECTED", [m, w3, _bias(rng, w3, m.scale, np.int32, 30000)], [y],
             dict(fused_activation_function="NONE")),
        Node("DEQUANTIZE", [y], [f]),
    ]
    return build_graph(nodes, outputs=[y, f])


def fc_stack_model(seed: int = 9, features: int = 40, hidden: int = 24, classes: int = 8) -> bytes:
    """int16 [2, features] -> FULLY_CONNECTED (int64 bias) -> TANH -> FULLY_CONNECTED (int64
    bias) -> LOGISTIC, and -> FULLY_CONNECTED -> SOFTMAX: two int16 outputs (scale 2^-15)."""
    rng = np.random.default_rng(seed)
    x = TensorSpec((2, features), "int16", 1.0 / 4096, 0)
    w1 = _weights(rng, (hidden, features), 0, 0.004)
    h = TensorSpec((2, hidden), "int16", 1.0 / 4096, 0)
    t = TensorSpec((2, hidden), "int16", 2.0 ** -15, 0)
    w2 = _weights(rng, (classes, hidden), 0, 0.01)
    z = TensorSpec((2, classes), "int16", 1.0 / 2048, 0)
    w3 = _weights(rng, (classes, hidden), 0, 0.01)
    z2 = TensorSpec((2, classes), "int16", 1.0 / 4096, 0)
    p = TensorSpec((2, classes), "int16", 2.0 ** -15, 0)
    s = TensorSpec((2, classes), "int16", 1.0 / 32768, 0)
    fc = dict(fused_activation_function="NONE")
    nodes = [
        Node("FULLY_CONNECTED", [x, w1, _bias(rng, w1, x.scale, np.int64)], [h], fc),
        Node("TANH", [h], [t]),
        Node("FULLY_CONNECTED", [t, w2, _bias(rng, w2, t.scale, np.int64)], [z], fc),
        Node("LOGISTIC", [z], [p]),
        Node("FULLY_CONNECTED", [t, w3, None], [z2], dict(fc, quantized_bias_type=2)),
        Node("SOFTMAX", [z2], [s], dict(beta=1.0)),
    ]
    return build_graph(nodes, outputs=[p, s])


def more_ops_model(seed: int = 11) -> bytes:
    """int16 [1, 6, 6, 4] -> RELU -> PRELU (int8 alpha per channel) -> MAXIMUM with a constant
    -> RELU6, concatenated (another scale: a raw copy) with a TRANSPOSE of the input, then a
    QUANTIZE to int8 and SOFTMAX int8 -> int16; and a MINIMUM of the RELU6 output with the input,
    padded: two int16 outputs."""
    rng = np.random.default_rng(seed)
    x = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 4096, 0)
    r = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0)
    alpha = TensorSpec((4,), "int8", 0.01, -3, 0, rng.integers(-60, 100, 4).astype(np.int8))
    p = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0)
    c = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0, 0, rng.integers(-9000, 9000, (1, 6, 6, 4)).astype(np.int16))
    m = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0)
    r6 = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0)
    perm = TensorSpec((4,), "int32", data=np.array([0, 2, 1, 3], np.int32))
    t = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 4096, 0)
    cat = TensorSpec((1, 6, 6, 8), "int16", 1.0 / 8192, 0)
    q = TensorSpec((1, 6, 6, 8), "int8", 1.0 / 16, 0)
    sm = TensorSpec((1, 6, 6, 8), "int16", 1.0 / 65536, -32768)
    mn = TensorSpec((1, 6, 6, 4), "int16", 1.0 / 8192, 0)
    pads = TensorSpec((4, 2), "int32", data=np.array([[0, 0], [1, 0], [0, 1], [0, 0]], np.int32))
    padded = TensorSpec((1, 7, 7, 4), "int16", 1.0 / 8192, 0)
    nodes = [
        Node("RELU", [x], [r]),
        Node("PRELU", [r, alpha], [p]),
        Node("MAXIMUM", [p, c], [m]),
        Node("RELU6", [m], [r6]),
        Node("TRANSPOSE", [x, perm], [t]),
        Node("CONCATENATION", [r6, t], [cat], dict(axis=3, fused_activation_function="NONE")),
        Node("QUANTIZE", [cat], [q]),
        Node("SOFTMAX", [q], [sm], dict(beta=1.0)),
        Node("MINIMUM", [r6, x], [mn]),
        Node("PAD", [mn, pads], [padded]),
    ]
    return build_graph(nodes, outputs=[sm, padded])
