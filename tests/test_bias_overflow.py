"""Biases near -2^31 and +2^31: the kernels' int32 sums start at the bias and wrap modulo 2^32,
as TFLM's do (its sums are int32 too), with no signed overflow in the C.

Each model's biases put some output sums across the int32 ends for some inputs. The host build
traps on a signed int32 overflow (-fsanitize=signed-integer-overflow, trap on error), so a sum
that overflows in C kills the check; every output must equal the TFLM interpreter's, tolerance 0.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.testing.conformance import model_inputs
from lite_micro.testing.isolate import run_isolated
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.toolchain.host import build_host

pytest.importorskip("tflite_micro")

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
# -fno-wrapv: Python's own flags (which the host build inherits) may hold -fwrapv, defining the overflow
TRAP = ["-fno-wrapv", "-fsanitize=signed-integer-overflow", "-fsanitize-undefined-trap-on-error"]
IN_SCALE = 1.0 / 64
W_SCALE = 2.0 ** -12
OUT_SCALE = IN_SCALE * W_SCALE * 2.0 ** 26     # a sum of +-2^31 comes out at about +-32
INPUT_SETS = 6
OUT_ZP = 3


def extreme_biases(count: int, reach: int) -> np.ndarray:
    """Biases within `reach` (about the spread of the sums) of the int32 ends, alternating
    -2^31 and +2^31, the ends themselves first."""
    rng = np.random.default_rng(count)
    near = rng.integers(0, reach, size=count)
    values = np.where(np.arange(count) % 2 == 0, INT32_MIN + near, INT32_MAX - near)
    values[:2] = INT32_MIN, INT32_MAX
    return values.astype(np.int32)


def _weighted(op: str, in_shape, w_shape, channel_dim: int, out_shape, options, in_zp: int, per_channel=True,
              version=None) -> bytes:
    rng = np.random.default_rng(len(w_shape) * 100 + w_shape[channel_dim])
    channels = w_shape[channel_dim]
    w = rng.integers(-127, 128, size=w_shape).astype(np.int8)
    scales = [W_SCALE * (1 + c / 16) for c in range(channels)] if per_channel else W_SCALE
    filt = TensorSpec(tuple(w_shape), "int8", scales, 0, channel_dim, w)
    fan_in = w.size // channels
    bias_scale = [IN_SCALE * s for s in scales] if per_channel else IN_SCALE * W_SCALE
    bias = TensorSpec((channels,), "int32", bias_scale, 0, 0, extreme_biases(channels, int(4000 * np.sqrt(fan_in))))
    inp = TensorSpec(tuple(in_shape), "int8", IN_SCALE, in_zp)
    out = TensorSpec(tuple(out_shape), "int8", OUT_SCALE, OUT_ZP)
    return OpCase(op, [inp, filt, bias], [out], options, version).build()


def models() -> dict[str, bytes]:
    same = dict(padding="SAME", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1)
    return {
        "conv1x1": _weighted("CONV_2D", (1, 4, 4, 8), (6, 1, 1, 8), 0, (1, 4, 4, 6), same, -7),
        "conv3x3": _weighted("CONV_2D", (1, 5, 5, 4), (5, 3, 3, 4), 0, (1, 5, 5, 5), same, 5),
        "conv3x3_tensor": _weighted("CONV_2D", (1, 5, 5, 3), (4, 3, 3, 3), 0, (1, 5, 5, 4), same, 0,
                                    per_channel=False),
        "depthwise3x3": _weighted("DEPTHWISE_CONV_2D", (1, 6, 6, 8), (1, 3, 3, 8), 3, (1, 6, 6, 8),
                                  dict(same, depth_multiplier=1), -9),
        "depthwise5x5_mult2": _weighted("DEPTHWISE_CONV_2D", (1, 6, 6, 3), (1, 5, 5, 6), 3, (1, 6, 6, 6),
                                        dict(same, depth_multiplier=2), 4),
        "fc": _weighted("FULLY_CONNECTED", (2, 40), (7, 40), 0, (2, 7), {}, -3),
        "fc_tensor": _weighted("FULLY_CONNECTED", (1, 33), (5, 33), 0, (1, 5), {}, 6, per_channel=False),
    }


def _wrapped_share(expected: list) -> float:
    """The share of outputs whose sum wrapped: a channel whose bias is near -2^31 (even channels)
    whose output is above the zero point, or near +2^31 (odd channels) and below it."""
    flat = np.concatenate([np.asarray(e, np.int32).reshape(-1, e.shape[-1]) for e in expected])
    side = np.where(np.arange(flat.shape[1]) % 2 == 0, -1, 1)
    return float(np.mean((flat - OUT_ZP) * side < 0))


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_sums_from_extreme_biases_wrap_as_the_interpreters_do(tmp_path):
    from tflite_micro.python.tflite_micro import runtime

    cases = models()
    gens = {name: compile_model(model, Options(target="host", prefix=f"bo_{name}")) for name, model in cases.items()}
    module = build_host(list(gens.values()), tmp_path, cflags=TRAP)

    def check(name):
        gen, model = gens[name], cases[name]
        oracle = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
        problems, expected = [], []
        for k, inputs in enumerate(model_inputs(gen, INPUT_SETS, seed=len(name))):
            for j, arr in enumerate(inputs):
                oracle.set_input(arr, j)
            oracle.invoke()
            want = np.asarray(oracle.get_output(0))
            got = module.run(gen.prefix, inputs)[0]
            expected.append(want)
            if not np.array_equal(got, want):
                problems.append(f"input set {k}: {np.count_nonzero(got != want)} outputs differ")
        return problems, _wrapped_share(expected)

    results = dict(zip(cases, run_isolated(list(cases), check)))
    for name, result in results.items():
        assert isinstance(result, tuple), f"{name}: {result} (a signed overflow traps)"
        problems, _ = result
        assert not problems, f"{name}: {problems}"
    # in every model some sums wrap (and most do not)
    assert all(0.05 < share < 0.5 for _, share in results.values()), results
