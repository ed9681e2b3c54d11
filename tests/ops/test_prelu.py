"""PRELU (int8): generated C against TFLM with tolerance 0.

Random cases (LITEMICRO_CASES per run; several hundred for a thorough local run) and
every (input, alpha) pair of int8 values under a few quantizations, in one C compile.
"""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.runs import case_count, run_seed
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8
from lite_micro.toolchain.host import build_host

CASES = case_count(12)
SEED = run_seed()
ALL = np.arange(-128, 128, dtype=np.int8)


def _prelu(shape, alpha_shape, alpha_data, in_q, alpha_q, out_q):
    alpha = TensorSpec(alpha_shape, "int8", *alpha_q, data=alpha_data)
    return OpCase("PRELU", [TensorSpec(shape, "int8", *in_q), alpha], [TensorSpec(shape, "int8", *out_q)])


def every_pair(in_q, alpha_q, out_q) -> OpCase:
    """Row i multiplies every input value by alpha value i - 128 (alpha broadcast along rows)."""
    return _prelu((256, 256), (256, 1), ALL.reshape(256, 1).copy(), in_q, alpha_q, out_q)


PAIRS = [((0.05, -3), (0.01, 0), (0.04, 5)),
         ((0.5, 100), (0.003, -20), (0.02, -128)),                   # saturating both ways
         ((0.01, -128), (0.2, 127), (0.5, 0)),
         ((1e-3, 7), (0.5, -1), (1e-4, 0))]                          # in/out ratio 10: left shift


def test_every_input_alpha_pair_matches_tflm(tmp_path):
    models = [every_pair(*q).build() for q in PAIRS]
    gens = [compile_model(m, Options(prefix=f"pair{k}")) for k, m in enumerate(models)]
    module = build_host(gens, tmp_path)
    x = np.tile(ALL, (256, 1))
    for gen, model in zip(gens, models):
        assert np.array_equal(module.run(gen.prefix, [x])[0], _tflm(model, x)), gen.prefix


def _tflm(model: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    it.set_input(x, 0)
    it.invoke()
    return np.array(it.get_output(0))


def edge_cases() -> list[OpCase]:
    rng = np.random.default_rng(4)
    return [
        _prelu((1, 5, 7, 8), (1, 1, 8), rng.integers(-128, 128, (1, 1, 8)).astype(np.int8),
               (0.1, 2), (0.004, -7), (0.08, -1)),                 # Keras shared_axes=[1, 2]
        _prelu((1, 15, 8), (1, 8), np.full((1, 8), 40, np.int8), (0.1, 2), (0.004, -7), (0.1, 2)),
    ]


def test_prelu_matches_tflm(tmp_path):
    cases = sample_cases(INT8["PRELU"], CASES, 11 + SEED) + edge_cases()
    problems = run_cases(cases, inputs_per_model=2, workdir=tmp_path)
    assert not problems, f"{len(problems)} of {len(cases)} differ; first: {problems[0].summary()}"


def test_one_alpha_value_is_a_table():
    layer = compile_model(edge_cases()[-1].build()).layers[0]
    assert layer.kernel == "lm_lut_s8" and "alpha 40" in layer.note


def test_unbroadcastable_alpha_is_a_one_line_error():
    case = _prelu((2, 3), (2,), np.zeros(2, np.int8), (0.1, 0), (0.1, 0), (0.1, 0))
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    assert "PRELU" in str(info.value) and "broadcast" in str(info.value) and "\n" not in str(info.value)
