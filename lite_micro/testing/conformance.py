"""Differential conformance: run one-op models through our generated C and through
the TFLM interpreter, and report every output that differs (tolerance 0).

All models of a batch are compiled into ONE host module (one C compile per batch).
Each model runs `inputs_per_model` random inputs (seeded by `seed` and the model's
bytes, so a model gets the same inputs wherever it sits in a batch), then all
inputs at -128 and all at 127 (saturating), in that order, on both sides;
stateful ops (SVDF) therefore see the same sequence on both sides.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tflite

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError
from lite_micro.ir.dtypes import dtype
from lite_micro.testing.describe import describe_model
from lite_micro.testing.isolate import Crashed, run_isolated
from lite_micro.toolchain.host import build_host

NP_DTYPES = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "float32": np.float32}


@dataclass
class Mismatch:
    """One problem found with one model.

    kind: "mismatch" (outputs differ), "unsupported" (compile_model raised
    LiteMicroError), "error" (our side crashed: compiler exception, failed C build,
    invoke error) or "tflm" (the oracle rejected the model: a builder bug).
    """
    kind: str
    index: int
    op: str
    config: dict
    model: bytes
    message: str = ""
    inputs: list = field(default_factory=list)
    ours: list = field(default_factory=list)
    tflm: list = field(default_factory=list)

    def summary(self) -> str:
        return f"[{self.kind}] case {self.index} {self.op}: {self.message} | " \
               f"{self.config.get('summary', '')}"


def run_cases(models: list, inputs_per_model: int = 3, seed: int = 0,
              workdir=None, replay=None, spread: dict | None = None) -> list[Mismatch]:
    """Check every model (bytes, or anything with .build() -> bytes); return the
    problems found. Models that are not in the list returned matched TFLM exactly.
    `replay` (one list of input sets per model) is run before the random inputs.
    `spread`, if given, receives index -> Spread of TFLM's outputs for the random input
    sets (how informative a matching case was)."""
    models = [m if isinstance(m, (bytes, bytearray)) else m.build() for m in models]
    problems, compiled = [], []
    for i, model in enumerate(models):
        try:
            gen = compile_model(bytes(model), Options(target="host", prefix=f"c{i}"))
            compiled.append((i, gen))
        except LiteMicroError as exc:
            problems.append(_problem("unsupported", i, model, str(exc)))
        except Exception as exc:               # a traceback is a compiler bug
            where = traceback.extract_tb(exc.__traceback__)[-1]
            problems.append(_problem("error", i, model, f"compile_model raised {exc!r} at "
                                     f"{Path(where.filename).name}:{where.lineno}"))
    with tempfile.TemporaryDirectory() as tmp:
        for module, batch, failure in _build(compiled, workdir or tmp):
            if module is None:
                problems += [_problem("error", i, models[i], failure) for i, _ in batch]
                continue

            def check(item, module=module):
                i, gen = item
                fixed = replay[i] if replay else []
                return _compare(module, i, gen, models[i], inputs_per_model,
                                seed + zlib.crc32(models[i]), fixed)

            for (i, _), result in zip(batch, run_isolated(batch, check)):
                if isinstance(result, Crashed):
                    result = _problem("error", i, models[i], f"checking crashed: {result.reason}")
                elif isinstance(result, Spread):
                    if spread is not None:
                        spread[i] = result
                    result = None
                if result is not None:
                    problems.append(result)
    return sorted(problems, key=lambda p: p.index)


@dataclass(frozen=True)
class Spread:
    """How TFLM's outputs spread over the random inputs of a case: the number of distinct
    values, the share of the most common value, and the share of int8 values at -128 or 127."""
    distinct: int
    top_share: float
    saturated_share: float

    @staticmethod
    def of(outputs) -> "Spread":
        if not outputs:
            return Spread(0, 1.0, 0.0)
        flat = np.concatenate([np.asarray(o, np.float64).reshape(-1) for o in outputs])
        _, counts = np.unique(flat, return_counts=True)
        int8 = np.concatenate([np.asarray(o).reshape(-1) for o in outputs if np.asarray(o).dtype == np.int8]
                              or [np.zeros(0, np.int8)])
        saturated = float(np.mean((int8 == -128) | (int8 == 127))) if int8.size else 0.0
        return Spread(len(counts), float(counts.max() / flat.size), saturated)

    def informative(self, top: float = 0.75, saturated: float = 0.75, many: int = 32) -> bool:
        """At least two values, none taking more than `top` of the outputs unless there are
        `many` distinct ones (a transposed convolution with a stride past its kernel leaves most
        outputs at the bias alone, its other outputs still spread), and at most `saturated` of
        the int8 outputs at the ends of the range."""
        return (self.distinct >= 2 and (self.top_share <= top or self.distinct >= many)
                and self.saturated_share <= saturated)


def _problem(kind, index, model, message, **extra) -> Mismatch:
    config = describe_model(bytes(model))
    return Mismatch(kind, index, config["op"], config, bytes(model), message, **extra)


def _build(compiled, workdir):
    """Yield (module, batch, failure): one module for everything when the C builds,
    else split in halves until each failing model stands alone."""
    if not compiled:
        return
    try:
        yield build_host([gen for _, gen in compiled], workdir), compiled, ""
    except LiteMicroError as exc:
        if len(compiled) == 1:
            yield None, compiled, f"generated C does not build: {exc}"
            return
        half = len(compiled) // 2
        yield from _build(compiled[:half], workdir)
        yield from _build(compiled[half:], workdir)


def model_inputs(gen, count: int, seed: int) -> list[list[np.ndarray]]:
    """`count` random input sets, then all -128 and all 127 (float inputs: values
    spread over and beyond the quantized range of the model's output)."""
    rng = np.random.default_rng(seed)
    sets = [[_random(info, rng, gen) for info in gen.inputs] for _ in range(count)]
    for fill in (-128, 127):
        sets.append([_filled(info, fill, gen) for info in gen.inputs])
    return sets


def _random(info, rng, gen):
    if info.dtype in ("int8", "int16"):
        d = dtype(info.dtype)
        return rng.integers(d.lo, d.hi + 1, size=info.shape, dtype=d.numpy)
    lo, hi = _float_range(gen)
    return rng.uniform(lo * 1.25, hi * 1.25, size=info.shape).astype(NP_DTYPES[info.dtype])


def _filled(info, fill, gen):
    if info.dtype in ("int8", "int16"):
        d = dtype(info.dtype)
        return np.full(info.shape, d.lo if fill < 0 else d.hi, dtype=d.numpy)
    lo, hi = _float_range(gen)
    return np.full(info.shape, 2 * (lo if fill < 0 else hi), dtype=NP_DTYPES[info.dtype])


def _float_range(gen):
    out = gen.outputs[0]
    scale = out.scale or 1.0
    d = dtype(out.dtype if out.dtype in ("int8", "int16") else "int8")
    return scale * (d.lo - out.zero_point), scale * (d.hi - out.zero_point)


def _compare(module, index, gen, model, count, seed, fixed=()):
    from tflite_micro.python.tflite_micro import runtime

    try:
        oracle = runtime.Interpreter.from_bytes(bytes(model), arena_size=max(1 << 20, 10 * len(model)))
    except Exception as exc:
        return _problem("tflm", index, model, f"TFLM rejects the model: {exc}")
    sets = [[np.asarray(a, NP_DTYPES[info.dtype]).reshape(info.shape) for a, info in
             zip(inputs, gen.inputs)] for inputs in fixed] + model_inputs(gen, count, seed)
    seen = []
    for k, inputs in enumerate(sets):
        for j, arr in enumerate(inputs):
            oracle.set_input(arr, j)
        oracle.invoke()
        expected = [np.asarray(oracle.get_output(j)) for j in range(graph_outputs(model))]
        try:
            ours = module.run(gen.prefix, inputs)
        except LiteMicroError as exc:
            return _problem("error", index, model, f"input set {k}: {exc}", inputs=inputs)
        diff = _first_difference(ours, expected)
        if diff:
            return _problem("mismatch", index, model, f"input set {k}: {diff}",
                            inputs=inputs, ours=ours, tflm=expected)
        if len(fixed) <= k < len(fixed) + count:
            seen += expected
    return Spread.of(seen)


def graph_outputs(model: bytes) -> int:
    return tflite.Model.GetRootAs(bytes(model), 0).Subgraphs(0).OutputsLength()


def _first_difference(ours, expected) -> str:
    if len(ours) != len(expected):
        return f"{len(ours)} outputs vs TFLM {len(expected)}"
    for j, (a, b) in enumerate(zip(ours, expected)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return f"output {j} shape {a.shape} vs TFLM {b.shape}"
        if a.dtype != b.dtype:
            return f"output {j} dtype {a.dtype} vs TFLM {b.dtype}"
        if not np.array_equal(a, b):
            bad = np.argwhere(a != b)
            where = tuple(int(x) for x in bad[0])
            return (f"output {j}: {len(bad)} of {a.size} values differ, first at {where}: "
                    f"ours {a[where]} vs TFLM {b[where]}")
    return ""


def save_regression(problem: Mismatch, folder) -> Path:
    """Keep a failing model as `<op>_<hash>.tflite` plus a JSON note; returns the
    model's path. The name depends only on the bytes, so saving twice is harmless."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(problem.model).hexdigest()[:10]
    path = folder / f"{problem.op.lower()}_{digest}.tflite"
    path.write_bytes(problem.model)
    note = {"op": problem.op, "kind": problem.kind, "message": problem.message,
            "model": problem.config["summary"], "options": problem.config["options"],
            "tensors": problem.config["tensors"]}
    if problem.kind == "mismatch" and sum(np.asarray(a).size for a in problem.inputs) <= 64:
        note["inputs"] = [np.asarray(a).tolist() for a in problem.inputs]
        note["ours"] = [np.asarray(a).tolist() for a in problem.ours]
        note["tflm"] = [np.asarray(a).tolist() for a in problem.tflm]
    path.with_suffix(".json").write_text(json.dumps(note, indent=1) + "\n")
    return path
