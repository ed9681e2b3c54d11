"""From the plugin's marker hits to the cost of one inference, per layer.

A benchmark firmware runs a warm-up invoke, then lm_bench_begin(), one measured
invoke, lm_bench_end(). The model calls lm_layer_mark() before each layer and
after the last one, so the measured invoke holds n + 1 layer marks. Every count
here has the markers' own cost removed (icount.MARKER_OVERHEAD_*): what is left
is the code of the model. `overhead` is the invoke's own code outside the
layers: call, prologue, epilogue.
"""
from __future__ import annotations

from dataclasses import dataclass

from lite_micro.bench import cycles_m55
from lite_micro.bench.icount import Counts, interval
from lite_micro.errors import LiteMicroError
from lite_micro.targets import Target, as_target

PLUGIN_MODEL = "cortex-m4-trm"          # the timing table of templates/qemu_plugin/lm_cycles.h
CYCLE_MODEL = f"{PLUGIN_MODEL}, no wait states"


def cycle_model_note(target: str | Target) -> str:
    """How far the cycle estimate holds on `target`: its TOML names the model that fits it."""
    target = as_target(target)
    if target.cycle_model == PLUGIN_MODEL:
        return CYCLE_MODEL
    if target.cycle_model == cycles_m55.MODEL:
        return cycles_m55.NOTE
    return f"{CYCLE_MODEL} (the cycle model is Cortex-M4 only: not a {target.name} estimate)"


@dataclass(frozen=True)
class Cost:
    instructions: int
    cycles_est: int


@dataclass(frozen=True)
class Measured:
    total: Cost
    layers: list[Cost]      # empty when the firmware had no layer marks
    overhead: Cost          # total minus the sum of the layers


def measured_invoke(counts: Counts, n_layers: int) -> Measured:
    """The measured invoke: between the last lm_bench_begin and the lm_bench_end after it."""
    names = [m.name for m in counts.marks]
    if "begin" not in names:
        raise LiteMicroError("benchmark firmware never reached lm_bench_begin")
    b = len(names) - 1 - names[::-1].index("begin")
    if "end" not in names[b:]:
        raise LiteMicroError("benchmark firmware never reached lm_bench_end after lm_bench_begin")
    e = names.index("end", b)
    layer_marks = counts.marks[b + 1:e]
    if layer_marks and len(layer_marks) != n_layers + 1:
        raise LiteMicroError(f"expected {n_layers + 1} layer marks in one invoke, "
                             f"counted {len(layer_marks)}")
    total = Cost(*interval(counts.marks[b], counts.marks[e], len(layer_marks)))
    layers = [Cost(*interval(a, z)) for a, z in zip(layer_marks, layer_marks[1:])]
    if not layers:
        return Measured(total, [], total)
    overhead = Cost(total.instructions - sum(c.instructions for c in layers),
                    total.cycles_est - sum(c.cycles_est for c in layers))
    return Measured(total, layers, overhead)


def per_mac(cycles: int, macs: int) -> float | None:
    return round(cycles / macs, 3) if macs else None
