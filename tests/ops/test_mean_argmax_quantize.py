"""MEAN, ARG_MAX, QUANTIZE, DEQUANTIZE: generated C against TFLM, tolerance 0 (float outputs
compared bit for bit).

Random cases run in one batch (one C compile); LITEMICRO_CASES sets the number of
random cases per op (default: a quick CI run; several hundred for a thorough local run).
"""

from __future__ import annotations

import numpy as np
import pytest

import lite_micro.ops
from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.ops.reduce import mean_multiplier
from lite_micro.testing.oneop import OpCase, TensorSpec, build_model, const_i32, reduced_shape
from lite_micro.testing.runs import case_count
from lite_micro.toolchain.host import build_host

CASES = case_count(4)
OPS = ("MEAN", "ARG_MAX", "QUANTIZE", "DEQUANTIZE")


@pytest.fixture
def int32_outputs(monkeypatch):
    """ARG_MAX's int32 result is a model output in a one-op model; the model API allows only
    int8/float32 outputs so far, so these tests widen the list."""
    monkeypatch.setattr(lite_micro.ops, "IO_DTYPES", lite_micro.ops.IO_DTYPES + ("int32",))


def _mean(shape, axes, keep, in_q=(0.1, -5), out_q=(0.1, -5)):
    return OpCase("MEAN", [TensorSpec(shape, "int8", *in_q), const_i32(axes)],
                  [TensorSpec(reduced_shape(shape, axes, keep), "int8", *out_q)], dict(keep_dims=keep))


def edge_cases() -> list[OpCase]:
    return [
        _mean((1, 7, 7, 16), [1, 2], True),                          # global average pool
        _mean((1, 7, 7, 16), [2, 1], False, (0.02, 3), (0.013, -20)),
        _mean((1, 64, 64, 1), [1, 2], True, (0.5, 0), (0.01, 0)),    # 4096 elements, saturating
        _mean((2, 3, 4, 5), [0, 1, 2, 3], False, (0.3, 7), (0.07, 1)),  # everything, scalar out
        _mean((2, 3, 4, 5), [1, -3, 3], True),                       # a duplicate axis
        _mean((3, 10), [1], False, (1e-3, 0), (1.0, 0)),             # tiny multiplier
        OpCase("ARG_MAX", [TensorSpec((4, 6), "int8", 0.1, 0, data=None), const_i32([0])],
               [TensorSpec((6,), "int32")], dict(output_type="INT32")),
    ]


def test_random_and_edge_cases_match_tflm(check_random_and_edge_cases, int32_outputs):
    check_random_and_edge_cases(OPS, CASES, 1, edge_cases())


# ---- chosen inputs: every int8 value, rounding ties ------------------------------------------

def _tflm(model: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    it.set_input(x, 0)
    it.invoke()
    return np.array(it.get_output(0))


def _check_inputs(models_and_inputs, workdir):
    """Compile all models into one module; each listed input must give TFLM's exact bytes."""
    gens = [compile_model(m, Options(prefix=f"rq{k}")) for k, (m, _) in enumerate(models_and_inputs)]
    module = build_host(gens, workdir)
    for gen, (model, inputs) in zip(gens, models_and_inputs):
        for x in inputs:
            ours, theirs = module.run(gen.prefix, [x])[0], _tflm(model, x)
            assert ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes(), \
                f"{gen.prefix}: first difference at {np.argwhere(ours != theirs)[:1].tolist()}"


ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(16, 16)
SCALES = [1.0, 1 / 3, 0.0078125, 1e-5, 2.7, 123.456]


def test_conversions_of_every_int8_value(tmp_path):
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    items = []
    for k, scale in enumerate(SCALES):
        zp = [0, -128, 127, 5, -17, 64][k]
        items.append((build_model("DEQUANTIZE", [TensorSpec((16, 16), "int8", f32(scale), zp)],
                                  [TensorSpec((16, 16), "float32")], {}), [ALL_INT8]))
        for ratio in (0.37, 1.0, 1.9, 7.0, 300.0):                # int8 -> int8 requantization
            items.append((build_model("QUANTIZE", [TensorSpec((16, 16), "int8", f32(scale), zp)],
                                      [TensorSpec((16, 16), "int8", f32(scale * ratio), 3 - zp // 2)],
                                      {}, version=2), [ALL_INT8]))
    _check_inputs(items, tmp_path)


def test_quantize_from_float_rounds_ties_away_from_zero(tmp_path):
    items = []
    for scale, zp in ((0.5, 0), (0.1, -3), (1 / 3, 10), (0.02, -128)):
        s = np.float32(scale)
        steps = np.arange(-150, 150, dtype=np.float32)
        ties = (steps + np.float32(0.5)) * s                      # x / scale lands on or near k + 1/2
        near = np.nextafter(ties, np.float32(0))
        # beyond |x / scale| >= 2^31 TFLM's float -> int32 cast is undefined (x86: INT32_MIN)
        extremes = np.array([0.0, -0.0, 1e-30, -1e-30, 1e4, -1e4, 2.0 ** 30 * s, -(2.0 ** 30) * s],
                            dtype=np.float32)
        model = build_model("QUANTIZE", [TensorSpec((300,), "float32")],
                            [TensorSpec((300,), "int8", float(s), zp)], {}, version=1)
        items.append((model, [ties, near, np.resize(extremes, 300).astype(np.float32)]))
    _check_inputs(items, tmp_path)


def test_quantize_saturates_out_of_range_floats(tmp_path):
    model = build_model("QUANTIZE", [TensorSpec((6,), "float32")], [TensorSpec((6,), "int8", 0.5, 3)],
                        {}, version=1)
    gen = compile_model(model)
    x = np.array([1e30, -1e30, np.inf, -np.inf, 3.4e38, np.nan], dtype=np.float32)
    assert build_host([gen], tmp_path).run(gen.prefix, [x])[0].tolist() == [127, -128, 127, -128, 127, -128]


def test_argmax_ties_pick_the_first_index(tmp_path, int32_outputs):
    x = np.zeros((3, 5, 4), dtype=np.int8)
    x[1, 2:, :] = 7                                               # ties: rows 2..4
    x[2] = np.random.default_rng(0).integers(-128, 128, (5, 4))
    items = [(build_model("ARG_MAX", [TensorSpec((3, 5, 4), "int8", 0.1, 0), const_i32([axis])],
                          [TensorSpec(tuple(d for i, d in enumerate((3, 5, 4)) if i != axis % 3), "int32")],
                          dict(output_type="INT32")), [x, -x - 1]) for axis in (0, 1, -1)]
    _check_inputs(items, tmp_path)


# ---- compile-time arithmetic and choices ---------------------------------------------------

def test_mean_multiplier_folds_the_count_like_tflm():
    # 1.0 quantizes to (2^30, 1); 49 = 2^5.6: shift by 5, multiplier (2^30 << 5) / 49
    assert mean_multiplier(None, 0.5, 0.5, 49) == ((1 << 35) // 49, 1 - 5)
    assert mean_multiplier(None, 0.5, 0.5, 64) == (1 << 30, 1 - 6)   # powers of two are exact
    assert mean_multiplier(None, 1.0, 1.0, 1 << 40)[1] == 1 - 32     # the shift is capped at 32


def test_same_quantization_requantize_is_an_alias():
    model = build_model("QUANTIZE", [TensorSpec((4,), "int8", 0.5, 1)],
                        [TensorSpec((4,), "int8", 0.5, 1)], {}, version=2)
    layer = compile_model(model).layers[0]
    assert layer.kernel is None and layer.alias_of is not None


BAD = [
    (OpCase("ARG_MAX", [TensorSpec((4, 3), "int8", 0.1, 0), const_i32([1])], [TensorSpec((4,), "int64")],
            dict(output_type="INT64")), "int32 only"),
    (OpCase("QUANTIZE", [TensorSpec((4,), "int8", 0.1, 0)], [TensorSpec((4,), "int32", 0.1, 0)],
            {}, version=2), "int8 only"),
    (OpCase("DEQUANTIZE", [TensorSpec((4,), "int32", 0.1, 0)], [TensorSpec((4,), "float32")]),
     "int8 only"),
    (OpCase("MEAN", [TensorSpec((2, 3), "int8", 0.1, 0), const_i32([1])], [TensorSpec((2, 3), "int8", 0.1, 0)],
            dict(keep_dims=False)), "output shape"),
    (OpCase("MEAN", [TensorSpec((2, 3), "int8", 0.1, 0), const_i32([2])], [TensorSpec((2,), "int8", 0.1, 0)],
            dict(keep_dims=False)), "out of range"),
]


@pytest.mark.parametrize("case,words", BAD, ids=[f"{c.op}-{w}" for c, w in BAD])
def test_unsupported_configurations_are_one_line_errors(case, words):
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    message = str(info.value)
    assert words in message and case.op in message and "\n" not in message
