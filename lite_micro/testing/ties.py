"""Scales whose ratio is an exact tie in float32 but not in double.

A Prepare step that derives a multiplier from scales can compute the ratio in float32 or
in double; the two differ by about one float32 ulp, which changes an output only when the
requantized value sits on an exact .5 tie. Continuous random scales almost never land
there, so these helpers make them on purpose: `tie_scale` returns a scale for which the
float32 ratio is exactly `t` (say 2.5, so that every odd input is a tie) while the double
ratio lies just above or just below it. Whichever of the two a kernel uses, the interpreter
and our code then round the same input in different directions if they disagree.
"""
from __future__ import annotations

import numpy as np

f32 = np.float32


def _ratio32(num: float, factor: float, den: float) -> float:
    return float(f32(f32(num) * f32(factor)) / f32(den))


def _ratio64(num: float, factor: float, den: float) -> float:
    return float(f32(num)) * float(f32(factor)) / float(f32(den))


def tie_scale(t: float, other: float, factor: float = 1.0, numerator: bool = True,
              above: bool = True, reach: int = 256) -> float | None:
    """A float32 scale s near the exact solution such that, with num * factor / den
    (s the numerator when `numerator`, else the denominator, `other` the remaining scale):
    the float32 evaluation is exactly t and the double one is above t (`above`) or below.
    None when no scale within `reach` ulps does it."""
    start = f32(t * other / factor) if numerator else f32(other * factor / t)
    for k in range(reach):
        for step in ((k,), (-k,)) if k else ((0,),):
            s = _nudge(start, step[0])
            if not np.isfinite(s) or s <= 0:
                continue
            args = (s, factor, other) if numerator else (other, factor, s)
            exact, wide = _ratio32(*args), _ratio64(*args)
            if exact == t and wide != t and (wide > t) == above:
                return float(s)
    return None


def _nudge(x: np.float32, ulps: int) -> np.float32:
    """x moved by `ulps` float32 steps (x > 0: its bit pattern is monotonic)."""
    return np.array([int(np.array(x, f32).view(np.int32)) + ulps], np.int32).view(f32)[0]


def tie_scales(t: float, others, **kw) -> list[tuple[float, float]]:
    """(other, scale) pairs from `tie_scale` over several `other` values and both
    directions, skipping the ones where no such scale exists."""
    found = []
    for other in others:
        for above in (True, False):
            s = tie_scale(t, other, above=above, **kw)
            if s is not None:
                found.append((float(f32(other)), s))
    return found


# ---- one-op models on exact ties, per op family -----------------------------------------

OTHERS = (1e-3, 0.02, 3.7e-5, 0.37, 4.2212046e-06)   # the scale the tie is built against


def _spec(shape, scale, zp=0, data=None, dtype="int8"):
    from lite_micro.testing.oneop import TensorSpec
    return TensorSpec(tuple(shape), dtype, scale, zp, data=data)


def _small(shape, seed, lo=-2, hi=2):
    return np.random.default_rng(seed).integers(lo, hi + 1, shape).astype(np.int8)


def _weighted(op, t, w_scale, layout):
    """Models of an op with int8 weights whose in * w / out ratio is a float32 tie `t`."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for k, (in_s, out_s) in enumerate(tie_scales(t, OTHERS, factor=w_scale, numerator=False)):
        in_shape, w_shape, out_shape, options = layout
        w = _spec(w_shape, w_scale, data=_small(w_shape, k))
        inputs = [_spec(in_shape, in_s, zp=(-5, 0, 17)[k % 3]), w]
        if op == "TRANSPOSE_CONV":
            inputs = [_const_ints(out_shape), w, inputs[0]]
        cases.append(OpCase(op, inputs, [_spec(out_shape, out_s, zp=(0, 3, -9)[k % 3])],
                            dict(options)))
    return cases


def _const_ints(values):
    from lite_micro.testing.oneop import TensorSpec
    data = np.asarray(values, np.int32)
    return TensorSpec(data.shape, "int32", data=data)


LAYOUTS = {
    "CONV_2D": ((1, 6, 6, 3), (2, 3, 3, 3), (1, 6, 6, 2), dict(
        padding="SAME", stride_h=1, stride_w=1, fused_activation_function="NONE")),
    "DEPTHWISE_CONV_2D": ((1, 6, 6, 4), (1, 3, 3, 4), (1, 6, 6, 4), dict(
        padding="SAME", stride_h=1, stride_w=1, depth_multiplier=1,
        fused_activation_function="NONE")),
    "FULLY_CONNECTED": ((16, 6), (5, 6), (16, 5), dict(fused_activation_function="NONE")),
    "TRANSPOSE_CONV": ((1, 4, 4, 3), (2, 3, 3, 3), (1, 4, 4, 2), dict(
        padding="SAME", stride_h=1, stride_w=1)),
}


def weighted_tie_cases(t: float = 0.375) -> list:
    """Convolutions and FULLY_CONNECTED: ratio 3/8, so accumulators = 4 mod 8 are ties."""
    return [c for op, layout in LAYOUTS.items() for c in _weighted(op, t, 0.05, layout)]


def binary_tie_cases() -> list:
    """ADD, SUB (equal input scales: input/output ratio 3/8), MUL, BATCH_MATMUL (s1 * s2 / out
    = 3/512: ties where the accumulator = 512 k + 256 / 3)."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for op in ("ADD", "SUB"):
        for out_s, s in tie_scales(0.375, OTHERS):
            ins = [_spec((8, 16), s, -3), _spec((8, 16), s, 6)]
            cases.append(OpCase(op, ins, [_spec((8, 16), out_s, 2)],
                                dict(fused_activation_function="NONE")))
    for s1, out_s in tie_scales(3 / 512, OTHERS, factor=0.02, numerator=False):
        ins = [_spec((32, 32), s1, 1), _spec((32, 32), 0.02, -2)]
        cases.append(OpCase("MUL", ins, [_spec((32, 32), out_s, 0)],
                            dict(fused_activation_function="NONE")))
        ins = [_spec((2, 16, 16), s1, 1), _spec((2, 16, 16), 0.02, -2)]
        cases.append(OpCase("BATCH_MATMUL", ins, [_spec((2, 16, 16), out_s, 0)],
                            dict(adj_x=False, adj_y=False)))
    return cases


def requantize_tie_cases(t: float = 0.375) -> list:
    """Input/output ratio 3/8 for QUANTIZE (int8 -> int8), SUM, MEAN and PRELU's positive side."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for out_s, in_s in tie_scales(t, OTHERS):
        cases.append(OpCase("QUANTIZE", [_spec((256,), in_s, 4)], [_spec((256,), out_s, -1)],
                            version=2))
        for op in ("SUM", "MEAN"):
            cases.append(OpCase(op, [_spec((64, 3), in_s, 4), _const_ints([1])],
                                [_spec((64,), out_s, -1)], dict(keep_dims=False)))
        alpha = _spec((1,), 0.25, 0, data=np.array([1], np.int8))
        cases.append(OpCase("PRELU", [_spec((256,), in_s, 4), alpha], [_spec((256,), out_s, -1)]))
    return cases


def table_tie_cases() -> list:
    """RELU, LEAKY_RELU (identity and alpha ratios), HARD_SWISH (int16 multiplier on a
    rounding boundary) and RELU6 (6 / scale = k + 0.5) over all 256 inputs."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for out_s, in_s in tie_scales(2.5, OTHERS):
        for op, options in (("RELU", {}), ("LEAKY_RELU", {"alpha": 0.5})):
            cases.append(OpCase(op, [_spec((256,), in_s, 0)], [_spec((256,), out_s, 0)], options))
    for alpha in (0.25, 0.2):
        for out_s, in_s in tie_scales(1.5, OTHERS, factor=alpha):
            cases.append(OpCase("LEAKY_RELU", [_spec((256,), in_s, 0)],
                                [_spec((256,), out_s, 0)], {"alpha": alpha}))
    for k in (3.5, 10.5, 50.5, 90.5, 100.5):
        for _, in_s in tie_scales(k, [6.0], numerator=False):
            cases.append(OpCase("RELU6", [_spec((256,), in_s, 0)], [_spec((256,), in_s, 0)]))
    return cases


def hard_swish_boundary_scale(out_scale: float, reach: int = 1 << 17) -> float | None:
    """An input scale near 96 * out_scale for which HARD_SWISH's int16 output multiplier,
    from (input / 128) / output in float32 rather than double, changes some output."""
    from lite_micro import quant
    from lite_micro.ops import activations as act
    start = f32(out_scale * 128 * 0.75)
    for k in range(reach):
        s = float(_nudge(start, k))
        wide = act.hard_swish_params(s, out_scale)
        m32, _ = quant.quantize_multiplier(float(f32(s) * f32(1 / 128) / f32(out_scale)))
        narrow = dict(wide, output_multiplier=act.downscale_to_int16(m32))
        if narrow != wide and any(act.hard_swish_one(x, 0, 0, wide) != act.hard_swish_one(x, 0, 0, narrow)
                                  for x in range(-128, 128)):
            return s
    return None


def hard_swish_tie_cases() -> list:
    from lite_micro.testing.oneop import OpCase
    cases = []
    for out_s in OTHERS:
        in_s = hard_swish_boundary_scale(out_s)
        if in_s is not None:
            cases.append(OpCase("HARD_SWISH", [_spec((256,), in_s, 0)], [_spec((256,), out_s, 0)]))
    return cases


def clamp_tie_cases() -> list:
    """Fused RELU6 / RELU_N1_TO_1 whose bound / output scale is k + 0.5 in float32."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for bound, act, k in ((6.0, "RELU6", 40.5), (6.0, "RELU6", 90.5), (1.0, "RELU_N1_TO_1", 20.5),
                          (1.0, "RELU_N1_TO_1", 90.5)):
        for _, out_s in tie_scales(k, [bound], numerator=False):
            w = _spec((5, 6), 0.05, data=_small((5, 6), 1, -40, 40))
            inp = _spec((16, 6), out_s * 0.5, 0)
            cases.append(OpCase("FULLY_CONNECTED", [inp, w], [_spec((16, 5), out_s, 0)],
                                dict(fused_activation_function=act)))
    return cases


def exact_tie_cases() -> list:
    """Multipliers that are exact powers of two in double as in float32 (input scale 2^-7):
    requantized accumulators land on exact .5 ties, positive and negative, so these check
    the rounding of the requantization itself rather than the precision of a ratio."""
    from lite_micro.testing.oneop import OpCase
    cases = []
    for j, (op, layout) in enumerate(LAYOUTS.items()):
        in_shape, w_shape, out_shape, options = layout
        w = _spec(w_shape, 0.05, data=_small(w_shape, j, -9, 9))
        inputs = [_spec(in_shape, 2.0 ** -7, zp=-3), w]
        if op == "TRANSPOSE_CONV":
            inputs = [_const_ints(out_shape), w, inputs[0]]
        out_s = float(f32(2.0 ** -7 * f32(0.05)) * 2.0 ** 5)      # multiplier 2^-5
        cases.append(OpCase(op, inputs, [_spec(out_shape, out_s, zp=2)], dict(options)))
    for op in ("ADD", "SUB", "MUL"):
        ins = [_spec((16, 16), 2.0 ** -7, -3), _spec((16, 16), 2.0 ** -7, 6)]
        out_s = 2.0 ** -7 if op == "MUL" else 2.0 ** -5      # multiplier 2^-7 or 2^-2
        cases.append(OpCase(op, ins, [_spec((16, 16), out_s, 1)],
                            dict(fused_activation_function="NONE")))
    # RELU with multiplier 2^-2 and output zero point -128: ties, and the clamp at the type's minimum
    cases.append(OpCase("RELU", [_spec((16, 16), 2.0 ** -7, 5)], [_spec((16, 16), 2.0 ** -5, -128)], {}))
    return cases


def svdf_tie_cases() -> list:
    """SVDF, int8 and int16 state: input * feature / state (the state's requantization) is a
    float32 tie (0.375 for an int8 state, 2.5 for int16), and so is state * time / output."""
    from lite_micro.testing.oneop import OpCase, TensorSpec
    cases = []
    for wide, t in ((False, 0.375), (True, 2.5)):
        for k, (in_s, state_s) in enumerate(tie_scales(t, OTHERS, factor=0.05, numerator=False)):
            rng = np.random.default_rng(k)
            batch, size, units, rank, memory = 3, 4, 4, 2, 3
            filters, dtype = units * rank, "int16" if wide else "int8"
            time_s = 2e-4 if wide else 0.01
            out_s = next((o for above in (k % 2 == 1, k % 2 == 0) if (o := tie_scale(
                3 / 64 if wide else 0.375, state_s, factor=time_s, numerator=False, above=above))), None)
            if out_s is None:
                continue
            feature = _spec((filters, size), 0.05, data=rng.integers(-1, 2, (filters, size)).astype(np.int8))
            time = TensorSpec((filters, memory), dtype, time_s, 0, data=rng.integers(
                -1, 2, (filters, memory)).astype(np.int16 if wide else np.int8))
            state = TensorSpec((batch, memory * filters), dtype, state_s, 0, variable=True)
            bias = TensorSpec((units,), "int32", float(f32(state_s * time_s)), 0,
                              data=rng.integers(-3, 4, units).astype(np.int32))
            cases.append(OpCase("SVDF", [_spec((batch, size), in_s, zp=(-5, 0, 17)[k % 3]), feature,
                                         time, bias, state],
                                [_spec((batch, units), out_s, zp=(0, 3, -9)[k % 3])],
                                dict(rank=rank, fused_activation_function="NONE")))
    return cases


# SOFTMAX: (beta, input scale) whose product in float32 and in double give different int8
# outputs for some row of softmax_rows(). The difference moves the rescaled input by a few
# units of 2^-26, so it shows only where an output sits on a rounding boundary; these were
# found with softmax_precision_search (13 of 20,000 random pairs).
SOFTMAX_SCALES = ((3.15234637260437, 0.003996195271611214), (2.5990970134735107, 0.006392341107130051),
                  (2.35884165763855, 0.014333609491586685), (2.80409836769104, 0.006737465504556894),
                  (0.8369578123092651, 0.04370928555727005), (1.1286596059799194, 0.059765223413705826),
                  (0.6501689553260803, 0.01671595498919487))


def softmax_rows() -> np.ndarray:
    """Every difference to the row's maximum, alone and with companions: [510, 4] int8."""
    rows = [[127, 127 - d, 127 - d, 127 - d] for d in range(255)]
    rows += [[127, 127 - d, 127, 127 - d // 2] for d in range(255)]
    return np.array(rows, np.int8)


def softmax_case(beta: float, scale: float):
    from lite_micro.testing.oneop import OpCase
    shape = softmax_rows().shape
    return OpCase("SOFTMAX", [_spec(shape, scale, 0)], [_spec(shape, 1 / 256, -128)],
                  dict(beta=float(beta)))


def softmax_tie_cases() -> list:
    """SOFTMAX models whose outputs on softmax_rows() tell a float32 product from a double one."""
    return [softmax_case(beta, scale) for beta, scale in SOFTMAX_SCALES]


def softmax_precisions_differ(beta: float, scale: float) -> bool:
    """Whether the interpreter's outputs on softmax_rows() differ between the model and the
    same model with beta 1 and scale float32(beta * scale): between the product in double
    and in float32."""
    from tflite_micro.python.tflite_micro import runtime
    rows, narrow = softmax_rows(), f32(f32(beta) * f32(scale))
    if float(narrow) == float(f32(beta)) * float(f32(scale)):
        return False

    def run(case):
        it = runtime.Interpreter.from_bytes(bytes(case.build()), arena_size=1 << 20)
        it.set_input(rows, 0)
        it.invoke()
        return np.array(it.get_output(0))

    return not np.array_equal(run(softmax_case(beta, scale)), run(softmax_case(1.0, narrow)))


def softmax_precision_search(count: int, seed: int = 2) -> list[tuple[float, float]]:
    """Random (beta, scale) pairs for which softmax_precisions_differ (a search by hand)."""
    rng, found = np.random.default_rng(seed), []
    for _ in range(count):
        beta, scale = f32(10 ** rng.uniform(-0.5, 0.5)), f32(10 ** rng.uniform(-2.5, -0.5))
        if softmax_precisions_differ(beta, scale):
            found.append((float(beta), float(scale)))
    return found


def all_tie_cases() -> list:
    return (weighted_tie_cases() + binary_tie_cases() + requantize_tie_cases()
            + table_tie_cases() + hard_swish_tie_cases() + clamp_tie_cases() + exact_tie_cases()
            + svdf_tie_cases())
