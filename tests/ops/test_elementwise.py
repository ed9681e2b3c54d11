"""SUB, MUL, MAXIMUM, MINIMUM (int8): generated C against the TFLM interpreter, tolerance 0.

Each quantization is checked on all 65,536 input pairs at once: input 1 is the column
[256, 1] and input 2 the row [1, 256] of every int8 value, so the output [256, 256] holds
every pair (and the broadcast path runs). LITEMICRO_CASES scales the case counts.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import UnsupportedError
from lite_micro.ops.elementwise import loop_nest
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.oneop import TensorSpec, build_model
from lite_micro.testing.runs import case_count, run_seed
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8
from lite_micro.toolchain.host import build_host

CASES = case_count(150)
SEED = run_seed()
OPS = ["SUB", "MUL", "MAXIMUM", "MINIMUM"]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
COLUMN = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)
ROW = COLUMN.reshape(1, 256)


def f32(x) -> float:
    return float(np.float32(x))


def _zero_point(rng) -> int:
    return int(rng.choice([-128, 127, 0])) if rng.random() < 0.25 else int(rng.integers(-128, 128))


def random_quant(op: str, rng) -> tuple[list, dict]:
    """[(scale, zp) for input 1, input 2, output] and options that TFLM accepts."""
    s1 = f32(10 ** rng.uniform(-6, 2))
    s2 = f32(s1 * 10 ** rng.uniform(-3, 3))
    if op == "MUL":
        so = f32(s1 * s2 * 10 ** rng.uniform(-1, 4.5))
    elif op == "SUB":
        so = f32(max(s1, s2) * 10 ** rng.uniform(-5, 2))
    else:
        so = f32(10 ** rng.uniform(-6, 2))
    quants = [(s, _zero_point(rng)) for s in (s1, s2, so)]
    options = {}
    if op in ("SUB", "MUL"):       # a fused clamp whose bound overflows int32 is rejected
        options["fused_activation_function"] = ACTIVATIONS[rng.integers(4) if so > 1e-8 else 0]
    return quants, options


def pair_model(op: str, quants: list, options: dict) -> bytes:
    (s1, z1), (s2, z2), (so, zo) = quants
    return build_model(op, [TensorSpec((256, 1), "int8", s1, z1), TensorSpec((1, 256), "int8", s2, z2)],
                       [TensorSpec((256, 256), "int8", so, zo)], options)


def tflm(model: bytes, inputs: list) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    for k, x in enumerate(inputs):
        it.set_input(x, k)
    it.invoke()
    return it.get_output(0)


def check_models(models: list, inputs: list, workdir) -> list:
    """Compile all models into one host module; return the compiled models."""
    gens = [compile_model(m, Options(target="host", prefix=f"e{i}")) for i, m in enumerate(models)]
    module = build_host(gens, workdir)
    for gen, model, ins in zip(gens, models, inputs):
        ours, theirs = module.run(gen.prefix, ins)[0], tflm(model, ins)
        bad = np.argwhere(ours != theirs)
        assert bad.size == 0, (f"{gen.layers[0].op.kind}: {len(bad)} outputs differ, first at "
                               f"{tuple(bad[0])}: ours {ours[tuple(bad[0])]} vs TFLM {theirs[tuple(bad[0])]}")
    return gens


def test_every_input_pair_matches_tflm(tmp_path):
    rng = np.random.default_rng([11, SEED])
    per_op = max(1, CASES // 15)
    models = [pair_model(op, *random_quant(op, rng)) for op in OPS for _ in range(per_op)]
    check_models(models, [[COLUMN, ROW]] * len(models), tmp_path)


def test_random_shapes_match_tflm(tmp_path):
    """The conformance strategies (broadcast shapes of rank 1-4), all ops in one build."""
    cases = [c for op in OPS for c in sample_cases(INT8[op], max(2, CASES // 15), 3 + SEED)]
    problems = run_cases(cases, inputs_per_model=2, workdir=tmp_path)
    assert not problems, problems[0].summary()


def test_constant_inputs(tmp_path):
    """A constant holding one value becomes a table; any other constant goes to flash."""
    rng = np.random.default_rng(5)
    models, inputs, kernels = [], [], []
    for op, const_first, scalar in itertools.product(OPS, (False, True), (True, False)):
        (s1, z1), (s2, z2), (so, zo) = random_quant(op, rng)[0]
        shape = (16, 16)
        cshape = (1,) if scalar else (16, 1)
        data = (np.full(cshape, rng.integers(-128, 128)) if scalar
                else rng.integers(-128, 128, size=cshape)).astype(np.int8)
        var = TensorSpec(shape, "int8", s1, z1)
        const = TensorSpec(cshape, "int8", s2, z2, data=data)
        ins = [const, var] if const_first else [var, const]
        models.append(build_model(op, ins, [TensorSpec(shape, "int8", so, zo)], {}))
        inputs.append([COLUMN.reshape(shape)])
        kernels.append("lm_lut_s8" if scalar else None)
    gens = check_models(models, inputs, tmp_path)
    for gen, kernel in zip(gens, kernels):
        if kernel:
            assert gen.layers[0].kernel == kernel
        else:
            assert gen.layers[0].kernel != "lm_lut_s8" and gen.layers[0].consts


def walk(extents, s1, s2):
    """The C kernel's loop order, in Python: (offset 1, offset 2) for each output element."""
    *outer, inner = extents
    for idx in itertools.product(*[range(n) for n in outer]):
        base1 = sum(i * s for i, s in zip(idx, s1[:-1]))
        base2 = sum(i * s for i, s in zip(idx, s2[:-1]))
        for k in range(inner):
            yield base1 + k * s1[-1], base2 + k * s2[-1]


def test_loop_nest_walks_like_numpy_broadcasting():
    rng = np.random.default_rng(1)
    for _ in range(300):
        out = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(1, 6)))
        shapes = [tuple(d if rng.random() < 0.5 else 1 for d in out[len(out) - rng.integers(0, len(out) + 1):])
                  for _ in range(2)]
        extents, s1, s2 = loop_nest(shapes[0], shapes[1], out)
        a = np.arange(int(np.prod(shapes[0]))).reshape(shapes[0])
        b = np.arange(int(np.prod(shapes[1]))).reshape(shapes[1])
        want = list(zip(np.broadcast_to(a, out).reshape(-1), np.broadcast_to(b, out).reshape(-1)))
        assert list(walk(extents, s1, s2)) == want, (shapes, out)
        assert all(s in (0, 1) for s in (s1[-1], s2[-1]))


def test_loop_nest_fuses_what_it_can():
    assert loop_nest((2, 3, 4), (2, 3, 4), (2, 3, 4)) == ([24], [1], [1])
    assert loop_nest((1, 5, 5, 8), (8,), (1, 5, 5, 8)) == ([25, 8], [8, 1], [0, 1])
    assert loop_nest((4, 1), (1, 6), (4, 6)) == ([4, 6], [1, 0], [0, 1])
    assert loop_nest((3, 1, 1), (1,), (3, 1, 1)) == ([3], [1], [0])


BAD = [
    ("SUB", [(1.0, 0), (1.0, 0), (1e-7, 0)], (2,), (2,), (2,), "output scale 1e-07 is too small"),
    ("MUL", [(10.0, 0), (10.0, 0), (1e-8, 0)], (2,), (2,), (2,), "is too large"),
    ("MAXIMUM", [(1.0, 0)] * 3, (2, 3), (3, 2), (2, 3), "do not broadcast"),
    ("MINIMUM", [(1.0, 0)] * 3, (3,), (3,), (2, 3), "do not broadcast to the output shape [2, 3]"),
    ("MUL", [(1.0, 0), (1.0, 0), (-1.0, 0)], (2,), (2,), (2,), "scale -1.0 is not positive"),
    ("MUL", [(1e-6, 0), (1e-6, 0), (1e-12, 0)], (2,), (2,), (2,), "too small for the fused RELU6"),
]


@pytest.mark.parametrize("op,quants,sa,sb,so,message", BAD, ids=[b[0] for b in BAD])
def test_unsupported_configurations_give_one_line_errors(op, quants, sa, sb, so, message):
    (s1, z1), (s2, z2), (s3, z3) = quants
    options = {"fused_activation_function": "RELU6"} if "RELU6" in message else {}
    model = build_model(op, [TensorSpec(sa, "int8", s1, z1), TensorSpec(sb, "int8", s2, z2)],
                        [TensorSpec(so, "int8", s3, z3)], options)
    with pytest.raises(UnsupportedError) as info:
        compile_model(model)
    text = str(info.value)
    assert message in text and op in text and "\n" not in text


def test_sub_multipliers_are_taken_in_double():
    """Regression: with the scale ratios in float32 (as TFLM's 2026-08 sub_common.cc
    writes them) this pair comes out 77; the interpreter gives 76, as with double ratios."""
    quants = [(0.001327762147411704, -93), (0.001288731349632144, -120), (1.3300725640874589e-06, -67)]
    (s1, z1), (s2, z2), (so, zo) = quants
    model = build_model("SUB", [TensorSpec((1,), "int8", s1, z1), TensorSpec((1,), "int8", s2, z2)],
                        [TensorSpec((1,), "int8", so, zo)], {"fused_activation_function": "RELU"})
    gen = compile_model(model)
    assert gen.layers[0].param("in2_mult") == 2084356378           # float32 ratios give 2084356352
    x1, x2 = np.array([110], dtype=np.int8), np.array([89], dtype=np.int8)
    assert tflm(model, [x1, x2])[0] == 76
