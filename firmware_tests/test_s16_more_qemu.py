"""The newer int16 kernels as firmware in QEMU, against the TFLM interpreter, every output byte
equal, on a DSP core and on an ARMv6-M core: RELU, PRELU (int8 alpha), MAXIMUM, RELU6,
TRANSPOSE, CONCATENATION of other scales, QUANTIZE int16 -> int8, SOFTMAX int8 -> int16,
MINIMUM and PAD in one model; RSQRT; BATCH_MATMUL; and the int16x8 UNIDIRECTIONAL_SEQUENCE_LSTM (state carried
over the invokes of one run)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.models_s16 import more_ops_model
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lstm_cases import lstm_case  # noqa: E402


def _models() -> dict:
    lstm = lstm_case(np.random.default_rng(21), int16=True, batches=2, steps=4, in_depth=6, units=5,
                     cell_clip=1.5)
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import INT16 as STRATEGIES
    matmul = next(c for c in sample_cases(STRATEGIES["BATCH_MATMUL:int16"], 20, 5) if np.prod(c.outputs[0].shape) >= 12)
    return {"more_ops": more_ops_model(), "lstm16": lstm.build(), "matmul16": matmul.build()}


MODELS = _models()


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m0plus"])
def test_int16_kernels_bit_exact_in_qemu(name, target, tmp_path):
    model = MODELS[name]
    gen = compile_model(model, Options(target=target, prefix="s16more"))
    sets = input_sets(gen.inputs, 5, 29)
    outputs = run_firmware(build_firmware(gen, load_target(target), sets, tmp_path), load_target(target))
    assert len(outputs) == len(sets)
    ref = Reference(model)          # one interpreter: a stateful model carries its state as the firmware does
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = ref.run(inputs, len(got))
        for j, (w, g) in enumerate(zip(want, got)):
            w = np.asarray(w)
            assert g.dtype == w.dtype and np.array_equal(g.reshape(-1), w.reshape(-1)), f"set {k} output {j}"


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m0plus"])
def test_int16_rsqrt_bit_exact_in_qemu(target, tmp_path):
    """RSQRT int16 on non-negative inputs (TFLM stops the invoke on a negative one)."""
    from lite_micro.testing.oneop import OpCase, TensorSpec
    model = OpCase("RSQRT", [TensorSpec((512,), "int16", 1e-4, 0)],
                   [TensorSpec((512,), "int16", float(np.float32(1.0 / (0.01 * 32767 * 2.0))), 0)]).build()
    gen = compile_model(model, Options(target=target, prefix="rsqrt16"))
    rng = np.random.default_rng(3)
    sets = [[np.arange(512, dtype=np.int16)]] + [[rng.integers(0, 32768, 512).astype(np.int16)] for _ in range(3)]
    outputs = run_firmware(build_firmware(gen, load_target(target), sets, tmp_path), load_target(target))
    assert len(outputs) == len(sets)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = np.asarray(Reference(model).run(inputs, 1)[0])
        assert np.array_equal(got[0].reshape(-1), want.reshape(-1)), f"set {k}"
