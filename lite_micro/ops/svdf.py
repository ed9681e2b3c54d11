"""SVDF, int8 input and output, int8 or int16 state and time weights (svdf_common.cc Prepare).

Each invoke shifts every filter's memory left by one, writes the new feature activations
(FC of the input, requantized to the state's scale) into the newest slot, then reduces
memory x time weights and rank into units. TFLM's integer path applies no fused activation.

State: TFLM resets an int8 variable to its zero point, the arena starts at zero, so the
kernel keeps an int8 state as (s - zero point) wrapped to 8 bits; an int16 state needs zero
point 0 (TFLM resets it to 0).
"""

from __future__ import annotations

import numpy as np

from .. import quant
from ..ir import Op
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require, require_int8

LIMITS = {"int8": (-128, 127), "int16": (-32768, 32767)}


def _scale_ratio(a: float, b: float, c: float) -> tuple[int, int]:
    """PrepareSvdf's effective scales: QuantizeMultiplier(a * b / c), computed in double.

    (The 2026-08 source snapshot multiplies in float32; the interpreter the output is checked
    against computes in double: a multiplier of exactly one in float32 is 1 - 1e-8 in double,
    which moves the shift, and with it the wrap of an overflowing accumulator.)
    """
    return quant.quantize_multiplier(quant.f64(a) * quant.f64(b) / quant.f64(c))


def prepare(op: Op) -> Layer:
    require(len(op.inputs) == 5 and len(op.outputs) == 1, op, "needs 5 inputs and one output")
    inp, feature, time, state = (op.input(n) for n in ("input", "weights_feature", "weights_time", "activation_state"))
    bias = op.input_or_none("bias")
    out = op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(feature is not None and feature.is_const, op, "feature weights must be constant")
    require_int8(op, feature, "feature weights")
    require(time is not None and time.is_const and time.dtype in LIMITS and time.quant is not None, op,
            "time weights must be a constant quantized int8 or int16 tensor")
    require(state is not None and state.is_variable and state.dtype == time.dtype and state.quant is not None, op,
            "activation state must be a quantized variable tensor of the time weights' type")
    require(state.dtype == "int8" or state.zero_point == 0, op, "an int16 activation state needs zero point 0")
    require(all(len(t.shape) == 2 for t in (inp, feature, time, state, out)), op,
            "input, weights, state and output must be 2-D")
    rank = int(op.options.rank)
    batches, size = inp.shape
    filters, memory = time.shape
    require(rank >= 1 and filters % rank == 0, op, f"{filters} filters are not a multiple of rank {rank}")
    units = filters // rank
    require(tuple(feature.shape) == (filters, size), op, f"feature weights must be [{filters}, {size}]")
    require(tuple(state.shape) == (batches, memory * filters), op,
            f"activation state must be [{batches}, {memory * filters}]")
    require(tuple(out.shape) == (batches, units), op, f"output must be [{batches}, {units}]")
    if bias is not None:
        require(bias.is_const and bias.dtype == "int32" and bias.size == units, op,
                f"bias must be a constant int32 tensor of {units} values")
    m1, s1 = _scale_ratio(inp.scale, feature.scale, state.scale)
    m2, s2 = _scale_ratio(state.scale, time.scale, out.scale)
    lo, hi = LIMITS[state.dtype]
    wf = feature.data
    wf_term = -int(inp.zero_point) * wf.astype(np.int64).sum(axis=1)
    b_data = np.zeros(units, np.int64) if bias is None else bias.data.astype(np.int64)
    params = [("batches", batches), ("input_size", size), ("filters", filters), ("units", units),
              ("rank", rank), ("memory", memory), ("state_zp", state.zero_point), ("state_min", lo),
              ("state_max", hi), ("feature_mult", m1), ("feature_shift", s1), ("out_mult", m2),
              ("out_shift", s2), ("out_zp", out.zero_point)]
    wide = state.dtype == "int16"
    consts = [ConstArray("feature", "int8_t", wf, f"feature weights [{filters}][{size}]"),
              ConstArray("feature_zp", "int32_t", wf_term, "input zero-point term of each filter"),
              ConstArray("time", "int16_t" if wide else "int8_t", time.data, f"time weights [{filters}][{memory}]"),
              ConstArray("bias", "int32_t", b_data, "bias")]
    return Layer(op=op, kernel="lm_svdf_s8_s16" if wide else "lm_svdf_s8", runtime=("lm_dot.h", "lm_svdf.h", "lm_svdf.c"),
                 params_type="lm_svdf_params", params=params, consts=consts,
                 args=[ParamsArg(), TensorArg(inp, const=True), ConstArg("feature"), ConstArg("feature_zp"),
                       ConstArg("time"), ConstArg("bias"), TensorArg(state), TensorArg(out)],
                 macs=batches * filters * (size + memory),
                 note=f"rank {rank}, memory {memory}, {state.dtype} state")
