"""Make int16x8 models (int16 activations, int8 weights) with TensorFlow's converter, the way a
user with an accuracy-sensitive audio model does. Needs TensorFlow (pip install tensorflow);
litemicro itself never does.

    python examples/make_int16x8_models.py OUT_DIR [--seed S]

writes, each through `TFLiteConverter` with
`supported_ops = [EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]` and random
representative data:

- keras_conv16x8.tflite: a conv net, float32 input 1x16x16x3 and output (QUANTIZE first,
  DEQUANTIZE last): Conv2D + BatchNormalization, LeakyReLU, residual Add, DepthwiseConv2D,
  Max/AveragePooling2D, Concatenate, global average pooling, Dense, Softmax;
- keras_audio16x8.tflite: a 1-D audio-style net, int16 input 1x49x10 and output: Conv1D
  stacks with LeakyReLU and Add, MaxPooling1D, GlobalAveragePooling1D, Dense with tanh, Dense;
- keras_lstm16x8.tflite: a Keras LSTM over 12 steps, int16 input 1x12x6, then Dense. Built with
  unroll=True: the step loop becomes FULLY_CONNECTED, SPLIT, LOGISTIC, TANH, MUL and ADD per
  step (UNPACK of the input first). Without unrolling, TensorFlow 2.21's converter crashes
  (SIGSEGV) on the fused UNIDIRECTIONAL_SEQUENCE_LSTM, in int16x8 and int8 alike. TensorFlow
  2.16 (with its Keras 2, tf_keras, TF_USE_LEGACY_KERAS=1) fuses the LSTM but its int16x8
  quantizer stops ("Quantization to 16x8-bit not yet supported for op:
  'UNIDIRECTIONAL_SEQUENCE_LSTM'"); its experimental MLIR quantizer, called directly with
  QUANTIZED_INT16, writes int32 gate biases and an output zero point of -1, not the int16x8
  rules TFLM's kernels assume (int64 biases, zero points 0), so litemicro refuses that model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def build_conv(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(16, 16, 3), batch_size=1)
    x = L.Conv2D(8, 3, padding="same")(inp)
    x = L.LeakyReLU(0.1)(L.BatchNormalization()(x))
    y = L.Conv2D(8, 3, padding="same")(x)
    x = L.LeakyReLU(0.2)(L.Add()([x, y]))
    x = L.DepthwiseConv2D(3, strides=2, padding="same", activation="relu")(x)
    x = L.Concatenate()([L.MaxPooling2D(2)(x), L.AveragePooling2D(2)(x)])
    x = L.Conv2D(12, 1, activation="relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Softmax()(L.Dense(6)(x))
    return tf.keras.Model(inp, out)


def build_audio(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(49, 10), batch_size=1)
    x = L.Conv1D(12, 5, strides=2, padding="same")(inp)
    x = L.LeakyReLU(0.1)(x)
    y = L.LeakyReLU(0.1)(L.Conv1D(12, 3, padding="same")(x))
    x = L.Add()([x, y])
    x = L.MaxPooling1D(2)(x)
    x = L.Conv1D(16, 3, dilation_rate=2, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling1D()(x)
    x = L.Dense(16, activation="tanh")(x)
    out = L.Dense(4)(x)
    return tf.keras.Model(inp, out)


def build_lstm(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(12, 6), batch_size=1)
    x = L.LSTM(8, unroll=True)(inp)
    out = L.Dense(3)(x)
    return tf.keras.Model(inp, out)


def convert(tf, model, int16_io: bool, seed: int) -> bytes:
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, size=tuple(model.input_shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if int16_io:
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    return conv.convert()


MODELS = (("keras_conv16x8", build_conv, False), ("keras_audio16x8", build_audio, True),
          ("keras_lstm16x8", build_lstm, True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("names", nargs="*", help="only these models")
    args = ap.parse_intermixed_args()
    import tensorflow as tf

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, build, int16_io in MODELS:
        if args.names and name not in args.names:
            continue
        path = out / f"{name}.tflite"
        path.write_bytes(convert(tf, build(tf, args.seed), int16_io, args.seed))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
