"""The kernel-call IR: what an op's Prepare step produces and what the planner and the emitter
read. One Layer per op: the C function to call, its arguments, its flash tables and params."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from . import Op, Tensor


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

    def param(self, name: str):
        """The value of params field `name`; a field the layer does not have is a KeyError (our bug)."""
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(f"{self.params_type or self.kernel} has no params field '{name}'")

    @property
    def inputs(self) -> list[Tensor]:
        return [t for t in self.op.inputs if t is not None and not t.is_const]

    @property
    def outputs(self) -> list[Tensor]:
        return list(self.op.outputs)
