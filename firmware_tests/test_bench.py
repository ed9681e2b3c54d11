"""`bench`: the measured invoke, per layer, from marker hits; the firmware and host paths."""
import json
import shutil
from pathlib import Path

import pytest

from lite_micro.bench import bench, render_text
from lite_micro.bench.cycles import CYCLE_MODEL, cycle_model_note, measured_invoke
from lite_micro.bench.icount import MARKER_OVERHEAD_CYCLES as OC
from lite_micro.bench.icount import MARKER_OVERHEAD_INSNS as OI
from lite_micro.bench.icount import Counts, Mark
from lite_micro.errors import LiteMicroError

MODELS = Path(__file__).resolve().parent.parent / "examples" / "models"
HELLO = MODELS / "hello_world_int8.tflite"
needs_firmware = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")


def marks(*spec):
    return Counts([Mark(name, i, c) for name, i, c in spec], 10**6, 10**6)


def test_measured_invoke_takes_the_last_begin_and_removes_marker_costs():
    warm_up = [("layer", 10, 20), ("layer", 50, 90), ("layer", 60, 120)]
    counts = marks(*warm_up, ("begin", 100, 200),
                   ("layer", 110, 230), ("layer", 150, 300), ("layer", 160, 330),
                   ("end", 170, 360))
    m = measured_invoke(counts, 2)
    assert [(c.instructions, c.cycles_est) for c in m.layers] == [(40 - OI, 70 - OC), (10 - OI, 30 - OC)]
    assert (m.total.instructions, m.total.cycles_est) == (70 - 4 * OI, 160 - 4 * OC)
    assert (m.overhead.instructions, m.overhead.cycles_est) == (20 - 2 * OI, 60 - 2 * OC)


def test_measured_invoke_without_layer_marks():
    m = measured_invoke(marks(("begin", 5, 7), ("end", 25, 57)), 3)
    assert (m.total.instructions, m.total.cycles_est, m.layers) == (20 - OI, 50 - OC, [])


@pytest.mark.parametrize("spec, message", [
    ([("end", 1, 1)], "never reached lm_bench_begin"),
    ([("begin", 1, 1)], "never reached lm_bench_end"),
    ([("begin", 1, 1), ("layer", 2, 2), ("end", 3, 3)], "expected 3 layer marks"),
])
def test_measured_invoke_errors(spec, message):
    with pytest.raises(LiteMicroError, match=message):
        measured_invoke(marks(*spec), 2)


def test_cycle_model_note():
    assert cycle_model_note("cortex-m4") == CYCLE_MODEL == "cortex-m4-trm, no wait states"
    assert "Cortex-M4 only" in cycle_model_note("cortex-m7")


@needs_firmware
def test_bench_hello_world_on_m4():
    from lite_micro.api import Options, compile_model

    gen = compile_model(HELLO, Options(target="cortex-m4"))
    result = bench(HELLO, "cortex-m4")
    layers = result["layers"]
    assert [(r["index"], r["op"], r["macs"]) for r in layers] == \
        [(i, layer.op.kind, layer.macs) for i, layer in enumerate(gen.layers)]
    assert result["macs"] == 288 and result["arena_bytes"] == gen.arena_bytes
    assert all(r["instructions"] > 20 * max(1, r["macs"] // 16) for r in layers)
    # outside the layers: the call of invoke, its prologue and epilogue only
    assert 0 < result["overhead_instructions"] < 40
    assert result["instructions"] == sum(r["instructions"] for r in layers) + result["overhead_instructions"]
    assert result["cycles_est"] > result["instructions"]
    assert result["flash_code_bytes"] > 1000 and result["ram_static_bytes"] >= gen.arena_bytes
    # deterministic, and per_layer=False only drops the table
    assert bench(HELLO, "cortex-m4", per_layer=False) == {**result, "layers": []}
    text = render_text(result)
    assert f"{result['instructions']:,}" in text and text.count("FULLY_CONNECTED") == 3


def test_bench_host_times_both():
    result = bench(HELLO, "host")
    assert result["litemicro_us"] > 0 and result["tflm_us"] > 0
    assert result["speedup"] == pytest.approx(result["tflm_us"] / result["litemicro_us"], rel=0.02)
    assert "TFLM interpreter" in render_text(result)


@pytest.mark.parametrize("model, target, message", [
    (MODELS / "missing.tflite", "cortex-m4", "cannot read model"),
    (HELLO, "cortex-m99", "unknown target"),
])
def test_bench_bad_input(model, target, message):
    with pytest.raises(LiteMicroError, match=message):
        bench(model, target)


@needs_firmware
def test_bench_defaults_to_the_reference_part_clock_and_gives_layer_memory(capsys):
    from lite_micro.cli import main

    assert main(["bench", str(HELLO), "--target", "cortex-m4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["clock_mhz"] == 180
    assert report["latency_ms_est"] == round(report["cycles_est"] / 180e3, 3)
    fc = [row for row in report["layers"] if row["op"] == "FULLY_CONNECTED"]
    assert fc and all(row["flash_bytes"] > 0 and row["ram_bytes"] > 0 for row in fc)
    assert max(row["ram_bytes"] for row in report["layers"]) <= report["arena_bytes"]
