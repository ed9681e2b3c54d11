"""In-place layers: a layer's output takes over the buffer of an input that dies there.

Two kinds: a pointwise layer (planner/access.py) writes its output at its input's offset (its
buffer joins the input's); a convolution run by blocks of rows (planner/rows.py) writes it
`shift` bytes from its input: the two buffers stay apart (each alive for its own layers) but
join a group placed as one shape, each member at its offset from the group's origin. A chain
of such layers is one group.
"""

from __future__ import annotations

from ..ops.base import Layer
from .access import in_place_inputs
from .rows import settle


def merge_in_place(layers: list[Layer], buffers: list, by_tensor: dict, pointwise: bool = True,
                   rows: dict | None = None) -> tuple[dict[int, int], dict]:
    """Merge each eligible output buffer into its dying input's buffer (mutates buffers and
    by_tensor): pointwise layers when `pointwise`, and the layers of `rows` ({position:
    RowChoice}), each with the way and shift that grow its region the least. Returns
    ({layer position: input position overwritten}, {layer position: Rows settled})."""
    chosen: dict[int, int] = {}
    settled = {}
    rows = rows or {}
    for i, layer in enumerate(layers):
        if i in rows:
            k = _input_position(layer)
            t_in = layer.op.inputs[k]
            src, dst = by_tensor[t_in.index], by_tensor[layer.outputs[0].index]
            if _can_merge(layer, k, i, src, dst, by_tensor) and src.inner.get(t_in.index, 0) % 4 == 0:
                settled[i] = _chain(rows[i], src, dst, t_in, buffers)
                chosen[i] = k
            continue
        for k in in_place_inputs(layer) if pointwise else ():
            src, dst = by_tensor[layer.op.inputs[k].index], by_tensor[layer.outputs[0].index]
            if _can_merge(layer, k, i, src, dst, by_tensor):
                join_at(src, dst, layer.op.inputs[k], buffers, by_tensor)
                chosen[i] = k
                break
    return chosen, settled


def _chain(choice, src, dst, t_in, buffers: list):
    """dst joins src's group (a new one if src has none) at the shift that keeps the group's
    span the smallest; returns the settled Rows."""
    if src.group < 0:
        src.group, src.rel = max((b.group for b in buffers), default=-1) + 1, 0
    members = [b for b in buffers if b.group == src.group]
    lo = min(m.rel for m in members)
    span = max(m.rel + m.size for m in members) - lo
    at = src.rel + src.inner.get(t_in.index, 0)
    r = settle(choice, at - lo, span, dst.size, -lo)
    dst.group, dst.rel = src.group, at + r.shift
    return r


def _input_position(layer: Layer) -> int:
    inp = layer.op.input("input")
    return next(k for k, t in enumerate(layer.op.inputs) if t is inp)


def _can_merge(layer: Layer, k: int, i: int, src, dst, by_tensor: dict) -> bool:
    if src is dst or src.last != i or dst.first != i or dst.inner:
        return False
    if any(t.is_variable for t in src.tensors + dst.tensors):
        return False
    mine = layer.op.inputs[k]
    # another input living in the same buffer (or group) would be read at other positions
    return all(t is mine or (by_tensor[t.index] is not src and (src.group < 0 or by_tensor[t.index].group != src.group))
               for t in layer.inputs)


def join_at(src, dst, t_in, buffers: list, by_tensor: dict) -> None:
    """dst's tensors join src where t_in lies in it (pointwise: the same elements)."""
    at = src.inner.get(t_in.index, 0)
    for t in dst.tensors:
        src.inner[t.index] = at
        by_tensor[t.index] = src
    src.tensors.extend(dst.tensors)
    src.last = dst.last
    src.size = max(src.size, at + dst.size)
    buffers[:] = [b for b in buffers if b is not dst]
