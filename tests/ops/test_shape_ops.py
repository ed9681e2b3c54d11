"""Data-movement ops (CONCATENATION, PAD, PADV2, TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V,
PACK, UNPACK, RESIZE_NEAREST_NEIGHBOR): generated C against TFLM with tolerance 0, and the block
tables those ops compile to.

Random cases are checked in one batch (one C compile). LITEMICRO_CASES sets the number
of random cases per op (default: a quick CI run; several hundred for a thorough local run).
Cases TFLM cannot judge (it rejects mixed-scale CONCATENATION, ignores ellipsis/new-axis
masks) are compared with TFLM's QUANTIZE and with numpy's indexing instead.
"""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.frontend import read_model_bytes
from lite_micro.ops import prepare_op
from lite_micro.ops.shape_ops import BLOCK_COPY, BLOCK_FILL
from lite_micro.testing import oneop
from lite_micro.testing.oneop import OpCase, TensorSpec, build_model, const_i32
from lite_micro.testing.runs import case_count
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8
from lite_micro.toolchain.host import build_host

CASES = case_count(3)
OPS = ("CONCATENATION", "PAD", "PADV2", "TRANSPOSE", "STRIDED_SLICE", "SPLIT", "SPLIT_V",
       "PACK", "UNPACK", "RESIZE_NEAREST_NEIGHBOR")


def _q(shape, scale=0.05, zp=-7, dtype="int8"):
    return TensorSpec(tuple(shape), dtype, scale if dtype == "int8" else None,
                      zp if dtype == "int8" else None)


# ---- against TFLM ------------------------------------------------------------------------

def edge_cases() -> list[OpCase]:
    """Configurations the random strategies rarely reach."""
    rng = np.random.default_rng(3)
    cases = [
        OpCase("PAD", [_q((1, 9, 7, 3)), const_i32([[0, 0], [5, 2], [0, 4], [0, 0]])], [_q((1, 16, 11, 3))]),
        OpCase("PAD", [_q((2, 3, 2, 2, 3)), const_i32([[1, 0], [0, 2], [1, 1], [0, 0], [2, 3]])],
               [_q((3, 5, 4, 2, 8))]),
        OpCase("PADV2", [_q((4, 6), dtype="float32"), const_i32([[1, 2], [3, 0]]),
                         TensorSpec((1,), "float32", data=np.zeros(1, np.float32))],
               [_q((7, 9), dtype="float32")]),
        OpCase("TRANSPOSE", [_q((2, 3, 1, 4, 5)), const_i32([3, 0, 4, 2, 1])], [_q((4, 2, 5, 1, 3))]),
        OpCase("TRANSPOSE", [_q((3, 4, 5), dtype="float32"), const_i32([2, 0, 1])],
               [_q((5, 3, 4), dtype="float32")]),
        OpCase("UNPACK", [_q((3, 16, 2))], [_q((3, 2)) for _ in range(16)], dict(num=16, axis=1)),
        OpCase("SPLIT_V", [_q((7, 2, 3)), const_i32([1, 2, -1, 1, 1]), const_i32(0, ())],
               [_q((n, 2, 3)) for n in (1, 2, 2, 1, 1)], dict(num_splits=5)),
        OpCase("STRIDED_SLICE", [_q((5, 6, 4, 3)), const_i32([-1, 5, 3, 2]), const_i32([-6, 0, -5, -4]),
                                 const_i32([-2, -2, -1, -1])], [_q((3, 3, 4, 3))]),
        OpCase("RESIZE_NEAREST_NEIGHBOR", [_q((2, 3, 5, 4)), const_i32([17, 23])], [_q((2, 17, 23, 4))],
               dict(align_corners=False, half_pixel_centers=True)),
        OpCase("RESIZE_NEAREST_NEIGHBOR", [_q((1, 6, 9, 1)), const_i32([4, 3])], [_q((1, 4, 3, 1))],
               dict(align_corners=True, half_pixel_centers=False)),
        OpCase("CONCATENATION",                                    # a constant input in the middle
               [_q((2, 3)), TensorSpec((2, 4), "int8", 0.05, -7,
                                       data=rng.integers(-128, 128, (2, 4)).astype(np.int8)), _q((2, 1))],
               [_q((2, 8))], dict(axis=-1, fused_activation_function="NONE")),
        OpCase("CONCATENATION", [_q((3, 2), dtype="float32"), _q((3, 5), dtype="float32")],
               [_q((3, 7), dtype="float32")], dict(axis=1)),
        OpCase("PACK", [_q((4, 3)), TensorSpec((4, 3), "int8", 0.05, -7,
                                               data=np.arange(12, dtype=np.int8).reshape(4, 3))],
               [_q((4, 3, 2))], dict(values_count=2, axis=2)),
    ]
    return cases


def slice_cases(count: int, seed: int) -> list[OpCase]:
    """SLICE (tf.slice) has no strategy of its own: begin/size drawn here, size -1 included."""
    rng, cases = np.random.default_rng(seed), []
    for _ in range(count):
        shape = tuple(int(d) for d in rng.integers(1, 7, size=rng.integers(1, 5)))
        begin = [int(rng.integers(0, d)) for d in shape]
        size = [-1 if rng.random() < 0.25 else int(rng.integers(1, d - b + 1)) for b, d in zip(begin, shape)]
        out = [d - b if n == -1 else n for b, n, d in zip(begin, size, shape)]
        cases.append(OpCase("SLICE", [_q(shape), const_i32(begin), const_i32(size)], [_q(out)]))
    return cases


@pytest.fixture
def slice_op(monkeypatch):
    monkeypatch.setitem(oneop.OPS, "SLICE", ("SliceOptions", 2))


def test_random_and_edge_cases_match_tflm(check_random_and_edge_cases, slice_op):
    check_random_and_edge_cases(OPS, CASES, 1, edge_cases() + slice_cases(max(CASES, 8), 4))


# ---- beyond TFLM: mixed-scale CONCATENATION, ellipsis and new axes -----------------------------

def _tflm(model: bytes, inputs: list) -> list:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    for k, x in enumerate(inputs):
        it.set_input(x, k)
    it.invoke()
    return [np.array(it.get_output(0))]


def _requantize_with_tflm(x: np.ndarray, src: TensorSpec, dst: TensorSpec) -> np.ndarray:
    model = build_model("QUANTIZE", [TensorSpec(x.shape, "int8", src.scale, src.zero_point)],
                        [TensorSpec(x.shape, "int8", dst.scale, dst.zero_point)], {}, version=2)
    return _tflm(model, [x])[0]


def test_mixed_scale_concatenation_requantizes_like_tflm_quantize(tmp_path):
    rng = np.random.default_rng(11)
    cases = []
    for _ in range(6):
        scale, zp = float(np.float32(0.02 * 3 ** rng.uniform(-1, 1))), int(rng.integers(-60, 60))
        ins = [TensorSpec((2, int(rng.integers(1, 5))), "int8",     # the middle one needs no rescaling
                          scale if j == 1 else float(np.float32(scale * 4 ** rng.uniform(-1.5, 1.5))),
                          zp if j == 1 else int(rng.integers(-128, 128))) for j in range(3)]
        if len(cases) == 5:                                      # a constant, rescaled at run time
            ins[2].data = rng.integers(-128, 128, ins[2].shape).astype(np.int8)
        out = TensorSpec((2, sum(t.shape[1] for t in ins)), "int8", scale, zp)
        cases.append((ins, out, build_model("CONCATENATION", ins, [out], dict(axis=1))))
    gens = [compile_model(m, Options(prefix=f"mq{k}")) for k, (_, _, m) in enumerate(cases)]
    module = build_host(gens, tmp_path)
    for gen, (ins, out, _) in zip(gens, cases):
        assert "requantized" in gen.layers[0].note
        for _ in range(3):
            xs = [rng.integers(-128, 128, t.shape).astype(np.int8) if t.data is None else t.data
                  for t in ins]
            expect = np.concatenate([_requantize_with_tflm(x, t, out) for x, t in zip(xs, ins)], axis=1)
            fed = [x for x, t in zip(xs, ins) if t.data is None]
            assert np.array_equal(module.run(gen.prefix, fed)[0], expect)


def _numpy_slice(x, begin, end, strides, masks):
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks.get("ellipsis_mask", 0) & bit:
            index.append(Ellipsis)
        elif masks.get("new_axis_mask", 0) & bit:
            index.append(None)
        elif masks.get("shrink_axis_mask", 0) & bit:
            index.append(b)
        else:
            index.append(slice(None if masks.get("begin_mask", 0) & bit else b,
                               None if masks.get("end_mask", 0) & bit else e, s))
    return x[tuple(index)]


SLICES = [  # (input shape, begin, end, strides, masks): TensorFlow semantics, which TFLM ignores
    ((2, 3, 4, 5), [0, 1], [0, 3], [1, 1], dict(ellipsis_mask=1)),                 # [..., 1:3]
    ((2, 3, 4, 5), [1, 0, 0, 4], [2, 0, 0, 0], [1, 1, 1, -2], dict(ellipsis_mask=2, new_axis_mask=4)),
    ((4, 6), [0, 0, 1], [0, 0, 5], [1, 1, 2], dict(new_axis_mask=3)),             # [None, None, 1:5:2]
    ((3, 4, 5), [2, 0, 0], [3, 0, 0], [1, 1, 1], dict(shrink_axis_mask=1, ellipsis_mask=2, new_axis_mask=4)),
    ((5, 6), [-1], [0], [-1], {}),                                                 # [-1:0:-1], rest implicit
]


def test_ellipsis_and_new_axis_follow_tensorflow(tmp_path):
    rng = np.random.default_rng(2)
    gens, expect = [], []
    for k, (shape, begin, end, strides, masks) in enumerate(SLICES):
        x = rng.integers(-128, 128, shape).astype(np.int8)
        y = _numpy_slice(x, begin, end, strides, masks)
        model = build_model("STRIDED_SLICE", [_q(shape), const_i32(begin), const_i32(end), const_i32(strides)],
                            [_q(y.shape)], masks)
        gens.append(compile_model(model, Options(prefix=f"ss{k}")))
        expect.append((x, y))
    module = build_host(gens, tmp_path)
    for gen, (x, y) in zip(gens, expect):
        assert np.array_equal(module.run(gen.prefix, [x])[0], y), gen.prefix


# ---- the block tables ----------------------------------------------------------------------

def simulate_blocks(table: np.ndarray, pointers: list, buffers: dict) -> dict:
    """Run a block table in Python; returns how many times each destination byte was written."""
    writes = {name: np.zeros(buf.size, dtype=np.int64) for name, buf in buffers.items()}
    w, k = list(int(v) for v in table), 0
    for src_name, dst_name in pointers:
        mode, rank, so, do, run = w[k:k + 5]
        k += 5 + {BLOCK_COPY: 0, BLOCK_FILL: 1}.get(mode, 4)
        fill = w[k - 1] if mode == BLOCK_FILL else 0
        dims = [w[k + 3 * d:k + 3 * d + 3] for d in range(rank)]
        k += 3 * rank
        for index in np.ndindex(*[e for e, _, _ in dims]):
            s = so + sum(i * st for i, (_, st, _) in zip(index, dims))
            d = do + sum(i * dt for i, (_, _, dt) in zip(index, dims))
            src = buffers[src_name].view(np.int8)
            dst = buffers[dst_name].view(np.int8)
            dst[d:d + run] = fill if mode == BLOCK_FILL else src[s:s + run]
            writes[dst_name][d:d + run] += 1
    return writes


def _table_and_pointers(layer):
    table = next(c.values for c in layer.consts if c.name == "blocks")
    names = [a.tensor.name if hasattr(a, "tensor") else a.name for a in layer.args[2:]]
    return table, list(zip(names[0::2], names[1::2]))


@pytest.mark.parametrize("seed", range(40))
def test_pad_tables_write_every_output_byte_once(seed):
    case = sample_cases(INT8["PAD" if seed % 2 else "PADV2"], 1, seed)[0]
    table, pointers = _table_and_pointers(prepare_op(read_model_bytes(case.build()).ops[0]))
    inp, out = case.inputs[0], case.outputs[0]
    x = np.random.default_rng(seed).integers(-128, 128, inp.shape).astype(np.int8)
    buffers = {"t0": x.copy(), f"t{len(case.inputs)}": np.zeros(out.shape, np.int8)}
    writes = simulate_blocks(table, pointers, buffers)
    assert writes[f"t{len(case.inputs)}"].min() == 1 == writes[f"t{len(case.inputs)}"].max()
    pads = case.inputs[1].data
    fill = case.inputs[2].data[0] if len(case.inputs) > 2 else inp.zero_point
    expect = np.pad(x, pads.tolist(), constant_values=fill)
    assert np.array_equal(buffers[f"t{len(case.inputs)}"], expect)


def test_contiguous_copies_merge_into_single_runs():
    model = build_model("CONCATENATION", [_q((1, 4, 4, 8)), _q((1, 4, 4, 8))], [_q((2, 4, 4, 8))],
                        dict(axis=0))
    table = compile_model(model).layers[0].consts[0].values.tolist()
    assert table == [BLOCK_COPY, 0, 0, 0, 128, BLOCK_COPY, 0, 0, 128, 128]   # two memcpy's
    model = build_model("TRANSPOSE", [_q((2, 3, 4)), const_i32([0, 2, 1])], [_q((2, 4, 3))], {})
    table = compile_model(model).layers[0].consts[0].values.tolist()
    assert table == [BLOCK_COPY, 3, 0, 0, 1, 2, 12, 12, 4, 1, 3, 3, 4, 1]


# ---- errors ------------------------------------------------------------------------------

BAD = [
    (OpCase("STRIDED_SLICE", [_q((4,)), const_i32([0]), const_i32([2]), const_i32([1])], [_q((2,))], dict(offset=True)),
     "offset"),
    (OpCase("TRANSPOSE", [_q((2, 3)), const_i32([0, 0])], [_q((2, 3))]), "not a permutation"),
    (OpCase("PAD", [_q((2, 3)), const_i32([[0, -1], [0, 0]])], [_q((2, 2))]), "non-negative"),
    (OpCase("PADV2", [_q((2,), dtype="float32"), const_i32([[1, 1]]),
                      TensorSpec((2,), "float32", data=np.full(2, 1.5, np.float32))],
            [_q((4,), dtype="float32")]), "one constant of the input's type"),
    (OpCase("CONCATENATION", [_q((2,)), _q((2,))], [_q((4,))],
            dict(axis=0, fused_activation_function="RELU")), "fused activation"),
    (OpCase("RESIZE_NEAREST_NEIGHBOR", [_q((1, 2, 2, 1)), const_i32([4, 4])], [_q((1, 4, 3, 1))]),
     "output shape"),
    (OpCase("SPLIT", [const_i32(1, ()), _q((2, 5))], [_q((2, 2)), _q((2, 3))], dict(num_splits=2)),
     "equal parts"),
    (OpCase("STRIDED_SLICE", [_q((4, 4)), const_i32([0, 0]), const_i32([1, 1]), const_i32([1, 1])], [_q((1, 1))],
            dict(ellipsis_mask=3)), "more than one ellipsis"),
]


@pytest.mark.parametrize("case,words", BAD, ids=[w for _, w in BAD])
def test_unsupported_configurations_are_one_line_errors(case, words):
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    message = str(info.value)
    assert words in message and case.op in message and "\n" not in message
