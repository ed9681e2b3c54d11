"""LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH (int8): the compile-time tables
against the TFLM interpreter over all 256 input values, tolerance 0.

Random quantizations include extreme scales and zero points. LITEMICRO_CASES sets the
number per op for the table check (default 150; 2000 passes too).
"""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.ops import activations as act
from lite_micro.testing.oneop import TensorSpec, build_model
from lite_micro.testing.runs import case_count, run_seed
from lite_micro.toolchain.host import build_host

CASES = case_count(150)
SEED = run_seed()
ALL_INPUTS = np.arange(-128, 128, dtype=np.int8)
OPS = ["LOGISTIC", "TANH", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH"]
ALPHAS = [0.0, 0.01, 0.2, 1.0, 1.5, -0.3]


def f32(x) -> float:
    return float(np.float32(x))


def _zero_point(rng) -> int:
    return int(rng.choice([-128, 127, 0])) if rng.random() < 0.25 else int(rng.integers(-128, 128))


def random_config(op: str, rng) -> dict:
    """A quantization TFLM accepts and whose arithmetic it defines (see the Prepare checks)."""
    in_s = f32(10 ** rng.uniform(-8, 2.5))
    ratio = 10 ** rng.uniform(-3, 3)
    cfg = dict(op=op, in_s=in_s, in_zp=_zero_point(rng), out_s=f32(in_s / ratio),
               out_zp=_zero_point(rng), options={})
    if op in ("LOGISTIC", "TANH"):
        cfg["in_s"] = f32(2.0 ** rng.uniform(-28, 6))
        fixed = (1 / 256, -128) if op == "LOGISTIC" else (1 / 128, 0)
        cfg["out_s"] = fixed[0] if rng.random() < 0.8 else f32(10 ** rng.uniform(-4, 0))
        cfg["out_zp"] = fixed[1] if op == "LOGISTIC" or rng.random() < 0.8 else cfg["out_zp"]
    if op == "HARD_SWISH":
        cfg["out_s"] = f32(in_s * 10 ** rng.uniform(-1.9, 6))
    if op == "LEAKY_RELU":
        alpha = ALPHAS[rng.integers(len(ALPHAS))] if rng.random() < 0.5 else rng.uniform(-2, 2)
        cfg["options"] = {"alpha": f32(alpha)}
    return cfg


def model_of(cfg: dict, shape=(256,)) -> bytes:
    return build_model(cfg["op"], [TensorSpec(shape, "int8", cfg["in_s"], cfg["in_zp"])],
                       [TensorSpec(shape, "int8", cfg["out_s"], cfg["out_zp"])], cfg["options"])


def table_of(cfg: dict) -> np.ndarray:
    op, a = cfg["op"], (cfg["in_s"], cfg["in_zp"])
    if op == "LOGISTIC":
        return act.logistic_table(*a)
    if op == "TANH":
        return act.tanh_table(*a)
    if op == "RELU6":
        return act.relu6_table(*a)
    b = (cfg["out_s"], cfg["out_zp"])
    if op == "RELU":
        return act.relu_table(*a, *b)
    if op == "LEAKY_RELU":
        return act.leaky_relu_table(*a, *b, cfg["options"]["alpha"])
    return act.hard_swish_table(*a, *b)


def tflm(model: bytes, inputs: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model)
    it.set_input(inputs, 0)
    it.invoke()
    return it.get_output(0)


@pytest.mark.parametrize("op", OPS)
def test_table_matches_tflm_on_every_input(op):
    rng = np.random.default_rng([sum(map(ord, op)), SEED])
    for _ in range(CASES):
        cfg = random_config(op, rng)
        ours, theirs = table_of(cfg), tflm(model_of(cfg), ALL_INPUTS)
        bad = np.flatnonzero(ours != theirs)
        assert bad.size == 0, (f"{cfg}: {bad.size} inputs differ, first x={bad[0] - 128}: "
                               f"ours {ours[bad[0]]} vs TFLM {theirs[bad[0]]}")


def test_generated_c_matches_tflm(tmp_path):
    """The table goes through codegen and the C kernel unchanged: one host build, all ops."""
    rng = np.random.default_rng(7)
    shape = (2, 8, 16)
    cfgs = [random_config(op, rng) for op in OPS for _ in range(4)]
    models = [model_of(c, shape) for c in cfgs]
    gens = [compile_model(m, Options(target="host", prefix=f"u{i}")) for i, m in enumerate(models)]
    assert all(g.layers[0].kernel == "lm_lut_s8" for g in gens)
    module = build_host(gens, tmp_path)
    x = ALL_INPUTS.reshape(shape)
    for cfg, gen, model in zip(cfgs, gens, models):
        ours = module.run(gen.prefix, [x])[0]
        np.testing.assert_array_equal(ours, tflm(model, x), err_msg=str(cfg))


def test_known_tflm_quirks_are_reproduced():
    # input scale >= 8: the input radius is 0, so x == zero point saturates low:
    # TFLM's tanh(0) is -1 and logistic(0) is 0 there.
    assert act.tanh_table(8.0, 0)[128] == -128
    assert act.logistic_table(8.0, 0)[128] == -128
    # RELU6 clamps the raw input values and ignores the output quantization.
    cfg = dict(op="RELU6", in_s=0.1, in_zp=-3, out_s=0.7, out_zp=40, options={})
    np.testing.assert_array_equal(table_of(cfg), tflm(model_of(cfg), ALL_INPUTS))
    assert table_of(cfg)[128 + 100] == 57            # round(6 / 0.1) - 3


BAD = [
    (dict(op="LOGISTIC", in_s=0.1, in_zp=0, out_s=1 / 256, out_zp=0), "zero point is 0; TFLM requires -128"),
    (dict(op="TANH", in_s=1e-9, in_zp=0, out_s=1 / 128, out_zp=0), "below 2^-28"),
    (dict(op="RELU", in_s=100.0, in_zp=0, out_s=1e-8, out_zp=0), "too large (shift 34)"),
    (dict(op="RELU6", in_s=1e-9, in_zp=0, out_s=1e-9, out_zp=0), "6.0 does not fit"),
    (dict(op="HARD_SWISH", in_s=1.0, in_zp=0, out_s=1e-3, out_zp=0), "which TFLM rejects"),
    (dict(op="RELU", in_s=0.1, in_zp=0, out_s=-0.1, out_zp=0), "scale -0.1"),
]


@pytest.mark.parametrize("cfg,message", BAD, ids=[c["op"] for c, _ in BAD])
def test_unsupported_configurations_give_one_line_errors(cfg, message):
    with pytest.raises(UnsupportedError) as info:
        compile_model(model_of(dict(cfg, options={})))
    text = str(info.value)
    assert message in text and cfg["op"] in text and "\n" not in text


def test_input_output_size_mismatch_is_rejected():
    model = build_model("RELU", [TensorSpec((4,), "int8", 0.1, 0)], [TensorSpec((5,), "int8", 0.1, 0)], {})
    with pytest.raises(UnsupportedError, match="input has 4 elements, output 5"):
        compile_model(model)
