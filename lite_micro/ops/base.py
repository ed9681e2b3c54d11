"""Helpers every Prepare step shares; the Layer it produces lives in ir/layer.py (re-exported
here, where the op modules import it from)."""

from __future__ import annotations

from typing import Optional

from ..errors import UnsupportedError
from ..ir import Op, Tensor
from ..ir.layer import Arg, ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg

__all__ = ["Arg", "ConstArg", "ConstArray", "Layer", "ParamsArg", "ScratchArg", "TensorArg",
           "require", "require_int8", "per_tensor"]


def require(cond: bool, op: Op, what: str) -> None:
    """Raise the one-line unsupported error naming the op when cond is false."""
    if not cond:
        raise UnsupportedError(f"{op.describe()}: {what}")


def require_int8(op: Op, tensor: Optional[Tensor], role: str) -> None:
    require(tensor is not None, op, f"missing {role} tensor")
    require(tensor.dtype == "int8", op,
            f"{role} tensor {tensor.index} '{tensor.name}' is {tensor.dtype}; only int8 is supported")
    require(tensor.quant is not None, op,
            f"{role} tensor {tensor.index} '{tensor.name}' has no quantization parameters")


def per_tensor(op: Op, tensor: Tensor, role: str) -> None:
    require(tensor.quant is not None and not tensor.quant.per_channel, op,
            f"{role} tensor {tensor.index} '{tensor.name}' must be quantized per tensor")
