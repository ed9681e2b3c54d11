"""Fast depthwise, ADD/SUB and PAD folding against the TFLM interpreter (tolerance 0).

One-op models (and PAD -> convolution pairs) built in Python reach every specialization: the
per-channel kernel of lm_dwconv_3x3_tiny.h (small maps, short rows, stride 2; plain and doubled
sums), the 3x3 walks of lm_dwconv_3x3.h (two passes per line, stride 1, lines of 16 or more) and
lm_dwconv_3x3_pair.h (along rows and down columns, strides 1 and 2, padded first/last
columns and kernel rows, inputs of 3 rows, every requantization mode), the one-input-channel
kernel (multipliers 2 to 12, odd widths, patches) and its 3x3 kernel of two pixels per pass
(lm_dwconv_c1_3x3.h), the 3x3 unrolled and general SMLAD kernels,
depth multiplier 1, 2, 4 and 8, channel tails (channels % 4 = 1..3, and 1..3 channels in all),
odd widths, SAME/VALID padding, stride 2, dilation; ADD/SUB with and without broadcasting,
below and above the size that switches to rescale tables. Each case is compiled for the host
(portable kernels) and for cortex-m4 (DSP kernels and weight layouts; on the host they run the
same walk in plain C), and a few run as cortex-m4 firmware in QEMU (all of them with
LITEMICRO_FAST_KERNELS_QEMU=all).
"""

from __future__ import annotations

import dataclasses
import os
import shutil

import numpy as np
import pytest
from test_passes import build_graph

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.testing import oneop
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.toolchain.host import build_host

QEMU_ALL = os.environ.get("LITEMICRO_FAST_KERNELS_QEMU") == "all"


def _out_size(size, k, stride, dil, padding):
    eff = (k - 1) * dil + 1
    return (size + stride - 1) // stride if padding == "SAME" else (size - eff + stride) // stride


def depthwise(h, w, c, mult=1, k=(3, 3), stride=1, dil=1, padding="SAME", act="NONE", seed=0,
              per_channel=True, out_q=None) -> OpCase:
    """out_q: (scale, zero point) of the output instead of the usual ones."""
    rng = np.random.default_rng(seed)
    out_c = c * mult
    in_scale = 0.05
    scales = [float(np.float32(s)) for s in rng.uniform(0.002, 0.02, out_c)] if per_channel else 0.01
    w_data = rng.integers(-127, 128, (1, k[0], k[1], out_c)).astype(np.int8)
    b_scales = [float(np.float32(in_scale * s)) for s in np.atleast_1d(scales)]
    inp = TensorSpec((1, h, w, c), "int8", in_scale, int(rng.integers(-30, 30)))
    filt = TensorSpec(w_data.shape, "int8", scales, 0, 3, w_data)
    bias = TensorSpec((out_c,), "int32", b_scales if per_channel else b_scales[0], 0, 0,
                      rng.integers(-3000, 3000, out_c).astype(np.int32))
    oh, ow = _out_size(h, k[0], stride, dil, padding), _out_size(w, k[1], stride, dil, padding)
    out_scale, out_zp = out_q or (float(np.float32(in_scale * 0.01 * 3 * k[0])), int(rng.integers(-10, 10)))
    out = TensorSpec((1, oh, ow, out_c), "int8", out_scale, out_zp)
    options = dict(padding=padding, stride_h=stride, stride_w=stride, dilation_h_factor=dil,
                   dilation_w_factor=dil, depth_multiplier=mult, fused_activation_function=act)
    return OpCase("DEPTHWISE_CONV_2D", [inp, filt, bias], [out], options)


def big_bias(case: OpCase, act="NONE") -> OpCase:
    """case with biases past 2^30 (the doubled sums could leave int32: the requantization of
    modes 1 and 2, not 3 and 4) and an output scale that keeps the outputs apart per channel."""
    inp, filt, bias = case.inputs
    c = bias.shape[0]
    data = (1_100_000_000 + 40_000_000 * np.arange(c) * (-1) ** np.arange(c)).astype(np.int32)
    out = dataclasses.replace(case.outputs[0], scale=float(np.float32(1.1e9 * 0.05 * 0.02 / 60)))
    return OpCase(case.op, [inp, filt, dataclasses.replace(bias, data=data)], [out],
                  dict(case.options, fused_activation_function=act))


def batch_of(n: int, case: OpCase) -> OpCase:
    """case with n images in a batch."""
    inp, out = case.inputs[0], case.outputs[0]
    return OpCase(case.op, [dataclasses.replace(inp, shape=(n, *inp.shape[1:])), *case.inputs[1:]],
                  [dataclasses.replace(out, shape=(n, *out.shape[1:]))], case.options)


def binary(kind, shape1, shape2, seed=0, act="NONE") -> OpCase:
    rng = np.random.default_rng(seed)
    out_shape = tuple(np.broadcast_shapes(shape1, shape2))
    a = TensorSpec(tuple(shape1), "int8", 0.03, int(rng.integers(-20, 20)))
    b = TensorSpec(tuple(shape2), "int8", 0.05, int(rng.integers(-20, 20)))
    out = TensorSpec(out_shape, "int8", 0.07, int(rng.integers(-20, 20)))
    return OpCase(kind, [a, b], [out], dict(fused_activation_function=act))


DEPTHWISE = {
    "3x3 c64": depthwise(6, 5, 64),
    "3x3 c8 odd width valid": depthwise(7, 9, 8, padding="VALID", seed=1),
    "3x3 c6 tail 2": depthwise(5, 5, 6, seed=2, act="RELU6"),
    "3x3 c7 tail 3 stride 2": depthwise(9, 7, 7, stride=2, seed=3),
    "3x3 c5 tail 1 dilation 2": depthwise(8, 8, 5, dil=2, seed=4),
    "3x3 c3 all tail": depthwise(5, 6, 3, seed=5),
    "3x3 c1": depthwise(4, 5, 1, seed=6, per_channel=False),
    "3x3 c2 stride 2 valid": depthwise(9, 9, 2, stride=2, padding="VALID", seed=7),
    "5x5 c12 general": depthwise(7, 7, 12, k=(5, 5), seed=8),
    "4x2 c8 even width": depthwise(6, 7, 8, k=(4, 2), seed=9, act="RELU"),
    "1x1 c4": depthwise(3, 3, 4, k=(1, 1), seed=10),
    "2x3 c9 stride 2": depthwise(8, 9, 9, k=(2, 3), stride=2, seed=11),
    "mult 4 3x3": depthwise(5, 5, 2, mult=4, seed=12),
    "mult 8 10x8 stride 2": depthwise(12, 10, 1, mult=8, k=(10, 8), stride=2, seed=13),
    "mult 8 3x3 c3": depthwise(6, 5, 3, mult=8, stride=2, seed=14),
    "mult 2 tail": depthwise(5, 5, 3, mult=2, seed=15),
    "mult 3": depthwise(5, 4, 2, mult=3, seed=16),
    "mult 2 c8 3x3 stride 2": depthwise(9, 8, 8, mult=2, stride=2, seed=17),
    "mult 2 5x5 c4": depthwise(7, 6, 4, mult=2, k=(5, 5), seed=18),
    # a clamp range other than [-128, 127] with the short requantization (usual 2)
    "mult 2 3x3 c8 relu6": depthwise(12, 12, 8, mult=2, seed=41, act="RELU6"),
    "mult 2 3x3 c5 relu tail 2 odd width stride 2": depthwise(7, 9, 5, mult=2, stride=2, seed=42, act="RELU"),
    "mult 2 3x3 c4 dilation 2 relu6": depthwise(9, 8, 4, mult=2, dil=2, seed=45, act="RELU6"),
    "mult 2 5x5 c4 relu6 valid": depthwise(8, 7, 4, mult=2, k=(5, 5), padding="VALID", seed=43, act="RELU6"),
    "mult 4 3x3 c2 relu6 stride 2": depthwise(7, 7, 2, mult=4, stride=2, seed=44, act="RELU6"),
    # requantization off the usual path (the general sequence in the DSP kernels): a zero point
    # too large to fold at this shift, ...
    "3x3 c8 zero point after shift": depthwise(6, 7, 8, seed=19, per_channel=False, out_q=(23170.0, 100)),
    "mult 4 zero point after shift": depthwise(5, 6, 2, mult=4, seed=20, per_channel=False, out_q=(23170.0, -90)),
    # ... a scale above 1/8 (a right shift below 2), a clamp range other than [-128, 127]
    "3x3 c4 large scale": depthwise(5, 5, 4, seed=21, per_channel=False, out_q=(1.6e-3, 3)),
    "3x3 c6 relu6 tail 2 odd width": depthwise(6, 7, 6, seed=22, act="RELU6"),
    "3x3 c11 stride 2 dilation 2 valid": depthwise(11, 9, 11, stride=2, dil=2, padding="VALID", seed=23),
    # lines of up to 64 pixels (lm_dwconv_3x3_cols.h; at stride 1 in mode 3 on DSP cores its
    # assembly routine, lite_micro/ops/dwc_asm.py), maps wide and tall: every edge and mode
    "cols short rows c4 wide": depthwise(5, 11, 4, seed=24),
    "cols short columns c3 tall odd": depthwise(11, 5, 3, seed=25),
    "cols short rows stride 2 right pad c2": depthwise(7, 18, 2, stride=2, seed=26),
    "cols short columns stride 2 odd c5": depthwise(17, 7, 5, stride=2, seed=27),
    "cols short rows stride 2 both pads c3": depthwise(6, 17, 3, stride=2, seed=28),
    "cols short 3 rows valid c1": depthwise(3, 10, 1, padding="VALID", seed=29),
    "cols short 3 rows same c1": depthwise(3, 9, 1, seed=30),
    "cols short relu6 stride 2 valid wide": depthwise(5, 20, 6, stride=2, padding="VALID", act="RELU6", seed=31),
    "cols short columns c16 like kws": depthwise(17, 5, 16, seed=41),
    "cols short columns relu c8": depthwise(13, 4, 8, act="RELU", seed=32),
    "cols short general requantization": depthwise(6, 9, 4, seed=33, per_channel=False, out_q=(1.6e-3, 3)),
    "cols short columns general requantization": depthwise(11, 4, 4, seed=57, per_channel=False, out_q=(1.6e-3, 3)),
    "3x3 too narrow for the walk": depthwise(6, 2, 4, seed=34),
    # small maps (lm_dwconv_3x3_tiny.h, geometry built in): every padding, strides 1 and 2,
    # odd sizes, 1 to 9 channels; inputs below 3x3 keep lm_dwconv_3x3_dsp_s8
    "tiny 3x3 c1 same": depthwise(3, 3, 1, seed=48),
    "tiny 3x3 c2 valid 1x1 out": depthwise(3, 3, 2, padding="VALID", seed=49),
    "tiny 4x4 c3 stride 2 pad bottom": depthwise(4, 4, 3, stride=2, seed=50),
    "tiny 5x5 c5 stride 2 both pads": depthwise(5, 5, 5, stride=2, seed=51, act="RELU6"),
    "tiny 7x5 c9 stride 2 odd": depthwise(7, 5, 9, stride=2, seed=52),
    "tiny 7x6 c7 relu": depthwise(7, 6, 7, seed=53, act="RELU"),
    "tiny 6x3 c2 stride 2 valid": depthwise(6, 3, 2, stride=2, padding="VALID", seed=54),
    "tiny 2x2 c4 below 3x3": depthwise(2, 2, 4, seed=55),
    "tiny 1x1 c3": depthwise(1, 1, 3, seed=56),
    # lines of 13 to 64 pixels in lm_dwconv_3x3_cols.h: the inner columns in a loop, three
    # pixels per pass; stride 2 with a padded column at either end or none, stride 1 lines of an
    # odd width, one input row, 1 to 6 channels, the general requantization
    "cols loop stride 2 both pads c3": depthwise(7, 29, 3, stride=2, seed=63),
    "cols loop stride 2 right pad c6 relu6": depthwise(5, 30, 6, stride=2, act="RELU6", seed=64),
    "cols loop stride 2 valid c5": depthwise(4, 31, 5, stride=2, padding="VALID", seed=67),
    "cols loop stride 1 valid c1": depthwise(3, 16, 1, padding="VALID", seed=65),
    "cols loop stride 1 odd c2": depthwise(5, 23, 2, seed=66),
    # depth multiplier 2 in lm_dwconv_3x3_cols.h: a loop at stride 2 from one channel, rows
    # from the params with three channels
    "cols mult 2 loop stride 2 c1": depthwise(5, 29, 1, mult=2, stride=2, seed=71),
    "cols mult 2 rows c3 relu": depthwise(9, 10, 3, mult=2, act="RELU", seed=72),
    # biases past 2^30: the requantization of modes 1 (SSAT) and 2 (clamp), unrolled and looped
    "cols big bias map c4": big_bias(depthwise(6, 5, 4, seed=69, per_channel=False)),
    "cols big bias loop relu c5": big_bias(depthwise(4, 28, 5, stride=2, seed=70, per_channel=False), "RELU"),
    "cols loop stride 2 general requantization": depthwise(6, 27, 4, stride=2, seed=68, per_channel=False,
                                                          out_q=(3e-4, 3)),
    # rows 2,160 bytes apart: the routine's three base registers (wide rows)
    "cols wide rows c120": depthwise(4, 18, 120, seed=89),
    # a map of 4x5 outputs, rows built in, no padded row (the routine without edge lines)
    "cols map valid c3": depthwise(6, 7, 3, padding="VALID", seed=87),
    # longer lines in lm_dwconv_3x3_cols.h (a loop over their inner columns): a padded first
    # column or none, an odd count of full windows, padded kernel rows, 1 to 8 channels, every
    # requantization mode
    "cols long rows c3 same": depthwise(4, 34, 3, seed=42),
    "cols long columns c5 valid odd": depthwise(19, 6, 5, padding="VALID", seed=43),
    "cols long relu6 c2": depthwise(4, 32, 2, act="RELU6", seed=44),
    "rows right shift 1 doubled": depthwise(4, 17, 4, seed=45, per_channel=False, out_q=(1.6e-3, 3)),
    "rows general requantization": depthwise(4, 17, 4, seed=45, per_channel=False, out_q=(3e-4, 3)),
    "rows mixed requantization": depthwise(5, 18, 8, seed=47, out_q=(0.0008, 2)),
    "cols long general requantization": depthwise(3, 33, 4, seed=45, per_channel=False, out_q=(3e-4, 3)),
    "cols long columns c1 tall": depthwise(16, 3, 1, seed=46),
    # rows of 24 pixels (VWW's), an odd channel count
    "cols long rows 24 c5": depthwise(5, 24, 5, seed=62),
    # per channel: right shifts 2 and 1 (SMMLAR form) next to left shifts (general form)
    "cols long mixed requantization": depthwise(3, 32, 8, seed=47, out_q=(0.0008, 2)),
    # lines of more than 64 pixels: the column walk where its assembly routine applies (mode 3,
    # stride 1: a loop over blocks of pixels); else the two-pass walk (lm_dwconv_3x3.h: stride 1)
    # along the rows and down the columns, the one-pass walk (lm_dwconv_3x3_pair.h) down the
    # columns at stride 2; 320 channels (past the routine's immediates and the walks'): one pass
    # per channel (lm_dwconv_3x3_tiny.h)
    "wide cols rows c2": depthwise(4, 70, 2, seed=80),
    "wide cols columns c1": depthwise(72, 66, 1, seed=81),
    "wide tiny rows c320": depthwise(3, 70, 320, seed=88),
    "wide two-pass columns relu c2": depthwise(70, 66, 2, act="RELU", seed=83),
    "wide two-pass general requantization": depthwise(3, 67, 4, seed=84, per_channel=False, out_q=(3e-4, 3)),
    "wide pair walk columns stride 2 c1": depthwise(141, 133, 1, stride=2, seed=85),
    "wide pair walk columns stride 2 relu6 valid c2": depthwise(139, 134, 2, stride=2, padding="VALID", seed=86,
                                                                 act="RELU6"),
    # one input channel, multiplier a multiple of 4 (lm_dwconv_c1_mult_dsp_s8)
    "mult 8 4x4 c1 stride 2": depthwise(11, 9, 1, mult=8, k=(4, 4), stride=2, seed=35),
    "mult 4 5x6 c1 relu6": depthwise(9, 13, 1, mult=4, k=(5, 6), seed=36, act="RELU6"),
    "mult 12 2x8 c1 valid": depthwise(6, 11, 1, mult=12, k=(2, 8), padding="VALID", seed=37),
    "mult 8 5x5 c2": depthwise(7, 7, 2, mult=8, k=(5, 5), seed=38),
    "mult 2 4x5 c1 odd width": depthwise(8, 9, 1, mult=2, k=(4, 5), seed=39),
    "mult 6 9x2 c1 general requantization": depthwise(10, 5, 1, mult=6, k=(9, 2), seed=40, per_channel=False,
                                                      out_q=(1.6e-3, 3)),
    # 3x3 on one input channel (lm_dwconv_c1_3x3.h, person_detect's first layer): two pixels per
    # pass, strides 1 and 2, SAME and VALID, odd widths (the last pair overlaps) and heights,
    # padded first and last rows and columns, groups of 8 and 6 channels, per tensor and per
    # channel, SSAT and a clamp range
    "c1 3x3 mult 8 stride 2 odd": depthwise(13, 17, 1, mult=8, stride=2, seed=80),
    "c1 3x3 mult 4 stride 1 same": depthwise(7, 9, 1, mult=4, seed=81, per_channel=False),
    "c1 3x3 mult 2 stride 1 valid long": depthwise(4, 70, 1, mult=2, padding="VALID", seed=82),
    "c1 3x3 mult 6 stride 2 valid relu6": depthwise(9, 12, 1, mult=6, stride=2, padding="VALID", act="RELU6",
                                                   seed=83, per_channel=False),
    "c1 3x3 mult 8 stride 2 relu6 even": depthwise(10, 10, 1, mult=8, stride=2, act="RELU6", seed=84),
    "c1 3x3 mult 16 stride 1 relu odd": depthwise(5, 7, 1, mult=16, act="RELU", seed=85),
    "c1 3x3 mult 12 stride 2 two wide": depthwise(6, 4, 1, mult=12, stride=2, seed=86),
    "c1 3x3 mult 4 stride 2 batch 2": batch_of(2, depthwise(7, 8, 1, mult=4, stride=2, seed=90)),
    # ... and where it does not apply: the general requantization, a single output column,
    # biases whose doubled sums could leave int32
    "c1 3x3 mult 4 big bias": big_bias(depthwise(6, 6, 1, mult=4, seed=91, per_channel=False)),
    "c1 3x3 mult 4 general requantization": depthwise(6, 7, 1, mult=4, seed=87, per_channel=False,
                                                      out_q=(3e-4, 3)),
    "c1 3x3 mult 4 one column": depthwise(5, 3, 1, mult=4, padding="VALID", seed=88),
}

BINARY = {
    "add same shape small": binary("ADD", (1, 3, 5, 7), (1, 3, 5, 7), seed=1),
    "add same shape table": binary("ADD", (1, 8, 8, 16), (1, 8, 8, 16), seed=2, act="RELU"),
    "add broadcast channel": binary("ADD", (1, 6, 7, 12), (12,), seed=3),
    "add broadcast rows table": binary("ADD", (1, 16, 16, 3), (1, 1, 16, 3), seed=4),
    "add broadcast both": binary("ADD", (2, 1, 5), (1, 3, 5), seed=5),
    "sub same shape table": binary("SUB", (1, 10, 10, 8), (1, 10, 10, 8), seed=6),
    "sub broadcast": binary("SUB", (4, 5, 6), (1, 5, 1), seed=7, act="RELU6"),
    "mul broadcast": binary("MUL", (1, 4, 4, 6), (1, 1, 1, 6), seed=8),
}

QEMU_CASES = ["3x3 c64", "tiny 5x5 c5 stride 2 both pads", "cols loop stride 2 both pads c3",
              "cols loop stride 1 odd c2", "cols big bias map c4", "cols big bias loop relu c5",
              "3x3 c7 tail 3 stride 2", "3x3 c8 zero point after shift", "cols short columns c16 like kws",
              "cols long columns c5 valid odd", "cols long relu6 c2", "cols long general requantization",
              "cols loop stride 1 valid c1", "cols map valid c3", "wide cols columns c1",
              "wide pair walk columns stride 2 c1", "wide cols rows c2", "mult 8 4x4 c1 stride 2",
              "mult 4 5x6 c1 relu6", "c1 3x3 mult 8 stride 2 odd", "c1 3x3 mult 16 stride 1 relu odd",
              "5x5 c12 general", "mult 8 10x8 stride 2", "mult 2 tail", "mult 2 5x5 c4",
              "cols mult 2 loop stride 2 c1", "cols mult 2 rows c3 relu", "mult 2 3x3 c8 relu6",
              "mult 2 3x3 c4 dilation 2 relu6", "mult 2 5x5 c4 relu6 valid", "mult 4 3x3 c2 relu6 stride 2",
              "mult 8 3x3 c3", "add broadcast rows table", "add same shape table", "sub same shape table",
              "sub broadcast", "cols wide rows c120"]


# ---- PAD -> convolution models ---------------------------------------------------------

def _two_op_model(first: OpCase, second: OpCase) -> bytes:
    """Two ops in one subgraph, the first's output feeding the second's first input."""
    specs = [s for s in first.inputs if s is not None] + list(first.outputs)
    specs += [s for s in second.inputs[1:] if s is not None] + list(second.outputs)
    ids = {id(s): i for i, s in enumerate(specs)}
    ops = [(c.op, oneop.OPS[c.op][0], c.options, [ids[id(s)] for s in c.inputs], [ids[id(s)] for s in c.outputs])
           for c in (first, second)]
    return build_graph(specs, ops, [ids[id(first.inputs[0])]], [ids[id(second.outputs[0])]])


def pad_then(conv: OpCase, pads, value=None) -> bytes:
    """PAD (PADV2 when `value` is given) of conv's input by pads (top, bottom, left, right)."""
    x = conv.inputs[0]
    top, bottom, left, right = pads
    n, h, w, c = x.shape
    src = TensorSpec((n, h - top - bottom, w - left - right, c), "int8", x.scale, x.zero_point)
    paddings = TensorSpec((4, 2), "int32", data=np.array([[0, 0], [top, bottom], [left, right], [0, 0]],
                                                          dtype=np.int32))
    inputs = [src, paddings]
    if value is not None:
        inputs.append(TensorSpec((1,), "int8", x.scale, x.zero_point, data=np.array([value], dtype=np.int8)))
    return _two_op_model(OpCase("PADV2" if value is not None else "PAD", inputs, [x]), conv)


def _conv(h, w, c, out_c, k, seed) -> OpCase:
    rng = np.random.default_rng(seed)
    w_data = rng.integers(-127, 128, (out_c, k, k, c)).astype(np.int8)
    inp = TensorSpec((1, h, w, c), "int8", 0.05, 3)
    filt = TensorSpec(w_data.shape, "int8", 0.01, 0, 0, w_data)
    out = TensorSpec((1, h - k + 1, w - k + 1, out_c), "int8", 0.05, -2)
    return OpCase("CONV_2D", [inp, filt], [out], dict(padding="VALID", stride_h=1, stride_w=1))


PAD_MODELS = {
    "pad 1 depthwise 3x3": (pad_then(depthwise(8, 7, 8, padding="VALID", seed=20), (1, 1, 1, 1)), True),
    "pad asym depthwise": (pad_then(depthwise(9, 8, 6, padding="VALID", stride=2, seed=21), (2, 0, 0, 1)), True),
    "pad then same": (pad_then(depthwise(8, 8, 4, padding="SAME", seed=22), (1, 1, 1, 1)), True),
    "padv2 zero point conv": (pad_then(_conv(7, 7, 3, 5, 3, 23), (1, 1, 1, 1), value=3), True),
    "padv2 other value": (pad_then(_conv(7, 7, 3, 5, 3, 24), (1, 1, 1, 1), value=9), False),
    "pad before 1x1 conv": (pad_then(_conv(6, 6, 4, 4, 1, 25), (1, 0, 0, 1)), False),
    # the two-pass walk with two padded kernel rows above a line (its general border weights) and
    # two padded columns after a line (the pixels past the pairs one by one, the second pass in C)
    "pad 2 rows walk": (pad_then(depthwise(12, 36, 3, padding="VALID", seed=60), (2, 0, 0, 2)), True),
    "pad 2 columns walk": (pad_then(depthwise(20, 5, 4, padding="VALID", seed=61), (0, 2, 1, 0)), True),
    # one input channel, 3x3: two padded rows above, two padded columns on the left
    "pad 2 c1 3x3 mult 4": (pad_then(depthwise(10, 11, 1, mult=4, padding="VALID", stride=2, seed=89),
                                     (2, 1, 2, 0)), True),
}
WALK_PAD_KERNELS = {"pad 2 rows walk": "lm_dw3x3_c3_w34_h_q1_l34", "pad 2 columns walk": "lm_dw3x3_c4_w4_v_q1_l18"}


# ---- checking -------------------------------------------------------------------------

def _check_host(models: dict, target: str, workdir, expect_kernels=()):
    gens = [compile_model(m, Options(target=target, prefix=f"k{i}")) for i, m in enumerate(models.values())]
    module = build_host(gens, workdir)
    for (name, model), gen in zip(models.items(), gens):
        ref = Reference(model)
        for s in input_sets(gen.inputs, 4, 11):
            got, want = module.run(gen.prefix, s)[0], ref.run(s, 1)[0]
            assert np.array_equal(got, want), f"{name} ({target}): {np.count_nonzero(got != want)} bytes differ"
    return {name: [layer.kernel for layer in gen.layers] for name, gen in zip(models, gens)}


def _shifts_cut(kernels: list) -> str:
    """A one-layer model's lm_dwconv_c1_3x3.h instance name without its last part (a hash of the
    right shifts it has built in)."""
    return kernels[0].rsplit("_", 1)[0] if len(kernels) == 1 else str(kernels)


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
def test_depthwise_matches_tflm(target, tmp_path):
    kernels = _check_host({k: c.build() for k, c in DEPTHWISE.items()}, target, tmp_path)
    if target == "cortex-m4":
        assert kernels["3x3 c64"] == ["lm_dwt3x3_c64_w5_o5_s1_p1_q3_h6_o6_s1_p1"]    # lines too short for the walk
        assert kernels["tiny 3x3 c1 same"] == ["lm_dwt3x3_c1_w3_o3_s1_p1_q3_h3_o3_s1_p1"]
        assert kernels["tiny 3x3 c2 valid 1x1 out"] == ["lm_dwt3x3_c2_w3_o1_s1_p0_q3_h3_o1_s1_p0"]
        assert kernels["tiny 4x4 c3 stride 2 pad bottom"] == ["lm_dwt3x3_c3_w4_o2_s2_p0_q3_h4_o2_s2_p0"]
        assert kernels["tiny 5x5 c5 stride 2 both pads"] == ["lm_dwt3x3_c5_w5_o3_s2_p1_q4_h5_o3_s2_p1"]
        assert kernels["tiny 7x5 c9 stride 2 odd"] == ["lm_dwt3x3_c9_w5_o3_s2_p1_q3_h7_o4_s2_p1"]
        assert kernels["tiny 6x3 c2 stride 2 valid"] == ["lm_dwt3x3_c2_w3_o1_s2_p0_q3_h6_o2_s2_p0"]
        assert kernels["tiny 2x2 c4 below 3x3"] == ["lm_dwconv_3x3_dsp_s8"]
        assert kernels["tiny 1x1 c3"] == ["lm_dwconv_3x3_dsp_s8"]
        assert kernels["cols short columns c16 like kws"] == ['lm_dwt3x3_c16_w5_o5_s1_p1_q3']
        assert kernels["cols short rows c4 wide"] == ["lm_dwt3x3_c4_w11_o11_s1_p1_q3"]     # rows: lm_dwconv_3x3_tiny.h
        assert kernels["cols short relu6 stride 2 valid wide"] == ["lm_dwt3x3_c6_w20_o9_s2_p0_q4"]
        assert kernels["cols short columns relu c8"] == ['lm_dwt3x3_c8_w4_o4_s1_p1_q4']
        assert kernels["cols short general requantization"] == ["lm_dwt3x3_c4_w9_o9_s1_p1_q3"]
        assert kernels["cols short columns general requantization"] == ['lm_dwt3x3_c4_w4_o4_s1_p1_q3']
        assert kernels["cols long rows c3 same"] == ['lm_dwt3x3_c3_w34_o34_s1_p1_q3']
        assert kernels["cols long columns c5 valid odd"] == ['lm_dwt3x3_c5_w6_o4_s1_p0_q3']
        assert kernels["cols long relu6 c2"] == ['lm_dwt3x3_c2_w32_o32_s1_p1_q4']
        assert kernels["cols loop stride 2 both pads c3"] == ["lm_dwt3x3_c3_w29_o15_s2_p1_q3"]
        assert kernels["cols loop stride 2 right pad c6 relu6"] == ["lm_dwt3x3_c6_w30_o15_s2_p0_q4"]
        assert kernels["cols loop stride 2 valid c5"] == ["lm_dwt3x3_c5_w31_o15_s2_p0_q3"]
        assert kernels["cols loop stride 1 valid c1"] == ["lm_dwt3x3_c1_w16_o14_s1_p0_q3"]
        assert kernels["cols loop stride 1 odd c2"] == ["lm_dwt3x3_c2_w23_o23_s1_p1_q3"]
        assert kernels["cols big bias map c4"] == ["lm_dwt3x3_c4_w5_o5_s1_p1_q1_h6_o6_s1_p1"]
        assert kernels["cols big bias loop relu c5"] == ["lm_dwt3x3_c5_w28_o14_s2_p0_q2"]
        assert kernels["cols loop stride 2 general requantization"] == ["lm_dwt3x3_c4_w27_o14_s2_p1_q0"]
        assert kernels["rows right shift 1 doubled"] == ["lm_dwt3x3_c4_w17_o17_s1_p1_q3"]
        assert kernels["rows general requantization"] == ["lm_dwt3x3_c4_w17_o17_s1_p1_q0"]
        assert kernels["rows mixed requantization"] == ["lm_dwt3x3_c8_w18_o18_s1_p1_q0"]
        assert kernels["cols long general requantization"] == ['lm_dwt3x3_c4_w33_o33_s1_p1_q0']
        assert kernels["cols long columns c1 tall"] == ['lm_dwt3x3_c1_w3_o3_s1_p1_q3']
        assert kernels["cols long rows 24 c5"] == ['lm_dwt3x3_c5_w24_o24_s1_p1_q3']
        assert kernels["cols long mixed requantization"] == ['lm_dwt3x3_c8_w32_o32_s1_p1_q0']
        assert kernels["cols wide rows c120"] == ["lm_dwt3x3_c120_w18_o18_s1_p1_q3"]
        assert kernels["cols map valid c3"] == ["lm_dwt3x3_c3_w7_o5_s1_p0_q3_h6_o4_s1_p0"]
        assert kernels["wide cols rows c2"] == ['lm_dwt3x3_c2_w70_o70_s1_p1_q3']
        assert kernels["wide tiny rows c320"] == ["lm_dwt3x3_c320_w70_o70_s1_p1_q3"]     # lm_dwconv_3x3_tiny.h
        assert kernels["wide cols columns c1"] == ['lm_dwt3x3_c1_w66_o66_s1_p1_q3']
        assert kernels["wide two-pass columns relu c2"] == ["lm_dw3x3_c2_w66_v_q2_l70"]
        assert kernels["wide two-pass general requantization"] == ["lm_dw3x3_c4_w67_h_q0_l67"]
        assert kernels["wide pair walk columns stride 2 c1"] == ["lm_dwp3x3_c1_w133_s2_v_q1"]
        assert kernels["wide pair walk columns stride 2 relu6 valid c2"] == ["lm_dwp3x3_c2_w134_s2_v_q2"]
        assert kernels["3x3 too narrow for the walk"] == ["lm_dwconv_3x3_dsp_s8"]
        assert kernels["3x3 c5 tail 1 dilation 2"] == ["lm_dwconv_3x3_dsp_s8"]
        assert kernels["5x5 c12 general"] == ["lm_dwconv_dsp_s8"]
        # one input channel: the row reader of lm_conv_rows.h (test_conv_rows.py), where its
        # requantization applies, else lm_dwconv_c1_mult_dsp_s8
        assert kernels["mult 8 10x8 stride 2"] == ["lm_conv_rows_g20_r2_ssat"]
        assert kernels["mult 8 4x4 c1 stride 2"] == ["lm_conv_rows_g4_r1_ssat"]
        assert kernels["mult 4 5x6 c1 relu6"] == ["lm_conv_rows_g10_r2_clamp"]
        assert kernels["mult 8 5x5 c2"] == ["lm_dwconv_mult_dsp_s8"]
        assert kernels["mult 2 4x5 c1 odd width"] == ["lm_conv_rows_g8_r2_ssat"]
        assert kernels["mult 6 9x2 c1 general requantization"] == ["lm_dwconv_c1_mult_dsp_s8"]
        assert _shifts_cut(kernels["c1 3x3 mult 8 stride 2 odd"]) == "lm_dwc1_3x3_m8_i13x17_o7x9_s2x2_p1x1_q3"
        assert _shifts_cut(kernels["c1 3x3 mult 4 stride 1 same"]) == "lm_dwc1_3x3_m4_i7x9_o7x9_s1x1_p1x1_q3"
        assert _shifts_cut(kernels["c1 3x3 mult 2 stride 1 valid long"]) == "lm_dwc1_3x3_m2_i4x70_o2x68_s1x1_p0x0_q3"
        assert (_shifts_cut(kernels["c1 3x3 mult 6 stride 2 valid relu6"])
                == "lm_dwc1_3x3_m6_i9x12_o4x5_s2x2_p0x0_q4_r0_127")
        assert (_shifts_cut(kernels["c1 3x3 mult 8 stride 2 relu6 even"])
                == "lm_dwc1_3x3_m8_i10x10_o5x5_s2x2_p0x0_q4_r1_127")
        assert (_shifts_cut(kernels["c1 3x3 mult 16 stride 1 relu odd"])
                == "lm_dwc1_3x3_m16_i5x7_o5x7_s1x1_p1x1_q4_r2_127")
        assert _shifts_cut(kernels["c1 3x3 mult 12 stride 2 two wide"]) == "lm_dwc1_3x3_m12_i6x4_o3x2_s2x2_p0x0_q3"
        assert not kernels["c1 3x3 mult 4 general requantization"][0].startswith("lm_dwc1_")
        assert _shifts_cut(kernels["c1 3x3 mult 4 stride 2 batch 2"]) == "lm_dwc1_3x3_m4_i7x8_o4x4_s2x2_p1x0_q3"
        assert not kernels["c1 3x3 mult 4 one column"][0].startswith("lm_dwc1_")
        assert not kernels["c1 3x3 mult 4 big bias"][0].startswith("lm_dwc1_")
        assert kernels["mult 2 tail"] == ["lm_dwt3x3_c3_m2_w5_o5_s1_p1_q3_h5_o5_s1_p1"]      # 3x3: cols
        assert kernels["mult 2 c8 3x3 stride 2"] == ["lm_dwt3x3_c8_m2_w8_o4_s2_p0_q3_h9_o5_s2_p1"]
        assert kernels["cols mult 2 loop stride 2 c1"] == ["lm_dwt3x3_c1_m2_w29_o15_s2_p1_q3"]
        assert kernels["cols mult 2 rows c3 relu"] == ["lm_dwt3x3_c3_m2_w10_o10_s1_p1_q4"]
        assert kernels["mult 2 5x5 c4"] == ["lm_dwconv_mult2_dsp_s8"]
        assert kernels["mult 2 3x3 c8 relu6"] == ["lm_dwt3x3_c8_m2_w12_o12_s1_p1_q4"]
        assert kernels["mult 2 3x3 c5 relu tail 2 odd width stride 2"] == ["lm_dwt3x3_c5_m2_w9_o5_s2_p1_q4_h7_o4_s2_p1"]
        assert kernels["mult 2 3x3 c4 dilation 2 relu6"] == ["lm_dwconv_3x3_mult2_dsp_s8"]    # dilation: no cols
        assert kernels["mult 2 5x5 c4 relu6 valid"] == ["lm_dwconv_mult2_dsp_s8"]
        assert kernels["mult 4 3x3 c2 relu6 stride 2"] == ["lm_dwconv_3x3_mult_dsp_s8"]
        assert kernels["mult 8 3x3 c3"] == ["lm_dwconv_3x3_mult_dsp_s8"]
        assert kernels["mult 3"] == ["lm_dwconv_s8"]        # no SIMD path for multiplier 3, 5, 6, 7, ...
        assert kernels["3x3 c8 zero point after shift"] == ["lm_dwt3x3_c8_w7_o7_s1_p1_q0_h6_o6_s1_p1"]
        assert kernels["3x3 c4 large scale"][0].startswith("lm_dwt3x3_c4_w5_o5_s1_p1_q")


def test_dsp_weights_stay_one_byte_each():
    from lite_micro.ops.conv import dsp_depthwise_weights
    w = np.arange(5 * 5 * 7).reshape(5, 5, 7) % 251 - 125
    packed = dsp_depthwise_weights(w)
    assert packed.dtype == np.int8 and packed.size == w.size
    assert sorted(packed.tolist()) == sorted(w.reshape(-1).tolist())


def test_walk_and_one_channel_weights_stay_int8():
    """The two-pass 3x3 walk keeps the nine weights per channel (transposed for a walk down the
    columns); the one-pass walk repeats each kernel row's middle weight (12 bytes per channel);
    the one-channel layout pads kernel rows to 4 taps with zeros; nothing else is added or lost."""
    from lite_micro.ops.conv import column_walk_weights, one_channel_weights, pair_walk_weights
    w = (np.arange(3 * 3 * 5).reshape(3, 3, 5) % 251 - 125).astype(np.int8)
    for vertical in (0, 1):
        walk = column_walk_weights(w, vertical)
        rows = w.transpose(2, 1, 0) if vertical else w.transpose(2, 0, 1)
        assert walk.dtype == np.int8 and walk.size == 9 * 5
        assert walk.tolist() == rows.reshape(-1).tolist()
        pair = pair_walk_weights(w, vertical)
        assert pair.dtype == np.int8 and pair.size == 12 * 5
        assert sorted(pair.tolist()) == sorted(w.reshape(-1).tolist() + rows[:, :, 1].reshape(-1).tolist())
    w1 = (np.arange(5 * 6 * 4).reshape(5, 6, 4) % 251 - 125).astype(np.int8)
    packed = one_channel_weights(w1)
    assert packed.dtype == np.int8 and packed.size == 5 * 8 * 4
    assert sorted(packed.tolist()) == sorted(w1.reshape(-1).tolist() + [0] * (5 * 2 * 4))


def test_one_channel_3x3_records_hold_the_doubled_weights():
    """lm_dwconv_c1_3x3.h's records: per channel the doubled bias, the nine weights doubled in
    int16 halves (column pairs of rows 0 and 1, row 2's first two, then its last in the top half
    of a word whose bottom half is 0), the multiplier and hi_add; the shift is left out (the
    instance has it built in)."""
    from lite_micro.ops.conv import c1_3x3_records
    w = (np.arange(9 * 4).reshape(3, 3, 4) * 37 % 255 - 127).astype(np.int8)
    walk = np.array([[2 * b, 1 << 30 | b, 5 + b, 3 + b] for b in range(4)], dtype=np.int64)
    rec = c1_3x3_records(walk, w)
    w = w.astype(np.int64)
    assert rec.shape == (4, 8) and rec.min() >= -(1 << 31) and rec.max() < 1 << 31
    words = rec.astype(np.int64) & 0xFFFFFFFF
    lo = ((words & 0xFFFF) ^ 0x8000) - 0x8000
    hi = ((words >> 16) ^ 0x8000) - 0x8000
    for c in range(4):
        taps = [(lo[c, k + 1], hi[c, k + 1]) for k in range(3)]
        assert [t for pair in taps for t in pair] == [2 * w[r, k, c] for k in range(3) for r in (0, 1)]
        assert (lo[c, 4], hi[c, 4], lo[c, 5], hi[c, 5]) == (2 * w[2, 0, c], 2 * w[2, 1, c], 0, 2 * w[2, 2, c])
        assert (rec[c, 0], rec[c, 6], rec[c, 7]) == (2 * c, 1 << 30 | c, 5 + c)


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
def test_add_sub_mul_match_tflm(target, tmp_path):
    kernels = _check_host({k: c.build() for k, c in BINARY.items()}, target, tmp_path)
    rq = "_rq" if target == "cortex-m4" else ""     # DSP cores: the output requantization as one SMLAL
    assert kernels["add same shape small"] == ["lm_add_s8"]
    assert kernels["add same shape table"] == [f"lm_add_table{rq}_s8"]
    assert kernels["sub same shape table"] == [f"lm_sub_table{rq}_s8"]
    assert kernels["add broadcast rows table"] == [f"lm_add_table{rq}_s8"]


def test_pad_folds_into_the_convolution(tmp_path):
    kernels = _check_host({k: m for k, (m, _) in PAD_MODELS.items()}, "cortex-m4", tmp_path)
    for name, (_, folds) in PAD_MODELS.items():
        assert (len(kernels[name]) == 1) == folds, (name, kernels[name])
    for name, kernel in WALK_PAD_KERNELS.items():
        assert kernels[name] == [kernel], (name, kernels[name])
    assert _shifts_cut(kernels["pad 2 c1 3x3 mult 4"]) == "lm_dwc1_3x3_m4_i7x9_o4x5_s2x2_p2x2_q3", kernels


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("name", sorted({**DEPTHWISE, **BINARY}) if QEMU_ALL else QEMU_CASES)
def test_cortex_m4_firmware_matches_tflm(name, tmp_path):
    _check_qemu({**DEPTHWISE, **BINARY}[name].build(), name, tmp_path)


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("name", sorted(WALK_PAD_KERNELS))
def test_cortex_m4_walk_after_pad_matches_tflm(name, tmp_path):
    """The two-pass walk's general border lines and its pixels left to C, in its assembly build."""
    _check_qemu(PAD_MODELS[name][0], name, tmp_path)


def _check_qemu(model: bytes, name: str, tmp_path):
    from lite_micro.targets import load_target
    from lite_micro.toolchain.firmware import build_firmware
    from lite_micro.toolchain.qemu import parse_outputs, run_elf

    target = load_target("cortex-m4")
    gen = compile_model(model, Options(target="cortex-m4", prefix="fast"))
    sets = input_sets(gen.inputs, 3, 5)
    result = run_elf(build_firmware(gen, target, sets, tmp_path), target, timeout=60)
    assert result.exit_code == 0, result.stderr
    ref = Reference(model)
    for s, got in zip(sets, parse_outputs(result.stdout)):
        assert np.array_equal(got[0].reshape(-1), np.asarray(ref.run(s, 1)[0]).reshape(-1)), name
