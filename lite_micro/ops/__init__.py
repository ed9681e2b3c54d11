"""One module per op: its Prepare step turns an IR op into a Layer (a kernel call with constants)."""

from __future__ import annotations

from typing import Callable

from ..errors import LiteMicroError, UnsupportedError
from ..ir import Graph, Op
from . import conv, fully_connected, pooling, reshape, softmax
from . import activations, elementwise, layers_extra, prelu, reduce, shape_ops, quantize
from . import space, math_unary, norm, s16
from .base import Layer

# Op families in modules of their own; each exports PREPARE: {builtin name: prepare function}.
FAMILIES = (elementwise, activations, shape_ops, reduce, quantize, layers_extra, prelu, space, math_unary, norm)

PREPARE: dict[str, Callable[[Op], Layer]] = {
    "CONV_2D": conv.prepare_conv,
    "DEPTHWISE_CONV_2D": conv.prepare_depthwise,
    "FULLY_CONNECTED": fully_connected.prepare,
    "AVERAGE_POOL_2D": pooling.prepare_average,
    "MAX_POOL_2D": pooling.prepare_max,
    "RESHAPE": reshape.prepare,
    "SQUEEZE": reshape.prepare,
    "EXPAND_DIMS": reshape.prepare,
    "SOFTMAX": softmax.prepare,
}
for _family in FAMILIES:
    PREPARE.update(_family.PREPARE)


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
