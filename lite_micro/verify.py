"""`litemicro verify`: our generated code against the TFLM interpreter, every output byte."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .api import Options, compile_model
from .reference import Reference, input_sets
from .targets import DEFAULT_TARGET, Target, as_target


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
    outputs: list = field(default_factory=list, repr=False)  # ours, [set][output index]
    sets: list = field(default_factory=list, repr=False)     # the inputs, [set][input index]
    first_mismatch_set: int = -1

    @property
    def ok(self) -> bool:
        return self.mismatched_inputs == 0

    def as_dict(self) -> dict:
        return dict(model=self.model, target=self.target, inputs=self.inputs, bit_exact=self.ok,
                    mismatched_inputs=self.mismatched_inputs, mismatched_bytes=self.mismatched_bytes,
                    total_bytes=self.total_bytes, first_mismatch=self.first_mismatch)


def verify(model_path: str, target: str | Target = DEFAULT_TARGET, count: int = 20, seed: int = 0,
           workdir: Path | None = None, *, data=None, progress=None,
           timeout: float | None = None, ram_mode: str = "fast") -> VerifyResult:
    """`data`: a samples file or folder (lite_micro.verify_data) instead of `count` random sets."""
    from .toolchain.firmware import require_firmware_tools
    from .verify_data import load_samples, run_batched

    target = as_target(target)
    require_firmware_tools(target, "verify")
    gen = compile_model(model_path, Options(target=target, ram_mode=ram_mode))
    ref = Reference(Path(model_path).read_bytes())
    sets = load_samples(data, gen.inputs) if data else input_sets(gen.inputs, count, seed)
    with tempfile.TemporaryDirectory(prefix="litemicro-verify-") as tmp:
        ours = run_batched(gen, sets, Path(workdir or tmp), progress, timeout)
    result = VerifyResult(model=Path(model_path).name, target=target.name, inputs=len(sets), outputs=ours, sets=sets)
    for k, s in enumerate(sets):
        if progress:
            progress.count(k + 1, len(sets), "TFLM and compare")
        want = ref.run(s, len(gen.outputs))
        got = ours[k] if k < len(ours) else []
        if len(got) != len(want):   # a missing set or output is a mismatch, not a shorter check
            result.first_mismatch_set = k if result.first_mismatch_set < 0 else result.first_mismatch_set
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
        result.first_mismatch_set = k if result.first_mismatch_set < 0 else result.first_mismatch_set
        result.mismatched_inputs += 1
        result.mismatched_bytes += bad
