"""ADD, SUB, MUL, MAXIMUM, MINIMUM (int8, with broadcasting): Prepare steps.

Broadcasting becomes a loop nest computed here: dimensions of extent 1 are dropped and
neighbours that both inputs walk the same way are fused, so the kernel runs rows of
`inner` elements (each input stepping 0 or 1) under an odometer over at most five outer
loops. A binary op with a constant input that holds a single value repeated is a function
of the other input alone: it becomes a 256-entry table (`lm_lut_s8`), like the unary ops.
ADD and SUB on large tensors read each input's rescaled value from a table the compiler
computes (256 int32 per input), so only the output is requantized at run time.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8

MAX_DIMS = 6                     # LM_ELTWISE_MAX_DIMS: loops after fusing
SUB_LEFT_SHIFT = 20              # TFLM's int8 SUB/ADD headroom shift
RESCALE_TABLE_MIN = 512          # ADD/SUB with at least this many outputs read rescaled inputs from a table
RUNTIME = ("lm_eltwise.h", "lm_eltwise.c")
LUT_RUNTIME = ("lm_lut.h", "lm_lut.c")


# ---- shared helpers (also used by activations) ------------------------------

def check_int8_tensors(op: Op, tensors: list[tuple[Optional[Tensor], str]]) -> None:
    """int8, quantized per tensor, with a positive scale."""
    for t, role in tensors:
        require_int8(op, t, role)
        require(not t.quant.per_channel, op, f"{role} must be quantized per tensor")
        require(t.scale > 0, op, f"{role} scale {t.scale} is not positive")


def operand(t: Tensor, name: str, layer_consts: list[ConstArray]):
    """The kernel argument for an input: its arena buffer, or a flash table when constant."""
    if not t.is_const:
        return TensorArg(t, const=True)
    layer_consts.append(ConstArray(name, "int8_t", np.asarray(t.data, dtype=np.int8),
                                   f"constant input '{t.name}' {'x'.join(map(str, t.shape))}"))
    return ConstArg(name)


def lut_layer(op: Op, inp: Tensor, table: np.ndarray, note: str) -> Layer:
    """A layer that maps every element of `inp` through a 256-entry table (index = x + 128)."""
    out = op.outputs[0]
    consts = [ConstArray("table", "int8_t", table, f"{op.kind} of every int8 input, -128 .. 127")]
    src = operand(inp, "input", consts)
    return Layer(op=op, kernel="lm_lut_s8", runtime=LUT_RUNTIME, consts=consts,
                 args=[ConstArg("table"), src, TensorArg(out), str(out.size)], note=note)


# ---- broadcasting -----------------------------------------------------------

def broadcast_strides(shape: tuple, out_shape: tuple) -> list[int]:
    """Element strides of `shape` seen through `out_shape` (0 along broadcast axes)."""
    shape = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step if dim != 1 else 0)
        step *= dim
    return list(reversed(strides))


def loop_nest(shape1: tuple, shape2: tuple, out_shape: tuple) -> tuple[list[int], list[int], list[int]]:
    """(extents, strides of input 1, strides of input 2), outermost first, fused."""
    s1 = broadcast_strides(shape1, out_shape)
    s2 = broadcast_strides(shape2, out_shape)
    loops = [(n, a, b) for n, a, b in zip(out_shape, s1, s2) if n != 1]
    if not loops:
        return [1], [1 if len(shape1) else 0], [1 if len(shape2) else 0]
    fused = [loops[-1]]
    for n, a, b in reversed(loops[:-1]):
        inner_n, inner_a, inner_b = fused[0]
        if a == inner_a * inner_n and b == inner_b * inner_n:
            fused[0] = (n * inner_n, inner_a, inner_b)
        else:
            fused.insert(0, (n, a, b))
    extents, a_strides, b_strides = (list(v) for v in zip(*fused))
    return extents, a_strides, b_strides


def broadcast_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> list[tuple[str, object]]:
    oshape = tuple(out.shape)
    try:
        expect = tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    except ValueError:
        expect = None
    require(expect == oshape, op, f"input shapes {list(a.shape)} and {list(b.shape)} do not "
                                  f"broadcast to the output shape {list(oshape)}")
    extents, s1, s2 = loop_nest(tuple(a.shape), tuple(b.shape), oshape)
    require(len(extents) <= MAX_DIMS, op, f"broadcast needs {len(extents)} loops; at most {MAX_DIMS}")
    pad = MAX_DIMS - 1 - (len(extents) - 1)
    outer = extents[:-1]
    return [("rows", int(np.prod(outer, dtype=np.int64))), ("inner", extents[-1]),
            ("in1_inner", s1[-1]), ("in2_inner", s2[-1]), ("outer_dims", len(outer)),
            ("outer_shape", outer + [1] * pad), ("in1_strides", s1[:-1] + [0] * pad),
            ("in2_strides", s2[:-1] + [0] * pad)]


# ---- per-op arithmetic: (params, element function) ---------------------------

def activation_range(op: Op, out: Tensor) -> tuple[int, int]:
    act = op.options.fused_activation_function
    require(act in (quant.ACT_NONE, quant.ACT_RELU, quant.ACT_RELU_N1_TO_1, quant.ACT_RELU6), op,
            f"fused activation {quant.ACTIVATION_NAMES.get(act, act)} is not supported")
    bound = {quant.ACT_RELU6: 6.0, quant.ACT_RELU_N1_TO_1: 1.0}.get(act, 0.0)
    q = abs(quant.tflite_round(float(np.float32(bound) / np.float32(out.scale))))
    require(q < 2.0 ** 31, op, f"output scale {out.scale:g} is too small for the fused "
                               f"{quant.ACTIVATION_NAMES[act]} (its bound overflows int32; TFLM rejects it)")
    return quant.activation_range(act, out.scale, out.zero_point)


def add_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """CalculateOpDataAdd (add_common.cc), int8 path: input and output multipliers."""
    q = quant.add_params(a.scale, b.scale, out.scale, SUB_LEFT_SHIFT)
    act_min, act_max = activation_range(op, out)
    return dict(in1_offset=-a.zero_point, in2_offset=-b.zero_point, left_shift=SUB_LEFT_SHIFT,
                in1_mult=q["input1_multiplier"], in1_shift=q["input1_shift"],
                in2_mult=q["input2_multiplier"], in2_shift=q["input2_shift"],
                out_mult=q["output_multiplier"], out_shift=q["output_shift"],
                out_zp=out.zero_point, act_min=act_min, act_max=act_max)


def sub_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """CalculateOpDataSub (int8): ADD's multipliers (CalculateOpDataAdd), with the ratios in
    double. (The 2026-08 TFLM source takes them in float32, but the interpreter this project
    checks against rounds as with double: float32 ratios differ from it by one in a few
    outputs.)"""
    twice_max = 2.0 * quant.f64(max(np.float32(a.scale), np.float32(b.scale)))
    real_out = twice_max / ((1 << SUB_LEFT_SHIFT) * quant.f64(out.scale))
    require(real_out < 1.0, op, f"output scale {out.scale:g} is too small for the input scales "
                                f"(TFLM needs 2 * max input scale < 2^20 * output scale)")
    return add_params(op, a, b, out)


def rescaled(p: dict, x: int, k: int) -> int:
    """Input k's (1 or 2) value x shifted left and rescaled to the common scale of ADD/SUB."""
    return quant.multiply_by_quantized_multiplier((x + p[f"in{k}_offset"]) << p["left_shift"],
                                                  p[f"in{k}_mult"], p[f"in{k}_shift"])


def _addsub_one(p: dict, x1: int, x2: int, sign: int) -> int:
    raw = quant.multiply_by_quantized_multiplier(_wrap32(rescaled(p, x1, 1) + sign * rescaled(p, x2, 2)),
                                                 p["out_mult"], p["out_shift"]) + p["out_zp"]
    return min(p["act_max"], max(p["act_min"], raw))


def add_one(p: dict, x1: int, x2: int) -> int:
    """One element of TFLM's int8 ADD."""
    return _addsub_one(p, x1, x2, 1)


def sub_one(p: dict, x1: int, x2: int) -> int:
    """One element of TFLM's int8 SUB."""
    return _addsub_one(p, x1, x2, -1)


def rescale_table(p: dict) -> np.ndarray:
    """lm_add_table_s8 / lm_sub_table_s8: rescaled(x) of input 1 for x = -128..127, then of input 2."""
    return np.array([rescaled(p, x, k) for k in (1, 2) for x in range(-128, 128)], dtype=np.int64)


def mul_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """CalculateOpDataMul (int8): one multiplier for s1 * s2 / s_out, in double."""
    real = quant.f64(a.scale) * quant.f64(b.scale) / quant.f64(out.scale)
    mo, so = quant.quantize_multiplier(real)
    require(so <= 31, op, f"scale ratio {real:g} is too large (TFLM's requantization overflows)")
    act_min, act_max = activation_range(op, out)
    return dict(in1_offset=-a.zero_point, in2_offset=-b.zero_point, out_mult=mo, out_shift=so,
                out_zp=out.zero_point, act_min=act_min, act_max=act_max)


def mul_one(p: dict, x1: int, x2: int) -> int:
    """One element of TFLM's int8 MUL."""
    prod = (x1 + p["in1_offset"]) * (x2 + p["in2_offset"])
    raw = p["out_zp"] + quant.multiply_by_quantized_multiplier(prod, p["out_mult"], p["out_shift"])
    return min(p["act_max"], max(p["act_min"], raw))


def no_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """MAXIMUM/MINIMUM have no Prepare: TFLM compares the raw int8 values, quantization unused."""
    return {}


def _wrap32(v: int) -> int:
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


# kernel, prepare-params function, element function
BINARY: dict[str, tuple[str, Callable, Callable]] = {
    "ADD": ("lm_add_s8", add_params, add_one),
    "SUB": ("lm_sub_s8", sub_params, sub_one),
    "MUL": ("lm_mul_s8", mul_params, mul_one),
    "MAXIMUM": ("lm_max_s8", no_params, lambda p, x1, x2: max(x1, x2)),
    "MINIMUM": ("lm_min_s8", no_params, lambda p, x1, x2: min(x1, x2)),
}


def prepare(op: Op) -> Layer:
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    a, b, out = op.input("input1"), op.input("input2"), op.outputs[0]
    check_int8_tensors(op, [(a, "first input"), (b, "second input"), (out, "output")])
    kernel, params_fn, one = BINARY[op.kind]
    bparams = broadcast_params(op, a, b, out)
    p = params_fn(op, a, b, out)
    folded = _fold_scalar_constant(op, a, b, out, lambda x1, x2: one(p, x1, x2))
    if folded is not None:
        return folded
    consts: list[ConstArray] = []
    args = [ParamsArg(), operand(a, "in1", consts), operand(b, "in2", consts), TensorArg(out)]
    note = (f"{dict(bparams)['outer_dims'] + 1} loop(s) of {dict(bparams)['inner']}"
            + (", broadcast" if tuple(a.shape) != tuple(b.shape) else ""))
    if op.kind in ("ADD", "SUB") and out.size >= RESCALE_TABLE_MIN:
        kernel = kernel.replace("_s8", "_table_s8")
        consts.append(ConstArray("rescale", "int32_t", rescale_table(p),
                                 "each input's rescaled value of -128 .. 127 (input 1, then input 2)"))
        args.insert(3, ConstArg("rescale"))
        note += ", inputs rescaled by table"
    return Layer(op=op, kernel=kernel, runtime=RUNTIME, params_type="lm_eltwise_params",
                 params=list(p.items()) + bparams, consts=consts, args=args, macs=0, note=note)


def _fold_scalar_constant(op: Op, a: Tensor, b: Tensor, out: Tensor, one: Callable) -> Optional[Layer]:
    """x (op) c with a constant c holding one value: a table of the 256 values of x."""
    for var, const, first in ((a, b, True), (b, a, False)):
        if var.is_const or not const.is_const or var.size != out.size:
            continue
        values = np.asarray(const.data).reshape(-1)
        if values.size == 0 or not np.all(values == values[0]):
            continue
        c = int(values[0])
        table = np.array([one(x, c) if first else one(c, x) for x in range(-128, 128)], dtype=np.int8)
        side = f"constant {'second' if first else 'first'} input {c}"
        return lut_layer(op, var, table, f"table: {op.kind.lower()} with a {side}")
    return None
