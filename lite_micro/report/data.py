"""The numbers a report shows, for one model on one target, as a JSON-ready dict.

    facts = collect("model.tflite", "cortex-m4")

Every number comes from the compiler (layers, MACs, constant tables, arena plan) or from a
measurement (firmware ELF sizes, QEMU instruction counts from `lite_micro.bench`). What could
not be measured is left None with a note saying why; nothing is guessed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..api import Options, compile_model
from ..errors import LiteMicroError
from ..latency import latency_ms
from ..memory import STACK_HEADROOM_BYTES
from ..targets import Target, as_target


def collect(model_path, target: str | Target, *, measure: bool = True, progress=None,
            clock_mhz: float | None = None) -> dict:
    """Facts about `model_path` compiled for `target` (a name or a Target); measure=False skips
    firmware runs; clock_mhz turns the estimated cycles into an estimated latency."""
    target = as_target(target)
    gen = compile_model(Path(model_path), Options(target=target))
    layers = [_layer(i, layer, gen.plan) for i, layer in enumerate(gen.layers)]
    facts = dict(model=Path(model_path).name, target=target.name, description=target.description,
                 part=target.part, macs=gen.macs, layers=layers, plan=_plan(gen.plan, len(layers)),
                 inputs=[_io(t) for t in gen.inputs], outputs=[_io(t) for t in gen.outputs],
                 const_bytes=sum(row["const_bytes"] for row in layers), edges=_edges(gen.layers),
                 code=None, cycles=None, notes=[])
    if measure and not target.is_host:
        _measure_sizes(gen, target, facts, progress)
        _measure_cycles(gen, target, facts, progress)
    elif target.is_host:
        facts["notes"].append("host target: no firmware, so no code size and no instruction counts")
    facts["fit"] = _fit(facts, target)
    facts["clock_mhz"] = clock_mhz
    facts["latency_ms_est"] = latency_ms((facts["cycles"] or {}).get("cycles_est"), clock_mhz)
    return facts


def _layer(i: int, layer, plan) -> dict:
    op = layer.op
    live = sum(b.size for b in plan.buffers if b.first <= i <= b.last)
    return dict(index=i, op=op.kind, name=op.outputs[0].name if op.outputs else "",
                inputs=[_shape(t) for t in layer.inputs], outputs=[_shape(t) for t in layer.outputs],
                kernel=layer.kernel or "alias (no code)", note=layer.note or
                ("shares its input's buffer" if layer.alias_of is not None else ""),
                macs=layer.macs, const_bytes=sum(_const_bytes(c) for c in layer.consts),
                scratch_bytes=layer.scratch_bytes, live_bytes=live,
                code_bytes=None, instructions=None, cycles_est=None)


def _edges(layers) -> list[tuple[int, int]]:
    """(producer, consumer) layer pairs, one per activation tensor passed between layers."""
    producer = {t.index: i for i, layer in enumerate(layers) for t in layer.outputs}
    return sorted({(producer[t.index], i) for i, layer in enumerate(layers)
                   for t in layer.inputs if t.index in producer})


def _const_bytes(c) -> int:
    return int(c.values.size) * (1 if c.ctype in ("int8_t", "uint8_t") else 4)


def _shape(t) -> str:
    return "x".join(str(d) for d in t.shape) or "scalar"


def _io(info) -> dict:
    return dict(name=info.name, shape=_shape(info), dtype=info.dtype)


def _plan(plan, n_layers: int) -> dict:
    steps = range(max([n_layers] + [b.last for b in plan.buffers]) + 1)
    live = [sum(b.size for b in plan.buffers if b.first <= t <= b.last) for t in steps]
    return dict(arena_bytes=plan.arena_bytes, lower_bound_bytes=plan.lower_bound_bytes,
                strategy=plan.strategy, live_bytes=live,
                buffers=[dict(name=b.name, offset=b.offset, bytes=b.size, first=b.first, last=b.last)
                         for b in sorted(plan.buffers, key=lambda b: (b.offset, b.first))])


def _measure_sizes(gen, target, facts: dict, progress) -> None:
    """Link a firmware once: code bytes per kernel function from the ELF's symbol table."""
    from ..bench.host import random_inputs
    from ..toolchain.firmware import build_firmware, elf_sizes

    if progress:
        progress(f"{target.name}: linking firmware for sizes")
    try:
        with tempfile.TemporaryDirectory(prefix="lm_report") as tmp:
            elf = build_firmware(gen, target, [random_inputs(gen)], Path(tmp))
            facts["firmware"] = elf_sizes(elf)
            symbols = function_sizes(elf)
    except LiteMicroError as exc:
        facts["notes"].append(f"no firmware sizes: {exc}")
        return
    users: dict[str, int] = {}
    for row in facts["layers"]:
        users[row["kernel"]] = users.get(row["kernel"], 0) + 1
    for row in facts["layers"]:
        size = symbols.get(row["kernel"])
        # a kernel called by several layers: each carries an equal share of its code
        row["code_bytes"] = None if size is None else size // users[row["kernel"]]
    facts["code"] = dict(total_bytes=facts["firmware"]["flash_code_bytes"],
                         kernels_bytes=sum(r["code_bytes"] or 0 for r in facts["layers"]))


def function_sizes(elf) -> dict[str, int]:
    """Size of every function symbol in an ELF (the Thumb bit does not change st_size)."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    sizes: dict[str, int] = {}
    with open(elf, "rb") as f:
        for section in ELFFile(f).iter_sections():
            if isinstance(section, SymbolTableSection):
                for sym in section.iter_symbols():
                    if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"]:
                        sizes[sym.name] = sizes.get(sym.name, 0) + sym["st_size"]
    return sizes


def _measure_cycles(gen, target, facts: dict, progress) -> None:
    """Instructions and estimated cycles per layer from `lite_micro.bench` (QEMU + plugin)."""
    from ..bench import bench_firmware

    if shutil.which("qemu-system-arm") is None:
        facts["notes"].append("qemu-system-arm not found: MACs only, no instruction counts")
        return
    if progress:
        progress(f"{target.name}: counting instructions in QEMU")
    try:
        result = bench_firmware(gen, target, per_layer=True)
    except LiteMicroError as exc:
        facts["notes"].append(f"no instruction counts: {exc}")
        return
    for row, cost in zip(facts["layers"], result["layers"]):
        row["instructions"], row["cycles_est"] = cost["instructions"], cost["cycles_est"]
    facts["cycles"] = dict(instructions=result["instructions"], cycles_est=result["cycles_est"],
                           model=result["cycle_model"], overhead_cycles_est=result["overhead_cycles_est"])


def _fit(facts: dict, target) -> dict:
    """RAM and flash needed against the target's part, in bytes and percent."""
    ram_need = facts["plan"]["arena_bytes"] + STACK_HEADROOM_BYTES
    firmware = facts.get("firmware")
    flash_need = (firmware["flash_code_bytes"] + firmware["flash_data_bytes"]) if firmware else None
    return dict(ram_bytes=target.ram_bytes, flash_bytes=target.flash_bytes,
                ram_need_bytes=ram_need, stack_headroom_bytes=STACK_HEADROOM_BYTES,
                flash_need_bytes=flash_need,
                ram_percent=_percent(ram_need, target.ram_bytes),
                flash_percent=_percent(flash_need, target.flash_bytes))


def _percent(need, have):
    return None if need is None or not have else round(100.0 * need / have, 1)
