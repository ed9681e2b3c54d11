"""The compiler as a library: one pure pipeline from model bytes to C sources.

    gen = compile_model("model.tflite", Options(target="cortex-m4"))
    gen.files  # {file name: text}; only the CLI writes them to disk

`Options.target` is a target name or a loaded `Target`; compile_model loads a name once and
`Generated.target` is the Target object from then on.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Optional, Union

from .codegen import generate
from .codegen.emit import EmitInfo
from .codegen.names import model_prefix
from .codegen.placement import Placement
from .errors import LiteMicroError, UnsupportedError
from .frontend import read_file, read_model_bytes
from .ir import Graph, Tensor
from .memory import CODE_HEADROOM_BYTES, STACK_HEADROOM_BYTES, check_budget
from .ops import prepare_graph
from .ops.base import Layer
from .ops.mve import specialize_mve
from .ops.specialize import specialize
from .passes import run_passes
from .planner import Plan, plan_memory, plan_to_fit
from .planner.rows import alternatives
from .targets import Target, as_target

ARENA_LIMIT = (1 << 31) - 1          # arena offsets are int32 in the generated C


@dataclass(frozen=True)
class Options:
    target: Union[str, Target] = "host"     # a name (see targets.list_targets) or a loaded Target
    prefix: Optional[str] = None
    command: str = ""                      # shown in the banner of generated files
    budget: bool = False                   # refuse, before any C is rendered, what does not fit
    ram: Optional[int] = None              # budgets in bytes (default: the target's)
    flash: Optional[int] = None
    part: Optional[str] = None             # the name budget errors give (a board); default: target
    placement: Placement = Placement()     # arena and weights sections, or an external arena
    ram_mode: str = "fast"                 # "small": in-place blocks that cost cycles too (planner.plan_memory)


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
    target: Target
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
    data = read_file(path)
    return run_passes(read_model_bytes(data, name=path.name)), data, path.name


def analyze(graph: Graph) -> tuple[list[Layer], list[str]]:
    """Prepare every op; (layers, problems). Problems list everything unsupported."""
    return prepare_graph(graph)


def compile_model(model: Union[str, Path, bytes], options: Options = Options()) -> Generated:
    target = as_target(options.target)
    graph, data, file_name = load(model)
    if options.budget:
        check_weights_fit(graph, budget_target(target, options), options.flash)
    layers, problems = analyze(graph)
    if problems:
        more = f" (and {len(problems) - 1} more problems: run 'litemicro inspect')" if len(problems) > 1 else ""
        raise UnsupportedError(problems[0] + more)
    portable, layers = layers, specialize(specialize_mve(layers, target.features), target.features)
    alts = alternatives(portable, layers, target.features)
    blocks = rows_offered(target, options.ram_mode)
    plan = plan_memory(graph, layers, rows=blocks, fuse=blocks, ram_mode=options.ram_mode, alternatives=alts)
    ram = options.ram if options.ram is not None else budget_target(target, options).ram_bytes
    if options.budget and ram is not None:          # before refusing: the in-place blocks that cost cycles
        plan = plan_to_fit(graph, layers, plan, ram - STACK_HEADROOM_BYTES, alts)
    layers = plan.layers                   # in the execution order the plan chose
    prefix = model_prefix(options.prefix, Path(graph.name).stem)
    check_plan(plan, layers, prefix, target, options)
    sha = hashlib.sha256(data).hexdigest()
    command = options.command or f"litemicro gen {file_name} --target {target.name}"
    files = generate(graph, layers, plan, prefix, EmitInfo(file_name, sha, target.name, command),
                     options.placement)
    return Generated(prefix=prefix, files=files, graph=graph, layers=layers, plan=plan,
                     inputs=[_io(t, graph) for t in graph.inputs],
                     outputs=[_io(t, graph) for t in graph.outputs],
                     target=target, model_sha256=sha)


# Ops whose weights (their "weights" input) go to flash whole, as int8: a lower bound of the flash a model needs.
WEIGHT_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")


def rows_offered(target: Target, ram_mode: str) -> bool:
    """Whether the plan may run convolutions by blocks of rows, alone or in fused residual blocks
    (planner/rows.py, planner/fuse.py): always in ram_mode "small"; in
    "fast", not on the cores without DSP (cortex-m0plus, cortex-m3), where each block's call
    repeats the portable kernel's set-up (KWS on cortex-m3: +0.14% instructions) and "fast"
    promises their counts do not rise. A RAM budget those cores miss still gets the blocks
    (plan_to_fit). The host keeps them, so that host builds check the plans the devices use."""
    return ram_mode == "small" or target.is_host or target.has("dsp")


def check_weights_fit(graph: Graph, target, flash: Optional[int]) -> None:
    """Before any Prepare step: refuse a model whose weights alone exceed the flash budget
    (a model of 50 MB is refused for a 2 MB part in a fraction of a second)."""
    budget = flash if flash is not None else target.flash_bytes
    tensors = [op.input_or_none("weights") for op in graph.ops if op.kind in WEIGHT_OPS]
    weights = {t.index: t.nbytes for t in tensors if t is not None and t.is_const}
    need = sum(weights.values()) + CODE_HEADROOM_BYTES
    if budget is not None and need > budget:
        raise LiteMicroError(f"model needs more than {need:,} bytes of flash (weights "
                             f"{sum(weights.values()):,} + {CODE_HEADROOM_BYTES:,} code) but "
                             f"{target.name} has {budget:,}; use --flash BYTES or --no-budget")


def check_plan(plan: Plan, layers: list[Layer], prefix: str, target: Target, options: Options) -> None:
    """Refuse, before rendering, an arena no 32-bit address space holds, and (with
    options.budget) a model that does not fit the target's RAM or flash."""
    if plan.arena_bytes > ARENA_LIMIT:
        raise LiteMicroError(f"the memory plan needs an arena of {plan.arena_bytes:,} bytes, more "
                             f"than a 32-bit address space can hold ({ARENA_LIMIT:,})")
    if options.budget:
        check_budget(SimpleNamespace(arena_bytes=plan.arena_bytes, layers=layers, prefix=prefix, plan=plan),
                     budget_target(target, options), ram=options.ram, flash=options.flash)


def budget_target(target: Target, options: Options) -> Target:
    """The target whose memory the fit check uses, named as the user chose (a board)."""
    return dataclasses.replace(target, name=options.part) if options.part else target


def _io(t: Tensor, graph: Graph) -> IOInfo:
    return IOInfo(name=t.name, shape=tuple(t.shape), dtype=t.dtype,
                  scale=t.scale, zero_point=t.zero_point, nbytes=t.nbytes,
                  value_range=_value_range(t, graph))


def _value_range(t: Tensor, graph: Graph) -> tuple:
    """For a float tensor next to a quantized one (QUANTIZE's input, DEQUANTIZE's output), the
    real values the int8 side can represent; int8 tensors: the int8 range."""
    if t.dtype != "float32":
        return (-32768, 32767) if t.dtype == "int16" else (-128, 127)
    for op in graph.ops:
        near = [o for o in op.outputs if o.quant] if t in op.inputs else []
        near += [i for i in op.inputs if i is not None and i.quant] if t in op.outputs else []
        for q in near:
            lo, hi = (-32768, 32767) if q.dtype == "int16" else (-128, 127)
            return (float((lo - q.zero_point) * q.scale), float((hi - q.zero_point) * q.scale))
    return (-1.0, 1.0)
