"""The oracle: the TFLM interpreter from PyPI (`tflite-micro`, reference kernels); a TILE,
which TFLM lacks, runs as the equivalent BROADCAST_TO (see `tflm_compat`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .errors import LiteMicroError
from .tflm_compat import for_tflm

TFLM_ARENA_BYTES = 64 << 20     # room for models with arenas of megabytes (pages never touched cost nothing)


class Reference:
    def __init__(self, model_bytes: bytes):
        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError:
            raise LiteMicroError("the TFLM interpreter (tflite-micro, Linux x86_64 only) is not installed: "
                               "pip install 'litemicro[verify]'") from None
        try:
            self._it = runtime.Interpreter.from_bytes(for_tflm(model_bytes), arena_size=TFLM_ARENA_BYTES)
        except LiteMicroError:
            raise
        except Exception as exc:
            raise LiteMicroError(f"the TFLM interpreter rejects the model: {str(exc).splitlines()[0]}") from None

    def run(self, inputs: Sequence[np.ndarray], num_outputs: int) -> list[np.ndarray]:
        for k, x in enumerate(inputs):
            self._it.set_input(x, k)
        self._it.invoke()
        return [np.array(self._it.get_output(k)) for k in range(num_outputs)]


def input_sets(infos, count: int, seed: int) -> list[list[np.ndarray]]:
    """All lowest, all highest, then random vectors: `count` sets in all (at least the two edges).

    int8 inputs span -128..127, int16 ones -32768..32767; float32 inputs span a little beyond the range their QUANTIZE
    can represent (so saturation is exercised too).
    """
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(max(count, 2)):
        sets.append([_one_input(info, k, rng) for info in infos])
    return sets


def _one_input(info, k: int, rng) -> np.ndarray:
    if info.dtype == "float32":
        lo, hi = getattr(info, "value_range", (-1.0, 1.0))
        span = hi - lo
        lo, hi = lo - 0.1 * span, hi + 0.1 * span
        if k < 2:
            return np.full(info.shape, lo if k == 0 else hi, dtype=np.float32)
        return rng.uniform(lo, hi, size=info.shape).astype(np.float32)
    if info.dtype == "int16":
        edge = (-32768, 32767)[k] if k < 2 else None
        return (np.full(info.shape, edge, dtype=np.int16) if edge is not None
                else rng.integers(-32768, 32768, size=info.shape, dtype=np.int16))
    if k == 0:
        return np.full(info.shape, -128, dtype=np.int8)
    if k == 1:
        return np.full(info.shape, 127, dtype=np.int8)
    return rng.integers(-128, 128, size=info.shape, dtype=np.int8)
