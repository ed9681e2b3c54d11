"""MEAN, ARG_MAX: Prepare steps (reduce_common.cc and arg_min_max.cc moved to compile time)."""

from __future__ import annotations

from .. import quant
from ..ir import Op
from .base import Layer, ParamsArg, TensorArg, require, require_int8
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


def prepare_mean(op: Op) -> Layer:
    inp, out = op.inputs[0], op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    for t, role in ((inp, "input"), (out, "output")):
        require(not t.quant.per_channel, op, f"{role} must be quantized per tensor")
    require(not inp.is_const, op, "the input must be an activation tensor")
    rank = len(inp.shape)
    axes = resolve_axes(op, const_ints(op, op.inputs[1], "axis"), rank)
    kept = [d for d in range(rank) if d not in axes]
    keep_dims = bool(op.options.get("keep_dims", False))
    expect = [1 if d in axes else inp.shape[d] for d in range(rank)] if keep_dims else \
        [inp.shape[d] for d in kept]
    require(list(out.shape) == expect, op, f"output shape is {list(out.shape)} in the model "
            f"but {expect} from the input and axes")
    count = prod(inp.shape[d] for d in axes)
    require(0 < count < (1 << 23), op, f"{count} elements per mean is out of range")
    mult, shift = mean_multiplier(op, inp.scale, out.scale, count)
    strides = contiguous_strides(inp.shape)
    outer, reduced = _loops(inp.shape, kept, strides), _loops(inp.shape, sorted(axes), strides)
    require(max(len(outer), len(reduced)) <= REDUCE_MAX_RANK, op, "too many dimensions")
    pad = [(1, 0)] * REDUCE_MAX_RANK
    params = [("out_rank", len(outer)),
              ("out_extent", [e for e, _ in outer + pad][:REDUCE_MAX_RANK]),
              ("out_stride", [s for _, s in outer + pad][:REDUCE_MAX_RANK]),
              ("red_rank", len(reduced)),
              ("red_extent", [e for e, _ in reduced + pad][:REDUCE_MAX_RANK]),
              ("red_stride", [s for _, s in reduced + pad][:REDUCE_MAX_RANK]),
              ("sum_offset", -inp.zero_point * count), ("mult", mult), ("shift", shift),
              ("out_zp", out.zero_point)]
    return Layer(op=op, kernel="lm_mean_s8", runtime=RUNTIME, params_type="lm_mean_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 macs=inp.size, note=f"mean of {count} over axes {sorted(axes)}")


def prepare_arg_max(op: Op) -> Layer:
    inp, out = op.inputs[0], op.outputs[0]
    require(inp is not None and inp.dtype == "int8" and not inp.is_const, op,
            "the input must be an int8 activation tensor")
    require(out.dtype == "int32", op, f"output type {out.dtype} is not supported (int32 only)")
    axis = const_ints(op, op.inputs[1], "axis")
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


PREPARE = {"MEAN": prepare_mean, "ARG_MAX": prepare_arg_max}
