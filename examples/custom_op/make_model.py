"""Build model.tflite: int8 input -> MyClip(-1.0, 2.5) -> ABS -> output, without TensorFlow.

    python3 examples/custom_op/make_model.py            # writes examples/custom_op/model.tflite
"""

import struct
from pathlib import Path

from lite_micro.testing.multiop import Node, build_graph
from lite_micro.testing.oneop import TensorSpec

LOW, HIGH = -1.0, 2.5
SCALE, ZERO_POINT = 0.05, -10


def model_bytes() -> bytes:
    x = TensorSpec((1, 40), "int8", SCALE, ZERO_POINT, name="input")
    clipped = TensorSpec((1, 40), "int8", SCALE, ZERO_POINT, name="clipped")
    y = TensorSpec((1, 40), "int8", SCALE, -128, name="magnitude")
    return build_graph([Node("CUSTOM", [x], [clipped], custom_code="MyClip",
                             custom_options=struct.pack("<2f", LOW, HIGH)),
                        Node("ABS", [clipped], [y])])


if __name__ == "__main__":
    path = Path(__file__).with_name("model.tflite")
    path.write_bytes(model_bytes())
    print(f"wrote {path}")
