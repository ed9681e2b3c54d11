"""How kernels walk their tensors, as far as the planner relies on it.

A kernel listed here is *pointwise*: it produces output element e from element e of each input
of the same size (or from the element a broadcast maps to e), and it reads those elements
before it writes output element e, never reading an element after a later one was written.
Its output may then share the buffer of an input of the same shape and element size that dies
at that layer. Every other kernel is treated as reading and writing in an unknown order: its
outputs and scratch must not share a byte with its inputs.

The read/write-order argument for each kernel (templates/runtime):
- lm_lut_s8: loads four inputs i..i+3, then stores outputs i..i+3; tail one by one.
- lm_add_s8: out[i] = f(in1[o1(i)], in2[o2(i)]) for i = 0, 1, ...; one element at a time.
- lm_mve_add_s8, lm_mve_sub_s8, lm_mve_mul_s8 (no broadcast): load inputs i..i+3, then store
  outputs i..i+3, as lm_lut_s8.
- lm_sub_s8, lm_mul_s8, lm_max_s8, lm_min_s8 (and lm_add_table_s8, lm_sub_table_s8, the
  variants reading rescaled inputs from a table, and their _rq forms): rows in output order; in a row,
  out[i] = f(a[i * sa], b[i * sb]) for i = 0, 1, ... (the data pointers are not restrict).
- lm_copy_blocks for QUANTIZE int8 -> int8: one requantizing run, d[i] = g(s[i]) in order.
A block of loads before its stores (lm_lut_s8) reads no later than the one-element order, so
the one-element model the simulator replays is the stricter of the two.
"""

from __future__ import annotations

import numpy as np

from ..ir import Tensor
from ..ops.base import Layer

POINTWISE_KERNELS = frozenset({"lm_lut_s8", "lm_add_s8", "lm_sub_s8", "lm_mul_s8", "lm_max_s8",
                               "lm_min_s8", "lm_add_table_s8", "lm_sub_table_s8", "lm_add_table_rq_s8",
                               "lm_sub_table_rq_s8", "lm_mve_add_s8", "lm_mve_sub_s8", "lm_mve_mul_s8"})


def is_pointwise(layer: Layer) -> bool:
    """True when the layer's kernel has the documented element-by-element order above."""
    if len(layer.outputs) != 1 or layer.alias_of is not None:
        return False
    if layer.kernel in POINTWISE_KERNELS:
        return True
    return (layer.kernel == "lm_copy_blocks" and layer.op.kind == "QUANTIZE"
            and all(t.dtype == "int8" for t in layer.inputs + layer.outputs))


def in_place_inputs(layer: Layer) -> tuple[int, ...]:
    """Positions in op.inputs whose buffer the output may overwrite: same element count and
    bytes as the output (no broadcast on that input), an activation, not a state tensor."""
    if not is_pointwise(layer):
        return ()
    out = layer.outputs[0]
    return tuple(k for k, t in enumerate(layer.op.inputs)
                 if t is not None and not t.is_const and not t.is_variable
                 and t.size == out.size and t.nbytes == out.nbytes)


def element_bytes(t: Tensor) -> int:
    return t.nbytes // max(t.size, 1)


def read_map(t: Tensor, out: Tensor) -> np.ndarray:
    """For a pointwise layer: the element of input t read at output step e, for every e."""
    out_shape = tuple(out.shape) or (1,)
    shape = (1,) * (len(out_shape) - len(t.shape)) + tuple(t.shape)
    if t.size == out.size:
        return np.arange(out.size, dtype=np.int64)
    idx = np.arange(t.size, dtype=np.int64).reshape(shape)
    return np.broadcast_to(idx, out_shape).reshape(-1)


def concat_slices(layer: Layer) -> list[tuple[Tensor, int]]:
    """For a CONCATENATION whose inputs are contiguous slices of its output with the output's
    type and quantization: (input, byte offset of its slice). Empty when it is not so."""
    op = layer.op
    if op.kind != "CONCATENATION" or len(layer.outputs) != 1:
        return []
    out, ins = layer.outputs[0], list(op.inputs)
    rank = len(out.shape)
    axis = int(op.options.axis)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank or any(d != 1 for d in out.shape[:axis]):
        return []
    if len({id(t) for t in ins}) != len(ins) or sum(t.nbytes for t in ins if t is not None) != out.nbytes:
        return []
    slices, at = [], 0
    for t in ins:
        if t is None or t.is_const or t.is_variable or t.dtype != out.dtype or not _same_quant(t, out):
            return []
        slices.append((t, at))
        at += t.nbytes
    return slices


def is_placed_concat(layer: Layer) -> bool:
    """A CONCATENATION done by placement: its producers wrote their slices, it runs no code."""
    return layer.kernel is None and layer.alias_of is None and bool(concat_slices(layer))


def _same_quant(a: Tensor, b: Tensor) -> bool:
    """The copy moves bytes unchanged (shape_ops.requant_params returns None)."""
    if a.quant == b.quant:
        return True
    return (a.quant is not None and b.quant is not None and not a.quant.per_channel
            and not b.quant.per_channel and np.float32(a.scale) == np.float32(b.scale)
            and a.zero_point == b.zero_point)
