"""Quantization math: known values, and predictions checked against the TFLM interpreter."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro import quant
from lite_micro.reference import Reference
from lite_micro.testing.oneop import TensorSpec, build_model


def test_quantize_multiplier_known_values():
    assert quant.quantize_multiplier(0.0) == (0, 0)
    assert quant.quantize_multiplier(0.5) == (1 << 30, 0)
    assert quant.quantize_multiplier(1.0) == (1 << 30, 1)
    assert quant.quantize_multiplier(0.75) == (1610612736, 0)
    # q rounds up to 2^31: halve it and bump the shift, as TFLM does
    assert quant.quantize_multiplier(1.0 - 2.0 ** -40) == (1 << 30, 1)
    # below 2^-31 flushes to zero
    assert quant.quantize_multiplier(2.0 ** -40) == (0, 0)


def test_tflite_round_is_half_away_from_zero():
    assert [quant.tflite_round(v) for v in (0.5, 1.5, 2.5, -0.5, -2.5)] == [1, 2, 3, -1, -3]


def test_rounding_primitives_match_gemmlowp_definitions():
    assert quant.rounding_divide_by_pot(5, 1) == 3
    assert quant.rounding_divide_by_pot(-5, 1) == -3
    assert quant.rounding_divide_by_pot(-6, 2) == -2
    assert quant.saturating_rounding_doubling_high_mul(-(1 << 31), -(1 << 31)) == (1 << 31) - 1
    assert quant.saturating_rounding_doubling_high_mul(1 << 30, 1 << 30) == 1 << 29


def test_activation_range_relu6():
    lo, hi = quant.activation_range(quant.ACT_RELU6, 0.05, -10)
    assert (lo, hi) == (-10, 110)
    assert quant.activation_range(quant.ACT_NONE, 0.1, 3) == (-128, 127)


def _fc_identity_model(in_scale, in_zp, w_scale, out_scale, out_zp, act):
    """x -> FC with one weight of 1 and zero bias: output = requant(x - in_zp) + out_zp."""
    return build_model(
        "FULLY_CONNECTED",
        [TensorSpec((1, 1), scale=in_scale, zero_point=in_zp),
         TensorSpec((1, 1), scale=w_scale, zero_point=0, data=np.ones((1, 1), np.int8)),
         TensorSpec((1,), dtype="int32", scale=in_scale * w_scale, zero_point=0,
                    data=np.zeros(1, np.int32))],
        [TensorSpec((1, 1), scale=out_scale, zero_point=out_zp)],
        {"fused_activation_function": act})


@pytest.mark.parametrize("seed", range(6))
def test_requantization_predicts_tflm(seed):
    """Our QuantizeMultiplier + MultiplyByQuantizedMultiplier + activation range, in Python,
    predict TFLM's FULLY_CONNECTED output for every int8 input."""
    rng = np.random.default_rng(seed)
    in_scale = float(np.float32(10 ** rng.uniform(-3, 0)))
    w_scale = float(np.float32(10 ** rng.uniform(-3, 0)))
    out_scale = float(np.float32(10 ** rng.uniform(-5, -1)))
    in_zp, out_zp = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][seed % 4]
    ref = Reference(_fc_identity_model(in_scale, in_zp, w_scale, out_scale, out_zp, act))
    m, s = quant.fc_tensor_multiplier(in_scale, w_scale, out_scale)
    lo, hi = quant.activation_range(
        {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}[act], out_scale, out_zp)
    for x in range(-128, 128):
        want = int(ref.run([np.array([[x]], np.int8)], 1)[0].reshape(-1)[0])
        ours = quant.multiply_by_quantized_multiplier(x - in_zp, m, s) + out_zp
        assert min(max(ours, lo), hi) == want, (x, m, s)


def test_add_multipliers_predict_tflm():
    s1, s2, so = 0.02, 0.05, 0.06
    model = build_model("ADD", [TensorSpec((1, 4), scale=s1, zero_point=3),
                                TensorSpec((1, 4), scale=s2, zero_point=-7)],
                        [TensorSpec((1, 4), scale=so, zero_point=1)], {})
    ref = Reference(model)
    p = quant.add_params(s1, s2, so)
    rng = np.random.default_rng(1)
    for _ in range(20):
        a = rng.integers(-128, 128, (1, 4), dtype=np.int8)
        b = rng.integers(-128, 128, (1, 4), dtype=np.int8)
        want = ref.run([a, b], 1)[0].reshape(-1)
        for i in range(4):
            x1 = (int(a[0, i]) - 3) << p["left_shift"]
            x2 = (int(b[0, i]) + 7) << p["left_shift"]
            r1 = quant.multiply_by_quantized_multiplier(x1, p["input1_multiplier"], p["input1_shift"])
            r2 = quant.multiply_by_quantized_multiplier(x2, p["input2_multiplier"], p["input2_shift"])
            out = quant.multiply_by_quantized_multiplier(r1 + r2, p["output_multiplier"], p["output_shift"]) + 1
            assert min(max(out, -128), 127) == int(want[i])
