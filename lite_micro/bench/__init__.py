"""`litemicro bench`: what one inference costs.

On a Cortex-M target: the exact number of instructions one invoke executes in QEMU
(counted by the project's TCG plugin), a Cortex-M4 cycle estimate, per layer, and
the RAM and flash of the firmware. On the host: wall-clock time against the TFLM
interpreter on the same input.

    result = bench("model.tflite", "cortex-m4")
    print(render_text(result))
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from lite_micro.bench.cycles import cycle_model_note, measured_invoke, per_mac
from lite_micro.bench.report import render_text
from lite_micro.errors import LiteMicroError
from lite_micro.targets import DEFAULT_TARGET, Target, as_target

__all__ = ["bench", "render_text"]


def bench(model_path, target: str | Target = DEFAULT_TARGET, *, per_layer: bool = True,
          timeout: float | None = None, ram_mode: str = "fast") -> dict:
    """Benchmark one model on one target (a name or a Target); a JSON-ready dict (see
    render_text for the keys)."""
    from lite_micro.api import Options, compile_model
    from lite_micro.toolchain.firmware import require_firmware_tools

    target = as_target(target)
    require_firmware_tools(target, "bench")
    model_bytes = _read(model_path)
    gen = compile_model(Path(model_path), Options(target=target, ram_mode=ram_mode))
    if target.is_host:
        from lite_micro.bench.host import bench_host
        return bench_host(gen, model_bytes)
    return bench_firmware(gen, target, per_layer=per_layer, timeout=timeout)


def bench_firmware(gen, target, *, per_layer: bool = True, timeout: float | None = None) -> dict:
    from lite_micro.bench import icount
    from lite_micro.bench.host import random_inputs
    from lite_micro.toolchain.firmware import build_firmware, elf_sizes

    with tempfile.TemporaryDirectory(prefix="lm_bench") as tmp:
        elf = build_firmware(gen, target, [random_inputs(gen)], Path(tmp), bench=True)
        counts = icount.count_elf(elf, target, timeout=timeout)
        sizes = elf_sizes(elf)
        kernel_code = kernel_code_bytes(elf)
        functions = _function_sizes(elf)
    m = measured_invoke(counts, len(gen.layers))
    macs = sum(layer.macs for layer in gen.layers)
    result = {
        "model": gen.prefix,
        "target": target.name,
        "instructions": m.total.instructions,
        "cycles_est": m.total.cycles_est,
        "cycle_model": cycle_model_note(target),
        "arena_bytes": gen.arena_bytes,
        **sizes,
        "kernel_code_bytes": kernel_code,
        "macs": macs,
        "cycles_per_mac": per_mac(m.total.cycles_est, macs),
        "overhead_instructions": m.overhead.instructions,
        "overhead_cycles_est": m.overhead.cycles_est,
    }
    result["layers"] = [_layer_row(i, layer, cost) for i, (layer, cost)
                        in enumerate(zip(gen.layers, m.layers))] if per_layer else []
    _add_layer_memory(result["layers"], gen, functions)
    return result


def _function_sizes(elf) -> dict[str, int]:
    from lite_micro.report.data import function_sizes

    return function_sizes(elf)


def _add_layer_memory(rows: list[dict], gen, functions: dict[str, int]) -> None:
    """Per layer: flash (its constant tables plus an equal share of its kernel's code among the
    layers calling it) and RAM (arena bytes alive while it runs, its scratch included)."""
    users: dict[str, int] = {}
    for row in rows:
        users[row["kernel"]] = users.get(row["kernel"], 0) + 1
    for row, layer in zip(rows, gen.layers):
        tables = sum(int(np.asarray(c.values).size) * (1 if c.ctype in ("int8_t", "uint8_t") else 4)
                     for c in layer.consts)
        code = functions.get(row["kernel"], 0) // users[row["kernel"]]
        row["flash_bytes"] = tables + code
        row["ram_bytes"] = sum(b.size for b in gen.plan.buffers if b.first <= row["index"] <= b.last)


ELEMENTWISE = ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "PRELU")


def op_category(layer) -> str:
    """conv 1x1, conv kxk, depthwise, FC, elementwise or other: the rows of the benchmark's
    cycles/MAC-by-op-type table."""
    kind = layer.op if isinstance(layer.op, str) else layer.op.kind
    if kind == "CONV_2D":
        return "conv 1x1" if layer.param("k_h") * layer.param("k_w") == 1 else "conv kxk"
    if kind == "DEPTHWISE_CONV_2D":
        return "depthwise"
    if kind == "FULLY_CONNECTED":
        return "FC"
    return "elementwise" if kind in ELEMENTWISE else "other"


def _layer_row(index, layer, cost) -> dict:
    op = layer.op if isinstance(layer.op, str) else layer.op.kind
    return {"index": index, "op": op, "category": op_category(layer), "kernel": layer.kernel or "-",
            "elements": int(np.prod(layer.outputs[0].shape)) if layer.outputs else 0,
            "instructions": cost.instructions,
            "cycles_est": cost.cycles_est, "macs": layer.macs,
            "cycles_per_mac": per_mac(cost.cycles_est, layer.macs), "in_channels": _in_channels(layer),
            "kernel_size": _kernel_size(layer)}


def _in_channels(layer) -> "int | None":
    """A convolution's input channels (its speed target depends on them); None for other ops."""
    if op_category(layer) not in ("conv 1x1", "conv kxk") or not layer.inputs:
        return None
    return int(layer.inputs[0].shape[-1])


def _kernel_size(layer) -> "str | None":
    """A convolution's kernel size, 'k_h x k_w' from its weights (the depthwise speed target is for
    3x3); None for other ops."""
    if op_category(layer) not in ("conv 1x1", "conv kxk", "depthwise") or isinstance(layer.op, str):
        return None
    weights = layer.op.input_or_none("weights")
    if weights is None or len(weights.shape) != 4:
        return None
    return f"{weights.shape[1]}x{weights.shape[2]}"


def kernel_code_bytes(elf) -> int:
    """Bytes of the runtime kernels' code (functions named lm_*, the harness's lm_bench_*,
    lm_layer_mark, lm_fault_* and lm_stack_* markers left out): the code a model adds to flash
    besides its constants."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    harness = ("lm_bench_", "lm_layer_mark", "lm_fault_", "lm_stack_")
    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(symtab, SymbolTableSection):
            return 0
        return sum(sym["st_size"] for sym in symtab.iter_symbols()
                   if sym["st_info"]["type"] == "STT_FUNC" and sym.name.startswith("lm_")
                   and not sym.name.startswith(harness))


def _read(model_path) -> bytes:
    try:
        return Path(model_path).read_bytes()
    except OSError as exc:
        raise LiteMicroError(f"cannot read model {model_path}: {exc.strerror}") from None

