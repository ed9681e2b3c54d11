"""UNIDIRECTIONAL_SEQUENCE_LSTM with int16 activations (int16x8: TFLM's EvalLstm<int16_t, int8_t,
int16_t, int64_t>) against the TFLM interpreter, tolerance 0; and the LSTM variants (CIFG,
peephole, projection, layer norm), which TFLM's kernel refuses for int8 and int16 alike and so
do we, in one line. LITEMICRO_CASES=500 gives the thorough mode."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError, UnsupportedError
from lite_micro.reference import Reference
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.runs import case_count, describe, run_seed

from lstm_cases import VARIANTS, lstm_case, random_lstm_case

CASES = case_count(12)
LAYOUTS16 = [dict(time_major=True, batches=3), dict(cell_clip=0.5, cell_scale=2.0 ** -10),
             dict(cell_scale=2.0 ** -15, units=1, in_depth=1), dict(cell_scale=3e-4, steps=7, batches=2)]


def _check(cases: list) -> None:
    spread = {}
    problems = run_cases(cases, inputs_per_model=3, seed=17, spread=spread)
    assert not problems, f"{len(problems)} of {len(cases)} fail; first: {problems[0].summary()}\n{describe()}"
    informative = sum(v.informative() for v in spread.values())
    assert informative >= 0.7 * len(cases), f"only {informative} of {len(cases)} cases informative"


def test_int16_lstm_random_cases_match_tflm():
    rng = np.random.default_rng([20261130, run_seed()])
    cases = [random_lstm_case(rng, int16=True) for _ in range(CASES)]
    gen = compile_model(cases[0].build(), Options(target="host"))
    assert gen.layers[0].kernel == "lm_lstm_s16"
    _check(cases)


@pytest.mark.parametrize("kw", LAYOUTS16, ids=[",".join(kw) for kw in LAYOUTS16])
def test_int16_lstm_layouts_and_scales(kw):
    """Time-major batches, clipping, the tanh input scalings of several cell scales."""
    _check([lstm_case(np.random.default_rng(k), int16=True, **kw) for k in range(2)])


def test_int16_lstm_state_persists_across_invokes(tmp_path):
    """Hidden (int16) and cell state carry over invokes, as in TFLM."""
    from lite_micro.toolchain.host import build_host
    model = lstm_case(np.random.default_rng(3), int16=True, steps=2, units=6).build()
    gen = compile_model(model, Options(target="host", prefix="lstm16_state"))
    module = build_host([gen], tmp_path)
    ref = Reference(model)
    x = np.random.default_rng(4).integers(-32768, 32768, size=gen.inputs[0].shape, dtype=np.int16)
    ours = [module.run(gen.prefix, [x])[0] for _ in range(3)]
    want = [ref.run([x], 1)[0] for _ in range(3)]
    assert not np.array_equal(want[0], want[1])
    for k in range(3):
        np.testing.assert_array_equal(ours[k], want[k], err_msg=f"invoke {k}")


def _tflm_refuses(model: bytes, case) -> bool:
    try:
        inputs = [np.zeros(t.shape, t.dtype) for t in case.inputs
                  if t is not None and t.data is None and not t.variable]
        Reference(model).run(inputs, 1)
    except (LiteMicroError, RuntimeError):
        return True
    return False


@pytest.mark.parametrize("int16", [False, True], ids=["int8", "int16"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_lstm_variants_are_refused_as_tflm_refuses_them(variant, int16):
    case = lstm_case(np.random.default_rng(5), int16=int16, variant=variant)
    model = case.build()
    assert _tflm_refuses(model, case), f"TFLM runs the {variant} LSTM now: support it"
    with pytest.raises(UnsupportedError) as info:
        compile_model(model, Options(target="host"))
    message = str(info.value)
    assert "TFLM's LSTM kernel runs only the standard LSTM" in message and "\n" not in message
    assert ("CIFG" if variant == "cifg" else variant.replace("_", " ")) in message


def test_int16_lstm_needs_int64_biases_and_zero_points_0():
    case = lstm_case(np.random.default_rng(6), int16=True)
    for k in range(12, 16):
        case.inputs[k].dtype, case.inputs[k].data = "int32", case.inputs[k].data.astype(np.int32)
    with pytest.raises(UnsupportedError, match="must be a constant int64 tensor"):
        compile_model(case.build(), Options(target="host"))
    case = lstm_case(np.random.default_rng(6), int16=True)
    case.inputs[0].zero_point = 5
    with pytest.raises(UnsupportedError, match="input zero point is 5; int16 needs zero point 0"):
        compile_model(case.build(), Options(target="host"))
