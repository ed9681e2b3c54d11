"""Checks run on a freshly read graph, before any pass: what the rest of the compiler assumes.

Every check raises UnsupportedError (a LiteMicroError) with one line naming the op, the tensor and the bad value,
so nothing malformed reaches the passes, the ops' Prepare steps, the planner or the C.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedError
from ..ir import DTYPE_BYTES, Graph, Op, Tensor

INT32_MAX = (1 << 31) - 1

# Zero points each quantized type can hold (TFLM checks the same ranges in its kernels).
ZERO_POINT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
                    "int32": (-(1 << 31), INT32_MAX), "int64": (-(1 << 31), INT32_MAX)}

# Options that are counts or steps: (smallest, largest). Larger values only come from
# corrupt files and would overflow the int32 window arithmetic of the kernels.
OPTION_RANGES = {
    "stride_w": (1, 1 << 16), "stride_h": (1, 1 << 16),
    "dilation_wfactor": (1, 1 << 16), "dilation_hfactor": (1, 1 << 16),
    "filter_width": (1, 1 << 16), "filter_height": (1, 1 << 16),
    "depth_multiplier": (0, 1 << 16), "padding": (0, 1),
    "fused_activation_function": (0, 5), "num_splits": (1, 1 << 16),
    "values_count": (0, 1 << 16), "num": (0, 1 << 16), "block_size": (1, 1 << 16),
}

# Ranks the kernels index by position (NHWC activations, OHWI filters); TFLM requires the same.
_NHWC = {"input": 4, "output": 4}
RANKS = {"CONV_2D": {**_NHWC, "weights": 4}, "DEPTHWISE_CONV_2D": {**_NHWC, "weights": 4},
         "TRANSPOSE_CONV": {**_NHWC, "weights": 4}, "AVERAGE_POOL_2D": _NHWC,
         "MAX_POOL_2D": _NHWC, "L2_POOL_2D": _NHWC}


def fail(where: str, what: str) -> None:
    raise UnsupportedError(f"{where}: {what}")


def tensor_label(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def validate(graph: Graph) -> Graph:
    """Raise LiteMicroError on the first structural problem; return the graph unchanged."""
    users = _first_users(graph)
    for t in graph.tensors:
        if t.index in users:
            check_tensor(t, users[t.index])
    for op in graph.ops:
        check_options(op)
        check_ranks(op)
    check_order(graph)
    return graph


def _first_users(graph: Graph) -> dict[int, str]:
    """Tensor index -> where to say it is used: the first op reading or writing it."""
    users: dict[int, str] = {}
    for op in graph.ops:
        for t in op.inputs + op.outputs:
            if t is not None:
                users.setdefault(t.index, f"{op.describe()}: ")
    for t in graph.inputs + graph.outputs:
        users.setdefault(t.index, "")
    return users


def check_tensor(t: Tensor, user: str = "") -> None:
    where = user + tensor_label(t)
    if any(d <= 0 for d in t.shape) and not t.is_const:
        fail(where, f"shape {list(t.shape)} is empty (a dimension is 0 or less)")
    if not t.is_const and t.dtype not in DTYPE_BYTES:
        fail(where, f"type {t.dtype} is not supported for a tensor computed at run time")
    size = 1
    for d in t.shape:
        size *= max(d, 1)
    nbytes = size * DTYPE_BYTES.get(t.dtype, 8)
    if nbytes > INT32_MAX:
        fail(where, f"shape {list(t.shape)} needs {nbytes:,} bytes, more than an int32 "
             "byte count (2^31 - 1) can address")
    if t.quant is not None:
        check_quant(t, where)


def check_quant(t: Tensor, where: str) -> None:
    q = t.quant
    if len(q.zero_points) != len(q.scales):
        fail(where, f"{len(q.scales)} scales but {len(q.zero_points)} zero points")
    if q.per_channel:
        axis = 0 if len(t.shape) == 1 else q.axis  # converters leave the filter's axis on biases
        if not 0 <= axis < len(t.shape) or t.shape[axis] != len(q.scales):
            fail(where, f"{len(q.scales)} per-channel scales on axis {q.axis} of shape {list(t.shape)}")
    if t.dtype not in ZERO_POINT_RANGE:
        return
    for s in q.scales:
        if not math.isfinite(s):
            fail(where, f"quantization scale {str(np.float32(s))} is not a finite number")
        if s <= 0.0:
            fail(where, f"quantization scale {str(np.float32(s))} is not positive")
    lo, hi = ZERO_POINT_RANGE[t.dtype]
    for z in q.zero_points:
        if not lo <= z <= hi:
            fail(where, f"zero point {z} is outside the {t.dtype} range [{lo}, {hi}]")


def check_options(op: Op) -> None:
    options = op.options.as_dict()
    for key, (lo, hi) in OPTION_RANGES.items():
        value = options.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if not lo <= value <= hi:
            fail(op.describe(), f"option {key} = {value} is outside [{lo}, {hi}]")
    beta = options.get("beta")
    if isinstance(beta, float) and not math.isfinite(beta):
        fail(op.describe(), f"option beta = {beta} is not a finite number")


def check_ranks(op: Op) -> None:
    """Inputs and the output of the kernels that index shapes by position have their rank."""
    for slot, rank in RANKS.get(op.kind, {}).items():
        if slot == "output":
            t = op.outputs[0] if op.outputs else None
        else:
            t = op.input_or_none(slot) if op.signature is not None else None
        if t is not None and len(t.shape) != rank:
            fail(op.describe(), f"{slot} {tensor_label(t)} has rank {len(t.shape)} "
                 f"(shape {list(t.shape)}), {rank} expected")


def check_order(graph: Graph) -> None:
    """Every model output is computed by an op; ops come in an order that writes every tensor
    before it is read, and write only tensors computed at run time (never a constant, a model
    input or a tensor an earlier op wrote)."""
    inputs = {t.index for t in graph.inputs}
    written = {t.index for op in graph.ops for t in op.outputs}
    for t in graph.outputs:
        if t.is_const:
            fail(f"model output {tensor_label(t)}", "is a constant, not computed by any op")
        if t.index not in written and t.index not in inputs:
            fail(f"model output {tensor_label(t)}", "is written by no op")
    ready = {t.index for t in graph.tensors if t.is_const or t.is_variable} | inputs
    for op in graph.ops:
        if not op.outputs:
            fail(op.describe(), "the op has no output tensors")
        for t in op.inputs:
            if t is not None and t.index not in ready:
                fail(op.describe(), f"reads {tensor_label(t)} before any op writes it "
                     "(the ops are not in a valid execution order)")
        for t in op.outputs:
            _check_written(op, t, ready, inputs)
            ready.add(t.index)


def _check_written(op: Op, t: Tensor, ready: set, inputs: set) -> None:
    if t.is_variable:   # state is updated in place by the stateful op that takes it as an input
        fail(op.describe(), f"writes {tensor_label(t)}, which is a variable (state) tensor; "
             "an op may take state only as an input")
    if t.is_const:
        fail(op.describe(), f"writes {tensor_label(t)}, which is a constant")
    if t.index in inputs:
        fail(op.describe(), f"writes {tensor_label(t)}, which is a model input")
    if t.index in ready:
        fail(op.describe(), f"writes {tensor_label(t)}, which an earlier op already wrote")
