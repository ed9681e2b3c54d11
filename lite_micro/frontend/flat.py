"""Direct reads of the flatbuffer tables the reader walks for every tensor.

The generated `tflite` bindings spend a dozen Python calls on each field (a vtable lookup
per getter); a model has hundreds of tensors. This reads a table's vtable once and decodes
the fields with `struct`, with the bindings' arithmetic and their failures: any offset before
the start of the file raises TypeError (the bindings' range check), past its end
struct.error or ValueError. reader.py turns those into the corrupt-file error.
"""

from __future__ import annotations

import struct

import numpy as np

U8, I8, _U16 = struct.Struct("<B"), struct.Struct("<b"), struct.Struct("<H")
I32, U32, U64 = struct.Struct("<i"), struct.Struct("<I"), struct.Struct("<Q")


def _get(fmt: struct.Struct, buf, off: int):
    if off < 0:
        raise TypeError(f"flatbuffer offset {off} is before the start of the file")
    return fmt.unpack_from(buf, off)[0]


class Table:
    """One flatbuffer table: field k is at vtable slot 4 + 2k."""

    __slots__ = ("buf", "pos", "vtable", "vtable_end")

    def __init__(self, buf, pos: int):
        self.buf, self.pos = buf, pos
        self.vtable = pos - _get(I32, buf, pos)
        self.vtable_end = _get(_U16, buf, self.vtable)

    def offset(self, slot: int) -> int:
        return _get(_U16, self.buf, self.vtable + slot) if slot < self.vtable_end else 0

    def scalar(self, slot: int, fmt: struct.Struct, default: int = 0):
        o = self.offset(slot)
        return _get(fmt, self.buf, self.pos + o) if o else default

    def string(self, slot: int) -> bytes | None:
        o = self.offset(slot)
        if not o:
            return None
        off = self.pos + o
        off += _get(U32, self.buf, off)
        length = _get(U32, self.buf, off)
        return bytes(self.buf[off + 4:off + 4 + length])

    def table(self, slot: int) -> "Table | None":
        o = self.offset(slot)
        if not o:
            return None
        off = self.pos + o
        return Table(self.buf, off + _get(U32, self.buf, off))

    def union(self, slot: int) -> int | None:
        """Where the table of a union field starts (its vtable is read by its own getters)."""
        o = self.offset(slot)
        if not o:
            return None
        off = self.pos + o
        return off + _get(U32, self.buf, off)

    def vector(self, slot: int) -> tuple[int, int] | None:
        """(start of the data, element count) of a vector field; None when absent."""
        o = self.offset(slot)
        if not o:
            return None
        off = self.pos + o
        off += _get(U32, self.buf, off)
        return off + 4, _get(U32, self.buf, off)

    def numpy(self, slot: int, dtype: str) -> np.ndarray | None:
        """A vector of numbers as a read-only view; None when absent."""
        vec = self.vector(slot)
        if vec is None or vec[1] == 0:      # an empty vector is never decoded (nor checked)
            return None if vec is None else np.empty(0, dtype=dtype)
        return np.frombuffer(self.buf, dtype=dtype, count=vec[1], offset=vec[0])

    def positions(self, slot: int) -> list[int]:
        """Where each table of a vector of tables starts (empty when absent)."""
        vec = self.vector(slot)
        if vec is None:
            return []
        start, count = vec
        return [start + 4 * k + _get(U32, self.buf, start + 4 * k) for k in range(count)]

    def tables(self, slot: int) -> list["Table"]:
        """A vector of tables (empty when absent)."""
        return [Table(self.buf, pos) for pos in self.positions(slot)]
