"""`verify` with the user's own samples, in batches that fit a firmware image.

    sets = load_samples("samples.npz", gen.inputs)        # [sample][input] -> array
    outputs = run_batched(gen, sets, workdir)             # as many firmware images as needed

Sample files:
- `.npy`: one array, shape (N, *input shape) or exactly the input shape (one sample);
  single-input models only.
- `.npz`: one array per model input, named as the input tensor or `arr_0`, `arr_1`, ... in
  input order; each (N, *input shape).
- a folder of `.bin` files: one sample per file, the raw little-endian bytes of every input
  one after the other, taken in file-name order.

Samples whose dtype is the model input's take their bytes as they are; float samples for an
int8 input are real values, quantized with the input's scale and zero point (round half away
from zero, then clamped), as TFLite's QUANTIZE does.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .errors import LiteMicroError
from .memory import flash_const_bytes

# Flash kept for the firmware's code, startup, harness and .data on top of the constant tables.
FIRMWARE_RESERVE_BYTES = 256 * 1024


def load_samples(path, infos, *, convert: bool = True) -> list[list[np.ndarray]]:
    """[sample][input] arrays; convert=False keeps the file's dtype (for the float model)."""
    path = Path(path)
    if path.is_dir():
        return _load_bins(path, infos)
    if not path.is_file():
        raise LiteMicroError(f"--data {path}: no such file or folder")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise LiteMicroError(f"--data {path}: not a .npy or .npz file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        if len(infos) != 1:
            raise LiteMicroError(f"--data {path}: the model has {len(infos)} inputs; "
                                 "give an .npz with one array per input")
        arrays = [loaded]
    else:
        with loaded:
            arrays = [_npz_array(loaded, info, k, path) for k, info in enumerate(infos)]
    per_input = [_as_batch(a, info, path, convert) for a, info in zip(arrays, infos)]
    counts = {len(b) for b in per_input}
    if len(counts) != 1:
        raise LiteMicroError(f"--data {path}: the inputs hold different numbers of samples {sorted(counts)}")
    return [list(sample) for sample in zip(*per_input)]


def _npz_array(npz, info, k: int, path) -> np.ndarray:
    for key in (info.name, f"arr_{k}"):
        if key in npz.files:
            return npz[key]
    if len(npz.files) == 1 and k == 0:
        return npz[npz.files[0]]
    raise LiteMicroError(f"--data {path}: no array named '{info.name}' or 'arr_{k}' for input {k} "
                         f"(arrays: {', '.join(npz.files)})")


def _as_batch(array: np.ndarray, info, path, convert: bool) -> list[np.ndarray]:
    shape = tuple(info.shape)
    if array.shape == shape:
        array = array[None]
    elif array.shape[1:] != shape:
        raise LiteMicroError(f"--data {path}: input '{info.name}' has shape {list(shape)}, "
                             f"the samples have shape {list(array.shape)} (want N x {list(shape)})")
    return [to_input(x, info) if convert else x for x in array]


def to_input(x: np.ndarray, info) -> np.ndarray:
    """One sample in the input's dtype; real values are quantized for an int8 input."""
    want = np.dtype(info.dtype)
    if x.dtype == want:
        return np.ascontiguousarray(x)
    if want == np.int8 and x.dtype.kind == "f":
        return quantize(x, info.scale, info.zero_point)
    fits = want.kind == "f" or (x.dtype.kind in "iu" and x.size and
                                np.iinfo(want).min <= x.min() and x.max() <= np.iinfo(want).max)
    if x.dtype.kind in "iuf" and fits:
        return x.astype(want)
    raise LiteMicroError(f"samples for input '{info.name}' are {x.dtype}, the input is {want}")


def quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Real values to int8 as TFLM's AffineQuantize: float32 division, std::round (half away
    from zero), zero point added, clamped to int8."""
    v = (x.astype(np.float32) / np.float32(scale)).astype(np.float64)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)
    return np.clip(q.astype(np.int64) + zero_point, -128, 127).astype(np.int8)


def _load_bins(folder: Path, infos) -> list[list[np.ndarray]]:
    files = sorted(folder.glob("*.bin"))
    if not files:
        raise LiteMicroError(f"--data {folder}: no .bin files in the folder")
    need = sum(info.nbytes for info in infos)
    sets = []
    for f in files:
        raw = f.read_bytes()
        if len(raw) != need:
            raise LiteMicroError(f"--data {f}: {len(raw)} bytes, one sample of this model is {need}")
        sample, at = [], 0
        for info in infos:
            dtype = np.dtype(info.dtype).newbyteorder("<")
            sample.append(np.frombuffer(raw[at:at + info.nbytes], dtype=dtype)
                          .astype(np.dtype(info.dtype)).reshape(info.shape))
            at += info.nbytes
        sets.append(sample)
    return sets


def batch_size(gen, target) -> int:
    """How many input sets one firmware image holds: the flash left after the constants and
    a reserve for code, divided by the bytes of one set."""
    per_set = max(sum(info.nbytes for info in gen.inputs), 1)
    left = target.emulator.flash.length - flash_const_bytes(gen) - FIRMWARE_RESERVE_BYTES
    if left < per_set:
        raise LiteMicroError(f"{gen.prefix} leaves no room for test inputs in the "
                             f"{target.emulator.flash.length:,} bytes of {target.emulator.machine}'s flash")
    return max(left * 9 // 10 // per_set, 1)


def run_batched(gen, sets, workdir: Path, progress=None,
                timeout: float | None = None) -> list[list[np.ndarray]]:
    """Our generated code on every input set, for the target it was compiled for: one host
    module, or as many firmware images as the sets need (each sized by batch_size)."""
    target = gen.target
    if target.is_host:
        from .toolchain.host import build_host
        module = build_host([gen], Path(workdir) / "host")
        module.reset(gen.prefix)  # a module loaded before keeps its state: start fresh, as TFLM does
        outs = []
        for k, s in enumerate(sets):
            if progress:
                progress.count(k + 1, len(sets), "litemicro (host)")
            outs.append(module.run(gen.prefix, s))
        return outs
    return _run_firmware_batches(gen, target, sets, Path(workdir), progress, timeout)


def _run_firmware_batches(gen, target, sets, workdir: Path, progress,
                          timeout: float | None = None) -> list[list[np.ndarray]]:
    from .toolchain.qemu import run_firmware

    size = batch_size(gen, target)
    outs: list[list[np.ndarray]] = []
    b = 0
    while len(outs) < len(sets):
        chunk = sets[len(outs):len(outs) + size]
        if progress:
            progress(f"firmware batch {b + 1} (input sets {len(outs) + 1}..{len(outs) + len(chunk)} "
                     f"of {len(sets)}): build and run")
        elf, size = _link_batch(gen, target, chunk, workdir / f"{target.name}_batch{b}")
        got = run_firmware(elf, target, timeout=timeout)
        if len(got) != size:
            raise LiteMicroError(f"firmware batch {b + 1} returned {len(got)} outputs for {size} sets")
        outs += got
        b += 1
    return outs


def _link_batch(gen, target, chunk, folder: Path) -> tuple[Path, int]:
    """Link an image for as many sets of `chunk` as fit: should the code outgrow the reserve
    and the linker find the flash full, half as many, until one set is left."""
    from .toolchain.firmware import build_firmware

    while True:
        try:
            return build_firmware(gen, target, chunk, folder), len(chunk)
        except LiteMicroError as exc:
            if len(chunk) == 1 or not re.search(r"will not fit|overflowed", str(exc)):
                raise
            chunk = chunk[:len(chunk) // 2]
