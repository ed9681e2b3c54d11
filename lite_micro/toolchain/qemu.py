"""Run firmware ELFs on QEMU's emulated Cortex-M boards and read back the harness output.

    result = run_elf(elf, target)                 # RunResult(exit_code, stdout, stderr)
    outputs = run_firmware(elf, target)           # outputs[set][index] -> np.ndarray

`plugin_args` are extra QEMU arguments appended to the command line, e.g.
["-plugin", "libicount.so,arg=...", "-d", "plugin"] for a TCG plugin.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lite_micro.errors import LiteMicroError
from lite_micro.targets import Target

QEMU = "qemu-system-arm"
FAULT_EXIT_CODE = 99  # fw_startup.h: LM_FAULT_EXIT_CODE
_OUT_LINE = re.compile(r"^LM_OUT (\d+) (\d+) (\w+) (\S+) ([0-9a-f]*)$")
_DONE_LINE = re.compile(r"^LM_DONE stack=(\d+)$")


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    stdout: str
    stderr: str = ""


def qemu_command(elf, target: Target, plugin_args=None) -> list[str]:
    """The qemu-system-arm command line running `elf` on the target's board."""
    emu = target.emulator
    if emu is None:
        raise LiteMicroError(f"target '{target.name}' has no emulated board")
    cpu = ["-cpu", emu.cpu] if emu.cpu else []
    return [QEMU, "-M", emu.machine, *cpu, "-nographic", "-monitor", "none", "-serial", "null",
            "-semihosting-config", "enable=on,target=native", "-kernel", str(elf),
            *(plugin_args or [])]


def run_elf(elf, target: Target, *, timeout: float | None = None, plugin_args=None) -> RunResult:
    """Run `elf` to completion; LiteMicroError if it does not exit within `timeout` seconds
    (default: scaled with the work of the model in the ELF's folder, see default_timeout),
    if its image does not fit the machine's memory map, or if the CPU locks up."""
    if shutil.which(QEMU) is None:
        raise LiteMicroError(f"{QEMU} not found: install qemu-system-arm")
    if not Path(elf).is_file():
        raise LiteMicroError(f"firmware file {elf} does not exist")
    check_memory_map(elf, target)
    timeout = timeout if timeout is not None else default_timeout(elf)
    command = qemu_command(elf, target, plugin_args)
    try:
        proc = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LiteMicroError(f"{Path(elf).name} on {target.emulator.machine} timed out after "
                             f"{timeout:g} s; give more time with --timeout SECONDS") from None
    if proc.returncode < 0 or "Lockup" in proc.stderr:
        raise LiteMicroError(lockup_message(Path(elf).name, target, proc.returncode, proc.stderr))
    return RunResult(proc.returncode, proc.stdout, proc.stderr)


# A generous rate for QEMU (TCG) running int8 kernels with a counting plugin: the time limit
# is BASE + MACs x input sets / rate, so a model of 300 M MACs gets minutes, not 120 s.
TIMEOUT_BASE_S = 120.0
QEMU_MACS_PER_SECOND = 2e6
_MACS_DEFINE = re.compile(r"^#define \w+_MACS (\d+)", re.M)
_INPUT_SET = re.compile(r"\bfw_set(\d+)_input0\b")


def default_timeout(elf) -> float:
    """The time limit for a harness ELF built by build_firmware: the model's MACs are in the
    generated header next to it, the number of input sets in the harness main.c."""
    elf = Path(elf)
    header, harness = elf.with_suffix(".h"), elf.parent / "main.c"
    try:
        macs = int(_MACS_DEFINE.search(header.read_text()).group(1))
        sets = len(set(_INPUT_SET.findall(harness.read_text()))) or 1
    except (OSError, AttributeError):
        return TIMEOUT_BASE_S
    return TIMEOUT_BASE_S + macs * sets / QEMU_MACS_PER_SECOND


_PC = re.compile(r"\b(?:R15|PC)\s*=\s*([0-9a-fA-F]{8})")


def lockup_message(name: str, target: Target, code: int, stderr: str) -> str:
    """QEMU aborts when the CPU locks up (a fault while a fault is handled, e.g. a stack
    outside RAM): report it as the fault it is, with the program counter."""
    pc = _PC.search(stderr)
    where = f" at pc=0x{pc.group(1).lower()}" if pc else ""
    reason = next((ln.strip() for ln in stderr.splitlines() if "Lockup" in ln), f"QEMU exit {code}")
    return (f"{name} on {target.emulator.machine}: CPU lock-up{where} (a fault while handling a "
            f"fault: {reason.removeprefix('qemu: fatal: ')}); the firmware faulted")


def check_memory_map(elf, target: Target) -> None:
    """Every loadable segment of the ELF must lie in the emulated machine's flash, RAM (or
    vector) region; otherwise refuse before the run, with the numbers."""
    try:
        from elftools.elf.elffile import ELFFile
    except ModuleNotFoundError:
        return
    emu = target.emulator
    regions = [r for r in (emu.vectors, emu.flash, emu.ram) if r is not None]
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                continue
            for start, size in ((seg["p_vaddr"], seg["p_memsz"]), (seg["p_paddr"], seg["p_filesz"])):
                if size and not any(r.origin <= start and start + size <= r.origin + r.length
                                    for r in regions):
                    raise LiteMicroError(
                        f"{Path(elf).name}: {size:,} bytes at 0x{start:08x} lie outside the memory "
                        f"of {emu.machine} ({_regions_text(regions)}); the model does not fit this machine")


def _regions_text(regions) -> str:
    return ", ".join(f"0x{r.origin:08x}+{r.length:,}" for r in regions)


def run_firmware(elf, target: Target, timeout: float | None = None) -> list[list[np.ndarray]]:
    """Run a harness ELF (build_firmware) and return its outputs, [set][output index]."""
    result = run_elf(elf, target, timeout=timeout)
    if result.exit_code != 0:
        raise LiteMicroError(f"{Path(elf).name} on {target.emulator.machine} exited with code "
                             f"{result.exit_code}: {_last_line(result)}")
    return parse_outputs(result.stdout)


def parse_outputs(stdout: str) -> list[list[np.ndarray]]:
    """Turn the harness's LM_OUT lines back into arrays; checks the run reached LM_DONE."""
    sets: list[list[np.ndarray]] = []
    lines = [line.strip() for line in stdout.splitlines()]
    for line in lines:
        match = _OUT_LINE.match(line)
        if match is None:
            continue
        set_index, out_index, dtype, shape, hexbytes = match.groups()
        if int(set_index) == len(sets) and int(out_index) == 0:
            sets.append([])
        if int(set_index) != len(sets) - 1 or int(out_index) != len(sets[-1]):
            raise LiteMicroError(f"firmware output out of order at set {set_index} output {out_index}")
        sets[-1].append(_decode(dtype, shape, hexbytes))
    if not any(_DONE_LINE.match(line) for line in lines):
        raise LiteMicroError("firmware output ended before LM_DONE")
    return sets


def stack_used_bytes(stdout: str) -> int | None:
    """Main stack high-water mark reported by the harness, if it finished."""
    for line in stdout.splitlines():
        match = _DONE_LINE.match(line.strip())
        if match:
            return int(match.group(1))
    return None


def _decode(dtype: str, shape: str, hexbytes: str) -> np.ndarray:
    dims = () if shape == "scalar" else tuple(int(d) for d in shape.split("x"))
    array = np.frombuffer(bytes.fromhex(hexbytes), dtype=np.dtype(dtype).newbyteorder("<"))
    if array.size != int(np.prod(dims)):
        raise LiteMicroError(f"firmware output has {array.size} values, shape {shape} needs {np.prod(dims)}")
    return array.astype(np.dtype(dtype)).reshape(dims)


def _last_line(result: RunResult) -> str:
    for text in (result.stderr, result.stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"
