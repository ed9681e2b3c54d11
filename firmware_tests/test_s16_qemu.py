"""The int16x8 model (QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, ADD, LEAKY_RELU, AVERAGE_POOL_2D, MUL,
FULLY_CONNECTED, DEQUANTIZE; int16 and float32 outputs) and the int16 FULLY_CONNECTED stack with TANH, LOGISTIC
and SOFTMAX (int16 input and outputs) as firmware in QEMU, against the TFLM interpreter:
every output byte equal, on a DSP core and on an ARMv6-M core."""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import load_target
from lite_micro.testing.models_s16 import conv_add_fc_model, fc_stack_model
from lite_micro.toolchain.firmware import build_firmware
from lite_micro.toolchain.qemu import run_firmware

MODELS = {"conv_add_fc": conv_add_fc_model(), "fc_stack": fc_stack_model()}


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m0plus"])
def test_int16x8_model_bit_exact_in_qemu(name, target, tmp_path):
    model = MODELS[name]
    gen = compile_model(model, Options(target=target, prefix="s16"))
    sets = input_sets(gen.inputs, 5, 13)
    outputs = run_firmware(build_firmware(gen, load_target(target), sets, tmp_path), load_target(target))
    assert len(outputs) == len(sets)
    for k, (inputs, got) in enumerate(zip(sets, outputs)):
        want = Reference(model).run(inputs, len(got))
        for j, (w, g) in enumerate(zip(want, got)):
            w = np.asarray(w)
            assert g.dtype == w.dtype and np.array_equal(g.reshape(-1), w.reshape(-1)), f"set {k} output {j}"
