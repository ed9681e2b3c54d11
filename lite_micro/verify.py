"""`litemicro verify`: our generated code against the TFLM interpreter, every output byte."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .api import Options, compile_model
from .reference import Reference, input_sets
from .targets import load_target


@dataclass
class VerifyResult:
    model: str
    target: str
    inputs: int
    mismatched_inputs: int = 0
    mismatched_bytes: int = 0
    total_bytes: int = 0
    first_mismatch: str = ""
    details: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatched_inputs == 0

    def as_dict(self) -> dict:
        return dict(model=self.model, target=self.target, inputs=self.inputs, bit_exact=self.ok,
                    mismatched_inputs=self.mismatched_inputs, mismatched_bytes=self.mismatched_bytes,
                    total_bytes=self.total_bytes, first_mismatch=self.first_mismatch)


def run_ours(gen, target_name: str, sets, workdir: Path) -> list[list[np.ndarray]]:
    target = load_target(target_name)
    if target.is_host:
        from .build.host import build_host
        module = build_host([gen], workdir / "host")
        module.reset(gen.prefix)  # a module loaded before keeps its state: start fresh, as TFLM does
        return [module.run(gen.prefix, s) for s in sets]
    from .build.firmware import build_firmware
    from .build.qemu import run_firmware
    elf = build_firmware(gen, target, sets, workdir / target.name)
    return run_firmware(elf, target)


def verify(model_path: str, target: str = "host", count: int = 20, seed: int = 0,
           workdir: Path | None = None) -> VerifyResult:
    load_target(target)
    gen = compile_model(model_path, Options(target=target))
    data = Path(model_path).read_bytes()
    ref = Reference(data)
    sets = input_sets(gen.inputs, count, seed)
    with tempfile.TemporaryDirectory(prefix="litemicro-verify-") as tmp:
        ours = run_ours(gen, target, sets, Path(workdir or tmp))
    result = VerifyResult(model=Path(model_path).name, target=target, inputs=len(sets))
    for k, s in enumerate(sets):
        want = ref.run(s, len(gen.outputs))
        got = ours[k] if k < len(ours) else []
        if len(got) != len(want):   # a missing set or output is a mismatch, not a shorter check
            result.mismatched_inputs += 1
            result.mismatched_bytes += sum(np.asarray(w).nbytes for w in want[len(got):])
            result.total_bytes += sum(np.asarray(w).nbytes for w in want)
            if not result.first_mismatch:
                result.first_mismatch = (f"input set {k}: litemicro gave {len(got)} of "
                                         f"{len(want)} outputs")
            continue
        _compare_set(result, k, want, got)
    return result


def _compare_set(result: VerifyResult, k: int, want: list, got: list) -> None:
    bad = 0
    for j, (w, g) in enumerate(zip(want, got)):
        # compare raw bytes (a float output must match bit for bit, not within a tolerance)
        w = np.ascontiguousarray(w).reshape(-1).view(np.uint8)
        g = np.ascontiguousarray(g).reshape(-1).view(np.uint8)
        result.total_bytes += w.size
        diff = np.nonzero(w != g)[0] if w.size == g.size else np.arange(max(w.size, g.size))
        bad += diff.size
        if diff.size and not result.first_mismatch:
            i = int(diff[0])
            result.first_mismatch = (f"input set {k}, output {j}, byte {i}: "
                                     f"TFLM {int(w[i]) if i < w.size else None}, "
                                     f"litemicro {int(g[i]) if i < g.size else None}")
    if bad:
        result.mismatched_inputs += 1
        result.mismatched_bytes += bad
