"""MEAN, SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX: Prepare steps (reduce_common.cc and
arg_min_max.cc moved to compile time)."""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import Layer, ParamsArg, TensorArg, require, require_int8
from .math_unary import check_int16_tensors
from .shape_ops import const_ints, contiguous_strides, merge_dims, positive_axis, prod

RUNTIME = ("lm_reduce.h", "lm_reduce.c")
REDUCE_MAX_RANK = 6                    # LM_REDUCE_MAX_RANK in lm_reduce.h


def resolve_axes(op: Op, axes: list[int], rank: int) -> list[int]:
    """ResolveAxis (reduce.h): positive, duplicates dropped, in the order given."""
    resolved = []
    for a in axes:
        a = positive_axis(op, a, rank)
        if a not in resolved:
            resolved.append(a)
    return resolved


def mean_multiplier(op: Op, in_scale: float, out_scale: float, count: int) -> tuple[int, int]:
    """QuantizedMeanOrSum (reduce.h): the output multiplier with 1/count folded in."""
    mult, shift = quant.quantize_multiplier(quant.f64(in_scale) / quant.f64(out_scale))
    extra = min(count.bit_length() - 1, 32, 31 + shift)
    require(extra >= 0, op, "input/output scale ratio is too small to represent")
    return (mult << extra) // count, shift - extra


def _loops(shape, axes: list[int], strides: list[int]) -> list[tuple[int, int]]:
    extents = [shape[d] for d in axes]
    picked = [strides[d] for d in axes]
    return [(e, s) for e, s, _ in merge_dims(extents, picked, picked)]


def reduction(op: Op, same_quant: bool, int16: bool = False) -> tuple[list, int, str]:
    """Checks shared by the int8 reductions (int16 too where `int16`); returns the loop-nest
    params (the kept and the reduced dimensions as (extent, stride) lists), the number of
    elements per output and a description of the axes."""
    inp, out = op.input("input"), op.outputs[0]
    if int16 and inp is not None and inp.dtype == "int16":
        check_int16_tensors(op, [(inp, "input"), (out, "output")])
    else:
        require_int8(op, inp, "input")
        require_int8(op, out, "output")
    for t, role in ((inp, "input"), (out, "output")):
        require(not t.quant.per_channel, op, f"{role} must be quantized per tensor")
    require(not inp.is_const, op, "the input must be an activation tensor")
    if same_quant:
        require(inp.zero_point == out.zero_point and np.float32(inp.scale) == np.float32(out.scale),
                op, "input and output quantization must be equal (as TFLM requires)")
    rank = len(inp.shape)
    axes = resolve_axes(op, const_ints(op, op.input("axis"), "axis"), rank)
    kept = [d for d in range(rank) if d not in axes]
    keep_dims = bool(op.options.keep_dims)
    expect = [1 if d in axes else inp.shape[d] for d in range(rank)] if keep_dims else \
        [inp.shape[d] for d in kept]
    require(list(out.shape) == expect, op, f"output shape is {list(out.shape)} in the model "
            f"but {expect} from the input and axes")
    count = prod(inp.shape[d] for d in axes)
    require(0 < count < (1 << 23), op, f"{count} elements per output is out of range")
    strides = contiguous_strides(inp.shape)
    outer, reduced = _loops(inp.shape, kept, strides), _loops(inp.shape, sorted(axes), strides)
    require(max(len(outer), len(reduced)) <= REDUCE_MAX_RANK, op, "too many dimensions")
    pad = [(1, 0)] * REDUCE_MAX_RANK
    params = [("out_rank", len(outer)),
              ("out_extent", [e for e, _ in outer + pad][:REDUCE_MAX_RANK]),
              ("out_stride", [s for _, s in outer + pad][:REDUCE_MAX_RANK]),
              ("red_rank", len(reduced)),
              ("red_extent", [e for e, _ in reduced + pad][:REDUCE_MAX_RANK]),
              ("red_stride", [s for _, s in reduced + pad][:REDUCE_MAX_RANK])]
    return params, count, f"of {count} over axes {sorted(axes)}"


def prepare_mean_or_sum(op: Op) -> Layer:
    """MEAN and SUM share TFLM's QuantizedMeanOrSum: requantize (sum - count * in_zp) with
    in_scale / out_scale, with 1/count folded into the multiplier for MEAN."""
    inp, out = op.input("input"), op.outputs[0]
    params, count, what = reduction(op, same_quant=False, int16=True)
    if op.kind == "MEAN":
        mult, shift = mean_multiplier(op, inp.scale, out.scale, count)
    else:
        mult, shift = quant.quantize_multiplier(quant.f64(inp.scale) / quant.f64(out.scale))
    params += [("sum_offset", -inp.zero_point * count), ("mult", mult), ("shift", shift),
               ("out_zp", out.zero_point)]
    kernel = "lm_mean_s16" if inp.dtype == "int16" else "lm_mean_s8"
    return Layer(op=op, kernel=kernel, runtime=RUNTIME, params_type="lm_mean_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 macs=inp.size, note=f"{op.kind.lower()} {what}")


def prepare_max_or_min(op: Op) -> Layer:
    """REDUCE_MAX, REDUCE_MIN (TFLM's ReduceGeneric): bytes compared as they are, so input and
    output share one quantization. REDUCE_MIN runs as the maximum of the one's complement
    (~x = -1 - x reverses the order of int8 values), complemented back."""
    inp, out = op.input("input"), op.outputs[0]
    params, _, what = reduction(op, same_quant=True)
    params.append(("flip", -1 if op.kind == "REDUCE_MIN" else 0))
    return Layer(op=op, kernel="lm_reduce_max_s8", runtime=RUNTIME, params_type="lm_reduce_max_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"{op.kind[7:].lower()} {what}")


def prepare_arg_max(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and inp.dtype == "int8" and not inp.is_const, op,
            "the input must be an int8 activation tensor")
    require(out.dtype == "int32", op, f"output type {out.dtype} is not supported (int32 only)")
    axis = const_ints(op, op.input("axis"), "axis")
    require(len(axis) == 1, op, f"one axis expected, got {axis}")
    axis = positive_axis(op, axis[0], len(inp.shape))
    expect = list(inp.shape[:axis]) + list(inp.shape[axis + 1:])
    require(list(out.shape) == expect, op, f"output shape is {list(out.shape)} in the model "
            f"but {expect} from the input and axis")
    params = [("outer", prod(inp.shape[:axis])), ("axis_size", inp.shape[axis]),
              ("inner", prod(inp.shape[axis + 1:]))]
    return Layer(op=op, kernel="lm_argmax_s8", runtime=RUNTIME, params_type="lm_argmax_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"first largest along axis {axis}")
