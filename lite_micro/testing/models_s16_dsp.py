"""Small int16x8 models whose convolutions and fully connected layers reach every path of the
DSP kernels lm_conv_s16_dsp and lm_dwconv_s16_dsp (templates/runtime/lm_s16_dsp.c): odd and even
input channels (a copied patch, a per-tap tail, whole rows), output channels and pixels off
the tile, SAME padding, stride 2, dilation, depth multipliers 1 and 2, and each way of summing
(int32 bias; int64 bias whose sums fit int32, requantized by SMMULR or in 64 bits; sums that
need 64 bits)."""
from __future__ import annotations

import numpy as np

from lite_micro.testing.models_s16 import _bias, _weights
from lite_micro.testing.multiop import Node, build_graph
from lite_micro.testing.oneop import TensorSpec


def _act(shape, scale) -> TensorSpec:
    return TensorSpec(tuple(shape), "int16", float(np.float32(scale)), 0)


def _conv(rng, x: TensorSpec, out_c: int, k: int, out_scale: float, bias=np.int64, w_base=0.01, **opts):
    """CONV_2D (SAME unless told) after x, its output a new int16 tensor."""
    o = dict(padding="SAME", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1,
             fused_activation_function="NONE")
    o.update(opts)
    _, h, w, c = x.shape
    if o["padding"] == "SAME":
        oh, ow = -(-h // o["stride_h"]), -(-w // o["stride_w"])
    else:
        span_h, span_w = (k - 1) * o["dilation_h_factor"] + 1, (k - 1) * o["dilation_w_factor"] + 1
        oh, ow = (h - span_h) // o["stride_h"] + 1, (w - span_w) // o["stride_w"] + 1
    wt = _weights(rng, (out_c, k, k, c), 0, w_base)
    y = _act((1, oh, ow, out_c), out_scale)
    b = _bias(rng, wt, x.scale, bias) if bias is not None else None
    return Node("CONV_2D", [x, wt, b], [y], o), y


def _depthwise(rng, x: TensorSpec, mult: int, k: int, out_scale: float, **opts):
    o = dict(padding="SAME", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1,
             depth_multiplier=mult, fused_activation_function="NONE")
    o.update(opts)
    _, h, w, c = x.shape
    wt = _weights(rng, (1, k, k, c * mult), 3, 0.02)
    y = _act((1, -(-h // o["stride_h"]), -(-w // o["stride_w"]), c * mult), out_scale)
    return Node("DEPTHWISE_CONV_2D", [x, wt, _bias(rng, wt, x.scale, np.int64)], [y], o), y


def conv_paths_model(seed: int = 21) -> bytes:
    """int16 [1, 9, 7, 3] -> CONV 3x3 stride 2 (3 channels: a patch; 15 outputs: a quad tail;
    int64 bias, SMMULR) -> CONV 3x3 dilation 2 (15 channels: per tap, an odd tail, the window
    too large for a patch) -> CONV 3x3 dilation 2 (6 channels: per tap, even; int32 bias, RELU)
    -> CONV 3x3 SAME (6 channels, whole rows cut by the padding; 10 outputs) -> CONV 1x1
    (10 channels; 9 outputs) -> DEPTHWISE 3x3 multiplier 1 (9 channels), and from the 3x3's
    output DEPTHWISE 3x3 multiplier 2 stride 2; a second input [1, 5, 4, 1] -> CONV 2x2 VALID
    (1 channel, 4 taps: an even patch). Four int16 outputs."""
    rng = np.random.default_rng(seed)
    x = _act((1, 9, 7, 3), 1.0 / 4096)
    n1, a = _conv(rng, x, 15, 3, 0.002, stride_h=2, stride_w=2)
    n2, b = _conv(rng, a, 6, 3, 0.01, dilation_h_factor=2, dilation_w_factor=2)
    n3, c = _conv(rng, b, 6, 3, 0.01, bias=np.int32, fused_activation_function="RELU",
                  dilation_h_factor=2, dilation_w_factor=2)
    n4, d = _conv(rng, c, 10, 3, 0.01)
    n5, e = _conv(rng, d, 9, 1, 0.02)
    n6, f = _depthwise(rng, e, 1, 3, 0.02)
    n7, g = _depthwise(rng, d, 2, 3, 0.02, stride_h=2, stride_w=2)
    x2 = _act((1, 5, 4, 1), 1.0 / 4096)
    n8, h = _conv(rng, x2, 2, 2, 0.002, padding="VALID")
    return build_graph([n1, n2, n3, n4, n5, n6, n7, n8], outputs=[e, f, g, h])


def wide_sums_model(depth: int = 600, units: int = 6, batches: int = 3) -> bytes:
    """int16 [batches, depth] -> FULLY_CONNECTED with weights of magnitude near 127: sums an
    all-32767 input drives past 2^31 (64-bit sums, in 32-bit chunks) -> int16; a second
    FULLY_CONNECTED of 400 inputs whose sums fit int32 but whose scale ratio (< 2^-17) needs
    the 64-bit requantization; one of 131 inputs (odd, no patch) and 7 units; one of 5 inputs
    (a patch) with an int32 bias. Each on its own input, batches rows."""
    rng = np.random.default_rng(depth)
    x = _act((batches, depth), 1.0 / 4096)
    data = (rng.integers(100, 128, (units, depth)) * rng.choice([-1, 1], (units, depth))).astype(np.int8)
    data[0] = 127                      # channel 0: every product positive at the all-max input
    data[1] = -127
    wt = TensorSpec((units, depth), "int8", [0.005] * units, 0, 0, data)
    big = 600 * 127 * 32767 * (1.0 / 4096) * 0.005
    y = _act((batches, units), big / 20000)
    fc = dict(fused_activation_function="NONE")
    w2 = _weights(rng, (units, 400), 0, 0.0001)
    y2 = _act((batches, units), 0.05)
    x2 = _act((batches, 400), 1.0 / 4096)
    x3 = _act((batches, 131), 1.0 / 4096)            # odd inputs past the patch: a single per pass
    w3 = _weights(rng, (7, 131), 0, 0.004)
    y3 = _act((batches, 7), 0.01)
    x4 = _act((batches, 5), 1.0 / 4096)              # 5 inputs: a patch; int32 bias
    w4 = _weights(rng, (3, 5), 0, 0.01)
    y4 = _act((batches, 3), 0.0005)
    nodes = [Node("FULLY_CONNECTED", [x, wt, _bias(rng, wt, x.scale, np.int64)], [y], fc),
             Node("FULLY_CONNECTED", [x2, w2, _bias(rng, w2, x2.scale, np.int64)], [y2], fc),
             Node("FULLY_CONNECTED", [x3, w3, _bias(rng, w3, x3.scale, np.int64)], [y3], fc),
             Node("FULLY_CONNECTED", [x4, w4, _bias(rng, w4, x4.scale, np.int32)], [y4], fc)]
    return build_graph(nodes, outputs=[y, y2, y3, y4])
