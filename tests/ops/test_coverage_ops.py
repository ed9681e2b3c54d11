"""Coverage ops against the TFLM interpreter, tolerance 0: SPACE_TO_BATCH_ND,
BATCH_TO_SPACE_ND, DEPTH_TO_SPACE, SPACE_TO_DEPTH, GATHER, GATHER_ND, CAST,
SQUARED_DIFFERENCE, ABS, RSQRT, LOG_SOFTMAX, L2_NORMALIZATION.

The random cases of these ops (`lite_micro.testing.strategies`) run in the conformance suite
(tests/conformance/test_ops.py, with its informative floor); here: every int8 input value
of the table ops under a few quantizations, and what random cases rarely reach.
"""

from __future__ import annotations

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.multiop import int16_chain
from lite_micro.testing.oneop import OPS, OpCase, TensorSpec
from lite_micro.testing.runs import case_count
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8, TFLM_LACKS_INT8
from lite_micro.testing.strategies.movement import space_to_batch_nd
from lite_micro.toolchain.host import build_host

CASES = case_count(3)
ALL = np.arange(-128, 128, dtype=np.int8)


BATCH = 150                   # models per C compile


def test_cases_match_tflm(tmp_path):
    """Every int8 input value of the table ops, scalar gather indices and CASTs through
    int16: one C compile per BATCH models."""
    cases = EVERY_VALUE + gather_scalar_cases() + casts_through_int16()
    problems = []
    for start in range(0, len(cases), BATCH):
        problems += run_cases(cases[start:start + BATCH], inputs_per_model=2, workdir=tmp_path)
    assert not problems, (f"{len(problems)} of {len(cases)} differ; "
                          + "; ".join(p.summary() for p in problems[:3]))


def _tflm(model: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    it.set_input(x, 0)
    it.invoke()
    return np.array(it.get_output(0))


def from_input(shape, blocks, pads) -> np.ndarray:
    """True where SPACE_TO_BATCH_ND's output comes from the input, False in the padding
    (TensorFlow's definition: pad, split each spatial axis by its block, blocks to batch)."""
    x = np.ones(shape, dtype=bool)
    if len(shape) == 3:
        x, blocks, pads = x[:, :, None, :], list(blocks) + [1], list(pads) + [[0, 0]]
    x = np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)])
    n, h, w, c = x.shape
    (bh, bw) = blocks
    x = x.reshape(n, h // bh, bh, w // bw, bw, c).transpose(2, 4, 0, 1, 3, 5)
    return x.reshape(bh * bw * n, h // bh, w // bw, c)


def test_padded_space_to_batch_matches_tflm_off_the_padding(tmp_path):
    """Where the output is padding, TFLM writes a byte its Prepare never sets; there ours
    holds the zero point (the real 0.0), elsewhere every byte equals TFLM's."""
    cases = [c for c in sample_cases(space_to_batch_nd(padded=True), 2 * CASES + 4, 77)
             if c.inputs[0].dtype == "int8"]
    models = [c.build() for c in cases]
    gens = [compile_model(m, Options(prefix=f"stb{k}")) for k, m in enumerate(models)]
    module = build_host(gens, tmp_path)
    rng = np.random.default_rng(5)
    for case, gen, model in zip(cases, gens, models):
        x = rng.integers(-128, 128, case.inputs[0].shape, dtype=np.int8)
        ours, theirs = module.run(gen.prefix, [x])[0], _tflm(model, x)
        real = from_input(x.shape, case.inputs[1].data.tolist(), case.inputs[2].data.tolist())
        real = real.reshape(ours.shape)
        assert np.array_equal(ours[real], theirs[real]), gen.prefix
        assert np.all(ours[~real] == case.outputs[0].zero_point), gen.prefix


def _every_value(op, in_q, out_q, shape=(256,)):
    return OpCase(op, [TensorSpec(shape, "int8", *in_q)], [TensorSpec(shape, "int8", *out_q)])


EVERY_VALUE = [
    _every_value("ABS", (0.05, -3), (0.04, -128)),
    _every_value("ABS", (0.02, 7), (0.02, 7)),                  # same scale: no requantization
    _every_value("ABS", (0.5, 100), (0.003, -20)),              # saturating
    _every_value("RSQRT", (0.01, -128), (0.08, -100)),
    _every_value("RSQRT", (0.5, -128), (0.01, 3)),
    _every_value("L2_NORMALIZATION", (0.1, 5), (1 / 128, 0), (16, 16)),
    _every_value("LOG_SOFTMAX", (0.1, 5), (16 / 256, 127), (16, 16)),
    _every_value("LOG_SOFTMAX", (0.9, -3), (16 / 256, 127), (64, 4)),
]


def gather_scalar_cases() -> list[OpCase]:
    params = TensorSpec((4, 3, 5), "int8", 0.1, 2)
    scalar = TensorSpec((), "int32", data=np.array(2, np.int32))
    rows = TensorSpec((2, 2), "int32", data=np.array([[3, 0], [0, 3]], np.int32))
    return [OpCase("GATHER", [params, scalar], [TensorSpec((4, 5), "int8", 0.1, 2)], dict(axis=1)),
            OpCase("GATHER", [params, rows], [TensorSpec((2, 2, 3, 5), "int8", 0.1, 2)], dict(axis=0))]


def test_space_ops_are_block_copies():
    case = sample_cases(INT8["SPACE_TO_BATCH_ND"], 1, 5)[0]
    layer = compile_model(case.build()).layers[0]
    assert layer.kernel == "lm_copy_blocks"


@pytest.mark.parametrize("op", TFLM_LACKS_INT8)
def test_int8_ops_tflm_lacks_are_refused_in_one_line(op, monkeypatch):
    monkeypatch.setitem(OPS, op, (None, 1))          # the builder lists only ops we test
    case = _every_value(op, (0.1, 0), (0.1, 0), (4,))
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    assert op in str(info.value) and "\n" not in str(info.value)


def _run_time_gather(params: TensorSpec, idx_shape, axis: int, out_shape) -> OpCase:
    out = TensorSpec(out_shape, params.dtype, params.scale, params.zero_point)
    return OpCase("GATHER", [params, TensorSpec(idx_shape, "int32")], [out], dict(axis=axis))


def _valid_indices(case: OpCase, rng) -> np.ndarray:
    """Indices in range for the case's params (outside it TFLM stops the invoke)."""
    params, idx = case.inputs
    if case.op == "GATHER":
        return rng.integers(0, params.shape[case.options["axis"]], idx.shape, dtype=np.int32)
    limits = np.asarray(params.shape[:idx.shape[-1]])
    return (rng.random(idx.shape) * limits).astype(np.int32)


def test_gather_with_run_time_indices_matches_tflm(tmp_path):
    """An embedding lookup (constant table, int32 indices as model input), gathers from an
    activation, and GATHER_ND with run-time index tuples."""
    table = TensorSpec((50, 8), "int8", 0.02, -3,
                       data=np.random.default_rng(8).integers(-128, 128, (50, 8)).astype(np.int8))
    act = TensorSpec((2, 7, 3), "int8", 0.1, 4)
    cases = [_run_time_gather(table, (1, 12), 0, (1, 12, 8)),
             _run_time_gather(act, (5,), 1, (2, 5, 3)),
             _run_time_gather(TensorSpec((6, 4), "float32"), (3,), 0, (3, 4)),
             OpCase("GATHER_ND", [act, TensorSpec((4, 2), "int32")], [TensorSpec((4, 3), "int8", 0.1, 4)]),
             OpCase("GATHER_ND", [table, TensorSpec((2, 3, 1), "int32")], [TensorSpec((2, 3, 8), "int8", 0.02, -3)])]
    models = [c.build() for c in cases]
    gens = [compile_model(m, Options(prefix=f"gat{k}")) for k, m in enumerate(models)]
    assert [g.layers[0].kernel for g in gens] == ["lm_gather"] * 3 + ["lm_gather_nd"] * 2
    module = build_host(gens, tmp_path)
    rng = np.random.default_rng(9)
    from tflite_micro.python.tflite_micro import runtime
    for case, gen, model in zip(cases, gens, models):
        for _ in range(4):
            feeds = [_valid_indices(case, rng)]
            if case.inputs[0].data is None:
                shape = case.inputs[0].shape
                feeds.insert(0, rng.normal(size=shape).astype(np.float32) if case.inputs[0].dtype == "float32"
                             else rng.integers(-128, 128, shape, dtype=np.int8))
            it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
            for j, arr in enumerate(feeds):
                it.set_input(arr, j)
            it.invoke()
            assert np.array_equal(module.run(gen.prefix, feeds)[0], np.array(it.get_output(0))), gen.prefix


def test_out_of_range_index_is_a_one_line_error():
    idx = TensorSpec((1,), "int32", data=np.array([4], np.int32))
    case = OpCase("GATHER", [TensorSpec((4, 3), "int8", 0.1, 0), idx],
                  [TensorSpec((1, 3), "int8", 0.1, 0)], dict(axis=0))
    with pytest.raises(UnsupportedError) as info:
        compile_model(case.build())
    assert "out of range" in str(info.value)


def casts_through_int16() -> list[bytes]:
    """int16 is never a model input or output: CAST to int16 and back, from and to each of the
    other types."""
    from lite_micro.testing.multiop import Node, build_graph
    models = []
    for src in ("int8", "int32", "float32"):
        for dst in ("int8", "int32", "float32"):
            x, mid, y = TensorSpec((3, 7), src), TensorSpec((3, 7), "int16"), TensorSpec((3, 7), dst)
            models.append(build_graph([Node("CAST", [x], [mid]), Node("CAST", [mid], [y])]))
    return models


INT16_CASES = [
    int16_chain("ABS", [(3, 50)], (0.01, 0), (0.01, 0), (3, 50)),
    int16_chain("ABS", [(3, 50)], (0.01, 0), (0.004, 0), (3, 50)),          # requantized, saturating
    int16_chain("ABS", [(3, 50)], (None, None), (None, None), (3, 50)),     # not quantized
    int16_chain("SQUARED_DIFFERENCE", [(2, 3, 20), (2, 3, 20)], (0.001, 0), (0.02, 0), (2, 3, 20)),
    int16_chain("SQUARED_DIFFERENCE", [(2, 1, 20), (3, 1)], (0.003, 0), (0.5, 0), (2, 3, 20)),
]


def test_int16_abs_and_squared_difference_match_tflm(tmp_path):
    from tflite_micro.python.tflite_micro import runtime
    gens = [compile_model(m, Options(prefix=f"i16_{k}")) for k, m in enumerate(INT16_CASES)]
    module = build_host(gens, tmp_path)
    rng = np.random.default_rng(16)
    for gen, model in zip(gens, INT16_CASES):
        for fill in (None, None, None, -32768, 32767):
            feeds = [rng.integers(-32768, 32768, info.shape).astype(np.int32) if fill is None
                     else np.full(info.shape, fill, np.int32) for info in gen.inputs]
            it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
            for j, arr in enumerate(feeds):
                it.set_input(arr, j)
            it.invoke()
            assert np.array_equal(module.run(gen.prefix, feeds)[0], np.array(it.get_output(0))), gen.prefix
