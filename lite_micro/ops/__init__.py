"""One module per op (or family): its Prepare step turns an IR op into a Layer (a kernel call with
constants). PREPARE below is the one registry of op kinds."""

from __future__ import annotations

from typing import Callable

from ..errors import LiteMicroError, UnsupportedError
from ..ir import Graph, Op
from . import (activations, batch_matmul, conv, elementwise, fully_connected, lstm, math_unary, norm, pooling,
               prelu, quantize, reduce, reshape, s16, s16_more, shape_ops, softmax, space, svdf,
               transpose_conv)
from .base import Layer
from .s16_more import int8_only

Prepare = Callable[[Op], Layer]


def with_int16(int8: Prepare, int16: Prepare) -> Prepare:
    """The Prepare of an op kind with an int16x8 form (ops/s16.py): `int16` when an activation
    the op reads or writes is int16, else `int8` (which handles the other types too)."""
    def prepare(op: Op) -> Layer:
        return (int16 if s16.involves_int16(op) else int8)(op)
    prepare.__qualname__ = f"with_int16({int8.__qualname__}, {int16.__qualname__})"
    return prepare


# The one registry: op kind (the builtin name) -> the Prepare step turning it into a Layer.
# Adding an op is one row here (docs/adding-an-op.md); an op with an int16x8 form names both
# Prepares (`with_int16`); custom ops join at run time (ops/custom.py, Registry.install).
PREPARE: dict[str, Prepare] = {
    "ABS": math_unary.prepare_abs,
    "ADD": with_int16(elementwise.prepare, s16.prepare_binary),
    "ARG_MAX": int8_only(reduce.prepare_arg_max, "ARG_MAX"),
    "AVERAGE_POOL_2D": with_int16(pooling.prepare_average, s16.prepare_pool),
    "BATCH_MATMUL": with_int16(batch_matmul.prepare, s16_more.prepare_batch_matmul),
    "BATCH_TO_SPACE_ND": int8_only(space.prepare_batch_to_space, "BATCH_TO_SPACE_ND"),
    "BROADCAST_TO": shape_ops.prepare_broadcast_to,
    "CAST": math_unary.prepare_cast,
    "CONCATENATION": shape_ops.prepare_concatenation,
    "CONV_2D": with_int16(conv.prepare_conv, s16.prepare_conv),
    "DEPTHWISE_CONV_2D": with_int16(conv.prepare_depthwise, s16.prepare_depthwise),
    "DEPTH_TO_SPACE": int8_only(space.prepare_depth_to_space, "DEPTH_TO_SPACE"),
    "DEQUANTIZE": with_int16(quantize.prepare_dequantize, s16.prepare_dequantize),
    "EXPAND_DIMS": reshape.prepare,
    "FULLY_CONNECTED": with_int16(fully_connected.prepare, s16.prepare_fc),
    "GATHER": int8_only(space.prepare_gather, "GATHER"),
    "GATHER_ND": int8_only(space.prepare_gather_nd, "GATHER_ND"),
    "HARD_SWISH": int8_only(activations.prepare_hard_swish, "HARD_SWISH"),
    "L2_NORMALIZATION": int8_only(norm.prepare_l2norm, "L2_NORMALIZATION"),
    "LEAKY_RELU": with_int16(activations.prepare_leaky_relu, s16.prepare_leaky_relu),
    "LOGISTIC": with_int16(activations.prepare_logistic, s16.prepare_sigmoid),
    "LOG_SOFTMAX": int8_only(norm.prepare_log_softmax, "LOG_SOFTMAX"),
    "MAXIMUM": with_int16(elementwise.prepare, s16_more.prepare_max_min),
    "MAX_POOL_2D": with_int16(pooling.prepare_max, s16.prepare_pool),
    "MEAN": reduce.prepare_mean_or_sum,
    "MINIMUM": with_int16(elementwise.prepare, s16_more.prepare_max_min),
    "MUL": with_int16(elementwise.prepare, s16.prepare_binary),
    "PACK": shape_ops.prepare_pack,
    "PAD": shape_ops.prepare_pad,
    "PADV2": shape_ops.prepare_pad,
    "PRELU": with_int16(prelu.prepare, s16_more.prepare_prelu),
    "QUANTIZE": with_int16(quantize.prepare_quantize, s16.prepare_quantize),
    "REDUCE_MAX": int8_only(reduce.prepare_max_or_min, "REDUCE_MAX"),
    "REDUCE_MIN": int8_only(reduce.prepare_max_or_min, "REDUCE_MIN"),
    "RELU": with_int16(activations.prepare_relu, s16_more.prepare_relu),
    "RELU6": with_int16(activations.prepare_relu6, s16_more.prepare_relu),
    "RESHAPE": reshape.prepare,
    "RESIZE_NEAREST_NEIGHBOR": shape_ops.prepare_resize_nearest,
    "RSQRT": with_int16(math_unary.prepare_rsqrt, s16_more.prepare_rsqrt),
    "SLICE": shape_ops.prepare_slice,
    "SOFTMAX": with_int16(softmax.prepare, s16.prepare_softmax),
    "SPACE_TO_BATCH_ND": int8_only(space.prepare_space_to_batch, "SPACE_TO_BATCH_ND"),
    "SPACE_TO_DEPTH": int8_only(space.prepare_space_to_depth, "SPACE_TO_DEPTH"),
    "SPLIT": shape_ops.prepare_split,
    "SPLIT_V": shape_ops.prepare_split_v,
    "SQUARED_DIFFERENCE": math_unary.prepare_squared_difference,
    "SQUEEZE": reshape.prepare,
    "STRIDED_SLICE": shape_ops.prepare_strided_slice,
    "SUB": with_int16(elementwise.prepare, s16.prepare_binary),
    "SUM": reduce.prepare_mean_or_sum,
    "SVDF": int8_only(svdf.prepare, "SVDF"),
    "TANH": with_int16(activations.prepare_tanh, s16.prepare_sigmoid),
    "TILE": shape_ops.prepare_tile,
    "TRANSPOSE": shape_ops.prepare_transpose,
    "TRANSPOSE_CONV": with_int16(transpose_conv.prepare, s16.prepare_tconv),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": lstm.prepare,
    "UNPACK": shape_ops.prepare_unpack,
}


# float32 model inputs/outputs are fine around an int8 core (QUANTIZE first, DEQUANTIZE last),
# int16 ones around an int16 core, and int32 outputs (ARG_MAX); every op still checks its own tensor types.
IO_DTYPES = ("int8", "int16", "float32", "int32")


def supported_ops() -> list[str]:
    return sorted(PREPARE)


def prepare_op(op: Op) -> Layer:
    fn = PREPARE.get(op.kind)
    if fn is None:
        raise UnsupportedError(f"{op.describe()}: operator {op.kind} is not supported "
                               f"(output tensor {_out_name(op)})")
    op.inputs, op.outputs = Slots(op, "input", op.inputs), Slots(op, "output", op.outputs)
    try:
        return fn(op)
    except LiteMicroError as exc:
        if str(exc).startswith("op #"):
            raise
        raise UnsupportedError(f"{op.describe()}: {exc}") from None


class Slots(list):
    """An op's inputs or outputs. A slot the model does not have is the model's fault: asking
    for it raises a one-line UnsupportedError (any other exception in Prepare is our bug)."""

    def __init__(self, op: Op, role: str, items):
        super().__init__(items)
        self.op, self.role = op, role

    def __getitem__(self, key):
        try:
            return super().__getitem__(key)
        except IndexError:
            raise UnsupportedError(f"{self.op.describe()}: {self.role} {key} is missing "
                                   f"(the op has {len(self)} {self.role}s)") from None


def prepare_graph(graph: Graph) -> tuple[list[Layer], list[str]]:
    """Prepare every op; returns the layers and every problem found (all of them, not the first)."""
    layers, problems = [], []
    for op in graph.ops:
        try:
            layers.append(prepare_op(op))
        except LiteMicroError as exc:
            problems.append(str(exc))
    for t in graph.inputs + graph.outputs:
        if t.dtype not in IO_DTYPES:
            problems.append(f"model {'input' if t in graph.inputs else 'output'} tensor {t.index} "
                            f"'{t.name}' is {t.dtype}; model inputs and outputs must be int8, int16, float32 or int32")
    return layers, problems


def _out_name(op: Op) -> str:
    return f"{op.outputs[0].index} '{op.outputs[0].name}'" if op.outputs else "none"
