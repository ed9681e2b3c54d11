"""Custom operators: a user's Prepare (Python) and kernel (C), registered under the custom op
name the model uses.

An ops file is a Python module with a function `register(registry)` that calls
`registry.add(name, prepare, sources)` once per custom op:

    from lite_micro.ops.base import Layer, ParamsArg, TensorArg

    def prepare_clip(op, options: bytes) -> Layer:
        inp, out = op.inputs[0], op.outputs[0]
        if inp.dtype != "int8":
            raise ValueError(f"input is {inp.dtype}; only int8 is supported")
        lo, hi = options[0] - 128, options[1] - 128
        return Layer(op=op, kernel="my_clip_s8", args=[TensorArg(inp, const=True), TensorArg(out),
                     str(out.size), str(lo), str(hi)], note=f"clip to [{lo}, {hi}]")

    def register(registry):
        registry.add("MyClip", prepare_clip, sources=["my_clip.h", "my_clip.c"])

`prepare(op, options)` receives the IR op (op.inputs / op.outputs are Tensors with shape,
dtype, quantization and, for constants, data) and the op's custom options bytes, and returns
a Layer exactly as the built-in ops do: the C function, its arguments and any constant
tables, every number computed in Python. A ValueError (or any LiteMicroError) becomes the
one-line "not supported" error naming the op. `sources` are C files, relative to the ops
file, shipped with the generated code; the headers among them are included by the model.

`load_ops_file(path)` imports such a file and returns the registry; `registry.install()`
makes its ops known to the compiler (`ops.PREPARE`).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..errors import LiteMicroError, UnsupportedError
from ..ir import Op
from .base import Layer

Prepare = Callable[[Op, bytes], Layer]
HOW_TO_REGISTER = ("give its Prepare and C kernel with --ops FILE (a Python file defining "
                   "register(registry); see examples/custom_op)")
INSTALLED: dict[str, str] = {}         # custom op name -> ops file it was installed from


def kind(name: str) -> str:
    """The op kind the frontend gives a custom op named `name`."""
    return f"CUSTOM({name})"


@dataclass
class CustomOp:
    name: str
    prepare: Prepare
    sources: dict[str, str]            # C file name -> text
    origin: str                        # where it was registered (the ops file)


@dataclass
class Registry:
    origin: Path = Path(".")
    ops: dict[str, CustomOp] = field(default_factory=dict)

    def add(self, name: str, prepare: Prepare, sources=()) -> None:
        if not name or not callable(prepare):
            raise LiteMicroError(f"{self.origin}: custom op needs a name and a prepare function")
        if name in self.ops:
            raise LiteMicroError(f"{self.origin}: custom op '{name}' is registered twice")
        texts = {}
        for src in sources:
            path = Path(src) if Path(src).is_absolute() else self.origin.parent / src
            if path.suffix not in (".c", ".h") or not path.is_file():
                raise LiteMicroError(f"{self.origin}: custom op '{name}': source {src} is not a .c or .h file")
            texts[path.name] = path.read_text()
        self.ops[name] = CustomOp(name, prepare, texts, str(self.origin))

    def table(self) -> dict[str, Callable[[Op], Layer]]:
        """{op kind: prepare} in the form of the compiler's table `ops.PREPARE`."""
        return {kind(op.name): _bridge(op) for op in self.ops.values()}

    def install(self) -> None:
        """Make the ops known to the compiler."""
        from . import PREPARE
        PREPARE.update(self.table())
        INSTALLED.update({op.name: op.origin for op in self.ops.values()})


def _bridge(custom: CustomOp) -> Callable[[Op], Layer]:
    def prepare(op: Op) -> Layer:
        options = bytes(op.options.custom_options)
        try:
            layer = custom.prepare(op, options)
        except LiteMicroError:
            raise
        except ValueError as exc:
            raise UnsupportedError(f"{op.describe()}: {exc}") from None
        if not isinstance(layer, Layer):
            raise LiteMicroError(f"{op.describe()}: the prepare of custom op '{custom.name}' "
                                 f"({custom.origin}) returned {type(layer).__name__}, not a Layer")
        return replace(layer, runtime=tuple(layer.runtime) + tuple(custom.sources),
                       sources={**layer.sources, **custom.sources},
                       note=layer.note or f"custom op from {Path(custom.origin).name}")
    return prepare


def load_ops_file(path) -> Registry:
    """Import a user's ops file and run its `register(registry)`; one-line errors."""
    path = Path(path)
    if not path.is_file():
        raise LiteMicroError(f"{path}: no such ops file")
    spec = importlib.util.spec_from_file_location(f"litemicro_user_ops_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:             # the user's code: report it in one line
        raise LiteMicroError(f"{path}: importing the ops file failed: {type(exc).__name__}: {exc}") from None
    register = getattr(module, "register", None)
    if not callable(register):
        raise LiteMicroError(f"{path}: an ops file must define register(registry)")
    registry = Registry(origin=path)
    try:
        register(registry)
    except LiteMicroError:
        raise
    except Exception as exc:
        raise LiteMicroError(f"{path}: register() failed: {type(exc).__name__}: {exc}") from None
    return registry


def use_ops_file(path) -> Registry:
    """What `litemicro gen/inspect/verify --ops FILE` does: load the file, install its ops."""
    registry = load_ops_file(path)
    registry.install()
    return registry


def custom_ops_in(graph) -> list[dict]:
    """For `inspect`: each custom op name in the graph, the ops using it, and where its Prepare
    comes from (the ops file) or how to register one."""
    found: dict[str, list[int]] = {}
    for op in graph.ops:
        if op.kind.startswith("CUSTOM(") and op.kind.endswith(")"):
            found.setdefault(op.kind[len("CUSTOM("):-1], []).append(op.index)
    return [dict(name=name, ops=indices, registered_from=INSTALLED.get(name),
                 how_to_register=None if name in INSTALLED else HOW_TO_REGISTER)
            for name, indices in sorted(found.items())]
