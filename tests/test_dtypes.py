"""The dtype table: one description per element type, consistent with numpy and C."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.codegen.cstructs import parse_structs
from lite_micro.ir import DTYPE_BYTES, Tensor
from lite_micro.ir.dtypes import DTYPES, by_ctype, ctype_of, dtype


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_entry_agrees_with_numpy(name):
    d = dtype(name)
    assert d.size == np.dtype(d.numpy).itemsize == DTYPE_BYTES[name]
    if d.ctype:
        assert by_ctype(d.ctype) is d and ctype_of(name) == d.ctype
    if not d.is_float and name != "bool":
        assert (d.lo, d.hi) == (np.iinfo(d.numpy).min, np.iinfo(d.numpy).max)


def test_sizes_used_by_codegen():
    assert [by_ctype(c).size for c in ("int8_t", "uint16_t", "int16_t", "int32_t", "float")] == [1, 2, 2, 4, 4]
    assert Tensor(0, "t", (3, 5), "int16").nbytes == 30
    with pytest.raises(KeyError):
        ctype_of("bool")            # generated code never holds a bool tensor


def test_struct_size_follows_alignment():
    s = parse_structs("typedef struct { int8_t a; int32_t b[2]; int16_t c; } lm_t;")["lm_t"]
    assert s.nbytes == 16           # 1 + 3 padding + 8 + 2 + 2 tail padding
