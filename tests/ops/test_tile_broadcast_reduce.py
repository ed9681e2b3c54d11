"""TILE, BROADCAST_TO, REDUCE_MAX, REDUCE_MIN, SUM: generated C against TFLM with tolerance 0.

TFLM has no TILE kernel: TILE is checked against numpy's tile, and the TILEs TensorFlow's
converter emits (repeating axes of size one) also against TFLM's BROADCAST_TO, the form the
oracle runs them in (`lite_micro.tflm_compat`). Random cases run in one batch (one C compile);
LITEMICRO_CASES sets the number per op (several hundred for a thorough local run).
"""

from __future__ import annotations

import numpy as np
import pytest
import tflite

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError, UnsupportedError
from lite_micro.reference import Reference
from lite_micro.testing.oneop import OpCase, TensorSpec, build_model, const_i32, reduced_shape
from lite_micro.testing.runs import case_count
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import WITHOUT_TFLM
from lite_micro.tflm_compat import for_tflm
from lite_micro.toolchain.host import build_host

CASES = case_count(5)
OPS = ("REDUCE_MAX", "REDUCE_MIN", "SUM", "BROADCAST_TO")


def _q(shape, scale=0.05, zp=-7, dtype="int8"):
    return TensorSpec(tuple(shape), dtype, scale if dtype == "int8" else None,
                      zp if dtype == "int8" else None)


def _reduce(op, shape, axes, keep, out_q=(0.05, -7)):
    return OpCase(op, [_q(shape), const_i32(axes)], [_q(reduced_shape(shape, axes, keep), *out_q)],
                  dict(keep_dims=keep))


def _tile(shape, multiples, dtype="int8"):
    out = [d * m for d, m in zip(shape, multiples)]
    return OpCase("TILE", [_q(shape, dtype=dtype), const_i32(multiples)], [_q(out, dtype=dtype)])


# ---- reductions and BROADCAST_TO against TFLM ------------------------------------------------

def edge_cases() -> list[OpCase]:
    return [
        _reduce("REDUCE_MAX", (1, 7, 7, 16), [1, 2], False),          # GlobalMaxPooling2D
        _reduce("REDUCE_MAX", (1, 7, 7, 16), [2, 1], True),
        _reduce("REDUCE_MIN", (1, 9, 5), [-2], False),                  # GlobalMaxPooling1D-like
        _reduce("REDUCE_MIN", (2, 3, 4, 5), [0, 1, 2, 3], False),       # everything: a scalar
        _reduce("REDUCE_MAX", (2, 3, 4, 5), [1, -3, 3], True),          # an axis named twice
        _reduce("REDUCE_MIN", (6,), [0], True),
        _reduce("SUM", (1, 64, 64, 1), [1, 2], True),                   # same scale: saturates
        _reduce("SUM", (3, 10), [1], False, (4.0, 3)),                  # in/out ratio 1/80
        _reduce("SUM", (4, 5, 6), [0, 2], False, (0.003, -100)),        # in/out ratio 16: left shift
        OpCase("BROADCAST_TO", [_q((3, 1)), const_i32([2, 4, 3, 5])], [_q((2, 4, 3, 5))]),
        OpCase("BROADCAST_TO", [_q((1,), dtype="float32"), const_i32([7])], [_q((7,), dtype="float32")]),
    ]


def test_reductions_and_broadcast_match_tflm(check_random_and_edge_cases):
    check_random_and_edge_cases(OPS, CASES, 2, edge_cases())


# ---- TILE: numpy, and TFLM through BROADCAST_TO ----------------------------------------------

TILE_EDGES = [
    ((1, 6, 1, 6, 12), [1, 1, 2, 1, 1]),       # UpSampling2D, the rows
    ((1, 1, 5), [1, 4, 1]),                     # RepeatVector
    ((2, 3, 2, 3, 2), [2, 3, 2, 2, 3]),         # ten loops: unrolled into blocks
    ((2, 2, 2, 2, 2, 2), [2, 2, 2, 2, 2, 2]),
    ((7,), [1]),                                # a plain copy
]


def _run_all(gens, inputs, workdir):
    module = build_host(gens, workdir)
    return [module.run(g.prefix, [x])[0] for g, x in zip(gens, inputs)]


def test_tile_matches_numpy(tmp_path):
    cases = sample_cases(WITHOUT_TFLM["TILE"], max(CASES, 8) * 2, 5)
    cases += [_tile(s, m) for s, m in TILE_EDGES] + [_tile((3, 2), [2, 3], "float32")]
    gens = [compile_model(c.build(), Options(prefix=f"tile{k}")) for k, c in enumerate(cases)]
    rng = np.random.default_rng(1)
    inputs = [rng.integers(-128, 128, c.inputs[0].shape).astype(np.int8) if c.inputs[0].dtype == "int8"
              else rng.standard_normal(c.inputs[0].shape).astype(np.float32) for c in cases]
    for case, x, y in zip(cases, inputs, _run_all(gens, inputs, tmp_path)):
        expect = np.tile(x, case.inputs[1].data.tolist())
        assert y.tobytes() == expect.tobytes(), f"{x.shape} x {case.inputs[1].data.tolist()}"


def test_unit_axis_tiles_match_tflm_broadcast_to(tmp_path):
    shapes = [((1, 6, 1, 6, 12), [1, 1, 2, 1, 1]), ((1, 12, 6, 1, 12), [1, 1, 1, 2, 1]),
              ((1, 1, 5), [1, 4, 1]), ((1, 9, 1, 3), [1, 1, 3, 1]), ((1, 3), [5, 1])]
    models = [_tile(s, m).build() for s, m in shapes]
    gens = [compile_model(m, Options(prefix=f"ut{k}")) for k, m in enumerate(models)]
    rng = np.random.default_rng(2)
    inputs = [rng.integers(-128, 128, s).astype(np.int8) for s, _ in shapes]
    for model, x, y in zip(models, inputs, _run_all(gens, inputs, tmp_path)):
        assert np.array_equal(y, Reference(model).run([x], 1)[0])


def test_for_tflm_patches_only_tiles():
    hello = build_model("RELU", [_q((4,))], [_q((4,))], {})
    assert for_tflm(hello) is hello
    tiled = for_tflm(_tile((1, 6, 1, 6, 12), [1, 1, 2, 1, 1]).build())
    model = tflite.Model.GetRootAsModel(tiled, 0)
    assert model.OperatorCodes(0).BuiltinCode() == tflite.BuiltinOperator.BROADCAST_TO
    shape_tensor = model.Subgraphs(0).Tensors(1)
    assert model.Buffers(shape_tensor.Buffer()).DataAsNumpy().view(np.int32).tolist() == [1, 6, 2, 6, 12]


def test_for_tflm_refuses_tiles_no_tflm_op_can_stand_for():
    with pytest.raises(LiteMicroError, match="repeats an axis longer than one"):
        for_tflm(_tile((2, 3), [2, 1]).build())


def test_upsampling_tile_is_one_block_of_two_loops():
    table = compile_model(_tile((1, 6, 1, 6, 12), [1, 1, 2, 1, 1]).build()).layers[0].consts[0].values
    # copy, 2 loops, offsets 0, 72-byte rows: 6 input rows (stride 72, out 144) x 2 repeats (stride 0)
    assert table.tolist() == [0, 2, 0, 0, 72, 6, 72, 144, 2, 0, 72]


# ---- errors ----------------------------------------------------------------------------------

BAD = [
    (_reduce("REDUCE_MAX", (2, 3), [1], False, (0.1, -7)), "quantization must be equal"),
    (_reduce("REDUCE_MIN", (2, 3), [2], False), "out of range"),
    (OpCase("SUM", [_q((2, 3)), const_i32([1])], [_q((2, 3))], dict(keep_dims=False)), "output shape"),
    (OpCase("TILE", [_q((2, 3)), const_i32([2, 0])], [_q((4, 0))]), "empty"),
    (OpCase("TILE", [_q((2, 3)), const_i32([2])], [_q((4, 3))]), "one positive count per input axis"),
    (OpCase("TILE", [_q((2, 3)), const_i32([2, 2])], [_q((4, 3))]), "output shape"),
    (_tile((2,) * 8, [2] * 8), "at most 64"),
    (OpCase("BROADCAST_TO", [_q((2, 3)), const_i32([4, 3])], [_q((4, 3))]), "does not broadcast"),
]


@pytest.mark.parametrize("case,words", BAD, ids=[f"{c.op}-{w}" for c, w in BAD])
def test_unsupported_configurations_are_one_line_errors(case, words):
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    message = str(info.value)
    assert words in message and case.op in message and "\n" not in message
