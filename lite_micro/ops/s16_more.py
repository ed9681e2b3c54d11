"""More int16 forms: MAXIMUM, MINIMUM, RELU, RELU6, PRELU (int16 input, int8 alpha), SOFTMAX
int8 -> int16, and the ops TFLM's interpreter refuses on int16 (one line naming why).

- MAXIMUM / MINIMUM (maximum_minimum.cc): the raw int16 values compared; TFLM reads no
  quantization, so none is required here either.
- RELU (CalculateReluOpData + ReluQuantized, int16, zero points 0): requantized to the output's
  scale, clamped at the output's zero.
- RELU6 (Relu6Prepare + Relu6Quantized): a clamp of the raw input to [0, 6 in the input's
  quantization]; the output's quantization is not read.
- PRELU (CalculatePreluParams + BroadcastPrelu4DSlow<int16_t, int8_t>): int8 alpha, any zero
  points, broadcast through the element-wise loop nest.
- SOFTMAX int8 -> int16 (softmax_common.cc, reference_ops::Softmax<int8_t, int16_t>): the int8
  gemmlowp arithmetic with the output in 16 bits, zero point -32768 and scale 1/65536.
The data-movement ops (PAD, CONCATENATION, TRANSPOSE, ...) move int16 bytes in ops/shape_ops.py.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .activations import round_half_away, scale_ratio
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8
from .batch_matmul import batch_tables, matmul_layout
from .elementwise import broadcast_params
from .lstm import reduced_multipliers
from .math_unary import RSQRT_SHIFT, check_int16_tensors, rsqrt_params
from .prelu import prelu_params
from .softmax import softmax_s8_params

INT16_MIN, INT16_MAX = -32768, 32767
ELTWISE_RUNTIME = ("lm_eltwise.h", "lm_reduce.h", "lm_s16.h", "lm_s16_eltwise.c")


# ---- MAXIMUM, MINIMUM ----------------------------------------------------------------------

def _int16_data(op: Op, tensors: list) -> None:
    for t, role in tensors:
        require(t is not None and t.dtype == "int16", op,
                f"{role} is {None if t is None else t.dtype}; the int16 form needs int16 tensors")


def operand16(t: Tensor, name: str, consts: list, ctype: str = "int16_t"):
    if not t.is_const:
        return TensorArg(t, const=True)
    consts.append(ConstArray(name, ctype, np.asarray(t.data, np.int64).reshape(-1),
                             f"constant input '{t.name}' {'x'.join(map(str, t.shape))}"))
    return ConstArg(name)


def prepare_max_min(op: Op) -> Layer:
    """maximum_minimum.cc for int16: the larger (smaller) raw value, quantization not read."""
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    a, b, out = op.input("input1"), op.input("input2"), op.outputs[0]
    _int16_data(op, [(a, "first input"), (b, "second input"), (out, "output")])
    loops = broadcast_params(op, a, b, out)
    consts: list[ConstArray] = []
    args = [ParamsArg(), operand16(a, "in1", consts), operand16(b, "in2", consts), TensorArg(out)]
    unused = ("in1_offset", "in2_offset", "left_shift", "in1_mult", "in1_shift", "in2_mult", "in2_shift",
              "out_mult", "out_shift", "out_zp")               # a raw comparison: no arithmetic
    params = [(name, 0) for name in unused] + [("act_min", INT16_MIN), ("act_max", INT16_MAX)] + loops
    kernel = "lm_max_s16" if op.kind == "MAXIMUM" else "lm_min_s16"
    return Layer(op=op, kernel=kernel, runtime=ELTWISE_RUNTIME, params_type="lm_eltwise_params",
                 params=params, consts=consts, args=args,
                 note=f"int16 raw {op.kind.lower()}, {dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}")


# ---- RELU, RELU6 ---------------------------------------------------------------------------

def relu6_bounds16(input_scale: float) -> tuple[int, int]:
    """Relu6Prepare (int16, zero point 0): (zero, six) with FloatToQuantizedType's clamp."""
    six = round_half_away(float(np.float32(6.0) / np.float32(input_scale)))
    return 0, max(INT16_MIN, min(INT16_MAX, six))


def prepare_relu(op: Op) -> Layer:
    """RELU: ReluPrepare for int16 (zero points 0); RELU6: a clamp of the raw input."""
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const and inp.size == out.size, op, "the input must be an activation of the output's size")
    if op.kind == "RELU6":
        lower, upper = relu6_bounds16(inp.scale)
        params = [("size", out.size), ("mult", 0), ("shift", 0), ("act_min", lower), ("act_max", upper),
                  ("requant", 0)]
        note = f"int16 relu6: clamp to [{lower}, {upper}]"
    else:
        mult, shift = quant.quantize_multiplier(scale_ratio(inp.scale, out.scale))
        params = [("size", out.size), ("mult", mult), ("shift", shift), ("act_min", 0),
                  ("act_max", INT16_MAX), ("requant", 1)]
        note = f"int16 relu: requantized by {mult} * 2^{shift}"
    return Layer(op=op, kernel="lm_relu_s16", runtime=ELTWISE_RUNTIME, params_type="lm_s16_relu_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)], note=note)


# ---- PRELU ---------------------------------------------------------------------------------

def prepare_prelu(op: Op) -> Layer:
    """PRELU int16: int8 alpha (PreluPrepare requires it), any zero points."""
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs an input, an alpha and one output")
    inp, alpha, out = op.input("input"), op.input("alpha"), op.outputs[0]
    for t, role in ((inp, "input"), (out, "output")):
        require(t.dtype == "int16" and t.quant is not None and not t.quant.per_channel and t.scale > 0, op,
                f"{role} must be int16 quantized per tensor")
    require(alpha is not None and alpha.dtype == "int8", op,
            f"alpha is {None if alpha is None else alpha.dtype}; TFLM's int16 PRELU takes an int8 alpha")
    require_int8(op, alpha, "alpha")
    require(not alpha.quant.per_channel, op, "alpha must be quantized per tensor")
    require(not inp.is_const, op, "the input must be an activation tensor")
    loops = broadcast_params(op, inp, alpha, out)
    p = prelu_params(inp, alpha, out)
    consts: list[ConstArray] = []
    args = [ParamsArg(), TensorArg(inp, const=True), operand16(alpha, "alpha", consts, "int8_t"), TensorArg(out)]
    return Layer(op=op, kernel="lm_prelu_s16", runtime=("lm_prelu.h", "lm_s16_prelu.h", "lm_s16_prelu.c"),
                 params_type="lm_prelu_params", params=list(p.items()) + loops, consts=consts, args=args,
                 note=f"int16 prelu, int8 alpha, {dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}")


# ---- SOFTMAX int8 -> int16 ------------------------------------------------------------------

def prepare_softmax_s8_s16(op: Op) -> Layer:
    """SoftmaxPrepare for int8 input, int16 output (zero point -32768, scale 1/65536)."""
    inp, out = op.input("input"), op.outputs[0]
    require_int8(op, inp, "input")
    require(out.dtype == "int16" and out.quant is not None and out.zero_point == -32768
            and abs(float(out.scale) - 1.0 / 65536) <= 0.001 / 65536, op,
            f"an int16 output of an int8 SOFTMAX must have zero point -32768 and scale 1/65536 "
            f"(TFLM's rule), got {out.zero_point} and {out.scale:g}")
    params = softmax_s8_params(op, inp, out)
    return Layer(op=op, kernel="lm_softmax_s8_s16", runtime=("lm_softmax.c",),
                 params_type="lm_softmax_params", params=params,
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note="gemmlowp fixed-point softmax, int16 output")


# ---- RSQRT --------------------------------------------------------------------------------------

def prepare_rsqrt(op: Op) -> Layer:
    """RSQRT int16 (PrepareAbsRsqrt, RsqrtEvalQuantized<int16_t>; zero points 0). TFLM stops the
    invoke on a negative input; the kernel gives 32767 there, TFLM's value at 0."""
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const and inp.size == out.size, op, "the input must be an activation of the output's size")
    mult, shift = rsqrt_params(inp.scale, out.scale)
    require(shift - RSQRT_SHIFT <= 31, op, "scales make 1 / (sqrt(input scale) * output scale) "
                                           "too large (TFLM's requantization overflows)")
    return Layer(op=op, kernel="lm_rsqrt_s16", runtime=ELTWISE_RUNTIME, params_type="lm_s16_rsqrt_params",
                 params=[("size", out.size), ("mult", mult), ("shift", shift)],
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note="int16 inverse square root (Newton-Raphson), requantized")


# ---- BATCH_MATMUL ---------------------------------------------------------------------------------

def prepare_batch_matmul(op: Op) -> Layer:
    """BATCH_MATMUL int16 (EvalInt16: BatchMatMul<int16_t, int64_t>, zero points 0): 64-bit sums,
    TFLM's 64-bit requantization; the layout of the int8 form."""
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    lhs, rhs, out = op.input("lhs"), op.input("rhs"), op.outputs[0]
    check_int16_tensors(op, [(lhs, "lhs"), (rhs, "rhs"), (out, "output")])
    layout, lhs_off, rhs_off, note = matmul_layout(op, lhs, rhs, out)
    (mult,), (shift,) = quant.conv_channel_multipliers(lhs.scale, (rhs.scale,), out.scale, 1)
    (m,), (s,) = reduced_multipliers(op, [mult], [shift])
    params = layout + [("lhs_offset", 0), ("rhs_offset", 0), ("out_mult", int(m)), ("out_shift", int(s)),
                       ("out_zp", 0)]
    consts: list[ConstArray] = []
    args = [ParamsArg(), operand16(lhs, "lhs", consts), operand16(rhs, "rhs", consts)]
    consts += batch_tables(lhs_off, rhs_off)
    size = dict(layout)
    return Layer(op=op, kernel="lm_batch_matmul_s16", runtime=("lm_matmul.h", "lm_s16_matmul.h", "lm_s16_matmul.c"),
                 params_type="lm_matmul_params", params=params, consts=consts,
                 args=args + [ConstArg("lhs_batch"), ConstArg("rhs_batch"), TensorArg(out)],
                 macs=size["batches"] * size["rows"] * size["cols"] * size["depth"], note=f"int16, 64-bit sums, {note}")


# ---- what TFLM's interpreter refuses on int16 ------------------------------------------------

REFUSED = {
    "GATHER": "TFLM's GATHER takes float32 or int8 data, not int16",
    "GATHER_ND": "TFLM's GATHER_ND takes float32 or int8 data, not int16",
    "SPACE_TO_BATCH_ND": "TFLM's SPACE_TO_BATCH_ND takes float32 or int8 data, not int16",
    "BATCH_TO_SPACE_ND": "TFLM's BATCH_TO_SPACE_ND takes float32 or int8 data, not int16",
    "DEPTH_TO_SPACE": "TFLM's DEPTH_TO_SPACE takes float32 or int8 data, not int16",
    "SPACE_TO_DEPTH": "TFLM's SPACE_TO_DEPTH takes float32 or int8 data, not int16",
    "HARD_SWISH": "TFLM's HARD_SWISH takes float32 or int8 data, not int16",
    "REDUCE_MAX": "TFLM's REDUCE_MAX takes float32 or int8 data, not int16",
    "REDUCE_MIN": "TFLM's REDUCE_MIN takes float32 or int8 data, not int16",
    "ARG_MAX": "TFLM's ARG_MAX takes float32 or int8 data, not int16",
    "SVDF": "TFLM's SVDF takes float32 or int8 input, not int16 (int16 is for its state and time weights)",
    "L2_NORMALIZATION": "TFLM's L2_NORMALIZATION takes float32 or int8 data, not int16",
    "LOG_SOFTMAX": "TFLM's LOG_SOFTMAX takes float32 or int8 data, not int16",
}


def refusal(reason: str) -> Callable[[Op], Layer]:
    def refuse(op: Op) -> Layer:
        require(False, op, reason)
        raise AssertionError("unreachable")
    return refuse


def _first_input_int16(op: Op) -> bool:
    first = next(iter(op.inputs), None)           # the data input, whatever the op names it
    return first is not None and first.dtype == "int16"


def int8_only(int8: Callable[[Op], Layer], kind: str) -> Callable[[Op], Layer]:
    """The Prepare of an op kind TFLM runs on float32 or int8 data only: `int8`, or a one-line
    refusal naming TFLM's rule (REFUSED) when the op's first input is int16."""
    refuse = refusal(REFUSED[kind])

    def prepare(op: Op) -> Layer:
        return (refuse if _first_input_int16(op) else int8)(op)
    prepare.__qualname__ = f"int8_only({int8.__qualname__})"
    return prepare
