"""The params contract: what every Prepare emits equals the C struct the kernel reads.

The structs are found by parsing every runtime header (a new header or struct is picked up
without changing this file). The layers come from every example model, specialized for every
target's features, and from one-op models of every op drawn from the conformance strategies.
"""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path

import pytest

from lite_micro.api import analyze, load
from lite_micro.codegen.cstructs import (
    params_mismatches,
    params_problems,
    parse_defines,
    parse_structs,
    runtime_structs,
)
from lite_micro.ops.specialize import specialize
from lite_micro.resources import targets_dir, templates_dir
from lite_micro.targets import load_target

from model_zoo import MODELS_DIR

RUNTIME = templates_dir() / "runtime"
CASES_PER_OP = 6

# Fields Python leaves to C's zero fill today, on purpose (the kernel never reads them for that
# op). Temporary: each should become an explicit 0 in the op's Prepare (ops/add.py,
# ops/elementwise.py), then leave this list. test_known_gaps_are_still_real keeps it honest.
_ARITH = ("in1_offset", "in2_offset", "left_shift", "in1_mult", "in1_shift", "in2_mult", "in2_shift",
          "out_mult", "out_shift", "out_zp", "act_min", "act_max")
KNOWN_GAPS = {
    "lm_mul_s8": {"left_shift", "in1_mult", "in1_shift", "in2_mult", "in2_shift"},
    "lm_max_s8": set(_ARITH),
    "lm_min_s8": set(_ARITH),
}

# Limits Python checks and C sizes arrays by: (ops module, Python name, C macro). len() of a
# tuple counts its entries.
LIMITS = [
    ("elementwise", "MAX_DIMS", "LM_ELTWISE_MAX_DIMS"),
    ("elementwise", "MAX_DIMS", "LM_PRELU_MAX_DIMS"),     # PRELU uses elementwise's loop nest
    ("elementwise", "MAX_DIMS", "LM_SQDIFF_MAX_DIMS"),    # so does SQUARED_DIFFERENCE
    ("reduce", "REDUCE_MAX_RANK", "LM_REDUCE_MAX_RANK"),
    ("shape_ops", "BLOCK_MAX_RANK", "LM_BLOCK_MAX_RANK"),
    ("lstm", "GATES", "LM_LSTM_GATES"),
]
# Python limits with no C array behind them.
PYTHON_ONLY = {("shape_ops", "PAD_MAX_DIMS"): "PAD becomes block copies, bounded by LM_BLOCK_MAX_RANK",
               ("batch_matmul", "MAX_RANK"): "batch offsets are flash tables; C has no rank limit"}
LIMIT_NAME = re.compile(r"(^|_)(MAX_DIMS|MAX_RANK|GATES)$")


def _feature_sets() -> list[tuple[str, ...]]:
    return sorted({load_target(p.stem).features for p in targets_dir().glob("*.toml")})


def _prepared(model: bytes | Path) -> list:
    graph = load(model)[0]
    layers, problems = analyze(graph)
    assert not problems, problems[0]
    return [layer for features in _feature_sets() for layer in specialize(layers, features)]


@functools.lru_cache(maxsize=1)
def all_layers() -> tuple:
    from lite_micro.testing.sampling import sample_cases
    from lite_micro.testing.strategies import CONFORMANCE, WITHOUT_TFLM

    layers = [layer for p in sorted(MODELS_DIR.glob("*.tflite")) for layer in _prepared(p)]
    for _, strategy in sorted({**CONFORMANCE, **WITHOUT_TFLM}.items()):
        for case in sample_cases(strategy, CASES_PER_OP, 1):
            layers += _prepared(case.build())
    for case in _run_time_gathers() + _without_strategy():
        layers += _prepared(case.build())
    return tuple(layers)


def _run_time_gathers():
    """GATHER and GATHER_ND with indices computed at run time (the strategies draw constant ones)."""
    from lite_micro.testing.oneop import OpCase, TensorSpec

    act = TensorSpec((2, 7, 3), "int8", 0.1, 4)
    return [OpCase("GATHER", [act, TensorSpec((5,), "int32")], [TensorSpec((2, 5, 3), "int8", 0.1, 4)],
                   dict(axis=1)),
            OpCase("GATHER_ND", [act, TensorSpec((4, 2), "int32")], [TensorSpec((4, 3), "int8", 0.1, 4)])]


def _without_strategy():
    """Ops no conformance strategy draws: RSQRT int16 (TFLM stops on the runner's negative inputs)."""
    from lite_micro.testing.oneop import OpCase, TensorSpec

    return [OpCase("RSQRT", [TensorSpec((8,), "int16", 1e-4, 0)], [TensorSpec((8,), "int16", 0.003, 0)])]


def contract_problems(layers, structs, tolerated: dict[str, set[str]]) -> list[str]:
    """Every params mismatch, less the tolerated (kernel -> fields) ones."""
    out = []
    for layer in layers:
        for m, line in zip(params_mismatches(layer, structs), params_problems(layer, structs)):
            if m.field not in tolerated.get(layer.kernel, ()):
                out.append(line)
    return sorted(set(out))


def test_every_layer_matches_its_c_struct():
    problems = contract_problems(all_layers(), runtime_structs(), KNOWN_GAPS)
    assert not problems, "\n".join(problems[:20])


def test_every_struct_is_exercised():
    """A params struct no layer fills is either dead or untested here (other structs, helpers
    of the kernels, are not part of the contract)."""
    used = {layer.params_type for layer in all_layers()}
    unused = sorted({s for s in runtime_structs() if s.endswith("_params")} - used)
    assert not unused, f"no example model or one-op case produces a layer with params {unused}"


def test_known_gaps_are_still_real():
    seen = {(layer.kernel, m.field) for layer in all_layers()
            for m in params_mismatches(layer, runtime_structs())}
    stale = sorted((k, f) for k, fields in KNOWN_GAPS.items() for f in fields if (k, f) not in seen)
    assert not stale, f"these are fixed now: remove them from KNOWN_GAPS: {stale}"


def _conv_layer():
    return next(layer for layer in all_layers() if layer.params_type == "lm_conv_params")


def test_a_removed_c_field_is_caught():
    text = (RUNTIME / "lm_kernels.h").read_text()
    edited = text.replace("    int32_t groups;", "    /* groups removed */", 1)
    assert edited != text
    problems = params_problems(_conv_layer(), parse_structs(edited))
    assert len(problems) == 1 and "lm_conv_params.groups: not a field of the C struct" in problems[0]


def test_a_field_python_forgets_is_caught():
    text = (RUNTIME / "lm_kernels.h").read_text()
    edited = text.replace("    int32_t groups;", "    int32_t groups, new_field;", 1)
    problems = params_problems(_conv_layer(), parse_structs(edited))
    assert len(problems) == 1 and "lm_conv_params.new_field: missing" in problems[0]


def test_a_params_field_is_read_by_name():
    layer = _conv_layer()
    assert layer.param("groups") == dict(layer.params)["groups"]
    with pytest.raises(KeyError, match="lm_conv_params has no params field 'group'"):
        layer.param("group")


def test_a_wrong_array_length_and_an_unknown_struct_are_caught():
    structs = parse_structs("#define N 3\ntypedef struct { int32_t a[N - 1], b; } lm_x_params;")
    assert [(f.name, f.count) for f in structs["lm_x_params"].fields] == [("a", 2), ("b", None)]
    layer = _conv_layer()
    fake = type(layer)(op=layer.op, kernel="k", params_type="lm_x_params", params=[("a", [1, 2, 3]), ("b", 0)])
    assert params_problems(fake, structs) == [f"{layer.op.describe()} (k): lm_x_params.a: 3 values for an array of 2"]
    fake.params_type = "lm_nowhere_params"
    assert "no runtime header declares" in params_problems(fake, structs)[0]


def _c_limits() -> dict[str, int]:
    defines = {}
    for h in sorted(RUNTIME.glob("*.h")):
        defines.update(parse_defines(h.read_text()))
    return {k: int(v) for k, v in defines.items() if LIMIT_NAME.search(k)}


def _py_limit(module: str, name: str) -> int:
    value = getattr(importlib.import_module(f"lite_micro.ops.{module}"), name)
    return len(value) if isinstance(value, tuple) else int(value)


def test_shared_limits_agree():
    c = _c_limits()
    wrong = [(m, n, _py_limit(m, n), macro, c.get(macro)) for m, n, macro in LIMITS
             if _py_limit(m, n) != c.get(macro)]
    assert not wrong, f"Python and C limits differ (module, name, value, macro, value): {wrong}"


def test_every_limit_is_paired():
    """A new MAX_DIMS-like limit on either side must join LIMITS (or PYTHON_ONLY)."""
    unpaired_c = sorted(set(_c_limits()) - {macro for _, _, macro in LIMITS})
    ops_dir = Path(importlib.import_module("lite_micro.ops").__file__).parent
    py = {(p.stem, n) for p in ops_dir.glob("*.py")
          for n in re.findall(r"^([A-Z_]+)\s*=", p.read_text(), re.M) if LIMIT_NAME.search(n)}
    unpaired_py = sorted(py - {(m, n) for m, n, _ in LIMITS} - set(PYTHON_ONLY))
    assert not unpaired_c and not unpaired_py, f"C: {unpaired_c}, Python: {unpaired_py}"


def test_parser_reads_pointers_and_qualifiers():
    text = "typedef struct lm_y { const int8_t *table; int32_t a, *b; int16_t d[3]; } lm_y_params;"
    s = parse_structs(text)["lm_y_params"]
    assert [(f.name, f.ctype, f.count, f.pointer) for f in s.fields] == [
        ("table", "const int8_t", None, True), ("a", "int32_t", None, False),
        ("b", "int32_t", None, True), ("d", "int16_t", 3, False)]
    assert s.nbytes == 20           # 32-bit pointers, int16 tail padded to 4
    with pytest.raises(ValueError, match="cannot read field"):
        parse_structs("typedef struct { int32_t a : 3; } lm_z_params;")
