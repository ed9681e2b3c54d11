"""Arena report for the example models: litemicro's arena, the live-set lower bound, TFLM's arena.

TFLM's arena is measured with the tflite-micro interpreter from PyPI on this host (its
RecordingMicroAllocator's total; on a 64-bit host its bookkeeping structs are larger than on
a Cortex-M), beside the Cortex-M4 figure from DESIGN.md where there is one.

    python examples/arena_report.py            # markdown table on stdout
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from lite_micro.api import analyze, load
from lite_micro.planner import plan_memory

MODELS = Path(__file__).resolve().parent / "models"
TFLM_M4_ARENA = {"kws_ref_model": 22772, "vww_96_int8": 100660, "pretrainedResnet_quant": 54340,
                 "ad01_int8": 2260, "micro_speech_quantized": 6788, "hello_world_int8": 676}

_PROBE = """
import sys
from tflite_micro.python.tflite_micro import runtime
runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read()).print_allocations()
"""


def tflm_host_arena(path: Path) -> tuple[int, int] | None:
    """(total, head) bytes of the TFLM interpreter's arena; head holds the activations."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    total = re.search(r"Arena allocation total (\d+)", text)
    head = re.search(r"Arena allocation head (\d+)", text)
    return (int(total.group(1)), int(head.group(1))) if total and head else None


def rows():
    for path in sorted(MODELS.glob("*.tflite")):
        graph, _, _ = load(path)
        layers, problems = analyze(graph)
        if problems:
            continue
        plan = plan_memory(graph, layers)
        bound = plan.live_set_bound_bytes          # separate buffers, the stored order
        yield path.stem, plan.arena_bytes, bound, tflm_host_arena(path), TFLM_M4_ARENA.get(path.stem)


def main() -> None:
    print("| model | litemicro arena | live-set lower bound | TFLM arena, host (total / activations) "
          "| TFLM arena, Cortex-M4 (DESIGN.md) | ours / TFLM M4 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, arena, bound, host, m4 in rows():
        host_text = f"{host[0]:,} / {host[1]:,}" if host else "n/a"
        m4_text = f"{m4:,}" if m4 else "n/a"
        ratio = f"{arena / m4:.2f}" if m4 else "n/a"
        print(f"| {name} | {arena:,} | {bound:,} | {host_text} | {m4_text} | {ratio} |")


if __name__ == "__main__":
    main()
