"""Make an int8 model "from an unknown source": ordinary Keras layers through TensorFlow's
converter with full-integer quantization. Needs TensorFlow (pip install tensorflow); litemicro
itself never does.

    python examples/make_keras_model.py OUT_DIR [--seed S]

writes OUT_DIR/keras_mix_int8.tflite (int8 inputs and outputs) and
OUT_DIR/keras_mix_float_io.tflite (float32 inputs and outputs around the int8 core:
QUANTIZE first, DEQUANTIZE last), then `litemicro verify` checks them against TFLM.
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

    model = build_keras_model(tf, args.seed)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, float_io in (("keras_mix_int8", False), ("keras_mix_float_io", True)):
        path = out / f"{name}.tflite"
        path.write_bytes(convert(tf, model, float_io, args.seed))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
