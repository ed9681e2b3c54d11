"""Custom operators for litemicro: `litemicro gen model.tflite --ops my_ops.py`.

MyClip clamps an int8 tensor to a real range [low, high] given in the op's custom options as
two little-endian float32 values. Prepare (here, in Python) turns the range into int8 bounds in
the input's quantization; the kernel (my_clip.c) only compares.
"""

import struct

import numpy as np

from lite_micro.ops.base import Layer, TensorArg


def clip_bounds(options: bytes, scale: float, zero_point: int) -> tuple[int, int]:
    """The real range in the custom options as int8 values of the tensor's quantization."""
    if len(options) != 8:
        raise ValueError(f"custom options are {len(options)} bytes; MyClip needs 8 (two float32)")
    low, high = struct.unpack("<2f", options)
    if not low <= high:
        raise ValueError(f"clip range [{low}, {high}] is empty")
    q = [int(np.clip(np.round(v / scale) + zero_point, -128, 127)) for v in (low, high)]
    return q[0], q[1]


def prepare_clip(op, options: bytes) -> Layer:
    if len(op.inputs) != 1 or len(op.outputs) != 1:
        raise ValueError("MyClip needs one input and one output")
    inp, out = op.inputs[0], op.outputs[0]
    if inp.dtype != "int8" or out.dtype != "int8" or inp.quant != out.quant:
        raise ValueError("MyClip needs int8 input and output with the same quantization")
    low, high = clip_bounds(options, inp.scale, inp.zero_point)
    return Layer(op=op, kernel="my_clip_s8",
                 args=[TensorArg(inp, const=True), TensorArg(out), str(out.size), str(low), str(high)],
                 note=f"clip to int8 [{low}, {high}]")


def register(registry):
    registry.add("MyClip", prepare_clip, sources=["my_clip.h", "my_clip.c"])
