"""In-place layers: a pointwise layer's output takes over the buffer of an input that dies there."""

from __future__ import annotations

from ..ops.base import Layer
from .access import in_place_inputs


def merge_in_place(layers: list[Layer], buffers: list, by_tensor: dict) -> dict[int, int]:
    """Merge each eligible output buffer into its dying input's buffer (mutates buffers and
    by_tensor). Returns {layer position: input position overwritten}."""
    chosen: dict[int, int] = {}
    for i, layer in enumerate(layers):
        for k in in_place_inputs(layer):
            src, dst = by_tensor[layer.op.inputs[k].index], by_tensor[layer.outputs[0].index]
            if _can_merge(layer, k, i, src, dst, by_tensor):
                _merge(src, dst, buffers, by_tensor)
                chosen[i] = k
                break
    return chosen


def _can_merge(layer: Layer, k: int, i: int, src, dst, by_tensor: dict) -> bool:
    if src is dst or src.last != i or dst.first != i or src.inner or dst.inner:
        return False
    if any(t.is_variable for t in src.tensors + dst.tensors):
        return False
    mine = layer.op.inputs[k]
    # another input living in the same buffer would be read at other positions
    return all(t is mine or by_tensor[t.index] is not src for t in layer.inputs)


def _merge(src, dst, buffers: list, by_tensor: dict) -> None:
    src.tensors.extend(dst.tensors)
    src.last = dst.last
    src.size = max(src.size, dst.size)
    for t in dst.tensors:
        by_tensor[t.index] = src
    buffers[:] = [b for b in buffers if b is not dst]
