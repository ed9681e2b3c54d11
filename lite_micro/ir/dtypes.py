"""One table of element types: IR name, bytes, C type, numpy type and value range.

Every size the compiler computes (tensor bytes, flash tables, the fit check) and every C type
it prints comes from here, so a type is described once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class DType:
    name: str                      # IR name, as the frontend reads it from the model ("int8")
    size: int                      # bytes per element, also its natural alignment
    ctype: Optional[str]           # C type the generated code uses; None: never printed
    numpy: type                    # numpy scalar type
    lo: float                      # smallest value
    hi: float                      # largest value

    @property
    def is_float(self) -> bool:
        return np.dtype(self.numpy).kind == "f"


def _int(name: str, ctype: Optional[str], np_type) -> DType:
    info = np.iinfo(np_type)
    return DType(name, np.dtype(np_type).itemsize, ctype, np_type, int(info.min), int(info.max))


def _float(name: str, ctype: Optional[str], np_type) -> DType:
    info = np.finfo(np_type)
    return DType(name, np.dtype(np_type).itemsize, ctype, np_type, float(info.min), float(info.max))


DTYPES: dict[str, DType] = {d.name: d for d in (
    _int("int8", "int8_t", np.int8),
    _int("uint8", "uint8_t", np.uint8),
    _int("int16", "int16_t", np.int16),
    _int("uint16", "uint16_t", np.uint16),
    _int("int32", "int32_t", np.int32),
    _int("int64", "int64_t", np.int64),
    _float("float16", None, np.float16),
    _float("float32", "float", np.float32),
    DType("bool", 1, None, np.bool_, 0, 1),
)}

_BY_CTYPE: dict[str, DType] = {d.ctype: d for d in DTYPES.values() if d.ctype}


def dtype(name: str) -> DType:
    """The entry for an IR dtype name ("int8", "float32", ...)."""
    return DTYPES[name]


def by_ctype(ctype: str) -> DType:
    """The entry for a C element type ("int8_t", "uint16_t", "float", ...)."""
    return _BY_CTYPE[ctype]


def ctype_of(name: str) -> str:
    """The C type printed for an IR dtype; KeyError for a type generated code never holds."""
    c = DTYPES[name].ctype
    if c is None:
        raise KeyError(name)
    return c
