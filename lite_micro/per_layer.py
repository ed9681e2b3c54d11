"""`verify --per-layer`: every layer's output against TFLM's, and the first layer that differs.

Our side: the generated C with the model's layer hook (`LM_LAYER_HOOK(i)`, called before layer
i and after the last layer) defined to copy the whole arena at every hook: for the host, built
as a shared library into a buffer; for a Cortex-M target, as firmware on its QEMU board,
printing the arena (lite_micro.per_layer_firmware). Each layer's output is read at its planned
offset from the copy taken right after it ran (so in-place and reused buffers hold exactly what
the layer wrote). TFLM's side: the interpreter with every tensor kept (`kPreserveAllTensors`),
read by tensor index.

    found, compared = first_divergence(gen, model_bytes, input_set)  # found None: all agree
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import LiteMicroError

TAP_C = """#include <stdint.h>
#include <string.h>
int8_t *lm_tap_buffer;      /* (layers + 1) copies of the arena, set by the caller */
void lm_tap(int step, const int8_t *arena, unsigned long size)
{
    if (lm_tap_buffer) memcpy(lm_tap_buffer + (unsigned long)step * size, arena, size);
}
"""
TAP_H = "void lm_tap(int step, const signed char *arena, unsigned long size);\n"


@dataclass
class Divergence:
    layer: int
    op: str
    kernel: str
    tensor: str
    shape: tuple
    count: int                       # elements that differ
    total: int
    first: list = field(default_factory=list)   # (index tuple, TFLM value, litemicro value)

    def describe(self) -> str:
        shown = ", ".join(f"[{','.join(map(str, i))}] TFLM {w} litemicro {g}" for i, w, g in self.first)
        return (f"first layer that differs: layer {self.layer} {self.op} ({self.kernel}), output "
                f"'{self.tensor}' {list(self.shape)}: {self.count} of {self.total} values differ; {shown}")

    def as_dict(self) -> dict:
        return dict(layer=self.layer, op=self.op, kernel=self.kernel, tensor=self.tensor,
                    shape=list(self.shape), differing=self.count, total=self.total,
                    first=[dict(index=list(i), tflm=w, litemicro=g) for i, w, g in self.first])


def first_divergence(gen, model_bytes: bytes, inputs, *, show: int = 5) -> tuple[Divergence | None, int]:
    """Run one input set through both sides: (the first layer, in execution order, whose output
    differs, or None; how many layer outputs were compared)."""
    ours = layer_outputs(gen, inputs)
    theirs = _tflm_tensors(model_bytes, inputs)
    compared = 0
    for i, layer in enumerate(gen.layers):
        for t in layer.outputs:
            got, want = ours[i].get(t.index), theirs(t.index)
            if got is None or want is None or want.size != got.size:
                continue  # a tensor TFLM does not keep (e.g. rewritten away): nothing to compare
            want, compared = want.reshape(got.shape), compared + 1
            bad = np.argwhere(want.view(np.uint8).reshape(-1) != got.view(np.uint8).reshape(-1))
            if bad.size:
                flat = [int(k) for k in bad[:show, 0]]
                first = [(tuple(int(d) for d in np.unravel_index(k, got.shape)),
                          want.reshape(-1)[k].item(), got.reshape(-1)[k].item()) for k in flat]
                return Divergence(i, layer.op.kind, layer.kernel or "alias", t.name, tuple(got.shape),
                                  int(np.count_nonzero(want != got)), int(got.size), first), compared
    if compared == 0:
        raise LiteMicroError("per-layer comparison found no layer output TFLM keeps")
    return None, compared


def layer_outputs(gen, inputs) -> list[dict[int, np.ndarray]]:
    """For each layer, {tensor index: our output right after the layer ran}: the host build,
    or the target's firmware on its QEMU board."""
    if gen.target.is_host:
        data = _host_snapshots(gen, inputs)
    else:
        from .per_layer_firmware import firmware_snapshots
        data = firmware_snapshots(gen, inputs)
    outs = []
    bands = {t for f in getattr(gen.plan, "fused", {}).values() for t in (f.t1, f.t2)}  # never whole
    for i, layer in enumerate(gen.layers):
        row = {}
        for t in layer.outputs:
            if t.index in bands:
                continue
            offset = gen.plan.tensor_offsets[t.index]
            raw = data[i + 1, offset:offset + t.nbytes].tobytes()
            row[t.index] = np.frombuffer(raw, dtype=np.dtype(t.dtype)).reshape(t.shape)
        outs.append(row)
    return outs


def _host_snapshots(gen, inputs) -> np.ndarray:
    """[step, arena byte]: the arena at every layer hook of one invoke of the host build."""
    with tempfile.TemporaryDirectory(prefix="lm_per_layer") as tmp:
        lib = _build(gen, Path(tmp))
        size = gen.arena_bytes
        steps = len(gen.layers) + 1
        snapshots = (ctypes.c_int8 * (size * steps))()
        ctypes.c_void_p.in_dll(lib, "lm_tap_buffer").value = ctypes.addressof(snapshots)
        _invoke(lib, gen, inputs)
        return np.frombuffer(snapshots, dtype=np.int8).reshape(steps, size).copy()


def _build(gen, folder: Path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise LiteMicroError("per-layer comparison needs a host C compiler (cc or gcc)")
    for name, text in gen.files.items():
        (folder / name).write_text(text)
    (folder / "lm_tap.c").write_text(TAP_C)
    (folder / "lm_tap.h").write_text(TAP_H)
    arena = f"{gen.prefix}_arena"
    sources = sorted(n for n in gen.files if n.endswith(".c")) + ["lm_tap.c"]
    command = [compiler, "-O1", "-std=c99", "-shared", "-fPIC", "-I.", "-include", "lm_tap.h",
               f"-DLM_LAYER_HOOK(i)=lm_tap((i), {arena}, sizeof {arena})", *sources, "-o", "libtap.so", "-lm"]
    proc = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LiteMicroError(f"per-layer host build failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return ctypes.CDLL(str(folder / "libtap.so"))


def _invoke(lib, gen, inputs) -> None:
    p = gen.prefix
    getattr(lib, f"{p}_input").restype = ctypes.c_void_p
    getattr(lib, f"{p}_reset")()
    for k, (info, x) in enumerate(zip(gen.inputs, inputs)):
        raw = np.ascontiguousarray(x, dtype=np.dtype(info.dtype)).tobytes()
        ctypes.memmove(getattr(lib, f"{p}_input")(k), raw, len(raw))
    if getattr(lib, f"{p}_invoke")() != 0:
        raise LiteMicroError(f"{p}: invoke failed in the per-layer build")


def _tflm_tensors(model_bytes: bytes, inputs):
    """A function: tensor index -> TFLM's value after one invoke (None if not kept)."""
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise LiteMicroError("--per-layer needs the TFLM interpreter: pip install 'litemicro[verify]'") from None
    from .tflm_compat import for_tflm

    it = runtime.Interpreter.from_bytes(for_tflm(model_bytes),
                                        intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    for k, x in enumerate(inputs):
        it.set_input(x, k)
    it.invoke()

    def get(index: int):
        try:
            return np.array(it.GetTensor(index, 0)["tensor_data"])
        except Exception:
            return None
    return get
