"""The MNIST row-by-row LSTM example: bit-exact with TFLM, with its state kept across invokes."""

from __future__ import annotations

import numpy as np

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference
from lite_micro.toolchain.host import build_host
from lite_micro.verify import verify

from model_zoo import model_path

MODEL = model_path("trained_lstm_int8")


def test_lstm_model_bit_exact_on_host(tmp_path):
    result = verify(str(MODEL), target="host", count=20, seed=0, workdir=tmp_path)
    assert result.inputs == 20 and result.total_bytes == 200
    assert result.ok, result.first_mismatch


def test_state_persists_across_invokes(tmp_path):
    """The same input three times: TFLM's answers change (its hidden and cell state carry over),
    and ours change the same way. A fresh prefix gives a fresh arena (zeroed state)."""
    gen = compile_model(str(MODEL), Options(target="host", prefix="lstm_state"))
    module = build_host([gen], tmp_path)
    ref = Reference(MODEL.read_bytes())
    x = np.random.default_rng(4).integers(-128, 128, size=gen.inputs[0].shape, dtype=np.int8)
    ours = [module.run(gen.prefix, [x])[0] for _ in range(3)]
    want = [ref.run([x], 1)[0] for _ in range(3)]
    assert not np.array_equal(want[0], want[1])
    for k in range(3):
        np.testing.assert_array_equal(ours[k], want[k], err_msg=f"invoke {k}")


def test_state_tensors_live_for_the_whole_program():
    gen = compile_model(str(MODEL), Options(target="host", prefix="lstm_plan"))
    n = len(gen.layers)
    state = [b for b in gen.plan.buffers if any(t.is_variable for t in b.tensors)]
    assert sorted(t.dtype for b in state for t in b.tensors) == ["int16", "int8"]
    for b in state:
        assert (b.first, b.last) == (0, n) and b.offset % 4 == 0
        for other in gen.plan.buffers:
            if other is not b:
                assert other.offset >= b.offset + b.size or b.offset >= other.offset + other.size, \
                    f"'{other.name}' shares bytes with the state '{b.name}'"
