"""Frontend: the only code that touches the .tflite flatbuffer schema."""

from .reader import read_file, read_model, read_model_bytes

__all__ = ["read_file", "read_model", "read_model_bytes"]
