"""Firmware for emulated Cortex-M boards: generated model + test harness + startup code,
linked with arm-none-eabi-gcc, newlib-nano and semihosting (rdimon).

    elf = build_firmware(gen, load_target("cortex-m4"), [[x0], [x1]], workdir)
    outputs = run_firmware(elf, target)          # lite_micro.toolchain.qemu
    sizes = elf_sizes(elf)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from lite_micro.codegen.emit import environment
from lite_micro.errors import LiteMicroError
from lite_micro.resources import templates_dir
from lite_micro.targets import Target
from lite_micro.toolchain.qemu import QEMU

COMPILER = "arm-none-eabi-gcc"
STACK_PAINT_BYTES = 64 * 1024  # stack room checked at link time and painted at reset
TEST_DATA_SECTION = ".lm_test_data"  # harness inputs: left out of elf_sizes
STATIC_FILES = ("fw_startup.c", "fw_startup.h", "fw_bench.h")
COMMON_FLAGS = ("-ffunction-sections", "-fdata-sections", "-Werror=implicit-function-declaration")
LINK_FLAGS = ("-Wl,--gc-sections", "--specs=nano.specs", "--specs=rdimon.specs", "-nostartfiles")
BENCH_FLAGS = ("-DFW_BENCH", "-DLM_LAYER_HOOK(i)=lm_layer_mark()", "-include", "fw_bench.h")


def build_firmware(gen, target: Target, input_sets, workdir, *, bench: bool = False) -> Path:
    """Write gen.files, a harness running `input_sets` and the startup code into `workdir`,
    link them for `target` and return the ELF path. `input_sets` is a list (one entry per
    run) of lists of arrays (one per model input). bench=True adds the marker calls."""
    if target.emulator is None:
        raise LiteMicroError(f"target '{target.name}' has no firmware build; use the host build")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name, text in gen.files.items():
        (workdir / name).write_text(text)
    for name in STATIC_FILES:
        shutil.copyfile(templates_dir() / "firmware" / name, workdir / name)
    (workdir / "main.c").write_text(render_harness(gen, input_sets))
    (workdir / "link.ld").write_text(render_linker_script(target))
    sources = sorted(n for n in gen.files if n.endswith(".c")) + ["main.c", "fw_startup.c"]
    elf = workdir / f"{gen.prefix}.elf"
    _run_compiler(gcc_command(target, sources, elf.name, bench=bench), workdir, target)
    return elf


def gcc_command(target: Target, sources, elf_name: str, *, bench: bool = False) -> list[str]:
    """The arm-none-eabi-gcc command line, run inside the build folder."""
    bench_flags = BENCH_FLAGS if bench else ()
    return [COMPILER, *target.cflags, target.optimize, *COMMON_FLAGS, *bench_flags, "-I.",
            *sources, "-T", "link.ld", *LINK_FLAGS, "-o", elf_name, "-lm"]


def render_harness(gen, input_sets) -> str:
    """The harness main.c embedding `input_sets` as const byte arrays."""
    if not input_sets:
        raise LiteMicroError("firmware harness needs at least one input set")
    blobs, sets = [], []
    for s, arrays in enumerate(input_sets):
        names = []
        for i, raw in enumerate(_input_bytes(gen, arrays)):
            name = f"fw_set{s}_input{i}"
            blobs.append({"name": name, "size": len(raw), "rows": _c_byte_rows(raw)})
            names.append(name)
        sets.append(names)
    return environment("firmware").get_template("main.c.j2").render(
        prefix=gen.prefix, blobs=blobs, sets=sets,
        num_sets=len(sets), num_inputs=len(gen.inputs), num_outputs=len(gen.outputs),
        input_bytes=[info.nbytes for info in gen.inputs],
        output_bytes=[info.nbytes for info in gen.outputs],
        output_descs=[f'"{_describe(info)}"' for info in gen.outputs],
    )


def render_linker_script(target: Target) -> str:
    emu = target.emulator
    named = [("VECTORS", "rx", emu.vectors)] if emu.vectors else []
    named += [("FLASH", "rx", emu.flash), ("RAM", "rwx", emu.ram)]
    regions = [{"name": n, "attributes": a, "origin": f"0x{r.origin:08X}",
                "length": f"0x{r.length:08X}"} for n, a, r in named]
    return environment("firmware").get_template("link.ld.j2").render(
        target_name=target.name, machine=emu.machine, regions=regions,
        vectors_region="VECTORS" if emu.vectors else "FLASH",
        stack_paint_bytes=f"0x{STACK_PAINT_BYTES:X}",
    )


def elf_sizes(elf) -> dict[str, int]:
    """Flash code, flash constant data (with the .data image) and static RAM (.data +
    .bss) of a linked ELF, classified by section flags. Harness test inputs are left out."""
    try:
        from elftools.elf.constants import SH_FLAGS
        from elftools.elf.elffile import ELFFile
    except ModuleNotFoundError:
        raise LiteMicroError("elf_sizes needs pyelftools (pip install pyelftools)") from None
    sizes = {"flash_code_bytes": 0, "flash_data_bytes": 0, "ram_static_bytes": 0}
    with open(elf, "rb") as f:
        for section in ELFFile(f).iter_sections():
            flags, size = section["sh_flags"], section["sh_size"]
            if not flags & SH_FLAGS.SHF_ALLOC or section.name == TEST_DATA_SECTION:
                continue
            stored = section["sh_type"] != "SHT_NOBITS"
            if flags & SH_FLAGS.SHF_EXECINSTR:
                sizes["flash_code_bytes"] += size
            elif flags & SH_FLAGS.SHF_WRITE:
                sizes["ram_static_bytes"] += size
                sizes["flash_data_bytes"] += size if stored else 0
            elif stored:
                sizes["flash_data_bytes"] += size
    return sizes


def _input_bytes(gen, arrays) -> list[bytes]:
    if len(arrays) != len(gen.inputs):
        raise LiteMicroError(f"{gen.prefix} has {len(gen.inputs)} inputs, got {len(arrays)} arrays")
    out = []
    for info, array in zip(gen.inputs, arrays):
        raw = np.ascontiguousarray(array, dtype=np.dtype(info.dtype).newbyteorder("<")).tobytes()
        if len(raw) != info.nbytes:
            raise LiteMicroError(
                f"input '{info.name}' of {gen.prefix} takes {info.nbytes} bytes, got {len(raw)}")
        out.append(raw)
    return out


def _c_byte_rows(raw: bytes, per_row: int = 16) -> list[str]:
    return [" ".join(f"0x{b:02x}," for b in raw[i:i + per_row]) for i in range(0, len(raw), per_row)]


def _describe(info) -> str:
    """dtype and shape as the harness prints them, e.g. 'int8 1x12' ('scalar' for ())."""
    return f"{info.dtype} {'x'.join(str(d) for d in info.shape) or 'scalar'}"



_PACKAGES = {COMPILER: "gcc-arm-none-eabi libnewlib-arm-none-eabi", QEMU: "qemu-system-arm"}


def require_firmware_tools(target: Target, command: str) -> None:
    """Before any work: one line naming what `command` lacks to build `target`'s firmware and
    run it in QEMU, what to install, and the host target that needs neither."""
    missing = [tool for tool in _PACKAGES if shutil.which(tool) is None]
    if target.is_host or not missing:
        return
    packages = " ".join(_PACKAGES[tool] for tool in missing)
    raise LiteMicroError(f"{command} --target {target.name} builds firmware and runs it in QEMU, but "
                         f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed "
                         f"(Debian: apt install {packages}); or use --target host")


def _run_compiler(command: list[str], workdir: Path, target: Target) -> None:
    if shutil.which(COMPILER) is None:
        raise LiteMicroError(f"{COMPILER} not found: install gcc-arm-none-eabi and libnewlib-arm-none-eabi")
    proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LiteMicroError(f"firmware build for {target.name} failed: {first_error(proc.stderr)}")


_ERROR_PATTERNS = re.compile(r"error:|undefined reference|will not fit|overflowed|cannot find|RAM too small")


def first_error(stderr: str) -> str:
    """The first line of compiler/linker output that names the problem, tool paths removed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if _ERROR_PATTERNS.search(line) and not line.startswith("collect2"):
            return re.sub(r"^\S*/ld: ", "ld: ", line)
    return lines[-1] if lines else "no error message"
