"""Exact instruction counts and a Cortex-M4 cycle estimate for a firmware ELF.

The counting is done by a QEMU TCG plugin written for this project
(templates/qemu_plugin/). It is built with the host C compiler on first use into
a cache directory, keyed by a hash of its sources, and loaded with `-plugin`.

The plugin records the running counts each time execution enters one of the
marker functions `lm_bench_begin`, `lm_bench_end`, `lm_layer_mark`. Between two
consecutive marker entries the count includes the markers' own cost:
MARKER_OVERHEAD_INSNS instructions (the first marker's `bx lr` and the `bl` to
the second) and MARKER_OVERHEAD_CYCLES estimated cycles (each 1 + 2 for a
taken branch). `interval()` subtracts it.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lite_micro.errors import LiteMicroError
from lite_micro.resources import templates_dir
from lite_micro.targets import DEFAULT_TARGET, Target, load_target

MARKERS = {"begin": "lm_bench_begin", "end": "lm_bench_end", "layer": "lm_layer_mark"}
MARKER_OVERHEAD_INSNS = 2
MARKER_OVERHEAD_CYCLES = 6
KINDS = ("other", "load", "store", "multi", "dual", "div", "table")  # enum lm_kind
PLUGIN_SOURCES = ("lm_icount.c", "lm_cycles.c", "lm_cycles.h")
CFLAGS = ["-O2", "-std=c11", "-Wall", "-Wextra", "-fPIC", "-shared", "-fvisibility=hidden"]


@dataclass(frozen=True)
class Mark:
    name: str       # "begin", "end" or "layer"
    insns: int      # instructions executed before the marker's first instruction
    cycles: int     # estimated cycles up to the same point


@dataclass(frozen=True)
class Counts:
    marks: list[Mark]
    insns: int      # whole run, reset to exit
    cycles: int


def plugin_source_dir() -> Path:
    return templates_dir() / "qemu_plugin"


def cache_dir() -> Path:
    """~/.cache/litemicro (or $XDG_CACHE_HOME/litemicro); a temporary folder if not writable."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "litemicro"
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "litemicro-cache"


def _build_shared(name: str, sources: list[str], extra_flags: list[str] = ()) -> Path:
    """Compile sources (from the plugin dir) into a cached shared object; return its path."""
    src = plugin_source_dir()
    digest = hashlib.sha256()
    for f in PLUGIN_SOURCES:
        digest.update((src / f).read_bytes())
    digest.update(" ".join(CFLAGS + list(extra_flags)).encode())
    out = cache_dir() / f"{name}-{digest.hexdigest()[:16]}.so"
    if out.is_file():
        return out
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise LiteMicroError("a host C compiler (gcc or cc) is needed to build the QEMU plugin")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    cmd = [cc, *CFLAGS, *extra_flags, "-o", str(tmp), *(str(src / s) for s in sources)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise LiteMicroError(f"building the QEMU plugin failed: {res.stderr.strip()}")
    os.replace(tmp, out)  # atomic: concurrent builders never see a half-written file
    return out


def plugin_path() -> Path:
    """The counting plugin (.so), built on first use."""
    return _build_shared("lm_icount", ["lm_icount.c", "lm_cycles.c"])


def classify(data: bytes) -> tuple[str, int]:
    """(kind, base cycles) of one Thumb instruction, by the plugin's own decoder."""
    lib = _decoder()
    kind, cycles = ctypes.c_uint(), ctypes.c_uint()
    buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    if lib.lm_classify(buf, len(data), ctypes.byref(kind), ctypes.byref(cycles)) != 0:
        raise ValueError(f"{data.hex()}: not one whole Thumb instruction")
    return KINDS[kind.value], cycles.value


def thumb_size(first_halfword: int) -> int:
    return _decoder().lm_thumb_size(ctypes.c_uint16(first_halfword))


_decoder_lib = None


def _decoder():
    global _decoder_lib
    if _decoder_lib is None:
        _decoder_lib = ctypes.CDLL(str(_build_shared("lm_cycles", ["lm_cycles.c"], ["-fvisibility=default"])))
        _decoder_lib.lm_thumb_size.restype = ctypes.c_uint
    return _decoder_lib


def marker_addresses(elf: Path) -> dict[str, int]:
    """Plugin marker name -> function address (Thumb bit cleared), for markers in the ELF."""
    try:
        from elftools.elf.elffile import ELFFile
    except ModuleNotFoundError:
        raise LiteMicroError("instruction counting needs pyelftools (pip install pyelftools)") from None

    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        if symtab is None:
            raise LiteMicroError(f"{elf}: no symbol table (was it stripped?)")
        found = {}
        for key, sym in MARKERS.items():
            syms = symtab.get_symbol_by_name(sym)
            if not syms:
                continue
            if syms[0]["st_size"] != 2:
                raise LiteMicroError(f"{elf}: {sym} must be one `bx lr` (2 bytes), "
                                     f"it is {syms[0]['st_size']} bytes: build it with -O1 or more")
            found[key] = syms[0]["st_value"] & ~1
    return found


def plugin_spec(elf: Path, out_file: Path) -> str:
    """The argument of qemu's -plugin option for counting this ELF into out_file."""
    args = [f"out={out_file}"] + [f"{k}={v:#x}" for k, v in marker_addresses(elf).items()]
    return ",".join([str(plugin_path()), *args])


def parse_counts(text: str) -> Counts:
    marks, total = [], None
    for line in text.splitlines():
        parts = line.split()
        if parts[0] == "mark":
            marks.append(Mark(parts[1], int(parts[2]), int(parts[3])))
        elif parts[0] == "total":
            total = int(parts[1]), int(parts[2])
    if total is None:
        raise LiteMicroError("the QEMU plugin wrote no totals (did the firmware exit cleanly?)")
    return Counts(marks, *total)


def count_elf(elf: Path, target: Target | None = None, *, timeout: float | None = None) -> Counts:
    """Run the ELF on the target's QEMU board (default: DEFAULT_TARGET's) with the plugin; its counts."""
    from lite_micro.toolchain.qemu import run_elf

    target = target or load_target(DEFAULT_TARGET)
    with tempfile.TemporaryDirectory(prefix="lm_icount") as tmp:
        out = Path(tmp) / "counts.txt"
        result = run_elf(elf, target, timeout=timeout,
                         plugin_args=["-plugin", plugin_spec(Path(elf), out)])
        if result.exit_code != 0:
            last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
            raise LiteMicroError(f"{Path(elf).name} exited with code {result.exit_code}: {last}")
        if not out.is_file():
            raise LiteMicroError(f"{Path(elf).name}: the QEMU plugin wrote no output")
        return parse_counts(out.read_text())


def interval(a: Mark, b: Mark, markers_between: int = 0) -> tuple[int, int]:
    """(instructions, cycles) from marker a to marker b without the markers' own cost.

    markers_between: further marker calls executed between a and b; their cost
    is removed too.
    """
    n = markers_between + 1
    return (b.insns - a.insns - n * MARKER_OVERHEAD_INSNS,
            b.cycles - a.cycles - n * MARKER_OVERHEAD_CYCLES)
