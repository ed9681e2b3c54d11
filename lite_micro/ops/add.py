"""ADD: Prepare (add_common.cc moved to compile time), broadcasting resolved into strides."""

from __future__ import annotations

from .. import quant
from ..ir import Op
from .base import Layer, ParamsArg, TensorArg, require, require_int8

MAX_DIMS = 6


def broadcast_strides(shape: tuple, out_shape: tuple) -> list[int]:
    """Element strides of `shape` seen through `out_shape` (0 along broadcast axes)."""
    shape = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step if dim != 1 else 0)
        step *= dim
    return list(reversed(strides))


def prepare(op: Op) -> Layer:
    a, b = op.inputs[0], op.inputs[1]
    out = op.outputs[0]
    for t, role in ((a, "first input"), (b, "second input"), (out, "output")):
        require_int8(op, t, role)
        require(not t.quant.per_channel, op, f"{role} must be quantized per tensor")
    require(len(out.shape) <= MAX_DIMS, op, f"more than {MAX_DIMS} dimensions")
    p = quant.add_params(a.scale, b.scale, out.scale)
    act_min, act_max = quant.activation_range(op.options.get("fused_activation_function", 0),
                                              out.scale, out.zero_point)
    params = [("in1_offset", -a.zero_point), ("in2_offset", -b.zero_point),
              ("left_shift", p["left_shift"]),
              ("in1_mult", p["input1_multiplier"]), ("in1_shift", p["input1_shift"]),
              ("in2_mult", p["input2_multiplier"]), ("in2_shift", p["input2_shift"]),
              ("out_mult", p["output_multiplier"]), ("out_shift", p["output_shift"]),
              ("out_zp", out.zero_point), ("act_min", act_min), ("act_max", act_max),
              ("size", out.size)]
    if tuple(a.shape) == tuple(b.shape) == tuple(out.shape) or (a.size == b.size == out.size):
        params += [("dims", 0)]
        note = "element-wise, no broadcast"
    else:
        oshape = tuple(out.shape)
        for t in (a, b):
            padded = (1,) * (len(oshape) - len(t.shape)) + tuple(t.shape)
            require(len(t.shape) <= len(oshape) and all(d in (1, o) for d, o in zip(padded, oshape)),
                    op, f"shape {list(t.shape)} does not broadcast to {list(oshape)}")
        params += [("dims", len(oshape)), ("out_shape", list(oshape)),
                   ("in1_strides", broadcast_strides(a.shape, oshape)),
                   ("in2_strides", broadcast_strides(b.shape, oshape))]
        note = "broadcast"
    args = [ParamsArg(), TensorArg(a, const=True), TensorArg(b, const=True), TensorArg(out)]
    return Layer(op=op, kernel="lm_add_s8", runtime=("lm_add.c",), params_type="lm_add_params",
                 params=params, args=args, macs=0, note=note)
