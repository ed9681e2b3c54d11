"""Bad input: each gets a one-line error naming what and where, and exit code 2."""

from __future__ import annotations

import subprocess
import sys

import flatbuffers
import numpy as np
import pytest
import tflite

from lite_micro.testing import oneop
from lite_micro.testing.oneop import TensorSpec, build_model

from lstm_cases import unsupported_lstm_model
from model_zoo import model_path


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "lite_micro.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(proc, *needles):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "\n" not in err and err.startswith("litemicro: error: "), err
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in err, (n, err)


def _fc(in_dtype="int8", out_dtype="int8", shape=(1, 4), w_dtype="int8"):
    q = dict(scale=0.1, zero_point=0) if in_dtype in ("int8", "int16") else {}
    qo = dict(scale=0.1, zero_point=0) if out_dtype in ("int8", "int16") else {}
    qw = dict(scale=0.05, zero_point=0) if w_dtype == "int8" else {}
    w = np.ones((3, 4), np.int8 if w_dtype == "int8" else np.float32)
    return build_model("FULLY_CONNECTED",
                       [TensorSpec(shape, dtype=in_dtype, **q),
                        TensorSpec((3, 4), dtype=w_dtype, data=w, **qw)],
                       [TensorSpec((shape[0], 3), dtype=out_dtype, **qo)],
                       {"fused_activation_function": "NONE"})


def _two_subgraphs() -> bytes:
    b = flatbuffers.Builder(1024)
    specs = [TensorSpec((1, 4), scale=0.1, zero_point=0), TensorSpec((1, 4), scale=0.1, zero_point=0)]
    subgraphs = []
    for _ in range(2):
        tensors = [oneop._tensor(b, s, i, 0) for i, s in enumerate(specs)]
        operator = oneop._operator(b, None, {}, [0], [1])
        subgraphs.append(oneop._subgraph(b, tensors, operator, [0], [1]))
    buffers = oneop._offsets(b, [oneop._buffer(b, None)])
    opcodes = oneop._offsets(b, [oneop._opcode(b, "RELU", 1)])
    subs = oneop._offsets(b, subgraphs)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, opcodes)
    tflite.ModelAddSubgraphs(b, subs)
    tflite.ModelAddBuffers(b, buffers)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_missing_file(tmp_path):
    assert_one_line_error(run_cli("gen", tmp_path / "nope.tflite"), "nope.tflite", "cannot read")


def test_not_a_tflite_file(tmp_path):
    p = tmp_path / "notes.tflite"
    p.write_text("these are not the weights you are looking for\n")
    assert_one_line_error(run_cli("gen", p, "-o", tmp_path / "out"), "notes.tflite", "not a TensorFlow Lite")


@pytest.mark.parametrize("keep", [12, 200, 5000])
def test_truncated_model(tmp_path, keep):
    p = tmp_path / "cut.tflite"
    p.write_bytes(model_path("kws_ref_model").read_bytes()[:keep])
    assert_one_line_error(run_cli("gen", p, "-o", tmp_path / "out"), "cut.tflite")


def _unsupported_lstm(tmp_path):
    p = tmp_path / "lstm_projection.tflite"
    p.write_bytes(unsupported_lstm_model())
    return p


def test_unsupported_op_names_op_and_tensor(tmp_path):
    proc = run_cli("gen", _unsupported_lstm(tmp_path), "-o", tmp_path / "out")
    assert_one_line_error(proc, "op #0", "UNIDIRECTIONAL_SEQUENCE_LSTM", "tensor")


def test_float_model(tmp_path):
    p = tmp_path / "float.tflite"
    p.write_bytes(_fc("float32", "float32", w_dtype="float32"))
    assert_one_line_error(run_cli("gen", p, "-o", tmp_path / "out"), "op #0", "FULLY_CONNECTED",
                          "float32")


def test_hybrid_model(tmp_path):
    """Float activations with int8 weights (dynamic-range quantization)."""
    p = tmp_path / "hybrid.tflite"
    p.write_bytes(_fc("float32", "float32"))
    proc = run_cli("gen", p, "-o", tmp_path / "out")
    assert_one_line_error(proc, "op #0", "FULLY_CONNECTED", "input tensor 0", "float32")


def test_dynamic_shape(tmp_path):
    p = tmp_path / "dyn.tflite"
    p.write_bytes(_fc(shape=(-1, 4)))
    assert_one_line_error(run_cli("gen", p, "-o", tmp_path / "out"), "tensor 0", "dynamic shape")


def test_several_subgraphs(tmp_path):
    p = tmp_path / "two.tflite"
    p.write_bytes(_two_subgraphs())
    assert_one_line_error(run_cli("gen", p, "-o", tmp_path / "out"), "2 subgraphs")


def test_unknown_target(tmp_path):
    assert_one_line_error(run_cli("gen", model_path("hello_world_int8"), "--target", "z80"),
                          "unknown target 'z80'", "cortex-m4")


def test_model_too_big_for_target(tmp_path):
    proc = run_cli("gen", model_path("vww_96_int8"), "--target", "cortex-m4", "--ram", "32768",
                   "-o", tmp_path / "out")
    assert_one_line_error(proc, "RAM", "32,768")
    ok = run_cli("gen", model_path("vww_96_int8"), "--target", "cortex-m4", "--ram", "32768",
                 "--no-budget", "-o", tmp_path / "out")
    assert ok.returncode == 0, ok.stderr


def test_inspect_lists_every_problem(tmp_path):
    proc = run_cli("inspect", _unsupported_lstm(tmp_path), "--json")
    assert proc.returncode == 2
    import json
    report = json.loads(proc.stdout)
    assert len(report["unsupported"]) == 1 and "UNIDIRECTIONAL_SEQUENCE_LSTM" in report["unsupported"][0]
    assert report["arena_bytes"] is None
    p = tmp_path / "uint8.tflite"
    p.write_bytes(_fc("uint8", "uint8"))
    report = json.loads(run_cli("inspect", p, "--json").stdout)
    # the op, the graph input and the graph output: all reported at once
    assert len(report["unsupported"]) == 3, report["unsupported"]
    assert "op #0 FULLY_CONNECTED" in report["unsupported"][0]
