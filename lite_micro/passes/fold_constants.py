"""Evaluate at compile time every op whose outputs are fully known, and drop it.

An op folds when all its inputs are constants (or, for SHAPE, when its input's shape is
static, which it always is here) and an evaluator below knows it. Evaluation is numpy on
the exact integer types, so int32 shape arithmetic wraps as TFLM's does. Quantized
arithmetic is never folded (only data movement of quantized tensors is); an op whose output
is a model output is left for the generated code.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

import numpy as np

from ..errors import UnsupportedError
from ..frontend.reader import NUMPY_TYPES
from ..ir import Graph, Op, Tensor
from ..ops.shape_ops import strided_slice_plan


def _axis(op: Op) -> int:
    return int(op.options.axis)


def _fail(what: str):
    raise ValueError(what)


def _strided_slice(op: Op, x: list) -> list:
    o = op.options
    if o.offset:
        raise ValueError("offset")
    axes, out_shape = strided_slice_plan(x[0].shape, *(v.reshape(-1).tolist() for v in x[1:4]),
                                         o.begin_mask, o.end_mask, o.ellipsis_mask, o.new_axis_mask,
                                         o.shrink_axis_mask)
    index = np.ix_(*[start + step * np.arange(count) for start, step, count in axes])
    return [x[0][index].reshape(out_shape)]


def _slice(op: Op, x: list) -> list:
    begin, size = x[1].reshape(-1).tolist(), x[2].reshape(-1).tolist()
    index = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return [x[0][index]]


def _split_v(op: Op, x: list) -> list:
    data, sizes, axis = x[0], x[1].reshape(-1).tolist(), int(x[2].reshape(-1)[0])
    if -1 in sizes:
        sizes[sizes.index(-1)] = data.shape[axis] - (sum(sizes) + 1)
    return np.split(data, np.cumsum(sizes)[:-1], axis=axis)


def _pad(op: Op, x: list) -> list:
    value = x[2].reshape(-1)[0] if len(x) > 2 and x[2] is not None else \
        (op.outputs[0].zero_point if op.outputs[0].dtype == "int8" else 0)
    return [np.pad(x[0], x[1].reshape(-1, 2).tolist(), constant_values=value)]


def _reduce(fn) -> Callable:
    def evaluate(op: Op, x: list) -> list:
        axes = tuple(int(a) for a in np.unique(np.asarray(x[1]).reshape(-1) % x[0].ndim))
        return [fn(x[0], axis=axes, keepdims=bool(op.options.keep_dims),
                   dtype=x[0].dtype)]
    return evaluate


def _dequantize(op: Op, x: list) -> list:
    q = op.input("input").quant
    if q is None or q.per_channel:
        raise ValueError("per-channel")
    return [(np.float64(np.float32(q.scale)) * (x[0].astype(np.int64) - q.zero_point)).astype(np.float32)]


# Ops that only move values: folding them is exact for any type, quantized or not.
MOVES: dict[str, Callable[[Op, list], list]] = {
    "RESHAPE": lambda op, x: [x[0]],
    "SQUEEZE": lambda op, x: [x[0]],
    "EXPAND_DIMS": lambda op, x: [x[0]],
    "CONCATENATION": lambda op, x: [np.concatenate(x, axis=_axis(op))],
    "PACK": lambda op, x: [np.stack(x, axis=_axis(op))],
    "UNPACK": lambda op, x: [np.take(x[0], k, axis=_axis(op)) for k in range(x[0].shape[_axis(op)])],
    "SPLIT": lambda op, x: np.split(x[1], int(op.options.num_splits),
                                    axis=int(x[0].reshape(-1)[0])),
    "SPLIT_V": _split_v,
    "TRANSPOSE": lambda op, x: [np.transpose(x[0], x[1].reshape(-1).tolist())],
    "STRIDED_SLICE": _strided_slice,
    "SLICE": _slice,
    "GATHER": lambda op, x: [np.take(x[0], x[1], axis=_axis(op))] if not op.options.batch_dims \
        else _fail("batch_dims"),
    "PAD": _pad,
    "PADV2": _pad,
    "TILE": lambda op, x: [np.tile(x[0], x[1].reshape(-1).tolist())],
    "BROADCAST_TO": lambda op, x: [np.broadcast_to(x[0], x[1].reshape(-1).tolist())],
}

# Integer arithmetic on tensors without quantization (shape computations).
ARITHMETIC: dict[str, Callable[[Op, list], list]] = {
    "ADD": lambda op, x: [x[0] + x[1]],
    "SUB": lambda op, x: [x[0] - x[1]],
    "MUL": lambda op, x: [x[0] * x[1]],
    "FLOOR_DIV": lambda op, x: [np.floor_divide(x[0], x[1])],
    "MAXIMUM": lambda op, x: [np.maximum(x[0], x[1])],
    "MINIMUM": lambda op, x: [np.minimum(x[0], x[1])],
    "REDUCE_PROD": _reduce(np.prod),
    "SUM": _reduce(np.sum),
    "CAST": lambda op, x: [x[0]],
    "FILL": lambda op, x: [np.full(x[0].reshape(-1).tolist(), x[1].reshape(-1)[0])],
    "RANGE": lambda op, x: [np.arange(x[0].reshape(-1)[0], x[1].reshape(-1)[0], x[2].reshape(-1)[0])],
}


def _evaluator(op: Op) -> Optional[Callable[[Op, list], list]]:
    ins = [t for t in op.inputs if t is not None]
    if len(ins) < len(op.inputs) and op.kind not in ("PAD", "PADV2"):
        return None                               # an omitted input: Prepare says which
    if op.kind == "SHAPE":
        if op.input_or_none("input") is None:
            return None                           # Prepare reports the missing input
        return lambda op, x: [np.asarray(op.input("input").shape)]
    if not ins or not all(t.is_const for t in ins):
        return None
    if op.kind in MOVES:
        same_quant = all(t.quant == op.outputs[0].quant for t in ins if t.dtype == op.outputs[0].dtype)
        return MOVES[op.kind] if same_quant or op.kind not in ("CONCATENATION", "PACK") else None
    if op.kind == "DEQUANTIZE":
        return _dequantize
    plain = all(t.quant is None and t.dtype in ("int32", "int64", "bool") for t in ins + op.outputs)
    fused = "fused_activation_function" in op.options and op.options.fused_activation_function != 0
    if op.kind in ARITHMETIC and plain and not fused:
        return ARITHMETIC[op.kind]
    return None


def _fold(op: Op, fn) -> Optional[list[Tensor]]:
    """The op's outputs as constants, or None when it cannot be evaluated (Prepare then
    reports what is wrong with it)."""
    with np.errstate(over="ignore", divide="ignore"):     # int32 arithmetic wraps, as in C
        try:
            values = fn(op, [t.data if t is not None else None for t in op.inputs])
        except (ValueError, IndexError, TypeError, ZeroDivisionError, FloatingPointError):
            return None
    if len(values) != len(op.outputs):
        return None
    folded = []
    for t, v in zip(op.outputs, values):
        v = np.asarray(v)
        if v.size != t.size:
            raise UnsupportedError(f"{op.describe()}: evaluates to {v.size} values but output "
                                   f"tensor {t.index} '{t.name}' has shape {list(t.shape)}")
        folded.append(replace(t, data=v.astype(NUMPY_TYPES[t.dtype]).reshape(t.shape)))
    return folded


def run(graph: Graph) -> Graph:
    outputs = {t.index for t in graph.outputs}
    now: dict[int, Tensor] = {}                    # tensor index -> its folded (constant) version
    ops = []
    for op in graph.ops:
        op = replace(op, inputs=[None if t is None else now.get(t.index, t) for t in op.inputs])
        fn = _evaluator(op)
        keep = fn is None or len(op.outputs) == 0 or any(t.index in outputs for t in op.outputs)
        folded = None if keep else _fold(op, fn)
        if folded is None:
            ops.append(op)
            continue
        for t in folded:
            now[t.index] = t
    if not now:
        return graph
    return replace(graph, ops=ops, tensors=[now.get(t.index, t) for t in graph.tensors])
