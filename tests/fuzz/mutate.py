"""Mutations of a .tflite flatbuffer: byte-level, and structure-aware in place.

Structure-aware mutations locate the fields the compiler reads (tensor shapes, types and
buffer indices, quantization scales and zero points, op inputs/outputs and opcode indices,
every scalar of an op's options table, model inputs/outputs, the order of the ops) by walking
the flatbuffer with the `tflite` bindings, then overwrite them in place with values chosen to
hit edges (0, -1, extremes, off-by-one indices, inf, nan). The file keeps its layout, so
most mutants still parse and reach the deeper stages of the compiler.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

import tflite

INT_EDGES = (-(1 << 31), -(1 << 15), -129, -128, -2, -1, 0, 1, 2, 3, 7, 127, 128, 255, 256,
             1 << 15, 1 << 16, (1 << 31) - 1)
FLOAT_EDGES = (0.0, -0.0, -1.0, 1.0, float("inf"), float("-inf"), float("nan"), 1e-45, 1e-38,
               1e-20, 1e20, 3.4e38)
INT64_EDGES = (-(1 << 31), -(1 << 31) - 1, -129, 128, 256, 1 << 31, 1 << 40, 1 << 62, -(1 << 63))


@dataclass(frozen=True)
class Slot:
    """A field of the flatbuffer that can be overwritten in place."""
    pos: int
    fmt: str        # struct format: '<i', '<f', '<q', '<B', '<b'
    kind: str       # what the field means, for the mutation's description
    count: int = 0  # for indices: how many things it indexes


@dataclass
class Layout:
    slots: list[Slot]
    op_vector: tuple[int, int]      # (position of the operators offset vector, length)


def _field(tab, slot: int) -> int:
    o = tab.Offset(slot)
    return tab.Pos + o if o else 0


def _vector(tab, slot: int) -> tuple[int, int]:
    o = tab.Offset(slot)
    return (tab.Vector(o), tab.VectorLen(o)) if o else (0, 0)


def _vector_slots(tab, slot: int, fmt: str, kind: str, count: int = 0, limit: int = 16) -> list[Slot]:
    start, n = _vector(tab, slot)
    size = struct.calcsize(fmt)
    return [Slot(start + k * size, fmt, kind, count) for k in range(min(n, limit))]


def _table_scalars(tab, kind: str) -> list[Slot]:
    """Every field of a table (an op's options), sized by the gap to the next field."""
    vt = tab.Pos - struct.unpack_from("<i", tab.Bytes, tab.Pos)[0]
    vt_len, obj_len = struct.unpack_from("<HH", tab.Bytes, vt)
    offs = sorted({struct.unpack_from("<H", tab.Bytes, vt + 4 + 2 * k)[0]
                   for k in range((vt_len - 4) // 2)} - {0})
    slots = []
    for k, o in enumerate(offs):
        end = offs[k + 1] if k + 1 < len(offs) else obj_len
        fmt = "<i" if end - o >= 4 and o % 4 == 0 else "<b"
        slots.append(Slot(tab.Pos + o, fmt, kind))
    return slots


def layout(data: bytes) -> Layout:
    model = tflite.Model.GetRootAsModel(data, 0)
    sub = model.Subgraphs(0)
    nt, nb, nc = sub.TensorsLength(), model.BuffersLength(), model.OperatorCodesLength()
    slots: list[Slot] = []
    for i in range(nt):
        t = sub.Tensors(i)
        slots += _vector_slots(t._tab, 4, "<i", "shape")
        slots.append(Slot(_field(t._tab, 6), "<b", "type"))
        slots.append(Slot(_field(t._tab, 8), "<I", "buffer", nb))
        q = t.Quantization()
        if q is not None:
            slots += _vector_slots(q._tab, 8, "<f", "scale")
            slots += _vector_slots(q._tab, 10, "<q", "zero_point")
            slots.append(Slot(_field(q._tab, 16), "<i", "quantized_dimension"))
    for i in range(sub.OperatorsLength()):
        o = sub.Operators(i)
        slots.append(Slot(_field(o._tab, 4), "<I", "opcode_index", nc))
        slots += _vector_slots(o._tab, 6, "<i", "op_input", nt)
        slots += _vector_slots(o._tab, 8, "<i", "op_output", nt)
        if o.BuiltinOptionsType():
            slots += _table_scalars(o.BuiltinOptions(), "option")
    slots += _vector_slots(sub._tab, 6, "<i", "graph_input", nt)
    slots += _vector_slots(sub._tab, 8, "<i", "graph_output", nt)
    slots = [s for s in slots if s.pos > 0]
    return Layout(slots=slots, op_vector=_vector(sub._tab, 10))


def _value(rng: random.Random, slot: Slot, old):
    if slot.fmt == "<f":
        return rng.choice(FLOAT_EDGES + (old * 2.0 ** rng.randint(-40, 40), -old))
    if slot.fmt == "<q":
        return rng.choice(INT64_EDGES + (old + rng.choice((-1, 1)), -old))
    if slot.count:
        choices = (slot.count, slot.count + 1, -2, -1, -slot.count, rng.randrange(slot.count))
        return rng.choice(choices + INT_EDGES[:3])
    return rng.choice(INT_EDGES + (old + 1, old - 1, old * 2, -old))


def _write(buf: bytearray, slot: Slot, value) -> None:
    fmt = slot.fmt
    if fmt[-1] in "bBiIq":
        bits = struct.calcsize(fmt) * 8
        value = int(value) & ((1 << bits) - 1)
        fmt = fmt.upper() if fmt[-1] != "q" else "<Q"
    struct.pack_into(fmt, buf, slot.pos, value)


def mutate_field(buf: bytearray, lay: Layout, rng: random.Random) -> str:
    slot = rng.choice(lay.slots)
    old = struct.unpack_from(slot.fmt, buf, slot.pos)[0]
    value = _value(rng, slot, old)
    _write(buf, slot, value)
    return f"{slot.kind}@{slot.pos}={value!r}"


def reorder_ops(buf: bytearray, lay: Layout, rng: random.Random) -> str:
    """Swap two ops, or reverse them all. Offsets in a vector of tables are relative to the
    element's own position, so each moved entry is re-based."""
    start, n = lay.op_vector
    if n < 2:
        return "reorder(none)"
    targets = [start + 4 * k + struct.unpack_from("<I", buf, start + 4 * k)[0] for k in range(n)]
    if rng.random() < 0.3:
        order, what = targets[::-1], "reverse"
    else:
        i, j = rng.sample(range(n), 2)
        order = list(targets)
        order[i], order[j] = order[j], order[i]
        what = f"swap {i},{j}"
    for k, target in enumerate(order):
        struct.pack_into("<I", buf, start + 4 * k, target - (start + 4 * k))
    return f"reorder({what})"


def mutate_bytes(buf: bytearray, rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.15:
        keep = rng.randrange(8, len(buf))
        del buf[keep:]
        return f"truncate@{keep}"
    what = []
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(8, len(buf))
        if choice < 0.6:
            buf[pos] = rng.randrange(256)
            what.append(f"byte@{pos}")
        else:
            pos &= ~3
            if pos + 4 <= len(buf):
                struct.pack_into("<i", buf, pos, rng.choice(INT_EDGES))
                what.append(f"int@{pos}")
    return "bytes(" + ",".join(what) + ")"


def mutate(data: bytes, lay: Layout, rng: random.Random) -> tuple[bytes, str]:
    """One mutant of `data` and a description of what was changed."""
    buf = bytearray(data)
    steps = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        r = rng.random()
        if r < 0.12:
            steps.append(mutate_bytes(buf, rng))
            break                       # the layout no longer holds after a byte-level change
        if r < 0.22:
            steps.append(reorder_ops(buf, lay, rng))
        else:
            steps.append(mutate_field(buf, lay, rng))
    return bytes(buf), "+".join(steps)
