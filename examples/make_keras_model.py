"""Make an int8 model "from an unknown source": ordinary Keras layers through TensorFlow's
converter with full-integer quantization. Needs TensorFlow (pip install tensorflow); litemicro
itself never does.

    python examples/make_keras_model.py OUT_DIR [--seed S]

writes OUT_DIR/keras_mix_int8.tflite (int8 inputs and outputs),
OUT_DIR/keras_mix_float_io.tflite (the same network with float32 inputs and outputs around
the int8 core: QUANTIZE first, DEQUANTIZE last) and OUT_DIR/keras_mix1d_int8.tflite (a
sequence network of 1-D layers with a 2-D branch), then `litemicro verify` checks them
against TFLM.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def build_keras_model(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(24, 24, 3), batch_size=1)
    x = L.ZeroPadding2D(padding=1)(inp)
    x = L.Conv2D(8, 3, strides=2, activation="relu")(x)
    a = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu6")(x)
    b = L.Conv2D(16, 3, padding="same", dilation_rate=2)(x)
    b = L.LeakyReLU(0.1)(b)
    x = L.Add()([a, b])
    c = L.MaxPooling2D(2)(x)
    d = L.AveragePooling2D(2)(x)
    x = L.Concatenate()([c, d])
    x = L.Conv2D(12, 1, activation="hard_swish")(x)
    x = L.UpSampling2D(2)(x)
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="sigmoid")(x)
    g1 = L.GlobalAveragePooling2D()(x)
    g2 = L.GlobalMaxPooling2D()(x)
    flat = L.Flatten()(L.MaxPooling2D(3)(x))
    x = L.Concatenate()([g1, g2, flat])
    x = L.Dense(32, activation="tanh")(x)
    x = L.Dense(10)(x)
    out = L.Softmax()(x)
    return tf.keras.Model(inp, out)


def build_keras_1d_model(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(30, 4), batch_size=1)
    x = L.ZeroPadding1D((2, 1))(inp)
    x = L.Conv1D(8, 5, strides=2, activation="relu")(x)
    x = L.Conv1D(8, 3, dilation_rate=2, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.PReLU(alpha_initializer=tf.keras.initializers.RandomUniform(0.05, 0.4), shared_axes=[1])(x)
    x = L.Average()([L.AveragePooling1D(2)(x), L.MaxPooling1D(2)(x)])
    x = L.UpSampling1D(3)(x)
    x = L.Cropping1D((1, 2))(x)
    img = L.Reshape((8, 18, 1))(L.Permute((2, 1))(x))
    x = L.SeparableConv1D(6, 3, padding="same", activation="relu6")(x)
    pooled = L.Concatenate()([L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D()(x)])
    seq = L.Flatten()(L.Permute((2, 1))(L.Dense(6)(x)))          # Dense on a 3-D tensor
    img = L.SeparableConv2D(4, 3, padding="same", activation="relu")(img)
    img = L.GlobalMaxPooling2D()(L.Cropping2D(((1, 1), (2, 3)))(img))
    h = L.Activation("relu")(L.BatchNormalization()(L.Dense(16)(pooled)))
    y = L.Concatenate()([L.Flatten()(L.RepeatVector(2)(h)), seq, img])
    y = L.Dense(12, activation="tanh")(y)
    m = L.Multiply()([y, L.Dense(12, activation="sigmoid")(y)])
    y = L.Maximum()([m, L.Subtract()([y, m])])
    y = L.Minimum()([y, L.Dense(12)(h)])
    out = L.Dense(4, activation="softmax")(y)
    return tf.keras.Model(inp, out)


def convert(tf, model, float_io: bool, seed: int) -> bytes:
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, size=tuple(model.input_shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import tensorflow as tf

    mix, mix1d = build_keras_model(tf, args.seed), build_keras_1d_model(tf, args.seed)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, model, float_io in (("keras_mix_int8", mix, False), ("keras_mix_float_io", mix, True),
                                  ("keras_mix1d_int8", mix1d, False)):
        path = out / f"{name}.tflite"
        path.write_bytes(convert(tf, model, float_io, args.seed))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
