"""BATCH_MATMUL, int8: Prepare (batch_matmul.cc moved to compile time).

out[b, i, j] = requant(sum_k (lhs[b, i, k] - lhs_zp) * (rhs[b, k, j] - rhs_zp)), with adj_x /
adj_y read as strides (no transposed copies) and the broadcast of the batch dimensions
resolved into one table of (lhs, rhs) offsets per output matrix.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8

MAX_RANK = 5
MAX_BATCHES = 1 << 16       # each batch has an entry in two offset tables


def _batch_offsets(op: Op, lhs_batch: tuple, rhs_batch: tuple, lhs_matrix: int, rhs_matrix: int):
    """Output batch shape and, per output matrix (row-major), the lhs and rhs element offsets."""
    rank = max(len(lhs_batch), len(rhs_batch))
    lb = (1,) * (rank - len(lhs_batch)) + tuple(lhs_batch)
    rb = (1,) * (rank - len(rhs_batch)) + tuple(rhs_batch)
    for a, b in zip(lb, rb):
        require(a == b or a == 1 or b == 1, op, f"batch dimensions {list(lhs_batch)} and {list(rhs_batch)} "
                                                "do not broadcast")
    out_batch = tuple(max(a, b) for a, b in zip(lb, rb))
    require(math.prod(out_batch) <= MAX_BATCHES, op, f"{math.prod(out_batch):,} batches, at most {MAX_BATCHES:,}")

    def offsets(dims, matrix):
        strides = np.cumprod((1,) + dims[::-1][:-1])[::-1] * matrix if dims else ()
        return [sum(int(s) * (i if d > 1 else 0) for i, d, s in zip(idx, dims, strides))
                for idx in itertools.product(*(range(n) for n in out_batch))]
    return out_batch, offsets(lb, lhs_matrix), offsets(rb, rhs_matrix)


def _operand(name: str, t: Tensor, consts: list):
    """A constant operand goes to flash; an activation is a pointer into the arena."""
    if t.is_const:
        consts.append(ConstArray(name, "int8_t", t.data, f"{name} {list(t.shape)}"))
        return ConstArg(name)
    return TensorArg(t, const=True)


def matmul_layout(op: Op, lhs: Tensor, rhs: Tensor, out: Tensor) -> tuple[list, list, list, str]:
    """The sizes and strides of lm_matmul_params, the batch offset tables and a note (int8 and int16)."""
    require(2 <= len(lhs.shape) <= MAX_RANK and 2 <= len(rhs.shape) <= MAX_RANK, op,
            f"inputs must have 2 to {MAX_RANK} dimensions")
    adj_x, adj_y = bool(op.options.adj_x), bool(op.options.adj_y)
    rows, depth = (lhs.shape[-1], lhs.shape[-2]) if adj_x else (lhs.shape[-2], lhs.shape[-1])
    depth_r, cols = (rhs.shape[-1], rhs.shape[-2]) if adj_y else (rhs.shape[-2], rhs.shape[-1])
    require(depth == depth_r, op, f"inner dimensions differ: lhs {depth}, rhs {depth_r}")
    out_batch, lhs_off, rhs_off = _batch_offsets(op, lhs.shape[:-2], rhs.shape[:-2], rows * depth, depth * cols)
    require(tuple(out.shape) == out_batch + (rows, cols) or out.size == len(lhs_off) * rows * cols, op,
            f"output shape {list(out.shape)} does not match {list(out_batch + (rows, cols))}")
    params = [("batches", len(lhs_off)), ("rows", rows), ("cols", cols), ("depth", depth),
              ("lhs_row_stride", 1 if adj_x else depth), ("lhs_depth_stride", rows if adj_x else 1),
              ("rhs_col_stride", depth if adj_y else 1), ("rhs_depth_stride", 1 if adj_y else cols)]
    note = (f"{len(lhs_off)} x [{rows}x{depth}] x [{depth}x{cols}]"
            + (", lhs transposed" if adj_x else "") + (", rhs transposed" if adj_y else ""))
    return params, lhs_off, rhs_off, note


def batch_tables(lhs_off: list, rhs_off: list) -> list:
    return [ConstArray("lhs_batch", "int32_t", np.asarray(lhs_off, np.int64), "lhs offset of each output matrix"),
            ConstArray("rhs_batch", "int32_t", np.asarray(rhs_off, np.int64), "rhs offset of each output matrix")]


def prepare(op: Op) -> Layer:
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    lhs, rhs, out = op.input("lhs"), op.input("rhs"), op.outputs[0]
    for t, role in ((lhs, "lhs"), (rhs, "rhs"), (out, "output")):
        require_int8(op, t, role)
        require(not t.quant.per_channel, op, f"{role} must be quantized per tensor")
    layout, lhs_off, rhs_off, note = matmul_layout(op, lhs, rhs, out)
    # GetQuantizedConvolutionMultipler as the oracle computes it: the scale product in double
    (mult,), (shift,) = quant.conv_channel_multipliers(lhs.scale, (rhs.scale,), out.scale, 1)
    params = layout + [("lhs_offset", -lhs.zero_point), ("rhs_offset", -rhs.zero_point),
                       ("out_mult", mult), ("out_shift", shift), ("out_zp", out.zero_point)]
    consts: list = []
    a, b = _operand("lhs", lhs, consts), _operand("rhs", rhs, consts)
    consts += batch_tables(lhs_off, rhs_off)
    macs = len(lhs_off) * dict(layout)["rows"] * dict(layout)["cols"] * dict(layout)["depth"]
    return Layer(op=op, kernel="lm_batch_matmul_s8", runtime=("lm_matmul.h", "lm_matmul.c"),
                 params_type="lm_matmul_params", params=params, consts=consts,
                 args=[ParamsArg(), a, b, ConstArg("lhs_batch"), ConstArg("rhs_batch"), TensorArg(out)],
                 macs=macs, note=note)
