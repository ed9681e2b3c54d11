"""The kernels' parameter structs, read from the runtime headers: the C side of the params contract.

Each op's Prepare emits `Layer.params` as (field, value) pairs printed into a designated
initializer of `Layer.params_type`. C zero-fills a field the initializer forgets, and no
compiler warns, so `params_problems` compares the two sides field by field. The parser reads
the subset of C the runtime headers use: `typedef struct { <int type> a, b[EXPR]; } name;` with
integer `#define`s in array sizes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..ir.dtypes import by_ctype
from ..resources import templates_dir

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]+)$", re.M)
_STRUCT = re.compile(r"typedef\s+struct\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;", re.S)
_DECL = re.compile(r"^\s*((?:(?:const|volatile|signed|unsigned|struct)\s+)*\w+)\s*(.*)$", re.S)
_DECLARATOR = re.compile(r"^\s*(\*\s*(?:const\s*)?)?(\w+)\s*(?:\[([^\]]+)\])?\s*$")
POINTER_BYTES = 4           # every Cortex-M target is 32-bit
_ARITH = re.compile(r"^[\d\s+\-*/()]+$")


@dataclass(frozen=True)
class CField:
    name: str
    ctype: str                         # element type, qualifiers kept ("const int8_t")
    count: Optional[int] = None        # array length; None for a scalar
    pointer: bool = False

    @property
    def elem_bytes(self) -> int:
        if self.pointer:
            return POINTER_BYTES
        base = re.sub(r"\b(const|volatile)\s+", "", self.ctype)
        try:
            return by_ctype(base).size
        except KeyError:
            raise ValueError(f"field {self.name}: no size known for C type '{base}'") from None


@dataclass(frozen=True)
class CStruct:
    name: str
    fields: tuple[CField, ...]
    header: str = ""

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def nbytes(self) -> int:
        """sizeof on a target with natural alignment (every supported target)."""
        size, align = 0, 1
        for f in self.fields:
            elem = f.elem_bytes
            size = -(-size // elem) * elem + elem * (f.count or 1)
            align = max(align, elem)
        return -(-size // align) * align


def parse_defines(text: str) -> dict[str, str]:
    """Object-like `#define NAME value` lines (comments removed)."""
    return {m.group(1): m.group(2).strip() for m in _DEFINE.finditer(_COMMENT.sub(" ", text))}


def eval_int(expr: str, defines: dict[str, str], depth: int = 0) -> int:
    """An integer constant expression of the headers (`LM_ELTWISE_MAX_DIMS - 1`)."""
    if depth > 8:
        raise ValueError(f"macro nesting too deep in '{expr}'")
    text = re.sub(r"[A-Za-z_]\w*", lambda m: f"({eval_int(_macro(m.group(0), defines), defines, depth + 1)})",
                  expr)
    if not _ARITH.match(text):
        raise ValueError(f"not an integer constant: '{expr}'")
    return int(eval(text, {"__builtins__": {}}, {}))   # digits, + - * / ( ) only


def _macro(name: str, defines: dict[str, str]) -> str:
    if name not in defines:
        raise ValueError(f"unknown macro {name}")
    return defines[name]


def parse_structs(text: str, defines: Optional[dict[str, str]] = None, header: str = "") -> dict[str, CStruct]:
    """Every `typedef struct {...} name;` in a header text, by name."""
    defines = {**parse_defines(text), **(defines or {})}
    out = {}
    for body, name in _STRUCT.findall(_COMMENT.sub(" ", text)):
        fields = []
        for decl in filter(str.strip, body.split(";")):
            typed = _DECL.match(decl)
            for d in typed.group(2).split(",") if typed else [decl]:
                m = _DECLARATOR.match(d)
                if typed is None or m is None:
                    raise ValueError(f"{header or 'header'}: struct {name}: cannot read field '{d.strip()}'")
                count = eval_int(m.group(3), defines) if m.group(3) else None
                fields.append(CField(m.group(2), typed.group(1), count, pointer=bool(m.group(1))))
        out[name] = CStruct(name, tuple(fields), header)
    return out


def runtime_structs(headers: Optional[Iterable[Path]] = None) -> dict[str, CStruct]:
    """The structs of every runtime header (macros shared across headers)."""
    paths = sorted(headers if headers is not None else (templates_dir() / "runtime").glob("*.h"))
    texts = {p.name: p.read_text() for p in paths}
    defines: dict[str, str] = {}
    for text in texts.values():
        defines.update(parse_defines(text))
    structs: dict[str, CStruct] = {}
    for name, text in texts.items():
        structs.update(parse_structs(text, defines, name))
    return structs


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between a layer's params and its C struct."""
    params_type: str
    field: str              # "" when the whole struct is at fault
    what: str


def params_mismatches(layer, structs: dict[str, CStruct]) -> list[Mismatch]:
    """How `layer.params` disagrees with its C struct; [] when they match exactly."""
    if not layer.params_type:
        return [Mismatch("", "", "params given without a params_type")] if layer.params else []
    struct = structs.get(layer.params_type)
    if struct is None:
        return [Mismatch(layer.params_type, "", "no runtime header declares this struct")]
    t = layer.params_type
    emitted = [k for k, _ in layer.params]
    out = [Mismatch(t, f, "missing: C has it, Python does not set it")
           for f in struct.field_names if f not in emitted]
    out += [Mismatch(t, f, "not a field of the C struct") for f in emitted if f not in struct.field_names]
    out += [Mismatch(t, f, "given twice") for f in sorted({f for f in emitted if emitted.count(f) > 1})]
    by_name = {f.name: f for f in struct.fields}
    out += [Mismatch(t, k, _shape_problem(by_name[k], v)) for k, v in layer.params
            if k in by_name and _shape_problem(by_name[k], v)]
    return out


def params_problems(layer, structs: dict[str, CStruct]) -> list[str]:
    """`params_mismatches` as one line each, naming the op and kernel."""
    who = f"{layer.op.describe()} ({layer.kernel})"
    return [f"{who}: {m.params_type}{'.' + m.field if m.field else ''}: {m.what}"
            for m in params_mismatches(layer, structs)]


def _shape_problem(f: CField, value) -> str:
    is_list = isinstance(value, (list, tuple))
    if f.count is None:
        return "an array given for a scalar field" if is_list else ""
    if not is_list:
        return f"a scalar given for an array of {f.count}"
    return f"{len(value)} values for an array of {f.count}" if len(value) != f.count else ""
