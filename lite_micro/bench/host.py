"""Host mode of `bench`: wall-clock time of the cffi-built model against the TFLM interpreter.

Both run the same input vector, written once; what is timed is the invoke call
alone (one cffi call against one pybind call, both about a microsecond of overhead). Each side
is timed over `repeat` rounds of enough calls to last about `min_seconds`; the best round is
kept, to damp noise from the machine.
"""
from __future__ import annotations

import tempfile
import time

import numpy as np

from lite_micro.errors import LiteMicroError


def random_inputs(gen, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, size=info.shape, dtype=np.int8) for info in gen.inputs]


def seconds_per_call(fn, *, min_seconds: float = 0.2, repeat: int = 3) -> float:
    fn()  # warm-up
    calls, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        t = time.perf_counter() - t0
        if t >= min_seconds / repeat or calls >= 1 << 20:
            break
        calls *= 2
    best = t / calls
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def tflm_invoke(model_bytes: bytes, inputs):
    """TFLM's invoke, with the inputs already set."""
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise LiteMicroError("host bench needs the TFLM interpreter: pip install tflite-micro") from None
    from lite_micro.tflm_compat import for_tflm

    it = runtime.Interpreter.from_bytes(for_tflm(model_bytes))
    for k, x in enumerate(inputs):
        it.set_input(x, k)
    return it.invoke


def litemicro_invoke(mod, prefix: str, inputs):
    """The generated model's invoke, with the inputs already in its arena."""
    mod.run(prefix, inputs)
    invoke = getattr(mod._lib, f"{prefix}_invoke")  # the module's cffi lib: no per-call I/O
    return invoke


def bench_host(gen, model_bytes: bytes, *, min_seconds: float = 0.2) -> dict:
    from lite_micro.toolchain.host import build_host

    inputs = random_inputs(gen)
    with tempfile.TemporaryDirectory(prefix="lm_bench") as tmp:
        mod = build_host([gen], tmp)
        ours = seconds_per_call(litemicro_invoke(mod, gen.prefix, inputs), min_seconds=min_seconds)
    theirs = seconds_per_call(tflm_invoke(model_bytes, inputs), min_seconds=min_seconds)
    return {
        "model": gen.prefix,
        "target": "host",
        "litemicro_us": round(ours * 1e6, 3),
        "tflm_us": round(theirs * 1e6, 3),
        "speedup": round(theirs / ours, 2),
        "arena_bytes": gen.arena_bytes,
        "macs": sum(layer.macs for layer in gen.layers),
    }
