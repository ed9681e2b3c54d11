"""Render the model header and source. Python decides every number; templates only print."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
import numpy as np

from .. import __version__
from ..ir import Graph, Tensor
from ..ops.base import ConstArg, Layer, ParamsArg, ScratchArg, TensorArg
from ..planner import Plan
from ..resources import templates_dir
from .names import Names

RUNTIME_HEADERS = ("lm_common.h", "lm_kernels.h")
CTYPES = {"int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "float32": "float"}
IO_SUFFIX = {"int16": "i16", "int32": "i32", "float32": "f32"}    # typed accessors <prefix>_input_<suffix>
VALUES_PER_LINE = 20


@dataclass(frozen=True)
class EmitInfo:
    """What the banner says: no timestamps, no absolute paths."""
    model_file: str
    model_sha256: str
    target: str
    command: str


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
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


def array_lines(values: np.ndarray) -> list[str]:
    if values.dtype.kind == "f":
        text = [c_float(v) for v in values.reshape(-1).tolist()]
    else:
        flat = values.reshape(-1).astype(np.int64).tolist()
        text = [c_int(v) if v == -(1 << 31) else str(v) for v in flat]
    return [", ".join(text[i:i + VALUES_PER_LINE]) + ","
            for i in range(0, len(text), VALUES_PER_LINE)]


def shape_text(t: Tensor) -> str:
    return "x".join(str(d) for d in t.shape) or "scalar"


def quant_text(t: Tensor) -> str:
    if t.quant is None:
        return "not quantized"
    if t.quant.per_channel:
        return f"per-channel ({len(t.quant.scales)} scales), zp {t.zero_point}"
    return f"scale {float(np.float32(t.scale)):.6g}, zp {t.zero_point}"


def const_tensor_name(t: Tensor) -> str:
    return f"t{t.index}_const"


class _Renderer:
    def __init__(self, graph: Graph, layers: list[Layer], plan: Plan, names: Names):
        self.graph, self.layers, self.plan, self.names = graph, layers, plan, names
        self.const_tensors: dict[int, Tensor] = {}

    def const_tables(self) -> list[dict]:
        """Constant tensors that layers read as plain inputs, each emitted once."""
        return [dict(decl=f"static const {CTYPES[t.dtype]} {const_tensor_name(t)}[{max(t.size, 1)}]",
                     comment=Names.comment_text(f"tensor {t.index} '{t.name}' {shape_text(t)} {t.dtype}, "
                                                f"{quant_text(t)}"),
                     lines=array_lines(t.data) if t.size else ["0,"])
                for _, t in sorted(self.const_tensors.items())]

    def ptr(self, t: Tensor) -> str:
        if t.is_const:  # a constant tensor passed where an activation usually goes
            self.const_tensors.setdefault(t.index, t)
            cast = "" if t.dtype == "int8" else "(const int8_t *)(const void *)"
            return f"{cast}{const_tensor_name(t)}"
        return f"({self.names.arena} + {self.plan.tensor_offsets[t.index]})"

    def arg(self, i: int, a) -> str:
        if isinstance(a, TensorArg):
            return self.ptr(a.tensor)
        if isinstance(a, ConstArg):
            return Names.layer(i, a.name)
        if isinstance(a, ParamsArg):
            return "&" + Names.layer(i, "params")
        if isinstance(a, ScratchArg):
            return f"({self.names.arena} + {self.plan.scratch_offsets[i]})"
        return str(a)

    def tensor_line(self, role: str, t: Tensor) -> str:
        where = self.plan.tensor_offsets.get(t.index)
        place = f"arena [{where}, {where + t.nbytes})" if where is not None else "flash"
        return Names.comment_text(f"{role} '{t.name}' {shape_text(t)} {t.dtype}, {quant_text(t)}, {place}")

    def layer(self, i: int, layer: Layer) -> dict:
        op = layer.op
        lines = [f"Layer {i}: {op.kind} (op #{op.index}, v{op.version})"]
        lines += [self.tensor_line("in ", t) for t in layer.inputs]
        lines += [self.tensor_line("out", t) for t in layer.outputs]
        kernel = layer.kernel or "none"
        lines.append(Names.comment_text(f"kernel {kernel}: {layer.note}" + (f", {layer.macs} MACs" if layer.macs else "")))
        call = None
        if layer.kernel:
            call = f"{layer.kernel}({', '.join(self.arg(i, a) for a in layer.args)});"
        consts = [dict(decl=f"static const {c.ctype} {Names.layer(i, c.name)}[{max(c.values.size, 1)}]",
                       comment=Names.comment_text(c.comment),
                       lines=array_lines(c.values) if c.values.size else ["0,"])
                  for c in layer.consts]
        params = None
        if layer.params_type:
            params = dict(decl=f"static const {layer.params_type} {Names.layer(i, 'params')}",
                          fields=[(k, c_value(v)) for k, v in layer.params])
        return dict(index=i, comment=lines, call=call, consts=consts, params=params)

    def io(self, kind: str, tensors: list[Tensor]) -> list[dict]:
        out = []
        for k, t in enumerate(tensors):
            q = t.quant
            out.append(dict(macro=self.names.define(f"{kind}{k}"), name=Names.comment_text(t.name),
                            ctype=CTYPES[t.dtype],
                            size=t.nbytes, dims=len(t.shape),
                            shape="{" + ", ".join(str(d) for d in t.shape) + "}",
                            scale=c_float(q.scale if q else 0.0), zero_point=q.zero_point if q else 0,
                            offset=self.plan.tensor_offsets[t.index], dtype=t.dtype))
        return out

    def plan_rows(self) -> list[str]:
        rows = [f"{'offset':>8} {'bytes':>8}  live      buffer"]
        for name, off, size, first, last in self.plan.table():
            rows.append(Names.comment_text(f"{off:>8} {size:>8}  {first:>3}..{last:<3}  {name}"))
        return rows


def generate(graph: Graph, layers: list[Layer], plan: Plan, prefix: str, info: EmitInfo) -> dict[str, str]:
    """Return {file name: text}: `<prefix>.h`, `<prefix>.c` and the runtime files used."""
    names = Names(prefix)
    r = _Renderer(graph, layers, plan, names)
    runtime = sorted({f for layer in layers for f in layer.runtime})
    extra_headers = [f for f in runtime if f.endswith(".h")]
    banner = [f"Generated by litemicro {__version__}. Do not edit: regenerate instead.",
              f"model  {Names.comment_text(info.model_file)} (sha256 {info.model_sha256[:16]})",
              f"target {info.target}",
              f"command: {Names.comment_text(info.command)}"]
    macs = sum(layer.macs for layer in layers)
    rendered_layers = [r.layer(i, layer) for i, layer in enumerate(layers)]
    ctx = dict(names=names, banner=banner, arena_size=plan.arena_bytes,
               lower_bound=plan.lower_bound_bytes, strategy=plan.strategy,
               inputs=r.io("INPUT", graph.inputs), outputs=r.io("OUTPUT", graph.outputs),
               layers=rendered_layers, const_tensors=r.const_tables(),
               state=[dict(offset=b.offset, size=b.size, name=Names.comment_text(b.name))
                      for b in sorted(plan.buffers, key=lambda b: b.offset)
                      if any(t.is_variable for t in b.tensors)],
               plan_rows=r.plan_rows(), macs=macs, num_layers=len(layers),
               typed_io=[dict(ctype=CTYPES[d], suffix=IO_SUFFIX[d]) for d in sorted(
                   {t.dtype for t in graph.inputs + graph.outputs} - {"int8"})],
               guard=f"{names.macro}_H", extra_headers=extra_headers)
    env = environment()
    files = {f"{names.prefix}.h": env.get_template("model/model.h.j2").render(ctx),
             f"{names.prefix}.c": env.get_template("model/model.c.j2").render(ctx)}
    rt = templates_dir() / "runtime"
    sources = {name: text for layer in layers for name, text in layer.sources.items()}
    for fname in RUNTIME_HEADERS + tuple(runtime):
        files[fname] = sources[fname] if fname in sources else (rt / fname).read_text()
    return files
