"""Peak RAM of every example model against the live-set bound, TFLM's arena and the target.

    python benchmarks/ram.py [--target cortex-m4] [--models NAME ...] [--no-cycles] [--out FILE]

For each model, with --ram-mode fast (the default) and small: the peak RAM of litemicro's
plan (the arena, scratch included), the live-set bound (separate input and output buffers in
the stored order), what each planner technique saved, the residual blocks run fused and their
recomputed MACs, the stack of invoke (deepest call path
of the compiled code), TFLM's arena
(tflm_reference.csv), the target of issue 12 (at most half of TFLM's arena), and the estimated
cycles of one inference in QEMU next to it (the cost of the plan; --no-cycles skips the runs).
Writes benchmarks/RAM.md (no timestamps: same sources, same file) and prints it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from readme_tables import sync_readme  # noqa: E402
from run import load_reference, millions  # noqa: E402

from lite_micro.bench import bench  # noqa: E402
from lite_micro.errors import LiteMicroError  # noqa: E402
from lite_micro.inspection import inspect_model  # noqa: E402

MODELS = ROOT / "examples" / "models"
# peak RAM targets (bytes): at most half of TFLM's arena; person_detect as VWW (same network)
TARGETS = {"kws_ref_model": 11_000, "vww_96_int8": 40_000, "person_detect": 40_000,
           "pretrainedResnet_quant": 27_000, "ad01_int8": 1_000, "micro_speech_quantized": 3_400}


def measure(name: str, target: str, cycles: bool, ram_mode: str = "fast") -> dict:
    path = MODELS / f"{name}.tflite"
    r = inspect_model(str(path), target, ram_mode=ram_mode)
    if r["unsupported"]:
        return dict(error=r["unsupported"][0])
    row = dict(peak=r["peak_ram_bytes"], bound=r["live_lower_bound_bytes"], savings=r["savings"],
               stack=r["stack_bytes"], in_place=sum(1 for op in r["ops"] if op["in_place"]),
               rows=sum(1 for op in r["ops"] if op["in_place"] and op["in_place"]["mode"] == "rows"),
               placed=sum(1 for op in r["ops"] if op["kernel"] == "placement"), cycles=None,
               fused=len({tuple(op["tile"]["ops"]) for op in r["ops"] if op["tile"]}),
               recomputed=r["recomputed_macs"],
               plan=[((op["in_place"] or {}).get("calls"), (op["tile"] or {}).get("blocks")) for op in r["ops"]])
    if cycles:
        try:
            row["cycles"] = bench(path, target, per_layer=False, ram_mode=ram_mode)["cycles_est"]
        except LiteMicroError as exc:
            row["cycles_error"] = str(exc)
    return row


def measure_both(name: str, target: str, cycles: bool) -> dict:
    """The fast plan, and the small one (its cycles measured only where its plan differs)."""
    fast = measure(name, target, cycles)
    if "error" in fast:
        return fast
    small = measure(name, target, False, "small")
    same = small["peak"] == fast["peak"] and small["plan"] == fast["plan"]
    if cycles and not same:
        small = measure(name, target, True, "small")
    fast["small"] = dict(small, cycles=fast["cycles"] if same else small["cycles"], same=same)
    return fast


def table(rows: dict, ref: dict) -> list[str]:
    lines = ["| model | peak RAM | live-set bound | TFLM arena | target | reached | est. cycles | saved (bytes) "
             "| in-place layers (by rows) | fused blocks (recomputed MACs) | concatenations placed "
             "| stack of invoke | peak RAM, small | reached, small | est. cycles, small |",
             "|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for name, r in rows.items():
        if "error" in r:
            lines.append(f"| {name} | unsupported: {r['error']} |" + " |" * 13)
            continue
        tflm = ref.get(name, {}).get("tflm_arena_bytes")
        goal = TARGETS.get(name)
        small = r["small"]
        lines.append(
            f"| {name} | {r['peak']:,} | {r['bound']:,} | {_num(tflm)} | {_num(goal, '≤ ')} "
            f"| {_reached(r['peak'], goal)} | {_cycles(r['cycles'])} | {_saved(r['savings'])} "
            f"| {r['in_place']} ({r['rows']}) | {r['fused']} ({r['recomputed']:,}) | {r['placed']} "
            f"| {_num(r['stack'])} "
            f"| {'= fast' if small['same'] else format(small['peak'], ',')} | {_reached(small['peak'], goal)} "
            f"| {'= fast' if small['same'] else _cycles(small['cycles'])} |")
    return lines


def _reached(peak: int, goal) -> str:
    return "-" if goal is None else ("yes" if peak <= goal else "no")


def _cycles(c) -> str:
    return millions(c) if c else "-"


def _saved(savings: dict) -> str:
    return ", ".join(f"{k.replace('_', '-')} {v:,}" for k, v in savings.items() if v) or "0"


def _num(v, prefix: str = "") -> str:
    return "—" if v is None else f"{prefix}{v:,}"


def render(rows: dict, ref: dict, target: str) -> str:
    return "\n".join([
        "# Peak RAM", "",
        "Generated by `python benchmarks/ram.py`; do not edit by hand.", "",
        f"- target: `{target}`; bytes from `litemicro inspect --json` (peak_ram_bytes: the arena, every "
        "scratch buffer included; the generated code has no other static RAM)",
        "- live-set bound: the peak of the bytes alive together when every layer reads whole input "
        "buffers and writes a separate output buffer, in the stored order",
        "- saved: bytes of arena each planner technique removed: in-place (pointwise layers writing "
        "over an input that dies there), concat (producers writing into their slice of a "
        "concatenation), rows (convolutions run in place by blocks of rows, the output a few rows "
        "from its input: planner/rows.py), fuse (a conv-conv-ADD residual block run fused by blocks "
        "of rows: the two convolutions' outputs live only as bands of rows, the ADD writes over the "
        "block input: planner/fuse.py; no row is computed twice, so no MACs are recomputed; chosen "
        "in both modes, it costs next to no cycles), order (the searched execution order)",
        "- fast: the default plan (`--ram-mode fast`): only in-place blocks that cost next to no "
        "cycles; small (`--ram-mode small`): every block size, for the smallest peak (on KWS the "
        "depthwise layers then leave the 3x3 walk down the columns for a kernel that blocks of "
        "rows do not slow down)",
        "- stack of invoke: deepest call path of the compiled code (GCC -fcallgraph-info=su), "
        "library calls (memcpy, memset) not counted",
        "- TFLM arena: tflm_reference.csv; target: at most half of it (issue 12)",
        "- est. cycles: one inference in QEMU, Cortex-M4 cycle estimate (benchmarks/run.py method)",
        "", *table(rows, ref), ""])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="cortex-m4")
    parser.add_argument("--models", nargs="*", help="model names (file stems); default: all examples")
    parser.add_argument("--no-cycles", action="store_true", help="skip the QEMU runs")
    parser.add_argument("--out", type=Path, default=HERE / "RAM.md")
    args = parser.parse_args(argv)
    names = args.models or sorted(p.stem for p in MODELS.glob("*.tflite"))
    rows = {}
    for name in names:
        print(f"ram {name} ...", file=sys.stderr, flush=True)
        rows[name] = measure_both(name, args.target, not args.no_cycles)
    text = render(rows, load_reference(), args.target)
    args.out.write_text(text)
    print(text)
    if args.out == HERE / "RAM.md" and args.models is None:
        sync_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
