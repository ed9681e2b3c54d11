"""L2_NORMALIZATION and LOG_SOFTMAX (int8, along the last axis): Prepare steps.

Both need a whole row before they can write an element, so they are kernels of their own
(`lm_norm.c`). What depends only on one input value is tabulated here: for LOG_SOFTMAX,
exp(x - max) rescaled to Q12.19 and x - max in Q5.26, each for the 256 possible
differences, so the kernel adds table entries and computes one logarithm per row.
"""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from ..quant import fixedpoint as fp
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require
from .elementwise import check_int8_tensors

RUNTIME = ("lm_norm.h", "lm_norm.c")
LOG_SOFTMAX_OUT_SCALE = np.float32(16.0 / 256)
LOG_SOFTMAX_OUT_ZP = 127
SCALED_DIFF_BITS = 5                  # kScaledDiffIntegerBits / kInputIntegerBits
ACCUM_BITS = 12                       # kAccumulationIntegerBits


def _rows(op: Op) -> tuple:
    require(len(op.inputs) == 1 and len(op.outputs) == 1, op, "needs one input and one output")
    inp, out = op.input("input"), op.outputs[0]
    check_int8_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const, op, "the input must be an activation tensor")
    require(tuple(inp.shape) == tuple(out.shape) and len(inp.shape) >= 1, op,
            f"input shape {list(inp.shape)} and output shape {list(out.shape)} must be equal")
    depth = inp.shape[-1]
    return inp, out, inp.size // max(depth, 1), depth


def prepare_l2norm(op: Op) -> Layer:
    """L2Normalization (reference_integer_ops): the output is always scale 1/128, zero point 0
    in TFLM's arithmetic, whatever the output tensor says (TFLM does not check it)."""
    inp, out, rows, depth = _rows(op)
    require(len(inp.shape) <= 4, op, f"input has {len(inp.shape)} dimensions; TFLM takes at most 4")
    act = op.options.fused_activation_function
    require(act == quant.ACT_NONE, op, f"fused activation {quant.ACTIVATION_NAMES.get(act, act)} "
                                       f"is not supported (TFLM takes none)")
    params = [("rows", rows), ("depth", depth), ("input_zp", inp.zero_point)]
    return Layer(op=op, kernel="lm_l2norm_s8", runtime=RUNTIME, params_type="lm_l2norm_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"{rows} row(s) of {depth}, integer inverse square root per row")


def log_softmax_params(input_scale: float) -> dict:
    """LOG_SOFTMAX's CalculateOpData (int8): PreprocessLogSoftmaxScalingExp with beta 1."""
    mult, left_shift = quant.preprocess_softmax_scaling(1.0, input_scale, SCALED_DIFF_BITS)
    reverse = float(1 << (31 - left_shift)) / float(mult)
    rev_mult, rev_shift = quant.quantize_multiplier_smaller_than_one(reverse)
    diff_min = -quant.calculate_input_radius(SCALED_DIFF_BITS, left_shift)
    return dict(mult=mult, left_shift=left_shift, reverse_mult=rev_mult, reverse_shift=rev_shift,
                diff_min=diff_min)


def log_softmax_tables(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """Indexed by max - x (0 .. 255): exp(diff) rescaled to Q12 (0 below diff_min, as TFLM
    skips those terms), and diff in Q5.26."""
    q5 = [quant.multiply_by_quantized_multiplier(-k, p["mult"], p["left_shift"]) for k in range(256)]
    exps = [quant.rounding_divide_by_pot(fp.exp_on_negative_values(v, SCALED_DIFF_BITS), ACCUM_BITS)
            if -k >= p["diff_min"] else 0 for k, v in enumerate(q5)]
    return np.asarray(exps, dtype=np.int32), np.asarray(q5, dtype=np.int32)


def prepare_log_softmax(op: Op) -> Layer:
    inp, out, rows, depth = _rows(op)
    require(np.float32(out.scale) == LOG_SOFTMAX_OUT_SCALE and out.zero_point == LOG_SOFTMAX_OUT_ZP, op,
            f"output scale {out.scale:g} and zero point {out.zero_point} must be 16/256 and 127 "
            f"(as TFLM requires)")
    p = log_softmax_params(inp.scale)
    exps, q5 = log_softmax_tables(p)
    consts = [ConstArray("exp_q12", "int32_t", exps, "exp(x - max) in Q12.19, by max - x"),
              ConstArray("diff_q5", "int32_t", q5, "x - max in Q5.26, by max - x")]
    params = [("rows", rows), ("depth", depth), ("diff_min", p["diff_min"]),
              ("reverse_mult", p["reverse_mult"]), ("reverse_shift", p["reverse_shift"])]
    return Layer(op=op, kernel="lm_log_softmax_s8", runtime=RUNTIME, params_type="lm_log_softmax_params",
                 params=params, consts=consts,
                 args=[ParamsArg(), ConstArg("exp_q12"), ConstArg("diff_q5"), TensorArg(inp, const=True),
                       TensorArg(out)],
                 note=f"{rows} row(s) of {depth}, exp and difference tables, one log per row")
