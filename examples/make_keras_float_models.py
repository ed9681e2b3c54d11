"""The float32 twins of the Keras example models, for `litemicro verify --float`: the same
networks with the same weights (same seed as make_keras_model.py), converted without
quantization. Needs TensorFlow (pip install tensorflow); litemicro itself never does.

    python examples/make_keras_float_models.py MODELS_DIR [--seed S]

writes MODELS_DIR/float/keras_mix_float.tflite and MODELS_DIR/float/keras_mix1d_float.tflite
(a folder of their own: tools that take every model in MODELS_DIR take int8 models), then
checks that the int8 conversions of the very same Keras models equal the int8 files in
MODELS_DIR (so the float and int8 files hold the same weights).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_keras_model import build_keras_1d_model, build_keras_model, convert  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models_dir")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import tensorflow as tf

    out = Path(args.models_dir)
    (out / "float").mkdir(parents=True, exist_ok=True)
    for stem, build in (("keras_mix", build_keras_model), ("keras_mix1d", build_keras_1d_model)):
        model = build(tf, args.seed)
        path = out / "float" / f"{stem}_float.tflite"
        path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
        int8 = out / f"{stem}_int8.tflite"
        same = int8.is_file() and int8.read_bytes() == convert(tf, model, False, args.seed)
        print(f"wrote {path}; int8 conversion of the same model {'equals' if same else 'DIFFERS FROM'} {int8}")


if __name__ == "__main__":
    main()
