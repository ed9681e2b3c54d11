"""The arena after every layer of one invoke, on a Cortex-M target's QEMU board.

The usual test harness (lite_micro.toolchain.firmware) with one input set, built with the model's
layer hook defined to print the whole arena over semihosting at every hook:

    LM_TAP <step> <arena bytes in hex>

so the target's own kernels (DSP, Helium) are the ones compared, not the host's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .errors import LiteMicroError
from .resources import templates_dir

TAP_C = """#include <stdint.h>
#include <unistd.h>
/* Print the arena as "LM_TAP <step> <hex>\\n", one semihosting write per 128 characters. */
void lm_tap(int step, const int8_t *arena, unsigned long size)
{
    static const char hex[] = "0123456789abcdef";
    char buf[128];
    unsigned long n = 0, i;
    int k = 0;
    char digits[12];
    do { digits[k++] = (char)('0' + step % 10); step /= 10; } while (step > 0);
    buf[n++] = 'L'; buf[n++] = 'M'; buf[n++] = '_'; buf[n++] = 'T'; buf[n++] = 'A'; buf[n++] = 'P';
    buf[n++] = ' ';
    while (k > 0) buf[n++] = digits[--k];
    buf[n++] = ' ';
    for (i = 0; i < size; i++) {
        if (n + 2 > sizeof buf) { (void)write(1, buf, n); n = 0; }
        buf[n++] = hex[((uint8_t)arena[i]) >> 4];
        buf[n++] = hex[((uint8_t)arena[i]) & 15];
    }
    buf[n++] = '\\n';
    (void)write(1, buf, n);
}
"""
TAP_H = "void lm_tap(int step, const signed char *arena, unsigned long size);\n"
_TAP_LINE = re.compile(r"^LM_TAP (\d+) ([0-9a-f]*)$")


def firmware_snapshots(gen, inputs) -> np.ndarray:
    """[step, arena byte] for one invoke of `gen`'s firmware with `inputs`."""
    from .toolchain.qemu import run_elf

    target = gen.target
    with tempfile.TemporaryDirectory(prefix="lm_per_layer_fw") as tmp:
        elf = _build(gen, target, inputs, Path(tmp))
        result = run_elf(elf, target, timeout=600)
    if result.exit_code != 0:
        raise LiteMicroError(f"per-layer firmware on {target.emulator.machine} exited with code "
                             f"{result.exit_code}")
    return parse_taps(result.stdout, len(gen.layers) + 1, gen.arena_bytes)


def parse_taps(stdout: str, steps: int, size: int) -> np.ndarray:
    data = np.zeros((steps, size), dtype=np.int8)
    seen = set()
    for line in stdout.splitlines():
        match = _TAP_LINE.match(line.strip())
        if match and int(match.group(1)) < steps and int(match.group(1)) not in seen:
            raw = bytes.fromhex(match.group(2))
            if len(raw) != size:
                raise LiteMicroError(f"per-layer firmware printed {len(raw)} arena bytes, expected {size}")
            data[int(match.group(1))] = np.frombuffer(raw, dtype=np.int8)
            seen.add(int(match.group(1)))  # the first invoke only
    if len(seen) != steps:
        raise LiteMicroError(f"per-layer firmware printed {len(seen)} of {steps} arena snapshots")
    return data


def _build(gen, target, inputs, folder: Path) -> Path:
    from .toolchain.firmware import STATIC_FILES, first_error, gcc_command, render_harness, render_linker_script

    if shutil.which("arm-none-eabi-gcc") is None:
        raise LiteMicroError("per-layer on a Cortex-M target needs arm-none-eabi-gcc")
    files = dict(gen.files, **{"main.c": render_harness(gen, [inputs]), "link.ld": render_linker_script(target),
                               "lm_tap.c": TAP_C, "lm_tap.h": TAP_H})
    for name, text in files.items():
        (folder / name).write_text(text)
    for name in STATIC_FILES:
        shutil.copyfile(templates_dir() / "firmware" / name, folder / name)
    sources = sorted(n for n in gen.files if n.endswith(".c")) + ["main.c", "fw_startup.c", "lm_tap.c"]
    arena = f"{gen.prefix}_arena"
    command = gcc_command(target, sources, "tap.elf")
    command[1:1] = ["-include", "lm_tap.h", f"-DLM_LAYER_HOOK(i)=lm_tap((i), {arena}, sizeof {arena})"]
    proc = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LiteMicroError(f"per-layer firmware build for {target.name} failed: {first_error(proc.stderr)}")
    return folder / "tap.elf"
