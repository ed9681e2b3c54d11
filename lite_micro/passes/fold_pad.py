"""Fold a PAD (or PADV2) that only feeds a convolution into the convolution's borders.

PyTorch exports `Conv2d(padding=p)` as PAD followed by a VALID convolution. When the pad
value is the input zero point, a padded tap contributes exactly what a border tap of the
convolution's own padding does (TFLM's sums run over (x - zero point)), so the convolution can
read the unpadded tensor with its borders widened: no copy layer, no padded buffer. The
amounts go to `options.pre_pad` as (top, bottom, left, right), which the convolution's
Prepare adds to the padding it computes for its own padding mode.

Folded only where that is exact: int8 NHWC, paddings constant and only along height and
width, the same quantization on both sides of the PAD, a pad value equal to the zero point,
the PAD's output read by that one convolution alone, and a kernel larger than 1x1.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from ..ir import Graph, Op, Tensor

CONSUMERS = ("CONV_2D", "DEPTHWISE_CONV_2D")
PADS = ("PAD", "PADV2")


def run(graph: Graph) -> Graph:
    producer = {t.index: op for op in graph.ops for t in op.outputs}
    readers: dict[int, int] = {}
    for op in graph.ops:
        for t in op.inputs:
            if t is not None:
                readers[t.index] = readers.get(t.index, 0) + 1
    outputs = {t.index for t in graph.outputs}
    folded: dict[int, Op] = {}          # id of a consumer -> its replacement
    dropped: set[int] = set()           # ids of folded PAD ops
    for op in graph.ops:
        src = op.input_or_none("input") if op.kind in CONSUMERS else None
        pad = producer.get(src.index) if src is not None else None
        if pad is None or pad.kind not in PADS or readers.get(src.index) != 1 or src.index in outputs:
            continue
        amounts = _foldable(pad, op)
        if amounts is not None:
            folded[id(op)] = replace(op, inputs=[pad.input("input"), *op.inputs[1:]],
                                     options=op.options.replace(pre_pad=amounts))
            dropped.add(id(pad))
    if not folded:
        return graph
    ops = [folded.get(id(op), op) for op in graph.ops if id(op) not in dropped]
    return replace(graph, ops=ops)


def _foldable(pad: Op, conv: Op) -> Optional[tuple[int, int, int, int]]:
    """(top, bottom, left, right) if folding `pad` into `conv` is exact, else None."""
    inp, out = pad.input_or_none("input"), pad.outputs[0]
    paddings = pad.input_or_none("paddings")
    weights = conv.input_or_none("weights")
    if inp is None or paddings is None or not paddings.is_const or weights is None:
        return None
    if inp.dtype != "int8" or len(inp.shape) != 4 or any(conv.options.pre_pad):
        return None
    if not _same_quant(inp, out) or len(weights.shape) != 4 or weights.shape[1] * weights.shape[2] == 1:
        return None
    p = np.asarray(paddings.data).reshape(-1).tolist()
    if len(p) != 8 or min(p) < 0 or p[0] or p[1] or p[6] or p[7]:
        return None
    if not _fills_with_zero_point(pad, out):
        return None
    return int(p[2]), int(p[3]), int(p[4]), int(p[5])


def _same_quant(a: Tensor, b: Tensor) -> bool:
    qa, qb = a.quant, b.quant
    return (qa is not None and qb is not None and not qa.per_channel and not qb.per_channel
            and np.float32(qa.scale) == np.float32(qb.scale) and qa.zero_point == qb.zero_point)


def _fills_with_zero_point(pad: Op, out: Tensor) -> bool:
    """PAD fills int8 with the output zero point; PADV2 with its constant, which must equal it."""
    value = pad.input_or_none("constant_values") if pad.kind == "PADV2" else None
    if value is None:
        return True
    return (value.is_const and value.size == 1 and value.dtype == "int8" and value.quant is not None
            and _same_quant(value, out) and int(np.asarray(value.data).reshape(-1)[0]) == out.zero_point)
