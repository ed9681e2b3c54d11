"""CONCATENATION by placement: each input is made directly in its slice of the output.

Only when the slices are contiguous (the axis is the outermost one of extent above 1) and the
bytes move unchanged (same type and quantization). The inputs' buffers join the output's
buffer at their slice offsets (Buffer.inner) and the layer becomes one that runs no code.
"""

from __future__ import annotations

import dataclasses

from ..ir import Graph
from ..ops.base import Layer
from .access import concat_slices


def place_concats(graph: Graph, layers: list[Layer], buffers: list, by_tensor: dict) -> list[int]:
    """Merge the buffers of every placeable concatenation (mutates buffers, by_tensor and
    layers: the layer is replaced by a no-code one). Returns the positions placed."""
    placed = []
    io = {t.index for t in graph.inputs + graph.outputs}
    for i, layer in enumerate(layers):
        slices = concat_slices(layer)
        region = by_tensor[layer.outputs[0].index] if slices else None
        parts = [by_tensor[t.index] for t, _ in slices]
        if not slices or not _can_place(slices, parts, region, io):
            continue
        for (_, at), part in zip(slices, parts):
            _join(region, part, at, buffers, by_tensor)
        layers[i] = dataclasses.replace(layer, kernel=None, args=[], consts=[], params_type=None,
                                        params=[], runtime=(),
                                        note=f"by placement: its {len(slices)} inputs were made in their slices")
        placed.append(i)
    return placed


def _can_place(slices, parts, region, io: set) -> bool:
    if len({id(p) for p in parts}) != len(parts) or any(p is region for p in parts):
        return False
    for (t, _), part in zip(slices, parts):
        if t.index in io or part.size != t.nbytes or part.inner.get(t.index, 0):
            return False
        if any(u.is_variable or u.index in io for u in part.tensors):
            return False
    return True


def _join(region, part, at: int, buffers: list, by_tensor: dict) -> None:
    for t in part.tensors:
        region.inner[t.index] = at + part.inner.get(t.index, 0)
        by_tensor[t.index] = region
    region.tensors.extend(part.tensors)
    region.first = min(region.first, part.first)
    region.last = max(region.last, part.last)
    buffers[:] = [b for b in buffers if b is not part]
