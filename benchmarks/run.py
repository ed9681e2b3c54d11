"""Benchmark every example model and write benchmarks/RESULTS.md.

    python benchmarks/run.py [--target cortex-m4] [--models NAME ...] [--out FILE]
                             [--other-targets cortex-m7 cortex-m33 ...] [--record-baseline]

For each model in examples/models: exact instructions of one inference in QEMU, the
Cortex-M4 cycle estimate, arena and firmware sizes, per layer; side by side with the
TFLM reference figures (tflm_reference.csv) and the ratios litemicro / TFLM.
Same sources, same numbers: the file has no timestamps.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from readme_tables import sync_readme  # noqa: E402

from lite_micro.bench import bench  # noqa: E402
from lite_micro.bench.cycles import cycle_model_note  # noqa: E402
from lite_micro.errors import LiteMicroError  # noqa: E402

MODELS = ROOT / "examples" / "models"
BASELINE = HERE / "icount_baseline.json"


def load_reference(path: Path = HERE / "tflm_reference.csv") -> dict[str, dict[str, int]]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return {row["model"]: {k: int(v) for k, v in row.items() if k != "model"}
            for row in csv.DictReader(lines)}


def run_all(names: list[str], target: str) -> dict[str, dict | str]:
    """model name -> bench result, or the one-line reason it could not be benchmarked."""
    results = {}
    for name in names:
        print(f"bench {name} on {target} ...", file=sys.stderr, flush=True)
        try:
            results[name] = bench(MODELS / f"{name}.tflite", target)
        except LiteMicroError as exc:
            results[name] = str(exc)
    return results


def ratio(ours: int, theirs: int | None) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def millions(n: int) -> str:
    return f"{n / 1e6:.3f} M" if n >= 100_000 else f"{n:,}"


def summary_table(results: dict, ref: dict) -> list[str]:
    rows = ["| model | MACs | instructions | est. cycles | cycles/MAC | arena B "
            "| TFLM ref instr | TFLM+CMSIS-NN instr | TFLM+CMSIS-NN est. cycles | TFLM arena B "
            "| instr / TFLM ref | instr / CMSIS-NN | cycles / CMSIS-NN | arena / TFLM |",
            "|---|" + "---:|" * 13]
    for name, r in results.items():
        if isinstance(r, str):
            rows.append(f"| {name} | not benchmarked: {r} |" + " |" * 12)
            continue
        t = ref.get(name, {})
        rows.append(
            f"| {name} | {r['macs']:,} | {millions(r['instructions'])} | {millions(r['cycles_est'])} "
            f"| {r['cycles_per_mac'] or '-'} | {r['arena_bytes']:,} "
            f"| {_ref(t, 'tflm_ref_instr')} | {_ref(t, 'tflm_cmsis_instr')} "
            f"| {_ref(t, 'tflm_cmsis_cycles_est')} | {_ref(t, 'tflm_arena_bytes', False)} "
            f"| {ratio(r['instructions'], t.get('tflm_ref_instr'))} "
            f"| {ratio(r['instructions'], t.get('tflm_cmsis_instr'))} "
            f"| {ratio(r['cycles_est'], t.get('tflm_cmsis_cycles_est'))} "
            f"| {ratio(r['arena_bytes'], t.get('tflm_arena_bytes'))} |")
    return rows


def _ref(t: dict, key: str, as_millions: bool = True) -> str:
    if key not in t:
        return "-"
    return millions(t[key]) if as_millions else f"{t[key]:,}"


CATEGORIES = ("conv 1x1", "conv kxk", "depthwise", "FC", "elementwise")


def op_type_table(results: dict) -> list[str]:
    """Estimated cycles per MAC of each op type (per output element for element-wise ops), and
    the flash split into kernel code and constant data (weights, biases, tables)."""
    rows = ["| model | " + " | ".join(CATEGORIES) + " | kernel code B | weights and tables B |",
            "|---|" + "---:|" * (len(CATEGORIES) + 2)]
    for name, r in results.items():
        if isinstance(r, str) or not r.get("layers"):
            continue
        cells = []
        for cat in CATEGORIES:
            layers = [row for row in r["layers"] if row.get("category") == cat]
            work = sum(row["elements"] if cat == "elementwise" else row["macs"] for row in layers)
            cycles = sum(row["cycles_est"] for row in layers)
            cells.append(f"{cycles / work:.2f}" if work else "-")
        rows.append(f"| {name} | " + " | ".join(cells)
                    + f" | {r['kernel_code_bytes']:,} | {r['flash_data_bytes']:,} |")
    return rows


CONV = ("conv 1x1", "conv kxk")
WIDE = 16                   # input channels from which the conv target applies
TARGETS = {"conv 1x1": "<= 1.2", "conv kxk": "<= 1.2", "depthwise": "<= 2.5 for 3x3", "depthwise 3x3": "<= 2.5",
           "depthwise other": "- (the target is for 3x3)"}
NARROW = f"- (the target is for >= {WIDE} input channels)"
SMLAD_LIMIT = 0.5           # cycles per MAC: one SMLAD (two MACs) per cycle


def channel_class(row: dict) -> str:
    """A conv layer's input-channel class (the conv target applies to >= WIDE); '-' for other ops."""
    if row.get("category") not in CONV or row.get("in_channels") is None:
        return "-"
    return f">= {WIDE}" if row["in_channels"] >= WIDE else f"< {WIDE}"


INT16 = "- (int16: the targets are for int8 kernels)"


def table_op(row: dict) -> str:
    """A layer's op type in the kernel table: its category, depthwise split into 3x3 and other
    kernel sizes (the depthwise target is for 3x3); plain 'depthwise' where the row does not
    say its kernel size."""
    if row.get("category") == "depthwise" and row.get("kernel_size"):
        return "depthwise 3x3" if row["kernel_size"] == "3x3" else "depthwise other"
    return row.get("category")


def row_target(category: str, channels: str, kernel: str = "") -> str:
    """The speed target of a kernel table row: a conv row with < WIDE input channels has none,
    nor has an int16 kernel's row (the issue's targets are for the int8 path)."""
    if "s16" in kernel.split("_") and category in TARGETS:      # lm_conv_s16, lm_conv_s16_dsp, ...
        return INT16
    if category in CONV and channels != f">= {WIDE}":
        return NARROW
    return TARGETS.get(category, "-")


def kernel_family(kernel: str) -> str:
    """A kernel's name without its per-layer instance part (lm_dw3x3_c32_w24_h_q1_l24 ->
    lm_dw3x3): the words up to the first one made of a letter and digits other than a type
    (lm_conv_s8 and lm_conv_s16 stay apart)."""
    words = kernel.split("_")
    for k, word in enumerate(words[1:], 1):
        if re.fullmatch(r"[a-z]\d+", word) and word not in ("s8", "s16", "s32"):
            return "_".join(words[:k])
    return kernel


def kernel_table(results: dict) -> list[str]:
    """Estimated cycles per MAC of each kernel (instances of one generated kernel together) over
    every model, against the SMLAD limit and the speed targets."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for r in results.values():
        for row in [] if isinstance(r, str) else r.get("layers") or []:
            if row["macs"] and row.get("category") in (*TARGETS, "FC"):
                key = (kernel_family(row["kernel"]), table_op(row), channel_class(row))
                t = totals.setdefault(key, [0, 0, 0])
                t[0], t[1], t[2] = t[0] + 1, t[1] + row["macs"], t[2] + row["cycles_est"]
    rows = ["| kernel | op type | input channels | layers | MACs | est. cycles | cycles/MAC | x SMLAD limit "
            "| target |", "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for (name, cat, chans), (n, macs, cycles) in sorted(totals.items(), key=lambda kv: -kv[1][2]):
        per = cycles / macs
        rows.append(f"| {name} | {cat} | {chans} | {n} | {macs:,} | {cycles:,} | {per:.2f} "
                    f"| {per / SMLAD_LIMIT:.1f} | {row_target(cat, chans, name)} |")
    return rows


def cores_table(by_target: dict[str, dict]) -> list[str]:
    """Instructions per inference of every model on other cores (the M4 cycle model does not
    apply to them)."""
    targets = list(by_target)
    names = sorted({n for res in by_target.values() for n in res})
    rows = ["| model | " + " | ".join(f"{t} instructions" for t in targets) + " |",
            "|---|" + "---:|" * len(targets)]
    for name in names:
        cells = [millions(res[name]["instructions"]) if isinstance(res.get(name), dict) else "-"
                 for res in by_target.values()]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def size_table(results: dict) -> list[str]:
    rows = ["| model | arena B | static RAM B | flash code B | flash data B |", "|---|---:|---:|---:|---:|"]
    for name, r in results.items():
        if not isinstance(r, str):
            rows.append(f"| {name} | {r['arena_bytes']:,} | {r['ram_static_bytes']:,} "
                        f"| {r['flash_code_bytes']:,} | {r['flash_data_bytes']:,} |")
    return rows


def layer_table(r: dict) -> list[str]:
    rows = [f"### {r['model']}", "",
            "| # | op | instructions | est. cycles | MACs | cycles/MAC |", "|---:|---|---:|---:|---:|---:|"]
    for row in r["layers"]:
        rows.append(f"| {row['index']} | {row['op']} | {row['instructions']:,} | {row['cycles_est']:,} "
                    f"| {row['macs']:,} | {row['cycles_per_mac'] or '-'} |")
    rows.append(f"| | invoke outside layers | {r['overhead_instructions']:,} "
                f"| {r['overhead_cycles_est']:,} | | |")
    return rows + [""]


def tool_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def render(results: dict, ref: dict, target: str, others: dict | None = None) -> str:
    lines = [
        "# Benchmark results", "",
        "Generated by `python benchmarks/run.py`; do not edit by hand.", "",
        f"- target: `{target}`, firmware run in `qemu-system-arm` ({tool_version(['qemu-system-arm', '--version'])})",
        f"- compiler: {tool_version(['arm-none-eabi-gcc', '--version'])}",
        "- instructions: exact count of one inference (after a warm-up inference), by the project's "
        "QEMU TCG plugin; the benchmark markers' own instructions are removed",
        f"- cycles: estimate, {cycle_model_note(target)} (see templates/qemu_plugin/lm_cycles.h)",
        "- ratios are litemicro / TFLM: below 1.00x litemicro is smaller or faster",
        "- TFLM figures: tflm_reference.csv (TFLM on the same simulated Cortex-M4, same counting method)",
        "", "## Speed and arena", "", *summary_table(results, ref),
        "", "## Cycles per MAC by op type", "",
        "Estimated cycles per MAC (element-wise ops: per output element); flash split into the "
        "runtime kernels' code and the model's constant data.", "", *op_type_table(results),
        "", "## Cycles per MAC by kernel", "",
        f"Every model's MAC layers by kernel (a generated kernel's per-layer instances together); "
        f"the SMLAD limit is {SMLAD_LIMIT} cycles/MAC. Conv rows are split by input channels: the conv "
        f"target applies to layers with >= {WIDE} (a layer with fewer has few MACs per output for "
        f"its requantization and store); depthwise rows by kernel size: the depthwise target is for 3x3.",
        "", *kernel_table(results),
        "", "## Memory (whole firmware: model, harness, startup and C library)", "", *size_table(results),
        "", "## Per layer", "",
    ]
    if others:
        lines += ["## Other cores", "", *cores_table(others), ""]
    for r in results.values():
        if not isinstance(r, str) and r.get("layers"):
            lines += layer_table(r)
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="cortex-m4")
    parser.add_argument("--models", nargs="*", help="model names (file stems); default: all examples")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--other-targets", nargs="*", default=[],
                        help="also count instructions on these cores (e.g. cortex-m7 cortex-m33)")
    parser.add_argument("--record-baseline", action="store_true",
                        help=f"write the instruction counts to {BASELINE.name} (the CI regression figures)")
    args = parser.parse_args(argv)
    names = args.models or sorted(p.stem for p in MODELS.glob("*.tflite"))
    results = run_all(names, args.target)
    others = {t: run_all(names, t) for t in args.other_targets}
    text = render(results, load_reference(), args.target, others)
    args.out.write_text(text)
    print(f"wrote {args.out.name}", file=sys.stderr)
    if args.out == HERE / "RESULTS.md" and args.models is None:
        sync_readme(text)
    if args.record_baseline:
        record_baseline({args.target: results, **others})
    return 0


def record_baseline(by_target: dict[str, dict]) -> None:
    """Merge the measured instruction counts into benchmarks/icount_baseline.json."""
    data = json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    for target, results in by_target.items():
        counts = {n: r["instructions"] for n, r in results.items() if isinstance(r, dict)}
        data[target] = dict(sorted({**data.get(target, {}), **counts}.items()))
    BASELINE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE.name}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
