"""RESHAPE, SQUEEZE, EXPAND_DIMS: no code, the output is an alias of the input buffer."""

from __future__ import annotations

from ..ir import Op
from .base import Layer, require


def prepare(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and not inp.is_const, op, "input must be an activation tensor")
    require(inp.dtype == out.dtype, op, f"input type {inp.dtype} differs from output type {out.dtype}")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    return Layer(op=op, kernel=None, alias_of=inp, note="alias: no copy, no code")
