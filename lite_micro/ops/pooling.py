"""AVERAGE_POOL_2D and MAX_POOL_2D: Prepare (pooling_common.cc moved to compile time)."""

from __future__ import annotations

import dataclasses

from .. import quant
from ..ir import Op
from .base import Layer, ParamsArg, TensorArg, require, require_int8
from .common import spatial


def _prepare(op: Op, kernel: str) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    act_min, act_max = quant.activation_range(op.options.fused_activation_function, out.scale, out.zero_point)
    params = window_params(op, inp, out) + [("act_min", act_min), ("act_max", act_max)]
    return Layer(op=op, kernel=kernel, runtime=("lm_dot.h", "lm_pool.c"), params_type="lm_pool_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 macs=0, note="generic pooling")


def window_params(op: Op, inp, out) -> list:
    """The lm_pool_params fields but the clamp (shared with the int16 pools, ops/s16.py)."""
    require(len(inp.shape) == 4 and len(out.shape) == 4, op, "input and output must be 4-D (NHWC)")
    o = op.options
    b, in_h, in_w, ch = inp.shape
    _, out_h, out_w, out_ch = out.shape
    require(out_ch == ch and out.shape[0] == b, op, "output batch/channels differ from the input")
    k_h, k_w = o.filter_height, o.filter_width
    require(k_h >= 1 and k_w >= 1, op, "filter size must be at least 1")
    pad_top, pad_left = spatial(op, o.padding, (in_h, in_w), (k_h, k_w),
                                (o.stride_h, o.stride_w), (1, 1), (out_h, out_w))
    return [("batches", b), ("in_h", in_h), ("in_w", in_w), ("channels", ch), ("out_h", out_h),
            ("out_w", out_w), ("k_h", k_h), ("k_w", k_w), ("stride_h", o.stride_h),
            ("stride_w", o.stride_w), ("pad_top", pad_top), ("pad_left", pad_left)]


def prepare_average(op: Op) -> Layer:
    return _prepare(op, "lm_avgpool_s8")


def prepare_max(op: Op) -> Layer:
    return _prepare(op, "lm_maxpool_s8")


SIMD_WINDOW_LIMIT = 256   # pixels per window whose sums fit lm_avgpool_simd_s8's int16 lanes


def average_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """AVERAGE_POOL_2D on DSP cores: 4 channels summed per word (SXTAB16) where the window's
    sums fit int16 lanes."""
    p = dict(layer.params)
    if "dsp" not in features or layer.kernel != "lm_avgpool_s8" or p["k_h"] * p["k_w"] > SIMD_WINDOW_LIMIT:
        return layer
    return dataclasses.replace(layer, kernel="lm_avgpool_simd_s8",
                               note="window sums of 4 channels per word in int16 lanes")
