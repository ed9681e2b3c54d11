"""Biases near -2^31 and +2^31: the kernels' int32 sums start at the bias and wrap modulo 2^32,
as TFLM's do (its sums are int32 too), with no signed overflow in the C.

Conv 1x1 and 3x3, depthwise (multiplier 1 and 2), FC and transpose conv, per channel and per
tensor, nonzero input zero points (folded into the bias modulo 2^32): each model's biases put
some output sums across the int32 ends for some inputs. The host build traps on a signed int32
overflow (-fsanitize=signed-integer-overflow, trap on error), so a sum that overflows in C kills
the check; every output must equal the TFLM interpreter's, tolerance 0. About 10 CPU-seconds.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.testing.conformance import model_inputs
from lite_micro.testing.isolate import run_isolated
from lite_micro.testing.multiop import Node, build_graph
from lite_micro.testing.oneop import OpCase, TensorSpec, const_i32
from lite_micro.toolchain.host import build_host

pytest.importorskip("tflite_micro")

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
# -fno-wrapv: Python's own flags (which the host build inherits) may hold -fwrapv, defining the overflow
TRAP = ["-fno-wrapv", "-fsanitize=signed-integer-overflow", "-fsanitize-undefined-trap-on-error"]
IN_SCALE = 1.0 / 64
W_SCALE = 2.0 ** -12
OUT_SCALE = IN_SCALE * W_SCALE * 2.0 ** 26     # a sum of +-2^31 comes out at about +-32
INPUT_SETS = 6
OUT_ZP = 3


def extreme_biases(count: int, reach: int) -> np.ndarray:
    """Biases within `reach` (about the spread of the sums) of the int32 ends, alternating
    -2^31 and +2^31, the ends themselves first."""
    rng = np.random.default_rng(count)
    near = rng.integers(0, reach, size=count)
    values = np.where(np.arange(count) % 2 == 0, INT32_MIN + near, INT32_MAX - near)
    values[:2] = INT32_MIN, INT32_MAX
    return values.astype(np.int32)


def weighted(op: str, inp: TensorSpec, w_shape, channel_dim: int, out_shape, per_channel=True):
    """The weights, bias and output of a weighted op reading `inp`: int8 weights, biases near the
    int32 ends, an output scale that puts a sum of +-2^31 at about +-32."""
    rng = np.random.default_rng(len(w_shape) * 100 + w_shape[channel_dim])
    channels = w_shape[channel_dim]
    w = rng.integers(-127, 128, size=w_shape).astype(np.int8)
    scales = [W_SCALE * (1 + c / 16) for c in range(channels)] if per_channel else W_SCALE
    filt = TensorSpec(tuple(w_shape), "int8", scales, 0, channel_dim, w)
    fan_in = w.size // channels
    bias_scale = [IN_SCALE * s for s in scales] if per_channel else IN_SCALE * W_SCALE
    bias = TensorSpec((channels,), "int32", bias_scale, 0, 0, extreme_biases(channels, int(4000 * np.sqrt(fan_in))))
    return [filt, bias], TensorSpec(tuple(out_shape), "int8", OUT_SCALE, OUT_ZP)


def _one_op(op: str, in_shape, in_zp: int, w_shape, channel_dim: int, out_shape, options, per_channel=True) -> bytes:
    inp = TensorSpec(tuple(in_shape), "int8", IN_SCALE, in_zp)
    consts, out = weighted(op, inp, w_shape, channel_dim, out_shape, per_channel)
    return OpCase(op, [inp, *consts], [out], options).build()


SAME = dict(padding="SAME", stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1)


def models() -> dict[str, bytes]:
    return {
        "conv1x1": _one_op("CONV_2D", (1, 4, 4, 8), -7, (6, 1, 1, 8), 0, (1, 4, 4, 6), SAME),
        "conv3x3": _one_op("CONV_2D", (1, 5, 5, 4), 5, (5, 3, 3, 4), 0, (1, 5, 5, 5), SAME),
        "conv3x3_tensor": _one_op("CONV_2D", (1, 5, 5, 3), 0, (4, 3, 3, 3), 0, (1, 5, 5, 4), SAME, per_channel=False),
        "depthwise3x3": _one_op("DEPTHWISE_CONV_2D", (1, 6, 6, 8), -9, (1, 3, 3, 8), 3, (1, 6, 6, 8),
                                dict(SAME, depth_multiplier=1)),
        "depthwise5x5_mult2": _one_op("DEPTHWISE_CONV_2D", (1, 6, 6, 3), 4, (1, 5, 5, 6), 3, (1, 6, 6, 6),
                                      dict(SAME, depth_multiplier=2)),
        "fc": _one_op("FULLY_CONNECTED", (2, 40), -3, (7, 40), 0, (2, 7), {}),
        "fc_tensor": _one_op("FULLY_CONNECTED", (1, 33), 6, (5, 33), 0, (1, 5), {}, per_channel=False),
        "transpose_conv": _transpose_conv(),
    }


def _transpose_conv() -> bytes:
    inp = TensorSpec((1, 3, 3, 4), "int8", IN_SCALE, -5)
    (filt, bias), out = weighted("TRANSPOSE_CONV", inp, (5, 3, 3, 4), 0, (1, 6, 6, 5))
    return OpCase("TRANSPOSE_CONV", [const_i32([1, 6, 6, 5]), filt, inp, bias], [out],
                  dict(padding="SAME", stride_h=2, stride_w=2), 3).build()


def graph_model(small_biases: bool = False) -> bytes:
    """Conv 1x1 and 3x3, depthwise 3x3 and FC (per channel) side by side on one input, each with
    biases near the int32 ends: one firmware for the cores' kernels (firmware_tests). small_biases:
    the same with biases 2^20 times smaller, which leave the offline bounds on sums room."""
    inp = TensorSpec((1, 6, 6, 8), "int8", IN_SCALE, -7)
    layers = [("CONV_2D", (8, 1, 1, 8), 0, (1, 6, 6, 8), SAME), ("CONV_2D", (6, 3, 3, 8), 0, (1, 6, 6, 6), SAME),
              ("DEPTHWISE_CONV_2D", (1, 3, 3, 8), 3, (1, 6, 6, 8), dict(SAME, depth_multiplier=1)),
              ("FULLY_CONNECTED", (6, 8), 0, (36, 6), {})]
    nodes = []
    for op, w_shape, dim, out_shape, options in layers:
        consts, out = weighted(op, inp, w_shape, dim, out_shape)
        if small_biases:
            consts[1].data = (consts[1].data.astype(np.int64) >> 20).astype(np.int32)
        nodes.append(Node(op, [inp, *consts], [out], options))
    return build_graph(nodes)


def wrapped_share(expected: list) -> float:
    """The share of outputs whose sum wrapped: a channel whose bias is near -2^31 (even channels)
    whose output is above the zero point, or near +2^31 (odd channels) and below it."""
    wrapped = [(np.asarray(e, np.int32) - OUT_ZP) * np.where(np.arange(e.shape[-1]) % 2 == 0, -1, 1) < 0
               for e in expected]
    return float(np.mean(np.concatenate([w.reshape(-1) for w in wrapped])))


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_sums_from_extreme_biases_wrap_as_the_interpreters_do(tmp_path):
    """Each model compiled for the host (portable kernels) and for cortex-m4 (the DSP layouts,
    whose portable C runs here; the channel-pair and doubled-sum forms must fall back)."""
    cases = dict(models(), graph=graph_model())
    gens = {(name, target): compile_model(model, Options(target=target, prefix=f"bo_{name}_{target[-2:]}"))
            for name, model in cases.items() for target in ("host", "cortex-m4")}
    module = build_host(list(gens.values()), tmp_path, cflags=TRAP)

    def check(key):
        return _compare(module, gens[key], cases[key[0]], seed=len(key[0]))

    results = dict(zip(gens, run_isolated(list(gens), check)))
    for key, result in results.items():
        assert isinstance(result, tuple), f"{key}: {result} (a signed overflow traps)"
        assert not result[0], f"{key}: {result[0]}"
    # in every model some sums wrap (and most do not)
    assert all(0.05 < share < 0.5 for _, share in results.values()), results


def _compare(module, gen, model: bytes, seed: int):
    """(differences from the TFLM interpreter, share of wrapped sums) over INPUT_SETS input sets."""
    from tflite_micro.python.tflite_micro import runtime

    oracle = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    problems, expected = [], []
    for k, inputs in enumerate(model_inputs(gen, INPUT_SETS, seed)):
        for j, arr in enumerate(inputs):
            oracle.set_input(arr, j)
        oracle.invoke()
        got = module.run(gen.prefix, inputs)
        for j, ours in enumerate(got):
            want = np.asarray(oracle.get_output(j))
            expected.append(want)
            if not np.array_equal(ours, want):
                problems.append(f"input set {k} output {j}: {np.count_nonzero(ours != want)} values differ")
    return problems, wrapped_share(expected)


def test_an_int64_bias_beyond_2_62_is_refused_in_one_line(tmp_path, capsys):
    """int16 layers sum in 64 bits from an int64 bias; from beyond +-2^62 that sum can overflow
    int64, undefined in TFLM's C++ as in C: refused, exit 2, one line naming the op."""
    from lite_micro import cli

    rng = np.random.default_rng(1)
    w = TensorSpec((3, 8), "int8", 0.01, 0, 0, rng.integers(-127, 128, size=(3, 8)).astype(np.int8))
    for value, accepted in ((-(1 << 62) + 1, True), ((1 << 62), False), (-(1 << 63), False)):
        bias = TensorSpec((3,), "int64", 0.0001, 0, 0, np.array([5, value, -7], np.int64))
        model = OpCase("FULLY_CONNECTED", [TensorSpec((1, 8), "int16", 0.01, 0), w, bias],
                       [TensorSpec((1, 3), "int16", 0.5, 0)], {}, 4).build()
        path = tmp_path / "fc16.tflite"
        path.write_bytes(model)
        code = cli.main(["gen", str(path), "-o", str(tmp_path / "out"), "--target", "host"])
        err = capsys.readouterr().err
        if accepted:
            assert code == 0, err
            continue
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "FULLY_CONNECTED" in err and "beyond +-2^62" in err and str(value) in err, err


# kernels whose sums are bounded offline (doubled sums, channel pairs in halfwords, the 3x3 walks)
BOUNDED = ("lm_conv_quad", "lm_fc_hex", "lm_conv_rows", "lm_dw3x3", "lm_dwt3x3", "lm_dwp3x3")


def test_the_bounded_kernels_fall_back_for_extreme_biases():
    """The offline bounds on sums (rq2_table's doubled sums, pair_halfwords' channel pairs,
    rows_triples, the walks' records and _sums_fit) count the bias: near an int32 end none holds,
    and cortex-m4 takes the kernels whose sums may wrap. With small biases the same layers take
    the bounded forms (so this test sees the choice, not a model that never had it)."""
    def kernels(small: bool) -> list[str]:
        model = graph_model(small_biases=small)
        return [layer.kernel for layer in compile_model(model, Options(target="cortex-m4")).layers]

    assert not any(k.startswith(BOUNDED) for k in kernels(False)), kernels(False)
    assert all(k.startswith(BOUNDED) for k in kernels(True)), kernels(True)
