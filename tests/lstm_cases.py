"""One-op UNIDIRECTIONAL_SEQUENCE_LSTM models (int8, int16 cell state) for the host tests."""

from __future__ import annotations

import numpy as np

from lite_micro.testing import oneop
from lite_micro.testing.oneop import OpCase, TensorSpec

LSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"


class LstmCase(OpCase):
    """The one-op builder's table does not list the LSTM (the conformance suite expects a
    strategy for every op listed there), so the entry is added only while building."""

    def build(self) -> bytes:
        if LSTM in oneop.OPS:
            return super().build()
        oneop.OPS[LSTM] = ("UnidirectionalSequenceLSTMOptions", 1)
        try:
            return super().build()
        finally:
            del oneop.OPS[LSTM]


def _f32(x: float) -> float:
    return float(np.float32(x))


def _weights(rng, rows: int, cols: int, source_scale: float, depth: int):
    """Weights scaled so that a gate's FC output is typically 0.1..10 (the Q3.12 range is +-8)."""
    target = 10 ** rng.uniform(-1, 1)
    scale = _f32(target / (np.sqrt(depth) * 64 * 64 * source_scale))
    data = rng.integers(-127, 128, size=(rows, cols), dtype=np.int8)
    return TensorSpec((rows, cols), "int8", scale, 0, data=data)


def lstm_case(rng, batches=1, steps=3, in_depth=5, units=4, time_major=False, cell_clip=0.0,
              cell_scale=2.0 ** -12, hidden_zp=None, projection=False) -> LstmCase:
    """A random, valid LSTM of the given sizes (TFLM accepts every one of them)."""
    in_shape = (steps, batches, in_depth) if time_major else (batches, steps, in_depth)
    in_scale = _f32(10 ** rng.uniform(-3, -1))
    inp = TensorSpec(in_shape, "int8", in_scale, int(rng.integers(-128, 128)))
    h_scale = _f32(10 ** rng.uniform(-2.5, -1.5))
    h_zp = int(rng.integers(-128, 128)) if hidden_zp is None else hidden_zp
    hidden = TensorSpec((batches, units), "int8", h_scale, h_zp, variable=True)
    cell = TensorSpec((batches, units), "int16", _f32(cell_scale), 0, variable=True)
    w_in = [_weights(rng, units, in_depth, in_scale, in_depth) for _ in range(4)]
    w_rec = [_weights(rng, units, units, h_scale, units) for _ in range(4)]
    biases = []
    for w in w_in:
        b_scale = _f32(in_scale * w.scale)
        limit = int(min(2.0 / b_scale, 1 << 30))
        data = rng.integers(-limit, limit + 1, size=(units,)).astype(np.int32)
        biases.append(TensorSpec((units,), "int32", b_scale, 0, data=data))
    out = TensorSpec(tuple(in_shape[:2]) + (units,), "int8", h_scale, h_zp)
    inputs = [inp] + w_in + w_rec + [None] * 3 + biases + [None, None, hidden, cell] + [None] * 4
    if projection:
        inputs[16] = TensorSpec((units, units), "int8", 0.01, 0,
                                data=rng.integers(-127, 128, size=(units, units), dtype=np.int8))
    options = dict(fused_activation_function="TANH", cell_clip=float(cell_clip), proj_clip=0.0,
                   time_major=bool(time_major), asymmetric_quantize_inputs=False)
    return LstmCase(LSTM, inputs, [out], options)


def random_lstm_case(rng) -> LstmCase:
    """Sizes, layout, clipping and cell scale drawn at random."""
    cell_scale = 2.0 ** -int(rng.integers(8, 16)) if rng.random() < 0.8 else 10 ** rng.uniform(-4.5, -2.5)
    clip = 0.0 if rng.random() < 0.4 else float(np.float32(10 ** rng.uniform(-1, 1.2)))
    return lstm_case(rng, batches=int(rng.integers(1, 4)), steps=int(rng.integers(1, 6)),
                     in_depth=int(rng.integers(1, 20)), units=int(rng.integers(1, 20)),
                     time_major=bool(rng.random() < 0.5), cell_clip=clip, cell_scale=cell_scale)


def unsupported_lstm_model(seed: int = 0) -> bytes:
    """An int8 LSTM with a projection layer: neither TFLM nor litemicro supports it."""
    return lstm_case(np.random.default_rng(seed), projection=True).build()
