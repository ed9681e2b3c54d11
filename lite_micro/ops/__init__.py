"""One module per op (or family): its Prepare step turns an IR op into a Layer (a kernel call with
constants). PREPARE below is the one registry of op kinds."""

from __future__ import annotations

from typing import Callable

from ..errors import LiteMicroError, UnsupportedError
from ..ir import Graph, Op
from . import (activations, batch_matmul, conv, elementwise, fully_connected, lstm, math_unary, norm, pooling,
               prelu, quantize, reduce, reshape, s16, shape_ops, softmax, space, svdf,
               transpose_conv)
from .base import Layer

# The one registry: op kind (the builtin name) -> the Prepare step turning it into a Layer.
# Adding an op is one row here (docs/adding-an-op.md); custom ops join at run time
# (ops/custom.py, Registry.install).
PREPARE: dict[str, Callable[[Op], Layer]] = {
    "ABS": math_unary.prepare_abs,
    "ADD": elementwise.prepare,
    "ARG_MAX": reduce.prepare_arg_max,
    "AVERAGE_POOL_2D": pooling.prepare_average,
    "BATCH_MATMUL": batch_matmul.prepare,
    "BATCH_TO_SPACE_ND": space.prepare_batch_to_space,
    "BROADCAST_TO": shape_ops.prepare_broadcast_to,
    "CAST": math_unary.prepare_cast,
    "CONCATENATION": shape_ops.prepare_concatenation,
    "CONV_2D": conv.prepare_conv,
    "DEPTHWISE_CONV_2D": conv.prepare_depthwise,
    "DEPTH_TO_SPACE": space.prepare_depth_to_space,
    "DEQUANTIZE": quantize.prepare_dequantize,
    "EXPAND_DIMS": reshape.prepare,
    "FULLY_CONNECTED": fully_connected.prepare,
    "GATHER": space.prepare_gather,
    "GATHER_ND": space.prepare_gather_nd,
    "HARD_SWISH": activations.prepare_hard_swish,
    "L2_NORMALIZATION": norm.prepare_l2norm,
    "LEAKY_RELU": activations.prepare_leaky_relu,
    "LOGISTIC": activations.prepare_logistic,
    "LOG_SOFTMAX": norm.prepare_log_softmax,
    "MAXIMUM": elementwise.prepare,
    "MAX_POOL_2D": pooling.prepare_max,
    "MEAN": reduce.prepare_mean_or_sum,
    "MINIMUM": elementwise.prepare,
    "MUL": elementwise.prepare,
    "PACK": shape_ops.prepare_pack,
    "PAD": shape_ops.prepare_pad,
    "PADV2": shape_ops.prepare_pad,
    "PRELU": prelu.prepare,
    "QUANTIZE": quantize.prepare_quantize,
    "REDUCE_MAX": reduce.prepare_max_or_min,
    "REDUCE_MIN": reduce.prepare_max_or_min,
    "RELU": activations.prepare_relu,
    "RELU6": activations.prepare_relu6,
    "RESHAPE": reshape.prepare,
    "RESIZE_NEAREST_NEIGHBOR": shape_ops.prepare_resize_nearest,
    "RSQRT": math_unary.prepare_rsqrt,
    "SLICE": shape_ops.prepare_slice,
    "SOFTMAX": softmax.prepare,
    "SPACE_TO_BATCH_ND": space.prepare_space_to_batch,
    "SPACE_TO_DEPTH": space.prepare_space_to_depth,
    "SPLIT": shape_ops.prepare_split,
    "SPLIT_V": shape_ops.prepare_split_v,
    "SQUARED_DIFFERENCE": math_unary.prepare_squared_difference,
    "SQUEEZE": reshape.prepare,
    "STRIDED_SLICE": shape_ops.prepare_strided_slice,
    "SUB": elementwise.prepare,
    "SUM": reduce.prepare_mean_or_sum,
    "SVDF": svdf.prepare,
    "TANH": activations.prepare_tanh,
    "TILE": shape_ops.prepare_tile,
    "TRANSPOSE": shape_ops.prepare_transpose,
    "TRANSPOSE_CONV": transpose_conv.prepare,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": lstm.prepare,
    "UNPACK": shape_ops.prepare_unpack,
}


# float32 model inputs/outputs are fine around an int8 core (QUANTIZE first, DEQUANTIZE last),
# int16 ones around an int16 core, and int32 outputs (ARG_MAX); every op still checks its own tensor types.
IO_DTYPES = ("int8", "int16", "float32", "int32")


def supported_ops() -> list[str]:
    return sorted(PREPARE)


def prepare_op(op: Op) -> Layer:
    fn = s16.dispatch(op) or PREPARE.get(op.kind)     # int16 forms: ops/s16.py
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
