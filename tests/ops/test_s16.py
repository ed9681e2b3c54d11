"""int16x8 (int16 activations, int8 weights): what random cases rarely reach, against the TFLM
interpreter with tolerance 0, and the refusals (one line, exit 2). The random cases are in the
conformance suite ("<OP>:int16" strategies)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.models_s16 import conv_add_fc_model, fc_stack_model
from lite_micro.testing.oneop import OpCase, TensorSpec


def _fc(depth: int, bias_dtype: str, bias_value: int, w_value: int = 127, out_scale: float = 0.5) -> OpCase:
    w = np.full((3, depth), w_value, np.int8)
    w[1] = -w_value
    bias = TensorSpec((3,), bias_dtype, 1e-4 * 1e-2, 0, 0, np.full(3, bias_value, bias_dtype))
    return OpCase("FULLY_CONNECTED", [TensorSpec((1, depth), "int16", 1e-4, 0),
                                      TensorSpec((3, depth), "int8", 1e-2, 0, 0, w), bias],
                  [TensorSpec((1, 3), "int16", out_scale, 0)], dict(fused_activation_function="NONE"))


def test_accumulator_widths_match_tflm():
    """int32 bias: TFLM sums in 32 bits, which wrap for 700 products of 32767 * 127 (the
    runner's all-highest input); int64 bias: 64 bits, with a bias beyond 32 bits."""
    cases = [_fc(700, "int32", 5), _fc(700, "int32", -(1 << 30), out_scale=4.0),
             _fc(700, "int64", 1 << 34, out_scale=64.0), _fc(3, "int64", -(1 << 33), out_scale=8.0)]
    kernels = [compile_model(c.build(), Options(target="host")).layers[0].params for c in cases]
    assert [dict(p)["acc32"] for p in kernels] == [1, 1, 0, 0]
    assert run_cases(cases) == []


def test_multi_layer_model_matches_tflm():
    """QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, ADD, LEAKY_RELU, AVERAGE_POOL_2D, MUL,
    FULLY_CONNECTED, DEQUANTIZE in int16x8."""
    model = conv_add_fc_model()
    gen = compile_model(model, Options(target="host"))
    assert [layer.kernel for layer in gen.layers] == [
        "lm_quantize_f32_s16", "lm_conv_s16", "lm_dwconv_s16", "lm_add_s16", "lm_leaky_relu_s16",
        "lm_avgpool_s16", "lm_mul_s16", "lm_fc_s16", "lm_dequantize_s16_f32"]
    assert [t.dtype for t in gen.outputs] == ["int16", "float32"]
    assert run_cases([model], inputs_per_model=8) == []


def test_fc_stack_with_tables_matches_tflm():
    """FULLY_CONNECTED (int64 bias, and none with quantized_bias_type INT32), TANH, LOGISTIC,
    SOFTMAX: int16 model input and outputs."""
    model = fc_stack_model()
    gen = compile_model(model, Options(target="host"))
    assert [layer.kernel for layer in gen.layers] == [
        "lm_fc_s16", "lm_tanh_s16", "lm_fc_s16", "lm_logistic_s16", "lm_fc_s16", "lm_softmax_s16"]
    assert dict(gen.layers[4].params)["acc32"] == 1
    assert run_cases([model], inputs_per_model=8) == []


def _depthwise(bias_dtype: str, zp: int = 0) -> bytes:
    w = TensorSpec((1, 3, 3, 2), "int8", 0.01, 0, 3, np.ones((1, 3, 3, 2), np.int8))
    b = TensorSpec((2,), bias_dtype, 1e-5, 0, 0, np.zeros(2, bias_dtype))
    opts = dict(padding="SAME", stride_h=1, stride_w=1, depth_multiplier=1, fused_activation_function="NONE")
    return OpCase("DEPTHWISE_CONV_2D", [TensorSpec((1, 4, 4, 2), "int16", 0.001, zp), w, b],
                  [TensorSpec((1, 4, 4, 2), "int16", 0.01, 0)], opts).build()


@pytest.mark.parametrize("model, message", [
    (_depthwise("int32"), "is int32; TFLM's int16 DEPTHWISE_CONV_2D reads an int64 bias"),
    (_depthwise("int64", zp=3), "input zero point is 3; int16 needs zero point 0"),
    (OpCase("QUANTIZE", [TensorSpec((4,), "int16", 0.1, 0)], [TensorSpec((4,), "int32", 0.1, 0)]).build(),
     "QUANTIZE int16 -> int32 is not supported"),
    (OpCase("LOGISTIC", [TensorSpec((4,), "int16", 0.001, 0)], [TensorSpec((4,), "int16", 0.001, 0)]).build(),
     "output scale 0.001 must be"),
    (OpCase("SOFTMAX", [TensorSpec((4,), "int16", 0.001, 0)], [TensorSpec((4,), "int16", 0.001, 0)],
            dict(beta=1.0)).build(), "must be 1/32768"),
    (OpCase("TRANSPOSE_CONV", [TensorSpec((4,), "int32", data=np.array([1, 2, 2, 1], np.int32)),
                               TensorSpec((1, 1, 1, 1), "int8", 0.01, 0, 0, np.ones((1, 1, 1, 1), np.int8)),
                               TensorSpec((1, 2, 2, 1), "int16", 0.001, 0),
                               TensorSpec((1,), "int32", 1e-5, 0, 0, np.zeros(1, np.int32))],
            [TensorSpec((1, 2, 2, 1), "int16", 0.01, 0)],
            dict(padding="SAME", stride_h=1, stride_w=1, fused_activation_function="NONE"), 3).build(),
     "must be a constant int64 or int16 tensor"),
    (OpCase("REDUCE_MAX", [TensorSpec((2, 4), "int16", 0.01, 0),
                           TensorSpec((1,), "int32", data=np.array([1], np.int32))],
            [TensorSpec((2,), "int16", 0.01, 0)]).build(), "TFLM's REDUCE_MAX takes float32 or int8 data"),
])
def test_refusals_are_one_line(model, message, tmp_path):
    with pytest.raises(UnsupportedError, match=message):
        compile_model(model, Options(target="host"))
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    done = subprocess.run([sys.executable, "-m", "lite_micro.cli", "gen", str(path), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


# ---- TFLM refuses these on int16: so do we, in one line ----------------------------------------

REFUSED16 = ["GATHER", "GATHER_ND", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH",
             "HARD_SWISH", "REDUCE_MAX", "REDUCE_MIN", "ARG_MAX", "SVDF", "L2_NORMALIZATION",
             "LOG_SOFTMAX"]


def _int16_case(op: str) -> OpCase:
    """The first int8 case of the op's strategy with int8 data made int16 (SVDF: the input only)."""
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import INT8
    from lite_micro.testing.strategies.int16 import as_int16
    for case in sample_cases(INT8[op], 20, 3):
        if case.inputs[0].dtype == "int8":
            return as_int16(case, keep=range(1, len(case.inputs))) if op == "SVDF" else as_int16(case)
    raise AssertionError(f"no int8 case of {op}")


@pytest.mark.parametrize("op", REFUSED16)
def test_int16_forms_tflm_refuses_are_refused(op):
    """The TFLM interpreter fails to prepare the int16 form; we refuse it naming TFLM's rule."""
    from lite_micro.errors import LiteMicroError
    from lite_micro.ops.s16_more import REFUSED
    from lite_micro.reference import Reference
    case = _int16_case(op)
    model = case.build()
    with pytest.raises((LiteMicroError, RuntimeError)):      # in Prepare or, for some, in Eval
        inputs = [np.zeros(t.shape, t.dtype) for t in case.inputs if t is not None and t.data is None
                  and not t.variable]
        Reference(model).run(inputs, len(case.outputs))
    with pytest.raises(UnsupportedError) as info:
        compile_model(model, Options(target="host"))
    assert REFUSED[op] in str(info.value) and "\n" not in str(info.value)


def test_int8_svdf_with_int16_state_is_not_refused():
    """SVDF's int16 state and time weights are the int8 SVDF (the refusal is for an int16 input)."""
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import INT8 as ALL_STRATEGIES
    cases = [c for c in sample_cases(ALL_STRATEGIES["SVDF"], 30, 1) if any(t.dtype == "int16" for t in c.inputs)]
    assert cases and run_cases(cases[:3]) == []


def test_int16_concatenation_copies_raw_values_whatever_the_scales():
    """TFLM's int16 CONCATENATION does not requantize: inputs of other scales are copied as they are."""
    a, b = TensorSpec((2, 3), "int16", 0.01, 0), TensorSpec((2, 5), "int16", 0.04, 0)
    case = OpCase("CONCATENATION", [a, b], [TensorSpec((2, 8), "int16", 0.02, 0)],
                  dict(axis=1, fused_activation_function="NONE"))
    assert run_cases([case], inputs_per_model=4) == []
    nonzero = OpCase("CONCATENATION", [TensorSpec((2, 3), "int16", 0.01, 3), b], [TensorSpec((2, 8), "int16", 0.02, 0)],
                     dict(axis=1, fused_activation_function="NONE"))
    with pytest.raises(UnsupportedError, match="int16 inputs and output need zero point 0"):
        compile_model(nonzero.build(), Options(target="host"))


def test_prelu16_needs_int8_alpha():
    case = OpCase("PRELU", [TensorSpec((4,), "int16", 0.01, 0),
                            TensorSpec((4,), "int16", 0.01, 0, 0, np.ones(4, np.int16))],
                  [TensorSpec((4,), "int16", 0.01, 0)])
    with pytest.raises(UnsupportedError, match="TFLM's int16 PRELU takes an int8 alpha"):
        compile_model(case.build(), Options(target="host"))


def test_softmax_s8_s16_output_quantization_is_checked():
    case = OpCase("SOFTMAX", [TensorSpec((1, 5), "int8", 0.1, 0)], [TensorSpec((1, 5), "int16", 1.0 / 32768, 0)],
                  dict(beta=1.0))
    with pytest.raises(UnsupportedError, match="zero point -32768 and scale 1/65536"):
        compile_model(case.build(), Options(target="host"))


def test_padv2_int16_value_of_two_different_bytes_matches_tflm():
    """A pad value that is no byte repeated (-1234 = 0xFB2E) is copied from the constant."""
    pads = TensorSpec((3, 2), "int32", data=np.array([[1, 0], [0, 2], [1, 1]], np.int32))
    value = TensorSpec((1,), "int16", 0.01, 0, 0, np.array([-1234], np.int16))
    case = OpCase("PADV2", [TensorSpec((2, 3, 4), "int16", 0.01, 0), pads, value],
                  [TensorSpec((3, 5, 6), "int16", 0.01, 0)])
    assert "pad value copied" in compile_model(case.build(), Options(target="host")).layers[0].note
    assert run_cases([case], inputs_per_model=3) == []


@pytest.mark.parametrize("in_scale, spread", [(1e-4, 1.0), (2.0 ** -12, 0.25), (0.05, 4.0), (3e-6, 30.0)])
def test_rsqrt_int16_every_non_negative_input_matches_tflm(in_scale, spread, tmp_path):
    """RSQRT int16 on every input 0 .. 32767 (TFLM stops the invoke on a negative one, so the
    random-input conformance runner cannot drive it); `spread` > 1 saturates the small inputs."""
    from lite_micro.reference import Reference
    from lite_micro.toolchain.host import build_host
    out_scale = float(np.float32(1.0 / (np.sqrt(in_scale) * 32767 * spread)))
    case = OpCase("RSQRT", [TensorSpec((32768,), "int16", in_scale, 0)], [TensorSpec((32768,), "int16", out_scale, 0)])
    model = case.build()
    gen = compile_model(model, Options(target="host", prefix="rsqrt16"))
    assert gen.layers[0].kernel == "lm_rsqrt_s16"
    x = np.arange(32768, dtype=np.int16)
    ours = build_host([gen], tmp_path).run(gen.prefix, [x])[0]
    want = Reference(model).run([x], 1)[0]
    assert len(np.unique(want)) > 100
    np.testing.assert_array_equal(ours, want)


def test_slice_int16_matches_tflm(monkeypatch):
    """SLICE (absent from the one-op builder's table, so from no strategy) on int16 data."""
    from lite_micro.testing import oneop
    from lite_micro.testing.runs import case_count
    monkeypatch.setitem(oneop.OPS, "SLICE", ("SliceOptions", 2))
    rng = np.random.default_rng(41)
    cases = []
    for _ in range(case_count(12)):
        shape = tuple(int(d) for d in rng.integers(1, 6, size=int(rng.integers(1, 5))))
        begin = [int(rng.integers(0, d)) for d in shape]
        size = [-1 if rng.random() < 0.25 else int(rng.integers(1, d - b + 1)) for b, d in zip(begin, shape)]
        out = tuple(d - b if n == -1 else n for b, n, d in zip(begin, size, shape))
        ints = [TensorSpec((len(shape),), "int32", data=np.asarray(v, np.int32)) for v in (begin, size)]
        cases.append(OpCase("SLICE", [TensorSpec(shape, "int16", 0.01, 0)] + ints, [TensorSpec(out, "int16", 0.01, 0)]))
    assert run_cases(cases, inputs_per_model=2) == []
