"""SPACE_TO_BATCH_ND -> CONV_2D / DEPTHWISE_CONV_2D -> BATCH_TO_SPACE_ND becomes one dilated
convolution.

TensorFlow's converter writes a convolution with dilation d as: split the (padded) image
into d x d interleaved sub-images stacked in the batch, convolve each with stride 1 and no
padding, interleave the results back and crop. Output pixel i of that chain reads input
pixels i + (top padding - top crop) - ... + k * d, which is exactly a convolution with
dilation d whose top/left padding is (padding - crop): the three ops become the inner
convolution reading the original input, with the dilation set and the padding mode (SAME or
VALID) whose padding and output size are those of the chain. No copies remain.

Where the padding of the chain is neither SAME's nor VALID's, or the pieces do not fit the
pattern exactly (other readers of the intermediate tensors, requantization, strides, a 3-D
input), the ops stay as they are: each still compiles on its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..ir import Graph, Op, Tensor
from ..ops.common import PADDING_SAME, PADDING_VALID, out_size, pad_before

CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")


def run(graph: Graph) -> Graph:
    readers: dict[int, list[Op]] = {}
    for op in graph.ops:
        for t in op.inputs:
            if t is not None:
                readers.setdefault(t.index, []).append(op)
    outputs = {t.index for t in graph.outputs}
    fused: dict[int, Op] = {}                  # op index of the conv -> the dilated conv
    dropped: set[int] = set()
    for stb in graph.ops:
        chain = _chain(stb, readers, outputs)
        if chain is None:
            continue
        conv, bts = chain
        dilated = _dilated(stb, conv, bts)
        if dilated is not None:
            fused[conv.index] = dilated
            dropped.update((stb.index, bts.index))
    if not fused:
        return graph
    ops = [fused.get(op.index, op) for op in graph.ops if op.index not in dropped]
    return replace(graph, ops=ops)


def _only_reader(t: Tensor, readers: dict, outputs: set) -> Optional[Op]:
    found = readers.get(t.index, [])
    return found[0] if len(found) == 1 and t.index not in outputs else None


def _chain(stb: Op, readers: dict, outputs: set) -> Optional[tuple[Op, Op]]:
    if stb.kind != "SPACE_TO_BATCH_ND" or len(stb.inputs) != 3 or len(stb.outputs) != 1:
        return None
    conv = _only_reader(stb.outputs[0], readers, outputs)
    if conv is None or conv.kind not in CONVS or conv.input_or_none("input") is not stb.outputs[0]:
        return None
    bts = _only_reader(conv.outputs[0], readers, outputs)
    if bts is None or bts.kind != "BATCH_TO_SPACE_ND" or len(bts.inputs) != 3:
        return None
    return conv, bts


def _ints(t: Optional[Tensor]) -> Optional[list[int]]:
    if t is None or not t.is_const or t.dtype not in ("int32", "int64"):
        return None
    return [int(v) for v in t.data.reshape(-1)]


def _dilated(stb: Op, conv: Op, bts: Op) -> Optional[Op]:
    """The dilated convolution equal to the chain, or None when there is none."""
    x, y = stb.input_or_none("input"), bts.outputs[0]
    block, pads = _ints(stb.input_or_none("block_shape")), _ints(stb.input_or_none("paddings"))
    block_back, crops = _ints(bts.input_or_none("block_shape")), _ints(bts.input_or_none("crops"))
    o = conv.options
    if (block is None or pads is None or crops is None or block != block_back or len(block) != 2
            or x is None or len(x.shape) != 4 or len(y.shape) != 4 or conv.input_or_none("weights") is None
            or x.quant != stb.outputs[0].quant or conv.outputs[0].quant != y.quant
            or o.padding != PADDING_VALID or o.stride_h != 1 or o.stride_w != 1
            or o.dilation_hfactor != 1 or o.dilation_wfactor != 1):
        return None
    k_h, k_w = conv.input("weights").shape[1:3]
    for mode in (PADDING_SAME, PADDING_VALID):
        if all(_axis_fits(mode, x.shape[1 + a], y.shape[1 + a], (k_h, k_w)[a], block[a],
                          pads[2 * a] - crops[2 * a]) for a in (0, 1)):
            options = o.replace(padding=mode, dilation_hfactor=block[0], dilation_wfactor=block[1])
            return replace(conv, inputs=[x] + list(conv.inputs[1:]), outputs=[y], options=options)
    return None


def _axis_fits(mode: int, size: int, out: int, k: int, d: int, before: int) -> bool:
    """Padding `mode` gives the chain's output size and padding along one axis."""
    return out_size(mode, size, k, 1, d) == out and pad_before(1, d, size, k, out) == before
