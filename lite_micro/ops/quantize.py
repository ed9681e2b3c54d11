"""QUANTIZE, DEQUANTIZE: Prepare steps (quantize_common.cc and dequantize_common.cc moved to
compile time).

QUANTIZE int8 -> int8 is TFLM's Requantize: a block copy that requantizes every byte (or an
alias when both sides are quantized alike). The float32 conversions have kernels of their
own: float arithmetic appears only where a tensor is float32.
"""

from __future__ import annotations

import numpy as np

from ..ir import Op, Tensor
from .base import Layer, ParamsArg, TensorArg, require
from .shape_ops import Block, copy_layer, requant_params

RUNTIME = ("lm_reduce.h", "lm_reduce.c")


def per_tensor(op: Op, t: Tensor, role: str) -> None:
    """The tensor is quantized per tensor, with a positive scale (int8 and int16 alike)."""
    require(t.quant is not None and not t.quant.per_channel and t.scale > 0, op,
            f"{role} tensor {t.index} '{t.name}' must be quantized per tensor with a positive scale")


def convert_params(t: Tensor) -> list:
    """lm_convert_params of a float32 <-> int8/int16 conversion: the scale's float32 bits."""
    bits = int(np.asarray(t.scale, dtype=np.float32).view(np.int32))
    return [("size", t.size), ("scale_bits", bits), ("zero_point", t.zero_point)]


def prepare_quantize(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and not inp.is_const, op, "the input must be an activation tensor")
    require(out.dtype == "int8", op, f"output type {out.dtype} is not supported (int8 only)")
    per_tensor(op, out, "output")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    if inp.dtype == "float32":
        return Layer(op=op, kernel="lm_quantize_f32_s8", runtime=RUNTIME,
                     params_type="lm_convert_params", params=convert_params(out),
                     args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                     note="float32 -> int8, round half away from zero")
    require(inp.dtype == "int8", op, f"input type {inp.dtype} is not supported (float32 or int8)")
    per_tensor(op, inp, "input")
    requant = requant_params(op, inp, out)
    if requant is None:
        return Layer(op=op, kernel=None, alias_of=inp, note="alias: same quantization, no code")
    block = Block(dst=out, extents=[out.size], dst_strides=[1], src=inp, src_strides=[1],
                  requant=requant)
    return copy_layer(op, [block], f"requantize int8 -> int8, multiplier {requant[1]} shift {requant[2]}")


def prepare_dequantize(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and not inp.is_const, op, "the input must be an activation tensor")
    require(inp.dtype == "int8", op, f"input type {inp.dtype} is not supported (int8 only)")
    require(out.dtype == "float32", op, f"output type {out.dtype} is not supported (float32 only)")
    per_tensor(op, inp, "input")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    return Layer(op=op, kernel="lm_dequantize_s8_f32", runtime=RUNTIME,
                 params_type="lm_convert_params", params=convert_params(inp),
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note="int8 -> float32")
