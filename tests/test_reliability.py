"""Malformed and extreme models: each is refused with one line naming op, tensor and value
(LiteMicroError, exit 2), before any pass runs; nothing reaches the C."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from fuzz import mutate

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError, one_line
from lite_micro.testing.oneop import TensorSpec, build_model

from model_zoo import model_path

HELLO = "hello_world_int8"      # in 0 -> FC #0 -> 7 -> FC #1 -> 8 -> FC #2 -> 9 (output)


def patched(data: bytes, kind: str, nth: int, value, fmt: str | None = None) -> bytes:
    """`data` with the nth field of `kind` (see tests/fuzz/mutate.py) set to `value`."""
    slots = [s for s in mutate.layout(data).slots if s.kind == kind]
    slot = slots[nth]
    buf = bytearray(data)
    mutate._write(buf, mutate.Slot(slot.pos, fmt or slot.fmt, kind), value)
    return bytes(buf)


def hello() -> bytes:
    return model_path(HELLO).read_bytes()


def refused(data: bytes, *needles, target="host") -> str:
    with pytest.raises(LiteMicroError) as info:
        compile_model(data, Options(target=target, budget=True))
    text = one_line(info.value)
    assert "\n" not in text
    for n in needles:
        assert n in text, (n, text)
    return text


def relu(**out) -> bytes:
    spec = dict(scale=0.1, zero_point=0)
    spec.update(out)
    return build_model("RELU", [TensorSpec((1, 8), scale=0.1, zero_point=0)],
                       [TensorSpec((1, 8), **spec)], {})


def fc(out_scale=0.1, in_shape=(1, 4), units=3) -> bytes:
    w = np.ones((units, in_shape[-1]), np.int8)
    return build_model("FULLY_CONNECTED",
                       [TensorSpec(in_shape, scale=0.1, zero_point=0),
                        TensorSpec(w.shape, data=w, scale=0.05, zero_point=0)],
                       [TensorSpec((1, units), scale=out_scale, zero_point=0)],
                       {"fused_activation_function": "NONE"})


def conv(in_channels=2, dilation=1, out_scale=0.1) -> bytes:
    w = np.ones((2, 1, 1, in_channels), np.int8)
    return build_model("CONV_2D",
                       [TensorSpec((1, 4, 4, in_channels), scale=0.1, zero_point=0),
                        TensorSpec(w.shape, data=w, scale=0.05, zero_point=0)],
                       [TensorSpec((1, 4, 4, 2), scale=out_scale, zero_point=0)],
                       {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                        "dilation_w_factor": dilation, "dilation_h_factor": 1})


# ---- indices, order, who writes what ----

@pytest.mark.parametrize("index", [-2, -10, 10, 1 << 20])
def test_tensor_index_outside_the_table(index):
    refused(patched(hello(), "op_input", 0, index), "op #0 FULLY_CONNECTED", f"tensor index {index}")


def test_negative_graph_output_index():
    refused(patched(hello(), "graph_output", 0, -1), "model outputs", "tensor index -1")


def test_buffer_index_outside_the_table():
    refused(patched(hello(), "buffer", 6, 1000), "tensor 6", "buffer index 1000")


def test_ops_in_reverse_order():
    buf = bytearray(hello())
    lay = mutate.layout(bytes(buf))
    rng = type("R", (), {"random": lambda self: 0.0})()       # always reverses
    mutate.reorder_ops(buf, lay, rng)
    refused(bytes(buf), "op #0 FULLY_CONNECTED", "reads tensor 8", "before any op writes it")


def test_op_writes_a_constant():
    refused(patched(hello(), "op_output", 0, 4), "op #0", "writes tensor 4", "constant")


def test_graph_output_is_a_constant():
    refused(patched(hello(), "graph_output", 0, 2), "model output tensor 2", "constant")


def test_graph_output_written_by_no_op():
    # FC #2 now writes tensor 8 again: tensor 9, the model output, is written by nobody
    refused(patched(hello(), "op_output", 2, 8), "model output tensor 9", "written by no op")


def test_op_without_outputs():
    data = hello()
    slot = [s for s in mutate.layout(data).slots if s.kind == "op_output"][1]
    buf = bytearray(data)
    struct.pack_into("<I", buf, slot.pos - 4, 0)            # the vector's length
    refused(bytes(buf), "op #1 FULLY_CONNECTED", "no output tensors")


# ---- quantization parameters ----

@pytest.mark.parametrize("zp", [1 << 40, 1 << 62, 128, -129, -(1 << 31)])
def test_int8_zero_point_outside_the_type(zp):
    refused(relu(zero_point=zp), "tensor 1", f"zero point {zp}", "int8 range [-128, 127]")


@pytest.mark.parametrize("scale", [0.0, -0.5, float("inf"), float("nan")])
def test_scale_not_finite_and_positive(scale):
    refused(relu(scale=scale), "tensor 1", "quantization scale",
            "not positive" if scale <= 0 else "not a finite number")


@pytest.mark.parametrize("make", [fc, conv], ids=["fc", "conv"])
def test_output_scale_zero(make):
    refused(make(out_scale=0.0), "quantization scale 0.0 is not positive")


def test_requantization_shift_beyond_int32_is_refused_with_the_reason():
    text = refused(fc(out_scale=1e-30), "op #0 FULLY_CONNECTED", "too large (shift", "undefined behaviour")
    assert "TFLM" in text


# ---- shapes and options ----

def test_conv_input_without_channels():
    refused(conv(in_channels=0), "tensor 0", "shape [1, 4, 4, 0] is empty")


def test_dilation_beyond_any_image():
    refused(conv(dilation=(1 << 31) - 1), "op #0 CONV_2D", "dilation_wfactor = 2147483647")


def test_tensor_byte_count_beyond_int32():
    data = patched(patched(relu(), "shape", 0, 1 << 20), "shape", 1, 1 << 12)
    refused(data, "tensor 0", "more than an int32")


def test_batch_matmul_with_two_billion_batches_is_refused_quickly():
    big = (1 << 31) - 1
    spec = dict(scale=0.1, zero_point=0)
    data = build_model("BATCH_MATMUL", [TensorSpec((big, 1, 1), **spec), TensorSpec((1, 1, 1), **spec)],
                       [TensorSpec((big, 1, 1), **spec)], {})
    refused(data, "op #0 BATCH_MATMUL", "batches")


# ---- messages ----

def test_error_text_is_one_escaped_line():
    data = build_model("RELU", [TensorSpec((1, 8), scale=0.1, zero_point=0, name="in\n\x1b[31mred")],
                       [TensorSpec((1, 8), scale=0.1, zero_point=300, name="out")], {})
    data = patched(data, "zero_point", 0, 1 << 40)
    text = refused(data, "in\\n\\x1b[31mred")
    assert "\x1b" not in text


# ---- options tables ----

def _options_type_patched(data: bytes, value: int) -> bytes:
    import tflite
    op = tflite.Model.GetRootAsModel(data, 0).Subgraphs(0).Operators(0)
    buf = bytearray(data)
    buf[mutate._field(op._tab, 10)] = value                # Operator.builtin_options_type
    return bytes(buf)


def test_options_table_of_another_op_is_refused():
    import tflite
    data = _options_type_patched(fc(), tflite.BuiltinOptions.Conv2DOptions)
    refused(data, "op #0 FULLY_CONNECTED", "Conv2DOptions", "takes FullyConnectedOptions")


def test_missing_options_table_reads_the_schema_defaults():
    gen = compile_model(_options_type_patched(fc(), 0))
    assert gen.layers[0].kernel.startswith("lm_fc")
