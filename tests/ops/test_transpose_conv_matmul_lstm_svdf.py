"""TRANSPOSE_CONV, BATCH_MATMUL, UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF: one-op models against TFLM.

Every model of this file is checked in ONE batch (one C compile, see `checked`), with
tolerance 0; each test then looks at its own group. LITEMICRO_CASES sets the number of
random cases per op (default: a quick CI run; tests/conformance adds 30 more per op).
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from lite_micro.errors import UnsupportedError
from lite_micro.ops import lstm
from lite_micro.resources import templates_dir
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.oneop import OpCase, TensorSpec, build_model
from lite_micro.testing.runs import case_count, run_seed
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8

from lstm_cases import lstm_case, random_lstm_case, unsupported_lstm_model

CASES = case_count(16)
SEED = run_seed()
RUNTIME = templates_dir() / "runtime"
KERNELS = ("lm_lstm.c", "lm_tconv.c", "lm_matmul.c", "lm_svdf.c")


def _oracle(model: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=max(1 << 20, 8 * x.nbytes))
    it.set_input(x, 0)
    it.invoke()
    return np.array(it.get_output(0))


def _unary16(op: str, x: np.ndarray, in_scale: float) -> np.ndarray:
    """TFLM's int16 LOGISTIC/TANH of x (output Q0.15)."""
    model = build_model(op, [TensorSpec(x.shape, "int16", in_scale, 0)],
                        [TensorSpec(x.shape, "int16", 2.0 ** -15, 0)], {})
    return _oracle(model, x.astype(np.int16)).astype(np.int64)


def _report(group):
    """group: (cases, problems) from `checked`."""
    cases, problems = group
    assert cases
    assert not problems, f"{len(problems)} of {len(cases)} differ from TFLM; first: {problems[0].summary()}"


# ---- UNIDIRECTIONAL_SEQUENCE_LSTM --------------------------------------------------------

def test_sigmoid_table_is_tflm_table():
    """Measure the table from TFLM's int16 TANH: with input scale 2^-10/3 (a shade above), the
    input q = 64 i lands exactly on entry i, where the output is table[i] - 32768."""
    scale = float(np.nextafter(np.float32(2.0 ** -10 / 3), np.float32(1)))
    measured = _unary16("TANH", np.arange(255) * 64, scale) + 32768
    assert measured.tolist() == list(lstm.SIGMOID_TABLE[:255])
    # the last entry only enters as the slope beyond entry 254: 4 * q = 254 * 256 + 252
    last = _unary16("TANH", np.array([254 * 64 + 63]), scale)[0]
    slope = lstm.SIGMOID_TABLE[255] - lstm.SIGMOID_TABLE[254]
    assert last == lstm.SIGMOID_TABLE[254] - 32768 + (252 * slope + 128) // 256


@pytest.fixture(scope="module")
def lstm_functions(tmp_path_factory):
    """lm_lstm.c's static sigmoid/tanh, exported through a small wrapper library."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc")
    folder = tmp_path_factory.mktemp("lstm-fn")
    (folder / "wrap.c").write_text(
        '#include "lm_lstm.c"\n'
        "void t_sigmoid(const int16_t *x, int16_t *y, int32_t n, const uint16_t *t)\n"
        "{ int32_t i; for (i = 0; i < n; ++i) y[i] = lm_sigmoid_s16(x[i], t); }\n"
        "void t_tanh(const int16_t *x, int16_t *y, int32_t n, int32_t m, int32_t s, const uint16_t *t)\n"
        "{ int32_t i; for (i = 0; i < n; ++i) y[i] = lm_tanh_s16(x[i], m, s, t); }\n")
    lib = folder / "libwrap.so"
    subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    "-I", str(RUNTIME), str(folder / "wrap.c"), "-o", str(lib)], check=True)
    return ctypes.CDLL(str(lib))


def _call(fn, x, *extra):
    table = np.asarray(lstm.SIGMOID_TABLE, np.uint16)
    y = np.zeros_like(x)
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    fn(ptr(x), ptr(y), ctypes.c_int32(x.size), *[ctypes.c_int32(v) for v in extra], ptr(table))
    return y.astype(np.int64)


def test_int16_sigmoid_and_tanh_exhaustive(lstm_functions):
    """Every int16 input: the kernel's gate sigmoid/tanh against TFLM's int16 LOGISTIC/TANH,
    which use the same arithmetic for a Q3.12 input (and Q4.11 for tanh)."""
    x = np.arange(-32768, 32768, dtype=np.int16)
    np.testing.assert_array_equal(_call(lstm_functions.t_sigmoid, x), _unary16("LOGISTIC", x, 2.0 ** -12))
    for power in (-12, -11):
        m, s = lstm.tanh_input_scaling(power)
        np.testing.assert_array_equal(_call(lstm_functions.t_tanh, x, m, s), _unary16("TANH", x, 2.0 ** power))


LAYOUTS = [dict(time_major=True, batches=3), dict(batches=2, hidden_zp=-77),
           dict(cell_clip=0.5, cell_scale=2.0 ** -10), dict(cell_scale=2.0 ** -15, units=1, in_depth=1),
           dict(cell_scale=3e-4, steps=7)]


def _groups() -> dict:
    """Every model this file checks against TFLM, by group."""
    rng = np.random.default_rng([20261101, SEED])
    groups = {"lstm random": [random_lstm_case(rng) for _ in range(2 * CASES)]}
    for k, kw in enumerate(LAYOUTS):
        groups[f"lstm layout {k}"] = [lstm_case(np.random.default_rng(k), **kw) for k in range(2)]
    for op in ("TRANSPOSE_CONV", "BATCH_MATMUL", "SVDF"):
        groups[op] = sample_cases(INT8[op], CASES, 1234 + SEED)
    groups["edge"] = _edge_cases(np.random.default_rng(99))
    return groups


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """{group: (cases, problems)} from one run of every model."""
    groups = _groups()
    everything = [c for cases in groups.values() for c in cases]
    problems = run_cases(everything, inputs_per_model=3, seed=11, workdir=tmp_path_factory.mktemp("layers"))
    out, start = {}, 0
    for name, cases in groups.items():
        out[name] = (cases, [p for p in problems if start <= p.index < start + len(cases)])
        start += len(cases)
    return out


def test_lstm_random_cases_match_tflm(checked):
    _report(checked["lstm random"])


@pytest.mark.parametrize("k", range(len(LAYOUTS)), ids=[",".join(kw) for kw in LAYOUTS])
def test_lstm_layouts_and_scales(k, checked):
    """Time-major batches, a hidden zero point far from 0, clipping, every tanh input scaling."""
    _report(checked[f"lstm layout {k}"])


def test_lstm_unsupported_variant_is_one_line_error():
    from lite_micro.api import compile_model
    with pytest.raises(UnsupportedError, match=r"op #0 UNIDIRECTIONAL_SEQUENCE_LSTM: projection"):
        compile_model(unsupported_lstm_model())


def test_checked_log2():
    assert lstm.checked_log2(2.0 ** -12) == (-12, True)
    assert lstm.checked_log2(3e-4) == (-12, False)
    assert lstm.tanh_input_scaling(-12) == (3, 0) and lstm.tanh_input_scaling(-10) == (12, 0)
    assert lstm.tanh_input_scaling(-15) == (3, 3)


# ---- TRANSPOSE_CONV, BATCH_MATMUL, SVDF -----------------------------------------------------

@pytest.mark.parametrize("op", ["TRANSPOSE_CONV", "BATCH_MATMUL", "SVDF"])
def test_random_cases_match_tflm(op, checked):
    _report(checked[op])


def _act(shape, scale=0.05, zp=3):
    return TensorSpec(tuple(shape), "int8", scale, zp)


def _w(rng, shape, scale=0.02, dtype=np.int8, lo=-127, hi=127):
    return TensorSpec(tuple(shape), np.dtype(dtype).name, scale, 0,
                      data=rng.integers(lo, hi + 1, size=shape).astype(dtype))


def _tconv(rng, stride, padding, k, with_bias, per_channel=False, act="NONE"):
    n, h, w, cin, cout = 1, 3, 4, 3, 2
    oh = h * stride if padding == "SAME" else (h - 1) * stride + k
    ow = w * stride if padding == "SAME" else (w - 1) * stride + k
    scale = [0.01, 0.03] if per_channel else 0.02
    filt = TensorSpec((cout, k, k, cin), "int8", scale, 0,
                      data=rng.integers(-127, 128, size=(cout, k, k, cin)).astype(np.int8))
    shape = TensorSpec((4,), "int32", data=np.array([n, oh, ow, cout], np.int32))
    inputs = [shape, filt, _act((n, h, w, cin), 0.05, -20)]
    if with_bias:
        inputs.append(TensorSpec((cout,), "int32", 0.001, 0, data=np.array([500, -700], np.int32)))
    out = _act((n, oh, ow, cout), 0.08, 5)
    return OpCase("TRANSPOSE_CONV", inputs, [out], dict(padding=padding, stride_h=stride, stride_w=stride,
                                                       fused_activation_function=act))


def _matmul(rng, lhs_shape, rhs_shape, adj_x=False, adj_y=False, const_lhs=False, batch=None):
    m = lhs_shape[-1] if adj_x else lhs_shape[-2]
    n = rhs_shape[-2] if adj_y else rhs_shape[-1]
    batch = np.broadcast_shapes(tuple(lhs_shape[:-2]), tuple(rhs_shape[:-2])) if batch is None else batch
    lhs = _w(rng, lhs_shape, 0.05) if const_lhs else _act(lhs_shape, 0.05, 9)
    rhs = _act(rhs_shape, 0.04, -11)
    out = _act(tuple(batch) + (m, n), 0.3, -2)
    return OpCase("BATCH_MATMUL", [lhs, rhs], [out], dict(adj_x=adj_x, adj_y=adj_y))


def _svdf(rng, wide, state_zp=0, rank=2, memory=4, batches=2, with_bias=True):
    size, units = 5, 3
    filters = units * rank
    dtype, limit = (np.int16, 32767) if wide else (np.int8, 127)
    time = _w(rng, (filters, memory), 0.004, dtype, -limit, limit)
    state_scale = 0.01 / (256 if wide else 1)
    state = TensorSpec((batches, memory * filters), time.dtype, state_scale, state_zp, variable=True)
    bias = TensorSpec((units,), "int32", float(np.float32(state_scale * 0.004)), 0,
                      data=rng.integers(-3000, 3000, size=units).astype(np.int32)) if with_bias else None
    return OpCase("SVDF", [_act((batches, size), 0.05, 7), _w(rng, (filters, size), 0.01), time, bias, state],
                  [_act((batches, units), 0.02, -3)], dict(rank=rank, fused_activation_function="NONE"))


def _edge_cases(rng):
    return ([_tconv(rng, s, p, k, b) for s in (1, 2, 3) for p in ("SAME", "VALID") for k in (1, 3)
             for b in (False, True)]
            + [_tconv(rng, 2, "SAME", 2, True, per_channel=True, act="RELU")]
            + [_matmul(rng, (2, 3, 4), (4, 5)), _matmul(rng, (3, 4), (2, 2, 4, 5)),
               _matmul(rng, (1, 3, 4), (3, 4, 5)), _matmul(rng, (2, 1, 4, 3), (1, 3, 5, 4), True, True),
               _matmul(rng, (2, 3, 4), (2, 5, 4), adj_y=True, const_lhs=True),
               _matmul(rng, (3, 1, 2, 4), (2, 5), adj_x=True)]
            + [_svdf(rng, False, 0), _svdf(rng, False, 100), _svdf(rng, False, -128, rank=1, memory=1),
               _svdf(rng, True), _svdf(rng, True, rank=3, memory=8, batches=1)])


def test_edge_cases_match_tflm(checked):
    """Strides and paddings, per-channel weights, every broadcast and adjoint form, constant
    operands, int8 state with a zero point far from 0 (its wrapped stores), int16 state."""
    _report(checked["edge"])


def test_svdf_without_bias_compiles():
    """TFLM's Prepare reads the bias scale even without a bias (it crashes), so this case only
    checks that litemicro accepts it and emits zero biases."""
    from lite_micro.api import compile_model
    gen = compile_model(_svdf(np.random.default_rng(0), False, with_bias=False).build())
    assert any(layer.kernel == "lm_svdf_s8" for layer in gen.layers)


@pytest.mark.parametrize("case,needle", [
    (lambda r: _svdf(r, True, state_zp=5), "int16 activation state needs zero point 0"),
    (lambda r: _matmul(r, (2, 3, 4), (3, 4, 5), batch=(2,)), "do not broadcast"),
])
def test_unsupported_configurations_are_one_line_errors(case, needle):
    from lite_micro.api import compile_model
    with pytest.raises(UnsupportedError, match=needle):
        compile_model(case(np.random.default_rng(0)).build())


# ---- the runtime files compile warning-free everywhere -----------------------------------

@pytest.mark.parametrize("cc,flags", [("gcc", []), ("clang", []),
                                      ("arm-none-eabi-gcc", ["-mcpu=cortex-m0plus", "-mthumb"]),
                                      ("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb"])])
def test_runtime_compiles_pedantic(cc, flags, tmp_path):
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} not installed")
    for name in KERNELS:
        proc = subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", *flags,
                               "-I", str(RUNTIME), "-c", str(RUNTIME / name), "-o", str(tmp_path / "k.o")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{cc} {name}: {proc.stderr}"
