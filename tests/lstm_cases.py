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


def _weights(rng, rows: int, cols: int, source_scale: float, depth: int, typical: float = 64.0):
    """Weights scaled so that a gate's FC output is typically 0.1..10 (the Q3.12 range is +-8);
    `typical`: the typical magnitude of the quantized source values."""
    target = 10 ** rng.uniform(-1, 1)
    scale = _f32(target / (np.sqrt(depth) * 64 * typical * source_scale))
    data = rng.integers(-127, 128, size=(rows, cols), dtype=np.int8)
    return TensorSpec((rows, cols), "int8", scale, 0, data=data)


VARIANTS = ("cifg", "peephole", "projection", "layer_norm")


def lstm_case(rng, batches=1, steps=3, in_depth=5, units=4, time_major=False, cell_clip=0.0,
              cell_scale=2.0 ** -12, hidden_zp=None, projection=False, int16=False, variant=None) -> LstmCase:
    """A random, valid LSTM of the given sizes (TFLM accepts every one of them), int8 or int16x8
    (int16 input, hidden state and output with zero point 0, int64 biases); `variant` (or
    `projection`) adds the tensors of an LSTM variant, which TFLM refuses."""
    act, typical = ("int16", 16384.0) if int16 else ("int8", 64.0)
    in_shape = (steps, batches, in_depth) if time_major else (batches, steps, in_depth)
    in_scale = _f32(10 ** rng.uniform(-4.5, -3) if int16 else 10 ** rng.uniform(-3, -1))
    inp = TensorSpec(in_shape, act, in_scale, 0 if int16 else int(rng.integers(-128, 128)))
    h_scale = _f32(10 ** rng.uniform(-4.6, -4.2) if int16 else 10 ** rng.uniform(-2.5, -1.5))
    h_zp = 0 if int16 else (int(rng.integers(-128, 128)) if hidden_zp is None else hidden_zp)
    hidden = TensorSpec((batches, units), act, h_scale, h_zp, variable=True)
    cell = TensorSpec((batches, units), "int16", _f32(cell_scale), 0, variable=True)
    w_in = [_weights(rng, units, in_depth, in_scale, in_depth, typical) for _ in range(4)]
    w_rec = [_weights(rng, units, units, h_scale, units, typical) for _ in range(4)]
    biases = []
    for w in w_in:
        b_scale = _f32(in_scale * w.scale)
        limit = int(min(2.0 / b_scale, 1 << (40 if int16 else 30)))
        data = rng.integers(-limit, limit + 1, size=(units,)).astype(np.int64 if int16 else np.int32)
        biases.append(TensorSpec((units,), "int64" if int16 else "int32", b_scale, 0, data=data))
    out = TensorSpec(tuple(in_shape[:2]) + (units,), act, h_scale, h_zp)
    inputs = [inp] + w_in + w_rec + [None] * 3 + biases + [None, None, hidden, cell] + [None] * 4
    _add_variant(rng, inputs, units, "projection" if projection else variant)
    options = dict(fused_activation_function="TANH", cell_clip=float(cell_clip), proj_clip=0.0,
                   time_major=bool(time_major), asymmetric_quantize_inputs=False)
    return LstmCase(LSTM, inputs, [out], options)


def _add_variant(rng, inputs: list, units: int, variant) -> None:
    """The tensors of an LSTM variant, in TFLite's slots (CIFG: the input gate's removed)."""
    def w(shape, dtype="int8", scale=0.01):
        data = rng.integers(-127, 128, size=shape).astype(dtype)
        return TensorSpec(shape, dtype, scale, 0, data=data)
    if variant == "cifg":
        inputs[1] = inputs[5] = inputs[12] = None
    elif variant == "peephole":
        inputs[9], inputs[10], inputs[11] = (w((units,), "int16") for _ in range(3))
    elif variant == "projection":
        inputs[16] = w((units, units))
    elif variant == "layer_norm":
        inputs[20], inputs[21], inputs[22], inputs[23] = (w((units,), "int16", 2.0 ** -10) for _ in range(4))


def random_lstm_case(rng, int16: bool = False) -> LstmCase:
    """Sizes, layout, clipping and cell scale drawn at random."""
    cell_scale = 2.0 ** -int(rng.integers(8, 16)) if rng.random() < 0.8 else 10 ** rng.uniform(-4.5, -2.5)
    clip = 0.0 if rng.random() < 0.4 else float(np.float32(10 ** rng.uniform(-1, 1.2)))
    return lstm_case(rng, batches=int(rng.integers(1, 4)), steps=int(rng.integers(1, 6)),
                     in_depth=int(rng.integers(1, 20)), units=int(rng.integers(1, 20)),
                     time_major=bool(rng.random() < 0.5), cell_clip=clip, cell_scale=cell_scale, int16=int16)


def unsupported_lstm_model(seed: int = 0) -> bytes:
    """An int8 LSTM with a projection layer: neither TFLM nor litemicro supports it."""
    return lstm_case(np.random.default_rng(seed), projection=True).build()
