"""The oracle: the TFLM interpreter from PyPI (`tflite-micro`, reference kernels)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .errors import LiteMicroError


class Reference:
    def __init__(self, model_bytes: bytes):
        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError:
            raise LiteMicroError("the TFLM interpreter is not installed: pip install tflite-micro") from None
        try:
            self._it = runtime.Interpreter.from_bytes(model_bytes)
        except Exception as exc:
            raise LiteMicroError(f"the TFLM interpreter rejects the model: {str(exc).splitlines()[0]}") from None

    def run(self, inputs: Sequence[np.ndarray], num_outputs: int) -> list[np.ndarray]:
        for k, x in enumerate(inputs):
            self._it.set_input(x, k)
        self._it.invoke()
        return [np.array(self._it.get_output(k)) for k in range(num_outputs)]


def input_sets(infos, count: int, seed: int) -> list[list[np.ndarray]]:
    """All -128, all 127, then random int8 vectors: `count` sets in all (at least the two edges)."""
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(max(count, 2)):
        one = []
        for info in infos:
            if k == 0:
                x = np.full(info.shape, -128, dtype=np.int8)
            elif k == 1:
                x = np.full(info.shape, 127, dtype=np.int8)
            else:
                x = rng.integers(-128, 128, size=info.shape, dtype=np.int8)
            one.append(x)
        sets.append(one)
    return sets
