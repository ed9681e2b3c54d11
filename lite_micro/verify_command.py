"""`litemicro verify MODEL [--target T] [--inputs N | --data FILE] [--float MODEL] [--per-layer] [--json]`.

Exit 0 iff every output byte equals TFLM's. On a mismatch, or always with --per-layer, the
target's build is compared with TFLM layer by layer and the first layer that differs is named.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import LiteMicroError
from .progress import Progress

EXIT_OK, EXIT_MISMATCH = 0, 1


def run_verify(args) -> int:
    from .verify import verify

    if args.inputs < 1:
        raise LiteMicroError("--inputs must be at least 1")
    with Progress.for_stderr() as progress:
        result = verify(args.model, target=args.target, count=args.inputs, seed=args.seed,
                        data=args.data, progress=progress, timeout=args.timeout, ram_mode=args.ram_mode)
        report, lines = result.as_dict(), [_summary(result, args)]
        if args.data:
            report["data"] = Path(args.data).name
        if args.float_model:
            from .float_check import render_table
            report["float_comparison"] = rows = _float_rows(args, result, progress)
            lines.append(render_table(rows))
        if args.per_layer or not result.ok:
            report["per_layer"], text = _per_layer(args.model, args.target, result, progress, args.ram_mode)
            lines.append(text)
    print(json.dumps(report, indent=2) if args.json else "\n".join(lines))
    return EXIT_OK if result.ok else EXIT_MISMATCH


def _summary(result, args) -> str:
    source = f"{result.inputs} samples from {Path(args.data).name}" if args.data else f"{result.inputs} inputs"
    if result.ok:
        return (f"{result.model} on {result.target}: bit-exact with TFLM on {source} "
                f"({result.total_bytes:,} output bytes compared)")
    return (f"{result.model} on {result.target}: MISMATCH on {result.mismatched_inputs} of {source} "
            f"({result.mismatched_bytes} bytes); first: {result.first_mismatch}")


def _float_rows(args, result, progress) -> list[dict]:
    from .api import Options, compile_model
    from .float_check import float_inputs, metrics, run_float_model
    from .verify_data import load_samples

    gen = compile_model(args.model, Options(target="host"))  # I/O facts only; nothing is built
    raw = load_samples(args.data, gen.inputs, convert=False) if args.data else result.sets
    float_outs = run_float_model(args.float_model, float_inputs(raw, gen.inputs), progress)
    return metrics(result.outputs, float_outs, gen.outputs)


def _per_layer(model: str, target, result, progress, ram_mode: str = "fast") -> tuple[dict, str]:
    """Layer-by-layer comparison of the verified target's build on the first mismatching input
    set (else the last set: with random inputs, a random one rather than an edge)."""
    from .api import Options, compile_model
    from .per_layer import first_divergence

    k = result.first_mismatch_set if result.first_mismatch_set >= 0 else len(result.sets) - 1
    if progress:
        progress(f"per-layer comparison on input set {k} ({result.target})")
    gen = compile_model(model, Options(target=target, ram_mode=ram_mode))
    found, compared = first_divergence(gen, Path(model).read_bytes(), result.sets[k])
    report = dict(input_set=k, build=result.target, layers_compared=compared,
                  first_divergence=found.as_dict() if found else None)
    where = f"per layer (input set {k}, {result.target})"
    if found:
        return report, f"{where}: {found.describe()}"
    return report, f"{where}: all {compared} layer outputs equal TFLM's"
