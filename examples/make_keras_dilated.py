"""Make an int8 Keras model with dilated convolutions (dilation_rate=2) through TensorFlow's
converter, and show what the compiler makes of them. Needs TensorFlow (pip install tensorflow).

    python examples/make_keras_dilated.py OUT_DIR [--seed S]

writes OUT_DIR/keras_dilated_int8.tflite. TensorFlow 2's converter writes these layers as
convolutions with their dilation set (it even folds an explicit SPACE_TO_BATCH_ND -> conv ->
BATCH_TO_SPACE_ND back into one op), and litemicro compiles them as they are. Models from
converters that leave the three-op chain in place get it folded by
lite_micro/passes/dilated_conv.py (tests/test_dilated_conv.py builds such chains).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def build(tf, seed: int):
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input(shape=(20, 20, 3), batch_size=1)
    x = L.DepthwiseConv2D(3, dilation_rate=2, padding="valid", depth_multiplier=2, activation="relu")(inp)
    x = L.Conv2D(8, 3, dilation_rate=2, padding="valid", activation="relu")(x)
    x = L.DepthwiseConv2D(3, dilation_rate=2, padding="valid", activation="relu6")(x)
    x = L.SeparableConv2D(6, 3, dilation_rate=2, padding="valid")(x)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(5)(x)
    return tf.keras.Model(inp, out)


def convert(tf, model, seed: int) -> bytes:
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, (1, 20, 20, 3)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    import tensorflow as tf
    args.out_dir.mkdir(parents=True, exist_ok=True)
    path = args.out_dir / "keras_dilated_int8.tflite"
    path.write_bytes(convert(tf, build(tf, args.seed), args.seed))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
