"""UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state.

Prepare of TFLM's integer LSTM (unidirectional_sequence_lstm.cc, lstm_eval_common.cc) moved
to compile time. Each gate is FC(input) + FC(hidden) in Q3.12 (scale 2^-12, both FC outputs
saturated to int16 before a saturating add), then an int16 sigmoid or tanh (Q0.15 out) that
interpolates in a 256-entry table. The cell update and the hidden output are int16 products
requantized to the cell scale and to the hidden state's scale.

State: the hidden (int8) and cell (int16) state tensors are variables; the planner gives them
the whole program, so they persist across invokes. TFLM resets an int8 variable to its zero
point; the arena starts at zero, so the kernel keeps the hidden state as (h - zero point)
wrapped to 8 bits, which is the zero point when the bytes are zero.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg, require, require_int8

GATES = ("input", "forget", "cell", "output")           # TFLite's order of the weight slots
IN_WEIGHTS = tuple(f"input_to_{g}_weights" for g in GATES)      # input slots by name
REC_WEIGHTS = tuple(f"recurrent_to_{g}_weights" for g in GATES)
BIASES = tuple(f"{g}_gate_bias" for g in GATES)
UNUSED = {**{f"cell_to_{g}_weights": "peephole" for g in ("input", "forget", "output")},
          "projection_weights": "projection", "projection_bias": "projection",
          **{f"{g}_layer_norm_coefficients": "layer norm" for g in GATES}}
HIDDEN, CELL = "output_state", "cell_state"
ACT_TANH = 4
GATE_SCALE = 2.0 ** -12          # FC output scale: Q3.12, the sigmoid/tanh input
ACT_OUT_SCALE = 2.0 ** -15       # sigmoid/tanh output scale: Q0.15

# sigmoid(i / 24) in unsigned 0.16 fixed point, i = 0..255: the table TFLM's int16 sigmoid and
# tanh interpolate in (tanh(x) = 2 sigmoid(2x) - 1). Measured from the TFLM interpreter (int16
# TANH, inputs on the table's grid); tests/ops/test_transpose_conv_matmul_lstm_svdf.py measures it again.
SIGMOID_TABLE = (
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535)


def checked_log2(x: float) -> tuple[int, bool]:
    """CheckedLog2 (quantization_util.cc): (round(log2 x), whether x is a power of two), in float32."""
    x_log2 = np.float32(np.log(np.float32(x))) * np.float32(np.float32(1.0) / np.log(np.float32(2.0)))
    rounded = quant.tflite_round(float(x_log2))
    return int(rounded), abs(float(x_log2) - rounded) < 1e-3


def tanh_input_scaling(scale_power: int) -> tuple[int, int]:
    """lstm_internal::Tanh's input scaling as (multiplier, right shift) of `(x * m + round) >> s`.

    The left shift (15 + power) - 3 becomes the power-of-two case m = 3 << shift, s = 0 when it
    is not negative (reference_integer_ops::Tanh), else m = 3 and a right shift.
    """
    left = 15 + scale_power - 3
    return (3 << left, 0) if left >= 0 else (3, -left)


def inter_gate_multiplier(scale1: float, scale2: float, out_scale: float) -> tuple[int, int]:
    """CreateInterGateMulParams (lstm_eval_common.cc): double(s1) * double(s2) / double(out)."""
    return quant.quantize_multiplier(quant.f64(scale1) * quant.f64(scale2) / quant.f64(out_scale))


def quantized_cell_clip(cell_clip: float, cell_scale: float) -> int:
    """CreateLstmCellStateInfo: clip / scale in double, bounded to int16, truncated."""
    v = min(max(quant.f64(cell_clip) / quant.f64(cell_scale), -32768.0), 32767.0)
    return int(v)


def _check(op: Op) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    require(len(op.inputs) == 24 and len(op.outputs) == 1, op, "needs 24 inputs and one output")
    inp, out = op.input("input"), op.outputs[0]
    hidden, cell = op.input(HIDDEN), op.input_or_none(CELL)
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require_int8(op, hidden, "hidden state")
    _check_state(op, hidden, cell)
    _check_weights(op, "int32")
    return inp, out, hidden, cell


def _check_state(op: Op, hidden: Tensor, cell: Optional[Tensor]) -> None:
    require(hidden.is_variable and not hidden.is_const, op, "hidden state must be a variable tensor")
    require(cell is not None and cell.dtype == "int16" and cell.is_variable and cell.quant is not None,
            op, "cell state must be a quantized int16 variable tensor (only int16 cell state is supported)")


def _check_weights(op: Op, bias_dtype: str) -> None:
    """The standard LSTM's weights and biases; TFLM's kernel runs no other variant."""
    for i in IN_WEIGHTS[:1] + REC_WEIGHTS[:1]:
        require(op.input_or_none(i) is not None, op, f"CIFG (no input gate, {i} omitted) is not supported: "
                                                     "TFLM's LSTM kernel runs only the standard LSTM")
    for i, what in UNUSED.items():
        require(op.input_or_none(i) is None, op, f"{what} tensors are not supported ({i}): TFLM's LSTM "
                                                 "kernel runs only the standard LSTM")
    for i in IN_WEIGHTS + REC_WEIGHTS:
        w = op.input(i)
        require(w is not None and w.is_const, op, f"weights ({i}) must be constant")
        require_int8(op, w, f"weights ({i})")
        require(not w.quant.per_channel and w.zero_point == 0, op,
                f"weights ({i}) must be quantized per tensor with zero point 0")
    for i in BIASES:
        b = op.input(i)
        require(b is not None and b.is_const and b.dtype == bias_dtype, op,
                f"gate bias ({i}) must be a constant {bias_dtype} tensor")
    o = op.options
    require(o.fused_activation_function == ACT_TANH, op, "cell gate activation must be TANH")
    require(not o.diagonal_recurrent_tensors, op, "diagonal recurrent weights are not supported")
    require(not o.asymmetric_quantize_inputs, op, "hybrid (asymmetric input) LSTM is not supported")


def _sizes(op: Op, inp: Tensor, out: Tensor, hidden: Tensor, cell: Tensor) -> dict:
    require(len(inp.shape) == 3 and len(out.shape) == 3, op, "input and output must be 3-D")
    time_major = bool(op.options.time_major)
    steps, batches = (inp.shape[0], inp.shape[1]) if time_major else (inp.shape[1], inp.shape[0])
    in_depth = inp.shape[2]
    require(len(hidden.shape) == 2, op, "hidden state must be 2-D")
    units = hidden.shape[1]
    for i in IN_WEIGHTS:
        require(tuple(op.input(i).shape) == (units, in_depth), op, f"input weights must be [{units}, {in_depth}]")
    for i in REC_WEIGHTS:
        require(tuple(op.input(i).shape) == (units, units), op, f"recurrent weights must be [{units}, {units}]")
    for i in BIASES:
        require(tuple(op.input(i).shape) == (units,), op, f"gate biases must be [{units}]")
    require(hidden.size == batches * units and cell.size == batches * units, op,
            "state tensors must hold batches x units values")
    require(tuple(out.shape[:2]) == tuple(inp.shape[:2]) and out.shape[2] == units, op,
            "output shape does not match the input and the units")
    # element strides between consecutive batches and steps, in the input and the output
    in_b, in_t = (in_depth, batches * in_depth) if time_major else (steps * in_depth, in_depth)
    out_b, out_t = (units, batches * units) if time_major else (steps * units, units)
    return dict(batches=batches, steps=steps, in_depth=in_depth, units=units,
                in_batch_stride=in_b, in_step_stride=in_t, out_batch_stride=out_b, out_step_stride=out_t)


def _gate_fc(op: Op, source: Tensor, slots, zero_point: int, biases=None):
    """Weights [4, units, depth], zero-point-folded biases [4, units], and per-gate multipliers."""
    weights = np.stack([op.input(i).data for i in slots])
    sums = weights.astype(np.int64).sum(axis=2)
    b = np.zeros(sums.shape, np.int64) if biases is None else np.stack(
        [op.input(i).data.astype(np.int64) for i in biases])
    folded = b - int(zero_point) * sums
    require(folded.min() >= -(1 << 31) and folded.max() < (1 << 31), op, "folded gate bias overflows int32")
    # CalculateOpDataFullyConnected -> GetQuantizedConvolutionMultipler: the product in double
    mults, shifts = quant.conv_channel_multipliers(source.scale, [op.input(i).scale for i in slots],
                                                   GATE_SCALE, len(slots))
    return weights, folded, mults, shifts


def _cell_params(op: Op, hidden: Tensor, cell: Tensor) -> list:
    """The inter-gate multipliers, the cell clip and the tanh input scaling (shared by int8 and int16)."""
    power, _ = checked_log2(cell.scale)
    tanh_mult, tanh_shift = tanh_input_scaling(power)
    require(tanh_mult * 32767 < (1 << 31), op, f"cell state scale {cell.scale:g} is too large")
    fc_m, fc_s = inter_gate_multiplier(ACT_OUT_SCALE, cell.scale, cell.scale)
    ic_m, ic_s = inter_gate_multiplier(ACT_OUT_SCALE, ACT_OUT_SCALE, cell.scale)
    out_m, out_s = inter_gate_multiplier(ACT_OUT_SCALE, ACT_OUT_SCALE, hidden.scale)
    clip = float(op.options.cell_clip or 0.0)
    return [("forget_mult", fc_m), ("forget_shift", fc_s), ("update_mult", ic_m), ("update_shift", ic_s),
            ("hidden_mult", out_m), ("hidden_shift", out_s),
            ("clip_cell", int(clip > 0)), ("cell_clip", quantized_cell_clip(clip, cell.scale) if clip > 0 else 0),
            ("tanh_mult", tanh_mult), ("tanh_shift", tanh_shift)]


def prepare(op: Op) -> Layer:
    if op.input_or_none("input") is not None and op.input("input").dtype == "int16":
        return prepare_s16(op)
    inp, out, hidden, cell = _check(op)
    size = _sizes(op, inp, out, hidden, cell)
    w_in, b_in, in_mult, in_shift = _gate_fc(op, inp, IN_WEIGHTS, inp.zero_point, BIASES)
    w_rec, b_rec, rec_mult, rec_shift = _gate_fc(op, hidden, REC_WEIGHTS, hidden.zero_point)
    params = list(size.items()) + [
        ("hidden_zp", hidden.zero_point),
        ("in_mult", in_mult), ("in_shift", in_shift), ("rec_mult", rec_mult), ("rec_shift", rec_shift),
        ] + _cell_params(op, hidden, cell)
    units, in_depth = size["units"], size["in_depth"]
    consts = [
        ConstArray("w_in", "int8_t", w_in, f"input weights [gate {', '.join(GATES)}][{units}][{in_depth}]"),
        ConstArray("b_in", "int32_t", b_in, "gate biases with the input zero-point term folded in"),
        ConstArray("w_rec", "int8_t", w_rec, f"recurrent weights [gate][{units}][{units}]"),
        ConstArray("b_rec", "int32_t", b_rec, "the hidden-state zero-point term of the recurrent FC"),
        ConstArray("sigmoid", "uint16_t", np.asarray(SIGMOID_TABLE, np.int64), "sigmoid(i/24), 0.16 fixed point")]
    args = [ParamsArg(), TensorArg(inp, const=True), ConstArg("w_in"), ConstArg("b_in"), ConstArg("w_rec"),
            ConstArg("b_rec"), ConstArg("sigmoid"), TensorArg(hidden), TensorArg(cell), ScratchArg(),
            TensorArg(out)]
    steps = size["steps"] * size["batches"]
    return Layer(op=op, kernel="lm_lstm_s8", runtime=("lm_dot.h", "lm_lstm.h", "lm_lstm.c"), params_type="lm_lstm_params",
                 params=params, consts=consts, args=args, scratch_bytes=size["batches"] * units,
                 macs=steps * 4 * units * (in_depth + units),
                 note=f"{size['steps']} steps x {size['batches']} batches, int16 cell, table sigmoid/tanh")


# ---- int16 activations (int16x8): EvalLstm<int16_t, int8_t, int16_t, int64_t> ---------------

def reduced_multipliers(op: Op, mults, shifts) -> tuple[np.ndarray, np.ndarray]:
    """TFLM's MultiplyByQuantizedMultiplier for int64 values: the 16-bit reduced multipliers and
    the right shifts 15 - shift (at least 1)."""
    require(max(shifts) <= 14, op, "scales make the requantization shift too large for TFLM's "
                                   "64-bit requantization (a scale ratio >= 2^14)")
    reduced = [(m + (1 << 15)) >> 16 if m < 0x7FFF0000 else 0x7FFF for m in mults]
    return np.asarray(reduced, np.int64), np.asarray([15 - s for s in shifts], np.int64)


def _int16_activation(op: Op, t: Tensor, role: str) -> None:
    require(t is not None and t.dtype == "int16" and t.quant is not None and not t.quant.per_channel, op,
            f"{role} must be int16 quantized per tensor (int16x8 LSTM)")
    require(t.zero_point == 0, op, f"{role} zero point is {t.zero_point}; int16 needs zero point 0")


def prepare_s16(op: Op) -> Layer:
    """The int16x8 LSTM: int16 input, hidden state and output, int8 weights, int64 biases,
    64-bit FC sums requantized to Q3.12; the cell arithmetic of the int8 form."""
    require(len(op.inputs) == 24 and len(op.outputs) == 1, op, "needs 24 inputs and one output")
    inp, out, hidden, cell = op.input("input"), op.outputs[0], op.input(HIDDEN), op.input_or_none(CELL)
    for t, role in ((inp, "input"), (out, "output"), (hidden, "hidden state")):
        _int16_activation(op, t, role)
    _check_state(op, hidden, cell)
    _check_weights(op, "int64")
    size = _sizes(op, inp, out, hidden, cell)
    w_in = np.stack([op.input(i).data for i in IN_WEIGHTS])
    b_in = np.stack([op.input(i).data.astype(np.int64) for i in BIASES])
    w_rec = np.stack([op.input(i).data for i in REC_WEIGHTS])
    in_m, in_s = reduced_multipliers(op, *quant.conv_channel_multipliers(
        inp.scale, [op.input(i).scale for i in IN_WEIGHTS], GATE_SCALE, 4))
    rec_m, rec_s = reduced_multipliers(op, *quant.conv_channel_multipliers(
        hidden.scale, [op.input(i).scale for i in REC_WEIGHTS], GATE_SCALE, 4))
    params = list(size.items()) + [("hidden_zp", 0)] + [
        (name, [int(v) for v in values]) for name, values in
        (("in_mult", in_m), ("in_shift", in_s), ("rec_mult", rec_m), ("rec_shift", rec_s))] + _cell_params(op, hidden, cell)
    units, in_depth = size["units"], size["in_depth"]
    consts = [
        ConstArray("w_in", "int8_t", w_in, f"input weights [gate {', '.join(GATES)}][{units}][{in_depth}]"),
        ConstArray("b_in", "int64_t", b_in, "gate biases [gate][unit]"),
        ConstArray("w_rec", "int8_t", w_rec, f"recurrent weights [gate][{units}][{units}]"),
        ConstArray("sigmoid", "uint16_t", np.asarray(SIGMOID_TABLE, np.int64), "sigmoid(i/24), 0.16 fixed point")]
    args = [ParamsArg(), TensorArg(inp, const=True), ConstArg("w_in"), ConstArg("b_in"), ConstArg("w_rec"),
            ConstArg("sigmoid"), TensorArg(hidden), TensorArg(cell), TensorArg(out)]
    steps = size["steps"] * size["batches"]
    return Layer(op=op, kernel="lm_lstm_s16", runtime=("lm_dot.h", "lm_lstm.h", "lm_lstm.c"),
                 params_type="lm_lstm_params", params=params, consts=consts, args=args,
                 macs=steps * 4 * units * (in_depth + units),
                 note=f"int16x8: {size['steps']} steps x {size['batches']} batches, 64-bit FC sums, int16 cell")
