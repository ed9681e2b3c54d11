"""Graph passes: constant folding (shape chains), detached RESHAPE shapes, dead-op removal.

Unit tests work on hand-built IR graphs; the end-to-end tests build small multi-op .tflite
models and compare the generated C with the TFLM interpreter (tolerance 0).
"""

from __future__ import annotations

import shutil
import subprocess

import flatbuffers
import numpy as np
import pytest
import tflite

import lite_micro.ops
from lite_micro.api import compile_model
from lite_micro.frontend.signatures import make_op
from lite_micro.ir import Graph, QuantParams, Tensor
from lite_micro.ops.shape_ops import strided_slice_plan
from lite_micro.passes import run_passes
from lite_micro.testing import oneop
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.oneop import TensorSpec

# ---- IR-level helpers ----------------------------------------------------------------------

def _t(index, shape, dtype="int8", data=None, quant=None, variable=False) -> Tensor:
    if data is not None:
        data = np.asarray(data, dtype={"int8": np.int8, "int32": np.int32, "int64": np.int64}[dtype])
        data = data.reshape(shape)
    if dtype == "int8" and quant is None:
        quant = QuantParams((0.5,), (3,))
    return Tensor(index, f"t{index}", tuple(shape), dtype, quant, data, variable)


def _graph(tensors, ops, inputs, outputs) -> Graph:
    ops = [make_op(i, kind, ins, outs, opts) for i, (kind, ins, outs, opts) in enumerate(ops)]
    return Graph("g", tensors, ops, inputs, outputs)


def _flatten_chain():
    """What TensorFlow emits for Flatten with a dynamic batch: SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE."""
    x, y = _t(0, (2, 3, 4)), _t(7, (2, 12))
    shape, batch, packed = _t(1, (3,), "int32"), _t(5, (), "int32"), _t(6, (2,), "int32")
    begin, end, stride = (_t(i, (1,), "int32", [v]) for i, v in ((2, 0), (3, 1), (4, 1)))
    minus_one = _t(8, (), "int32", -1)
    ops = [("SHAPE", [x], [shape], {}),
           ("STRIDED_SLICE", [shape, begin, end, stride], [batch], dict(shrink_axis_mask=1)),
           ("PACK", [batch, minus_one], [packed], dict(axis=0, values_count=2)),
           ("RESHAPE", [x, packed], [y], {})]
    tensors = [x, shape, begin, end, stride, batch, packed, y, minus_one]
    return _graph(tensors, ops, [x], [y])


def test_flatten_shape_chain_folds_to_a_lone_reshape():
    g = run_passes(_flatten_chain())
    assert [op.kind for op in g.ops] == ["RESHAPE"]
    assert g.ops[0].inputs[1] is None             # the shape is metadata now
    folded = {t.index: t for t in g.tensors}
    assert folded[6].data.tolist() == [2, -1]     # the packed shape was computed
    assert folded[5].data.tolist() == 2 and folded[5].data.dtype == np.int32


def test_folding_does_not_touch_the_input_graph():
    g = _flatten_chain()
    run_passes(g)
    assert len(g.ops) == 4 and all(t.data is None for t in g.tensors if t.index in (1, 5, 6))


def test_int32_arithmetic_wraps_like_c():
    a = _t(0, (2,), "int32", [2**31 - 1, 7])
    b = _t(1, (2,), "int32", [1, -9])
    s, p, out_in, out = _t(2, (2,), "int32"), _t(3, (2,), "int32"), _t(4, (2,)), _t(5, (2,))
    ops = [("ADD", [a, b], [s], {}), ("MUL", [s, s], [p], {}),
           ("RESHAPE", [out_in, p], [out], {})]
    g = run_passes(_graph([a, b, s, p, out_in, out], ops, [out_in], [out]))
    values = {t.index: t.data for t in g.tensors if t.data is not None}
    assert values[2].tolist() == [-2**31, -2]
    assert values[3].tolist() == [0, 4]           # (-2^31)^2 wraps to 0
    assert [op.kind for op in g.ops] == ["RESHAPE"]


def test_quantized_arithmetic_and_model_outputs_are_not_folded():
    a, b, c = _t(0, (2,), data=[1, 2]), _t(1, (2,), data=[3, 4]), _t(2, (2,))
    x, y = _t(3, (2,)), _t(4, (2,))
    add = ("ADD", [a, b], [c], {})                   # int8 quantized: needs TFLM's rescaling
    g = run_passes(_graph([a, b, c, x, y], [add, ("ADD", [c, x], [y], {})], [x], [y]))
    assert [op.kind for op in g.ops] == ["ADD", "ADD"]
    k = _t(5, (2,), data=[1, 2])
    g = run_passes(_graph([k, y], [("RESHAPE", [k], [y], {})], [], [y]))
    assert [op.kind for op in g.ops] == ["RESHAPE"]  # its output is the model's output


def test_constant_data_movement_folds_even_when_quantized():
    w = _t(0, (2, 3), data=np.arange(6))
    perm = _t(1, (2,), "int32", [1, 0])
    wt, x, y = _t(2, (3, 2)), _t(3, (3, 2)), _t(4, (6, 2))
    ops = [("TRANSPOSE", [w, perm], [wt], {}), ("CONCATENATION", [wt, x], [y], dict(axis=0))]
    g = run_passes(_graph([w, perm, wt, x, y], ops, [x], [y]))
    assert [op.kind for op in g.ops] == ["CONCATENATION"]
    assert g.ops[0].inputs[0].data.tolist() == [[0, 3], [1, 4], [2, 5]]


def test_dead_ops_are_dropped_but_state_and_outputs_stay():
    x, used, unused, y = _t(0, (4,)), _t(1, (4,)), _t(2, (4,)), _t(3, (4,))
    state, z = _t(4, (4,), variable=True), _t(5, (4,))
    ops = [("RELU", [x], [unused], {}), ("RELU", [x], [used], {}), ("RELU", [used], [y], {}),
           ("SVDF", [x, state], [z], {})]
    g = run_passes(_graph([x, used, unused, y, state, z], ops, [x], [y]))
    assert [(op.kind, op.outputs[0].index) for op in g.ops] == [("RELU", 1), ("RELU", 3), ("SVDF", 5)]


def test_unevaluable_constant_ops_are_left_for_prepare():
    x = _t(0, (2, 2), data=[[1, 2], [3, 4]])
    perm = _t(1, (3,), "int32", [0, 1, 2])          # wrong length: numpy refuses
    y, z, w = _t(2, (2, 2)), _t(3, (2, 2)), _t(4, (2, 2))
    ops = [("TRANSPOSE", [x, perm], [y], {}), ("ADD", [y, z], [w], {})]
    g = run_passes(_graph([x, perm, y, z, w], ops, [z], [w]))
    assert [op.kind for op in g.ops] == ["TRANSPOSE", "ADD"]


# ---- strided-slice semantics against numpy's basic indexing ------------------------------

def _numpy_index(begin, end, strides, masks, rank):
    """The same slice spelled as a numpy index (numpy follows TensorFlow's semantics)."""
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            index.append(Ellipsis)
        elif masks["new_axis_mask"] & bit:
            index.append(None)
        elif masks["shrink_axis_mask"] & bit:
            index.append(b)
        else:
            index.append(slice(None if masks["begin_mask"] & bit else b,
                               None if masks["end_mask"] & bit else e, s))
    return tuple(index)


def test_strided_slice_plan_matches_numpy_indexing():
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(3000):
        shape = tuple(rng.integers(1, 6, size=rng.integers(1, 5)))
        n = int(rng.integers(1, len(shape) + 2))
        masks = {k: int(rng.integers(0, 1 << n)) & int(rng.integers(0, 1 << n))
                 for k in ("begin_mask", "end_mask", "new_axis_mask", "shrink_axis_mask")}
        masks["ellipsis_mask"] = (1 << int(rng.integers(0, n))) if rng.random() < 0.4 else 0
        masks["new_axis_mask"] &= ~masks["shrink_axis_mask"]
        begin = rng.integers(-6, 6, size=n).tolist()
        end = rng.integers(-6, 6, size=n).tolist()
        strides = rng.choice([1, 2, 3, -1, -2], size=n).tolist()
        data = np.arange(int(np.prod(shape))).reshape(shape)
        try:
            expect = data[_numpy_index(begin, end, strides, masks, len(shape))]
        except IndexError:
            continue                                   # out-of-range shrink index
        if any(masks["shrink_axis_mask"] >> i & 1 and (strides[i] < 0 or masks["begin_mask"] >> i & 1)
               for i in range(n)):
            continue        # TensorFlow rejects the first; on the second TFLM reads index 0
        try:
            axes, out_shape = strided_slice_plan(shape, begin, end, strides, **masks)
        except ValueError:
            continue                                   # e.g. more entries than axes
        got = data[np.ix_(*[s + st * np.arange(c) for s, st, c in axes])].reshape(out_shape)
        assert got.shape == expect.shape and np.array_equal(got, expect), (shape, begin, end, strides, masks)
        checked += 1
    assert checked > 1500


# ---- end to end: multi-op models against TFLM ---------------------------------------------

def build_graph(tensors: list, ops: list, inputs: list, outputs: list) -> bytes:
    """A .tflite model of several ops. ops: (name, options table or None, options,
    input tensor indices, output tensor indices)."""
    b = flatbuffers.Builder(1024)
    buffers = [oneop._buffer(b, None)] + [oneop._buffer(b, s.data) for s in tensors]
    tvec = [oneop._tensor(b, s, i, i + 1) for i, s in enumerate(tensors)]
    kinds = list(dict.fromkeys(op[0] for op in ops))
    operators = []
    for kind, table_name, options, ins, outs in ops:
        table = oneop._options(b, table_name, options) if table_name else None
        iv, ov = oneop._ints(b, ins), oneop._ints(b, outs)
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, kinds.index(kind))
        tflite.OperatorAddInputs(b, iv)
        tflite.OperatorAddOutputs(b, ov)
        if table is not None:
            tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, table_name))
            tflite.OperatorAddBuiltinOptions(b, table)
        operators.append(tflite.OperatorEnd(b))
    tensor_vec, op_vec = oneop._offsets(b, tvec), oneop._offsets(b, operators)
    ins, outs, name = oneop._ints(b, inputs), oneop._ints(b, outputs), b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tensor_vec)
    tflite.SubGraphAddInputs(b, ins)
    tflite.SubGraphAddOutputs(b, outs)
    tflite.SubGraphAddOperators(b, op_vec)
    tflite.SubGraphAddName(b, name)
    subgraph = tflite.SubGraphEnd(b)
    codes = oneop._offsets(b, [oneop._opcode(b, k, 1) for k in kinds])
    subgraphs, buffer_vec = oneop._offsets(b, [subgraph]), oneop._offsets(b, buffers)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, codes)
    tflite.ModelAddSubgraphs(b, subgraphs)
    tflite.ModelAddBuffers(b, buffer_vec)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _i32(values, shape=None):
    data = np.asarray(values, dtype=np.int32)
    return TensorSpec(data.shape if shape is None else shape, "int32", data=data.reshape(shape or data.shape))


def flatten_model(shape=(1, 3, 4, 2)) -> bytes:
    """int8 input -> Flatten with a dynamic batch -> FULLY_CONNECTED-free output, plus a dead TRANSPOSE."""
    flat = int(np.prod(shape[1:]))
    t = [TensorSpec(shape, "int8", 0.25, -3),                      # 0 input
         TensorSpec((len(shape),), "int32"),                       # 1 shape
         _i32([0]), _i32([1]), _i32([1]),                          # 2-4 begin, end, strides
         TensorSpec((), "int32"),                                  # 5 batch
         _i32(-1, ()),                                             # 6 -1
         TensorSpec((2,), "int32"),                                # 7 packed shape
         TensorSpec((shape[0], flat), "int8", 0.25, -3),           # 8 output
         _i32(list(range(len(shape)))[::-1]),                      # 9 perm
         TensorSpec(shape[::-1], "int8", 0.25, -3)]                # 10 unused
    ops = [("SHAPE", "ShapeOptions", {"out_type": tflite.TensorType.INT32}, [0], [1]),
           ("STRIDED_SLICE", "StridedSliceOptions", {"shrink_axis_mask": 1}, [1, 2, 3, 4], [5]),
           ("PACK", "PackOptions", {"values_count": 2, "axis": 0}, [5, 6], [7]),
           ("RESHAPE", "ReshapeOptions", {}, [0, 7], [8]),
           ("TRANSPOSE", "TransposeOptions", {}, [0, 9], [10])]
    return build_graph(t, ops, [0], [8])


def float_roundtrip_model() -> bytes:
    """int8 -> DEQUANTIZE -> float32 -> QUANTIZE (another scale) -> int8, with a constant
    int8 input concatenated after."""
    t = [TensorSpec((2, 5), "int8", 0.037, 11),
         TensorSpec((2, 5), "float32"),
         TensorSpec((2, 5), "int8", 0.05, -20),
         TensorSpec((2, 3), "int8", 0.05, -20, data=np.arange(-3, 3, dtype=np.int8).reshape(2, 3)),
         TensorSpec((2, 8), "int8", 0.05, -20)]
    ops = [("DEQUANTIZE", None, {}, [0], [1]), ("QUANTIZE", None, {}, [1], [2]),
           ("CONCATENATION", "ConcatenationOptions", {"axis": 1}, [2, 3], [4])]
    return build_graph(t, ops, [0], [4])


def pipeline_model() -> bytes:
    """Every op of the family in one graph: float in -> QUANTIZE -> PAD -> TRANSPOSE ->
    STRIDED_SLICE -> SPLIT -> CONCATENATION -> RESIZE -> MEAN -> RESHAPE -> UNPACK -> PACK ->
    DEQUANTIZE -> float out, and ARG_MAX -> int32 out."""
    def q(shape, s=0.05, z=-3):
        return TensorSpec(tuple(shape), "int8", s, z)
    t = [TensorSpec((1, 6, 5, 3), "float32"), q((1, 6, 5, 3)),               # 0-1
         _i32([[0, 0], [1, 2], [2, 1], [0, 0]]), q((1, 9, 8, 3)),            # 2-3 pad
         _i32([0, 2, 1, 3]), q((1, 8, 9, 3)),                                # 4-5 transpose
         _i32([0, -1, 0, 0]), _i32([1, 0, 9, 3]), _i32([1, -1, 2, 1]), q((1, 7, 5, 3)),  # 6-9 slice
         _i32(3, ()), q((1, 7, 5, 1)), q((1, 7, 5, 1)), q((1, 7, 5, 1)),    # 10-13 split
         q((1, 7, 5, 3)), _i32([10, 4]), q((1, 10, 4, 3)),                   # 14-16 concat, resize
         _i32([1, 2]), q((1, 1, 1, 3), 0.02, 5), q((1, 3), 0.02, 5),        # 17-19 mean, reshape
         q((3,), 0.02, 5), TensorSpec((1,), "int8"), q((2, 3), 0.02, 5),    # 20-22 unpack, (unused), pack
         TensorSpec((2, 3), "float32"), _i32([3]), TensorSpec((1, 10, 4), "int32"),  # 23-25
         _i32([1, 3])]                                                      # 26
    ops = [("QUANTIZE", None, {}, [0], [1]),
           ("PAD", "PadOptions", {}, [1, 2], [3]),
           ("TRANSPOSE", "TransposeOptions", {}, [3, 4], [5]),
           ("STRIDED_SLICE", "StridedSliceOptions", {}, [5, 6, 7, 8], [9]),
           ("SPLIT", "SplitOptions", {"num_splits": 3}, [10, 9], [11, 12, 13]),
           ("CONCATENATION", "ConcatenationOptions", {"axis": 3}, [13, 11, 12], [14]),
           ("RESIZE_NEAREST_NEIGHBOR", "ResizeNearestNeighborOptions", {"half_pixel_centers": True},
            [14, 15], [16]),
           ("MEAN", "ReducerOptions", {"keep_dims": True}, [16, 17], [18]),
           ("RESHAPE", "ReshapeOptions", {}, [18, 26], [19]),
           ("UNPACK", "UnpackOptions", {"num": 1, "axis": 0}, [19], [20]),
           ("PACK", "PackOptions", {"values_count": 2, "axis": 0}, [20, 20], [22]),
           ("DEQUANTIZE", None, {}, [22], [23]),
           ("ARG_MAX", "ArgMaxOptions", {"output_type": tflite.TensorType.INT32}, [16, 24], [25])]
    return build_graph(t, ops, [0], [23, 25])


def test_whole_family_in_one_graph_matches_tflm_and_is_pedantic_c(tmp_path, monkeypatch):
    monkeypatch.setattr(lite_micro.ops, "IO_DTYPES", lite_micro.ops.IO_DTYPES + ("int32",))
    model = pipeline_model()
    problems = run_cases([model], inputs_per_model=6, workdir=tmp_path)
    assert not problems, problems[0].summary()
    gen = compile_model(model)
    for name, text in gen.files.items():
        (tmp_path / name).write_text(text)
    for cc in ("gcc", "clang"):
        if shutil.which(cc) is None:
            pytest.fail(f"{cc} is not installed")
        proc = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-c",
                               *sorted(n for n in gen.files if n.endswith(".c"))],
                              cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[:2000]


def test_flatten_chain_compiles_to_no_code_and_matches_tflm(tmp_path):
    models = [flatten_model(), flatten_model((3, 2, 5)), float_roundtrip_model()]
    gen = compile_model(models[0])
    assert [layer.op.kind for layer in gen.layers] == ["RESHAPE"]
    assert gen.layers[0].kernel is None and gen.arena_bytes == 24
    assert [layer.op.kind for layer in compile_model(models[2]).layers] == \
        ["DEQUANTIZE", "QUANTIZE", "CONCATENATION"]
    problems = run_cases(models, inputs_per_model=4, workdir=tmp_path)
    assert not problems, problems[0].summary()


def test_inspect_shows_the_folded_graph():
    import os
    import tempfile

    from lite_micro.inspection import inspect_model
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "flatten.tflite")
        with open(path, "wb") as fh:
            fh.write(flatten_model())
        report = inspect_model(path)
    assert [o["op"] for o in report["ops"]] == ["RESHAPE"] and not report["unsupported"]


@pytest.mark.parametrize("bad", [dict(shrink_axis_mask=1, new_axis_mask=1), dict(ellipsis_mask=3)])
def test_invalid_slice_specifications_raise(bad):
    masks = dict(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0)
    masks.update(bad)
    with pytest.raises(ValueError):
        strided_slice_plan((4, 4), [0, 0], [1, 1], [1, 1], **masks)
