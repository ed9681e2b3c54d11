"""What an op's Prepare step produces: a Layer, the kernel call with every constant computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from ..errors import UnsupportedError
from ..ir import Op, Tensor


@dataclass
class ConstArray:
    """A table that goes to flash: `static const <ctype> <layer>_<name>[] = {...}`."""
    name: str
    ctype: str
    values: np.ndarray
    comment: str = ""


@dataclass(frozen=True)
class TensorArg:
    """A pointer into the arena where the tensor lives (resolved after planning)."""
    tensor: Tensor
    const: bool = False     # pass as `const int8_t *`


@dataclass(frozen=True)
class ConstArg:
    name: str               # the ConstArray's name


@dataclass(frozen=True)
class ParamsArg:
    pass                    # `&<layer>_params`


@dataclass(frozen=True)
class ScratchArg:
    pass                    # the layer's scratch buffer in the arena


Arg = Union[TensorArg, ConstArg, ParamsArg, ScratchArg, str]


@dataclass
class Layer:
    """One op after Prepare: what codegen prints and what the planner places."""
    op: Op
    kernel: Optional[str]                    # C function; None when the op is an alias (no code)
    runtime: tuple[str, ...] = ()            # runtime C files the kernel lives in
    params_type: Optional[str] = None
    params: list[tuple[str, object]] = field(default_factory=list)
    consts: list[ConstArray] = field(default_factory=list)
    args: list[Arg] = field(default_factory=list)
    macs: int = 0
    scratch_bytes: int = 0
    alias_of: Optional[Tensor] = None        # the op's output shares this tensor's buffer
    note: str = ""                           # why this kernel was chosen
    sources: dict = field(default_factory=dict)  # runtime files not shipped with litemicro (custom ops)

    @property
    def inputs(self) -> list[Tensor]:
        return [t for t in self.op.inputs if t is not None and not t.is_const]

    @property
    def outputs(self) -> list[Tensor]:
        return list(self.op.outputs)


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
