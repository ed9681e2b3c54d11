"""Render the model header and source. Python decides every number; templates only print."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2
import numpy as np

from .. import __version__
from ..ir import Graph, Tensor
from ..ir.dtypes import by_ctype, ctype_of
from ..ir.layer import ConstArg, Layer, ParamsArg, ScratchArg, TensorArg
from ..planner import Plan
from ..resources import templates_dir
from .fused import fused_calls
from .names import Names
from .placement import ARENA_ALIGN, DEFAULT_PLACEMENT, Placement
from .rows import row_calls
from .runtime import runtime_files, runtime_id

IO_SUFFIX = {"int16": "i16", "int32": "i32", "float32": "f32"}    # typed accessors <prefix>_input_<suffix>
MAX_COLUMNS = 120           # no generated line is longer
SHORT_NAME = 40             # converter tensor names longer than this are shortened in comments


@dataclass(frozen=True)
class EmitInfo:
    """What the banner says: no timestamps, no absolute paths."""
    model_file: str
    model_sha256: str
    target: str
    command: str


@dataclass(frozen=True)
class FlashTable:
    """One `static const <ctype> <symbol>[count]` table the generated source defines."""
    symbol: str
    ctype: str
    values: np.ndarray
    comment: str

    @property
    def count(self) -> int:
        return max(self.values.size, 1)        # an empty table still holds one element

    @property
    def nbytes(self) -> int:
        return self.count * by_ctype(self.ctype).size

    def lines(self) -> list[str]:
        return array_lines(self.values) if self.values.size else ["0,"]


@functools.lru_cache(maxsize=None)
def environment(folder: str = "") -> jinja2.Environment:
    """The one Jinja setup for every template (model, firmware harness, PlatformIO project):
    undefined names are errors, block tags leave no blank lines, output is plain text."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / folder)),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True,
                              autoescape=False)


def c_int(v: int) -> str:
    v = int(v)
    return "(-2147483647 - 1)" if v == -(1 << 31) else str(v)


def c_float(v: float) -> str:
    text = f"{float(np.float32(v)):.9g}"
    if not np.isfinite(np.float32(v)):
        return "(1.0f / 0.0f)" if v > 0 else ("(-1.0f / 0.0f)" if v < 0 else "(0.0f / 0.0f)")
    if not any(ch in text for ch in ".e"):
        text += ".0"
    return text + "f"


def c_value(v) -> str:
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(c_int(x) for x in v) + "}"
    return c_int(v)


def fill_lines(items: list[str], width: int, sep: str = ", ", end: str = ",") -> list[str]:
    """`items` joined by `sep`, each line ending in `end`, packed into lines of at most `width`
    (an item longer than that gets a line of its own). Items must not contain `sep`."""
    text, room = sep.join(items), width - len(end)
    lines, start = [], 0
    while start < len(text):
        if len(text) - start <= room:
            cut = len(text)
        else:
            cut = text.rfind(sep, start, start + room + len(sep))
            if cut <= start:                        # one item wider than the line
                cut = text.find(sep, start + 1)
                cut = len(text) if cut < 0 else cut
        lines.append(text[start:cut] + end)
        start = cut + len(sep)
    return lines


@functools.lru_cache(maxsize=None)
def _decimal(bits: int) -> np.ndarray:
    """str(v) of every value of a signed `bits`-bit integer, at index v + 2^(bits-1)."""
    half = 1 << (bits - 1)
    return np.array([str(v) for v in range(-half, half)], dtype=object)


def array_lines(values: np.ndarray) -> list[str]:
    """Table initializer lines (printed with a 4-space indent)."""
    if values.dtype.kind == "f":
        text = [c_float(v) for v in values.reshape(-1).tolist()]
    elif values.dtype.kind in "iu" and values.dtype.itemsize <= 2:   # small types: by table
        bits = 8 * values.dtype.itemsize + (values.dtype.kind == "u")
        text = _decimal(bits)[values.reshape(-1).astype(np.int64) + (1 << (bits - 1))].tolist()
    else:
        text = list(map(str, values.reshape(-1).astype(np.int64).tolist()))
        if values.dtype.itemsize >= 4 and -(1 << 31) in values:
            text = [c_int(int(v)) for v in text]
    return fill_lines(text, MAX_COLUMNS - 4)


def chunks(text: str, width: int, later: int = 0) -> list[str]:
    """`text` cut into pieces of at most `width` (`later` for all but the first), after a
    space, ';' or '/' where one is near, else anywhere."""
    out, w = [], width
    while len(text) > w:
        cut = max(text.rfind(ch, w // 2, w) for ch in " ;/") + 1 or w
        out.append(text[:cut].rstrip())
        text, w = text[cut:].lstrip(), later or width
    return out + [text]


def comment_lines(text: str, width: int) -> list[str]:
    """Comment text wrapped to `width`; continuation lines indented by two spaces."""
    first, *rest = chunks(Names.comment_text(text), width, width - 2)
    return [first] + ["  " + line for line in rest]


def short_name(name: str, limit: int = SHORT_NAME) -> str:
    """A converter tensor name cut for a comment: its first ';' part, its tail if still long."""
    if len(name) <= limit:
        return name
    head = name.split(";")[0]
    more = ";..." if head != name else ""
    if len(head) + len(more) > limit:
        head = "..." + head[len(head) + len(more) + 3 - limit:]
    return head + more


def shape_text(t: Tensor) -> str:
    return "x".join(str(d) for d in t.shape) or "scalar"


def quant_text(t: Tensor) -> str:
    if t.quant is None:
        return "not quantized"
    if t.quant.per_channel:
        return f"per-channel ({len(t.quant.scales)} scales), zp {t.zero_point}"
    return f"scale {float(np.float32(t.scale)):.6g}, zp {t.zero_point}"


def tensor_label(t: Tensor) -> str:
    """How comments name a tensor: its index (the plan table has the full name) and a short name."""
    return f"t{t.index} '{short_name(t.name)}'"


def const_tensor_inputs(layers: list[Layer]) -> list[Tensor]:
    """Constant tensors passed where a kernel reads an activation, each once, by index."""
    found = {a.tensor.index: a.tensor for layer in layers for a in layer.args
             if isinstance(a, TensorArg) and a.tensor.is_const}
    return [found[k] for k in sorted(found)]


def flash_tables(layers: list[Layer], names: Names) -> list[FlashTable]:
    """Every table the generated source defines, in the order it defines them."""
    return const_tensor_tables(layers, names) + [
        t for i, layer in enumerate(layers) for t in layer_tables(i, layer, names)]


def const_tensor_tables(layers: list[Layer], names: Names) -> list[FlashTable]:
    return [FlashTable(const_tensor_symbol(names, t), ctype_of(t.dtype), t.data,
                       f"tensor {tensor_label(t)} {shape_text(t)} {t.dtype}, {quant_text(t)}")
            for t in const_tensor_inputs(layers)]


def layer_tables(index: int, layer: Layer, names: Names) -> list[FlashTable]:
    return [FlashTable(layer_symbol(names, index, c.name), c.ctype, c.values, c.comment) for c in layer.consts]


def layer_symbol(names: Names, index: int, what: str) -> str:
    return names.fn(Names.layer(index, what))


def const_tensor_symbol(names: Names, t: Tensor) -> str:
    return names.fn(f"t{t.index}_const")


def call_lines(kernel: str, args: list[str], width: int) -> list[str]:
    """`kernel(args);` on one line, or its arguments packed onto indented continuation lines."""
    one = f"{kernel}({', '.join(args)});"
    if len(one) <= width:
        return [one]
    lines = fill_lines(args, width - 5)      # room for the closing ");"
    return [f"{kernel}("] + ["    " + line for line in lines[:-1]] + ["    " + lines[-1][:-1] + ");"]


class _Renderer:
    def __init__(self, graph: Graph, layers: list[Layer], plan: Plan, names: Names, placement: Placement):
        self.graph, self.layers, self.plan, self.names = graph, layers, plan, names
        self.const_attr = placement.weights_attr

    def table(self, t: FlashTable) -> dict:
        return dict(decl=f"static const {t.ctype} {t.symbol}[{t.count}]{self.const_attr}",
                    comment=comment_lines(t.comment, MAX_COLUMNS - 6), lines=t.lines())

    def ptr(self, t: Tensor) -> str:
        if t.is_const:  # a constant tensor passed where an activation usually goes
            cast = "" if t.dtype == "int8" else "(const int8_t *)(const void *)"
            return f"{cast}{const_tensor_symbol(self.names, t)}"
        return f"({self.names.arena} + {self.plan.tensor_offsets[t.index]})"

    def arg(self, i: int, a) -> str:
        if isinstance(a, TensorArg):
            return self.ptr(a.tensor)
        if isinstance(a, ConstArg):
            return layer_symbol(self.names, i, a.name)
        if isinstance(a, ParamsArg):
            return "&" + layer_symbol(self.names, i, "params")
        if isinstance(a, ScratchArg):
            return f"({self.names.arena} + {self.plan.scratch_offsets[i]})"
        return str(a)

    def tensor_line(self, role: str, t: Tensor) -> str:
        where = self.plan.tensor_offsets.get(t.index)
        place = f"arena [{where}, {where + t.nbytes})" if where is not None else "flash"
        return f"{role} {tensor_label(t)} {shape_text(t)} {t.dtype}, {quant_text(t)}, {place}"

    def layer(self, i: int, layer: Layer) -> dict:
        op = layer.op
        text = [f"Layer {i}: {op.kind} (op #{op.index}, v{op.version})"]
        text += [self.tensor_line("in ", t) for t in layer.inputs]
        text += [self.tensor_line("out", t) for t in layer.outputs]
        text.append(f"kernel {layer.kernel or 'none'}: {layer.note}" + (f", {layer.macs} MACs" if layer.macs else ""))
        lines = [line for t in text for line in comment_lines(t, MAX_COLUMNS - 7)]
        call = call_lines(layer.kernel, [self.arg(i, a) for a in layer.args], MAX_COLUMNS - 4) if layer.kernel else []
        params = None
        if layer.params_type:
            params = dict(decl=f"static const {layer.params_type} {layer_symbol(self.names, i, 'params')}"
                               f"{self.const_attr}",
                          fields=[(k, c_value(v)) for k, v in layer.params])
        consts = [self.table(t) for t in layer_tables(i, layer, self.names)]
        if i in self.plan.rows:             # in place by blocks of rows: the calls and their params
            call, consts = self.row_calls(i, layer, consts)
            params = None                   # each block has its own
        fused = getattr(self.plan, "fused", {})
        if any(i in f.positions for f in fused.values()):     # a residual block run fused
            call, params = (self.fused_calls(fused[i], consts) if i in fused else ["/* run fused above */"]), None
        return dict(index=i, comment=lines, call=call, consts=consts, params=params)

    def fused_calls(self, f, consts: list[dict]) -> list[str]:
        call, structs = fused_calls(self.layers, f, self.plan.tensor_offsets, self.names.arena,
                                    lambda p, k: layer_symbol(self.names, p, f"params_fused{k}"),
                                    self.arg, call_lines, MAX_COLUMNS - 4)
        consts += [dict(decl=f"static const {self.layers[p].params_type} {sym}{self.const_attr}",
                        comment=[f"params of one block of layer {p} run fused"],
                        lines=[f".{k} = {c_value(v)}," for k, v in fields]) for p, sym, fields in structs]
        return call

    def row_calls(self, i: int, layer: Layer, consts: list[dict]) -> tuple[list[str], list[dict]]:
        inp, out = layer.op.input("input"), layer.outputs[0]
        call, structs = row_calls(layer, self.plan.rows[i], layer_symbol(self.names, i, "params"), self.names.arena,
                                  self.plan.tensor_offsets[inp.index], self.plan.tensor_offsets[out.index],
                                  lambda a: self.arg(i, a), call_lines, MAX_COLUMNS - 4)
        return call, consts + [dict(decl=f"static const {layer.params_type} {sym}{self.const_attr}",
                                    comment=["params of one block of rows"],
                                    lines=[f".{k} = {c_value(v)}," for k, v in fields]) for sym, fields in structs]

    def io(self, kind: str, tensors: list[Tensor]) -> list[dict]:
        out = []
        for k, t in enumerate(tensors):
            q = t.quant
            out.append(dict(macro=self.names.define(f"{kind}{k}"), name=Names.comment_text(tensor_label(t)),
                            ctype=ctype_of(t.dtype),
                            size=t.nbytes, dims=len(t.shape),
                            shape="{" + ", ".join(str(d) for d in t.shape) + "}",
                            scale=c_float(q.scale if q else 0.0), zero_point=q.zero_point if q else 0,
                            offset=self.plan.tensor_offsets[t.index], dtype=t.dtype))
        return out

    def plan_rows(self) -> list[str]:
        """The arena plan; the one place that prints each tensor's full name (wrapped)."""
        rows = [f"{'offset':>8} {'bytes':>8}  live      tensor buffer"]
        for b in sorted(self.plan.buffers, key=lambda b: (b.offset, b.first)):
            cells = f"{b.offset:>8} {b.size:>8}  {b.first:>3}..{b.last:<3}  "
            lead = " " * (len(cells) + 7)
            labels = [(f"t{t.index:<5}", t.name) for t in b.tensors] or [("", b.name)]
            for k, (tid, name) in enumerate(labels):
                start = (cells if k == 0 else " " * len(cells)) + f"{tid:<7}"
                for j, part in enumerate(chunks(Names.comment_text(name), MAX_COLUMNS - 3 - len(lead))):
                    rows.append((start if j == 0 else lead) + part)
        return rows


def generate(graph: Graph, layers: list[Layer], plan: Plan, prefix: str, info: EmitInfo,
             placement: Placement = DEFAULT_PLACEMENT) -> dict[str, str]:
    """Return {file name: text}: `<prefix>.h`, `<prefix>.c` and the runtime files used."""
    names = Names(prefix)
    r = _Renderer(graph, layers, plan, names, placement)
    env = environment()
    rid = runtime_id()
    banner = [line for text in (f"Generated by litemicro {__version__}. Do not edit: regenerate instead.",
                                f"model  {info.model_file} (sha256 {info.model_sha256[:16]})",
                                f"target {info.target}", f"command: {info.command}")
              for line in comment_lines(text, MAX_COLUMNS - 3)]
    macs = sum(layer.macs for layer in layers)
    rendered_layers = [r.layer(i, layer) for i, layer in enumerate(layers)]
    ctx = dict(names=names, banner=banner, arena_size=plan.arena_bytes,
               lower_bound=plan.lower_bound_bytes, strategy=plan.strategy,
               inputs=r.io("INPUT", graph.inputs), outputs=r.io("OUTPUT", graph.outputs),
               layers=rendered_layers, const_tensors=[r.table(t) for t in const_tensor_tables(layers, names)],
               state=[dict(offset=b.offset, size=b.size, name=Names.comment_text(tensor_label(b.tensors[0])))
                      for b in sorted(plan.buffers, key=lambda b: b.offset)
                      if any(t.is_variable for t in b.tensors)],
               plan_rows=r.plan_rows(), macs=macs, num_layers=len(layers),
               typed_io=[dict(ctype=ctype_of(d), suffix=IO_SUFFIX[d]) for d in sorted(
                   {t.dtype for t in graph.inputs + graph.outputs} - {"int8"})],
               guard=f"{names.macro}_H",
               extra_headers=sorted({f for layer in layers for f in layer.runtime if f.endswith(".h")}),
               version=__version__, runtime_id=rid, arena_align=ARENA_ALIGN,
               external_arena=placement.external_arena, arena_attr=placement.arena_attr)
    files = {f"{names.prefix}.h": env.get_template("model/model.h.j2").render(ctx),
             f"{names.prefix}.c": env.get_template("model/model.c.j2").render(ctx)}
    files.update(runtime_files(layers, env, rid))
    return files
