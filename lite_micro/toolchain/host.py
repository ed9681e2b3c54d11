"""Host build: compile generated C with the host gcc at -O2 into a cffi module and run it.

Several generated models (each with its own prefix) can go into one module, so a test that
checks many small models pays for one compile. Builds are cached by the hash of their sources.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import LiteMicroError

HOST_CFLAGS = ["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function"]


class HostModule:
    """A loaded cffi module with one or more generated models in it."""

    def __init__(self, module, gens):
        self._lib = module.lib
        self._ffi = module.ffi
        self._gens = {g.prefix: g for g in gens}

    def reset(self, prefix: str) -> None:
        """Clear the model's state (recurrent layers), as a fresh TFLM interpreter has it."""
        getattr(self._lib, f"{prefix}_reset")()

    def run(self, prefix: str, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        gen = self._gens[prefix]
        if len(inputs) != len(gen.inputs):
            raise LiteMicroError(f"{prefix}: {len(gen.inputs)} inputs expected, got {len(inputs)}")
        lib, ffi = self._lib, self._ffi
        for k, (info, arr) in enumerate(zip(gen.inputs, inputs)):
            raw = np.ascontiguousarray(arr, dtype=np.dtype(info.dtype)).tobytes()
            if len(raw) != info.nbytes:
                raise LiteMicroError(f"{prefix}: input {k} needs {info.nbytes} bytes, got {len(raw)}")
            place = getattr(lib, f"{prefix}_input")(k)
            if place == ffi.NULL:                # an --external-arena model before set_arena
                raise LiteMicroError(f"{prefix}: input {k} has no place in memory (no arena given?)")
            ffi.memmove(place, raw, len(raw))
        status = getattr(lib, f"{prefix}_invoke")()
        if status != 0:
            raise LiteMicroError(f"{prefix}: invoke returned {status}")
        outs = []
        for k, info in enumerate(gen.outputs):
            ptr = getattr(lib, f"{prefix}_output")(k)
            raw = bytes(ffi.buffer(ptr, info.nbytes))
            outs.append(np.frombuffer(raw, dtype=np.dtype(info.dtype)).reshape(info.shape).copy())
        return outs


def _cdef(gen) -> str:
    p = gen.prefix
    external = f"int {p}_set_arena(void *arena);\n"      # gen --external-arena
    return (f"int {p}_invoke(void);\n"
            f"void {p}_reset(void);\n"
            f"int8_t *{p}_input(int index);\n"
            f"const int8_t *{p}_output(int index);\n"
            + (external if external in gen.files.get(f"{p}.h", "") else ""))


def build_host(gens: Sequence, workdir: str | Path | None = None, *, cflags: Sequence[str] = ()) -> HostModule:
    """Compile the generated models into one module (cached by content) and load it."""
    import cffi  # imported here: only host builds need it

    files: dict[str, str] = {}
    for g in gens:
        for name, text in g.files.items():
            if name in files and files[name] != text:
                raise LiteMicroError(f"two models in one host build disagree on {name}")
            files[name] = text
    key = hashlib.sha256()
    for name in sorted(files):
        key.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    key.update(" ".join(list(HOST_CFLAGS) + list(cflags)).encode())
    digest = key.hexdigest()[:16]
    root = Path(workdir) if workdir else Path(tempfile.gettempdir()) / "litemicro-host"
    out = root / f"lm_{digest}"
    out.mkdir(parents=True, exist_ok=True)
    modname = f"_lm_host_{digest}"
    so = _find_so(out, modname)
    if so is None:
        for name, text in files.items():
            (out / name).write_text(text)
        ffi = cffi.FFI()
        ffi.cdef("".join(_cdef(g) for g in gens))
        headers = "".join(f'#include "{g.prefix}.h"\n' for g in gens)
        sources = [str(out / n) for n in sorted(files) if n.endswith(".c")]
        ffi.set_source(modname, headers, sources=sources, include_dirs=[str(out)],
                       extra_compile_args=list(HOST_CFLAGS) + list(cflags))
        try:
            _quiet_compile(ffi, out)
        except Exception as exc:  # distutils raises CompileError with the compiler's text
            raise LiteMicroError(f"host build failed: {str(exc).strip().splitlines()[-1]}") from None
        so = _find_so(out, modname)
        if so is None:
            raise LiteMicroError(f"host build produced no module in {out}")
    spec = importlib.util.spec_from_file_location(modname, so)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return HostModule(module, gens)


def _find_so(folder: Path, modname: str):
    for p in folder.glob(f"{modname}*.so"):
        return p
    return None


def _quiet_compile(ffi, out: Path) -> None:
    """Compile with the compiler's chatter sent to a log file instead of the terminal."""
    log = out / "build.log"
    saved = os.dup(1), os.dup(2)
    with open(log, "w") as fh:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            ffi.compile(tmpdir=str(out), verbose=False)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
