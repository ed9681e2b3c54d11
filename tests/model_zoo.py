"""The example models the host tests use."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "examples" / "models"
INT8_MODELS = ["hello_world_int8", "micro_speech_quantized", "kws_ref_model", "ad01_int8",
               "vww_96_int8", "pretrainedResnet_quant", "person_detect", "trained_lstm_int8"]


def model_path(name: str) -> Path:
    return MODELS_DIR / f"{name}.tflite"
