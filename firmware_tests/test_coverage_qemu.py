"""One model per coverage op (and the fused dilated convolution) as cortex-m4 firmware in
QEMU, against the TFLM interpreter: every output byte equal.

The dilated-convolution chains are checked against TFLM running the same convolution as one
dilated op: TFLM's SPACE_TO_BATCH_ND pads with a byte its Prepare never sets, which in a
process that made other interpreters before is whatever that memory held."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.multiop import dilated_models, int16_chain
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8, LIGHT
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

TARGET = "cortex-m4"


def _models() -> dict[str, tuple[bytes, bytes]]:
    """name -> (model compiled, model TFLM runs as the oracle)."""
    models = {}
    for op in sorted(LIGHT):
        model = sample_cases(INT8[op], 1, 31)[0].build()
        models[op] = (model, model)
    models["DILATED_CONV_2D"] = dilated_models("CONV_2D", (1, 9, 9, 3), 3, 2, True, in_zp=-7)
    models["DILATED_DEPTHWISE"] = dilated_models("DEPTHWISE_CONV_2D", (1, 9, 9, 3), 3, 2, True, in_zp=3)
    return models


MODELS = _models()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_coverage_model_bit_exact_in_qemu(name, tmp_path):
    model, oracle = MODELS[name]
    gen = compile_model(model, Options(target=TARGET, prefix=name.lower()))
    sets = input_sets(gen.inputs, 3, 11)
    outputs = run_firmware(build_firmware(gen, load_target(TARGET), sets, tmp_path), load_target(TARGET))
    assert len(outputs) == len(sets)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = Reference(oracle).run(inputs, len(got))
        for j, (w, g) in enumerate(zip(want, got)):
            w = np.asarray(w)
            assert g.dtype == w.dtype and np.array_equal(g.reshape(-1), w.reshape(-1)), f"{name} set {k} output {j}"


@pytest.mark.parametrize("op", ["GATHER", "GATHER_ND"])
def test_gather_with_run_time_indices_in_qemu(op, tmp_path):
    """An embedding lookup: a constant int8 table, int32 indices as the model input (in range:
    outside it TFLM stops the invoke)."""
    rng = np.random.default_rng(4)
    table = TensorSpec((40, 6), "int8", 0.02, -3, data=rng.integers(-128, 128, (40, 6)).astype(np.int8))
    idx_shape = (1, 9) if op == "GATHER" else (1, 9, 1)
    model = OpCase(op, [table, TensorSpec(idx_shape, "int32")], [TensorSpec((1, 9, 6), "int8", 0.02, -3)],
                   dict(axis=0) if op == "GATHER" else {}).build()
    gen = compile_model(model, Options(target=TARGET, prefix="embed"))
    assert gen.layers[0].kernel == ("lm_gather" if op == "GATHER" else "lm_gather_nd")
    sets = [[rng.integers(0, 40, idx_shape, dtype=np.int32)] for _ in range(3)]
    outputs = run_firmware(build_firmware(gen, load_target(TARGET), sets, tmp_path), load_target(TARGET))
    for inputs, got in zip(sets, outputs):
        want = Reference(model).run(inputs, 1)[0]
        assert np.array_equal(got[0].reshape(-1), np.asarray(want).reshape(-1))


INT16 = {"ABS": int16_chain("ABS", [(3, 50)], (0.01, 0), (0.004, 0), (3, 50)),
         "SQUARED_DIFFERENCE": int16_chain("SQUARED_DIFFERENCE", [(2, 1, 20), (3, 1)], (0.003, 0), (0.5, 0),
                                           (2, 3, 20))}


@pytest.mark.parametrize("op", sorted(INT16))
def test_int16_op_in_qemu(op, tmp_path):
    """int16 between CASTs from and to int32 model inputs and outputs."""
    model = INT16[op]
    gen = compile_model(model, Options(target=TARGET, prefix=f"{op.lower()}_s16"))
    rng = np.random.default_rng(6)
    sets = [[rng.integers(-32768, 32768, info.shape).astype(np.int32) for info in gen.inputs] for _ in range(3)]
    outputs = run_firmware(build_firmware(gen, load_target(TARGET), sets, tmp_path), load_target(TARGET))
    for inputs, got in zip(sets, outputs):
        want = Reference(model).run(inputs, 1)[0]
        assert np.array_equal(got[0].reshape(-1), np.asarray(want).reshape(-1))
