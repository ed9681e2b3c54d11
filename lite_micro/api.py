"""The compiler as a library: one pure pipeline from model bytes to C sources.

    gen = compile_model("model.tflite", Options(target="cortex-m4"))
    gen.files  # {file name: text}; only the CLI writes them to disk
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from .codegen import generate
from .codegen.emit import EmitInfo
from .codegen.names import sanitize
from .errors import UnsupportedError
from .frontend import read_model, read_model_bytes
from .ir import Graph, Tensor
from .ops import prepare_graph
from .ops.base import Layer
from .ops.mve import specialize_mve
from .ops.specialize import specialize
from .passes import run_passes
from .planner import Plan, plan_memory
from .targets import load_target


@dataclass(frozen=True)
class Options:
    target: str = "host"
    prefix: Optional[str] = None
    command: str = ""                      # shown in the banner of generated files


@dataclass(frozen=True)
class IOInfo:
    name: str
    shape: tuple
    dtype: str
    scale: float
    zero_point: int
    nbytes: int
    value_range: tuple = (-128, 127)    # float I/O: the real range its QUANTIZE can represent


@dataclass
class Generated:
    prefix: str
    files: dict[str, str]
    graph: Graph
    layers: list[Layer]
    plan: Plan
    inputs: list[IOInfo]
    outputs: list[IOInfo]
    target: str
    model_sha256: str
    extra: dict = field(default_factory=dict)

    @property
    def arena_bytes(self) -> int:
        return self.plan.arena_bytes

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)


def load(model: Union[str, Path, bytes]) -> tuple[Graph, bytes, str]:
    if isinstance(model, (bytes, bytearray)):
        data = bytes(model)
        graph = read_model_bytes(data, name="model")
        return run_passes(graph), data, "model.tflite"
    path = Path(model)
    graph = read_model(path)
    return run_passes(graph), path.read_bytes(), path.name


def analyze(graph: Graph) -> tuple[list[Layer], list[str]]:
    """Prepare every op; (layers, problems). Problems list everything unsupported."""
    return prepare_graph(graph)


def compile_model(model: Union[str, Path, bytes], options: Options = Options()) -> Generated:
    graph, data, file_name = load(model)
    layers, problems = analyze(graph)
    if problems:
        more = f" (and {len(problems) - 1} more problems: run 'litemicro inspect')" if len(problems) > 1 else ""
        raise UnsupportedError(problems[0] + more)
    layers = specialize_mve(layers, load_target(options.target).features)
    layers = specialize(layers, load_target(options.target).features)
    plan = plan_memory(graph, layers)
    layers = plan.layers                   # in the execution order the plan chose
    prefix = sanitize(options.prefix or Path(graph.name).stem)
    sha = hashlib.sha256(data).hexdigest()
    command = options.command or f"litemicro gen {file_name} --target {options.target}"
    files = generate(graph, layers, plan, prefix, EmitInfo(file_name, sha, options.target, command))
    return Generated(prefix=prefix, files=files, graph=graph, layers=layers, plan=plan,
                     inputs=[_io(t, graph) for t in graph.inputs],
                     outputs=[_io(t, graph) for t in graph.outputs],
                     target=options.target, model_sha256=sha)


def _io(t: Tensor, graph: Graph) -> IOInfo:
    return IOInfo(name=t.name, shape=tuple(t.shape), dtype=t.dtype,
                  scale=t.scale, zero_point=t.zero_point, nbytes=t.nbytes,
                  value_range=_value_range(t, graph))


def _value_range(t: Tensor, graph: Graph) -> tuple:
    """For a float tensor next to a quantized one (QUANTIZE's input, DEQUANTIZE's output), the
    real values the int8 side can represent; int8 tensors: the int8 range."""
    if t.dtype != "float32":
        return (-128, 127)
    for op in graph.ops:
        near = [o for o in op.outputs if o.quant] if t in op.inputs else []
        near += [i for i in op.inputs if i is not None and i.quant] if t in op.outputs else []
        for q in near:
            return (float((-128 - q.zero_point) * q.scale), float((127 - q.zero_point) * q.scale))
    return (-1.0, 1.0)
