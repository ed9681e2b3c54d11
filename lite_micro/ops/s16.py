"""int16 activations (int16x8: int16 activations, int8 weights): Prepare steps of the ops
TFLM's interpreter runs on int16, for the portable kernels of lm_s16_*.c. Each is named beside
the op's int8 Prepare in the registry (`ops.PREPARE`, `with_int16`).

- FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D (reference_integer_ops for int16 input): the
  products summed in the bias type's width (int64 bias: 64 bits, requantized by TFLM's
  MultiplyByQuantizedMultiplier for int64 with a 16-bit reduced multiplier; int32 bias: 32
  bits wrapping, the usual double rounding). Without a bias the model's quantized_bias_type
  decides. DEPTHWISE_CONV_2D reads its bias as int64 only (TFLM's kernel).
- QUANTIZE float32 -> int16 (AffineQuantize), int8 <-> int16 and int16 -> int16 (Requantize),
  DEQUANTIZE int16 -> float32.
- ADD, SUB (TFLM's general path with a left shift of 15 instead of 20) and MUL, broadcasting
  through the element-wise loop nest; LEAKY_RELU (QuantizeLeakyRelu); AVERAGE_POOL_2D and
  MAX_POOL_2D (the int8 windows, int16 sums and clamps); LOGISTIC and TANH (the input scaled
  to a 256-entry sigmoid table TFLM interpolates in, output scale 2^-15); SOFTMAX int16 -> int16
  (TFLM's 513-entry exp and reciprocal tables, computed in float32 as its Prepare does).
int16 activations have zero point 0 (TFLM's quantization rule; MUL checks it at run time);
QUANTIZE and DEQUANTIZE take any zero point, as TFLM's Requantize does.
"""

from __future__ import annotations

import functools
from typing import Optional

import numpy as np

from .. import quant
from ..ir import Op, Tensor
from ..quant import fixedpoint as fp
from ..quant import lut16
from . import s16_more
from .activations import leaky_relu_params
from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg, require
from .common import PADDING_SAME, PADDING_VALID, out_size, pad_before, spatial
from .elementwise import broadcast_params
from .lstm import SIGMOID_TABLE, reduced_multipliers
from .math_unary import check_int16_tensors
from .pooling import window_params
from .quantize import convert_params, per_tensor
from .shape_ops import requant_multiplier

INT16_MIN, INT16_MAX = -32768, 32767
ADD_LEFT_SHIFT = 15                  # CalculateOpDataAdd / Sub for int16 outputs
CONV_RUNTIME = ("lm_eltwise.h", "lm_reduce.h", "lm_s16.h", "lm_s16_rq.h", "lm_s16_conv.c")
ELTWISE_RUNTIME = ("lm_eltwise.h", "lm_reduce.h", "lm_s16.h", "lm_s16_eltwise.c")
POOL_RUNTIME = ("lm_eltwise.h", "lm_reduce.h", "lm_s16.h", "lm_s16_pool.c")
SOFTMAX_RUNTIME = ("lm_eltwise.h", "lm_reduce.h", "lm_s16.h", "lm_s16_softmax.c")
BIAS64_LIMIT = 1 << 62           # |int64 bias| bound: the sum of int16 x int8 products cannot leave int64
TENSOR_TYPE_INT32 = 2                # schema TensorType INT32 (quantized_bias_type)


def involves_int16(op: Op) -> bool:
    """Whether an activation the op reads or writes is int16."""
    tensors = [t for t in list(op.inputs) + list(op.outputs) if t is not None and not t.is_const]
    return any(t.dtype == "int16" for t in tensors)


def activation_range16(op: Op, out: Tensor) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for an int16 output."""
    act = op.options.fused_activation_function if "fused_activation_function" in op.options else 0
    require(act in (quant.ACT_NONE, quant.ACT_RELU, quant.ACT_RELU_N1_TO_1, quant.ACT_RELU6), op,
            f"fused activation {quant.ACTIVATION_NAMES.get(act, act)} is not supported")
    return quant.activation_range(act, out.scale, out.zero_point, INT16_MIN, INT16_MAX)


# ---- FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D -----------------------------------------

def _weighted_tensors(op: Op, weight_rank: int, bias_types=("int32", "int64")):
    """(input, weights, bias, output) of the op, checked."""
    inp, weights, out = op.input("input"), op.input("weights"), op.outputs[0]
    bias = op.input_or_none("bias")
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const, op, "the input must be an activation tensor")
    require(weights is not None and weights.is_const and weights.dtype == "int8" and weights.quant is not None,
            op, "weights must be a constant quantized int8 tensor (int16x8)")
    require(len(weights.shape) == weight_rank, op, f"weights must be {weight_rank}-D, got {list(weights.shape)}")
    require(all(z == 0 for z in weights.quant.zero_points), op, "weights must be symmetric (zero point 0)")
    if bias is not None:
        require(bias.is_const and bias.dtype in bias_types, op,
                f"bias tensor {bias.index} must be a constant {' or '.join(bias_types)} tensor")
    return inp, weights, bias, out


def _accumulation(op: Op, bias: Optional[Tensor], channels: int, int64_only: bool = False):
    """(acc32, bias values as int64): the accumulator width TFLM picks from the bias type."""
    if bias is not None:
        acc32 = bias.dtype == "int32"
        require(not (acc32 and int64_only), op, f"bias tensor {bias.index} is int32; TFLM's int16 "
                                                f"{op.kind} reads an int64 bias")
        values = np.asarray(bias.data, np.int64).reshape(-1)
        require(values.size == channels, op, f"bias has {values.size} values for {channels} output channels")
        extreme = values[(values <= -BIAS64_LIMIT) | (values >= BIAS64_LIMIT)].tolist()
        require(not extreme, op, f"bias tensor {bias.index} holds {extreme[:1]} beyond +-2^62: TFLM's "
                                 "64-bit sum from it can overflow (undefined behaviour)")
        return acc32, values
    acc32 = (not int64_only and "quantized_bias_type" in op.options
             and op.options.quantized_bias_type == TENSOR_TYPE_INT32)
    return acc32, np.zeros(channels, np.int64)


def requant_tables(op: Op, inp: Tensor, weights: Tensor, out: Tensor, channels: int, acc32: bool):
    """Per-channel (multiplier, shift) in the form lm_s16_out takes (see lm_s16.h)."""
    scales = weights.quant.scales
    require(len(scales) in (1, channels), op, "weights need one scale or one per output channel")
    mults, shifts = quant.conv_channel_multipliers(inp.scale, scales, out.scale, channels)
    if acc32:
        return np.asarray(mults, np.int64), np.asarray(shifts, np.int64)
    return reduced_multipliers(op, mults, shifts)


def _weighted_layer(op: Op, kernel: str, params: list, w: np.ndarray, bias: np.ndarray, rq, macs: int,
                    note: str, inp: Optional[Tensor] = None) -> Layer:
    mults, shifts = rq
    return Layer(
        op=op, kernel=kernel, runtime=CONV_RUNTIME, params_type=params[0], params=params[1],
        consts=[ConstArray("weights", "int8_t", w, f"weights {list(w.shape)}"),
                ConstArray("bias", "int64_t", bias, "bias (zeros when the model has none)"),
                ConstArray("mult", "int32_t", mults, "requantization multipliers"),
                ConstArray("shift", "int32_t", shifts, "requantization shifts")],
        args=[ParamsArg(), TensorArg(inp or op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
              ConstArg("mult"), ConstArg("shift"), TensorArg(op.outputs[0])],
        macs=macs, note=note)


def _acc_note(acc32: bool) -> str:
    return "32-bit accumulation (int32 bias)" if acc32 else "64-bit accumulation (int64 bias)"


def prepare_fc(op: Op) -> Layer:
    inp, weights, bias, out = _weighted_tensors(op, 2)
    require(op.options.weights_format == 0, op, "shuffled weights format is not supported")
    units, depth = weights.shape
    require(inp.size % depth == 0, op, f"input size {inp.size} is not a multiple of {depth}")
    batches = inp.size // depth
    require(out.size == batches * units, op, "output size does not match batches x units")
    acc32, b = _accumulation(op, bias, units)
    act_min, act_max = activation_range16(op, out)
    params = [("batches", batches), ("in_depth", depth), ("out_depth", units), ("act_min", act_min),
              ("act_max", act_max), ("acc32", int(acc32))]
    rq = requant_tables(op, inp, weights, out, units, acc32)
    return _weighted_layer(op, "lm_fc_s16", ["lm_s16_fc_params", params], weights.data, b, rq,
                           batches * depth * units, f"int16x8 fully connected, {_acc_note(acc32)}")


def _conv_params(op: Op, inp: Tensor, out: Tensor, k_h: int, k_w: int, groups: int, depth_mult: int) -> list:
    o = op.options
    require(len(inp.shape) == 4 and len(out.shape) == 4, op, "input and output must be 4-D (NHWC)")
    b, in_h, in_w, in_c = inp.shape
    _, out_h, out_w, out_c = out.shape
    require(out.shape[0] == b, op, "output batches do not match the input")
    pre = o.pre_pad      # a PAD folded in front (passes/fold_pad.py)
    pad_top, pad_left = spatial(op, o.padding, (in_h + pre[0] + pre[1], in_w + pre[2] + pre[3]), (k_h, k_w),
                                (o.stride_h, o.stride_w),
                                (o.dilation_hfactor, o.dilation_wfactor), (out_h, out_w))
    act_min, act_max = activation_range16(op, out)
    return [("batches", b), ("in_h", in_h), ("in_w", in_w), ("in_c", in_c), ("out_h", out_h),
            ("out_w", out_w), ("out_c", out_c), ("k_h", k_h), ("k_w", k_w), ("stride_h", o.stride_h),
            ("stride_w", o.stride_w), ("dil_h", o.dilation_hfactor), ("dil_w", o.dilation_wfactor),
            ("pad_top", pad_top + pre[0]), ("pad_left", pad_left + pre[2]), ("groups", groups),
            ("depth_mult", depth_mult), ("act_min", act_min), ("act_max", act_max)]


def prepare_conv(op: Op) -> Layer:
    inp, weights, bias, out = _weighted_tensors(op, 4)
    out_c, k_h, k_w, group_in = weights.shape
    in_c = inp.shape[-1] if len(inp.shape) == 4 else 0
    require(group_in > 0 and in_c % group_in == 0, op,
            f"input channels {in_c} not a multiple of weight channels {group_in}")
    groups = in_c // group_in
    require(out_c % groups == 0 and out.shape[-1] == out_c, op, "output channels do not match the weights")
    params = _conv_params(op, inp, out, k_h, k_w, groups, 1)
    acc32, b = _accumulation(op, bias, out_c)
    rq = requant_tables(op, inp, weights, out, out_c, acc32)
    macs = out.size * k_h * k_w * group_in
    return _weighted_layer(op, "lm_conv_s16", ["lm_s16_conv_params", params + [("acc32", int(acc32))]],
                           weights.data, b, rq, macs, f"int16x8 convolution, {_acc_note(acc32)}")


def prepare_depthwise(op: Op) -> Layer:
    inp, weights, bias, out = _weighted_tensors(op, 4)
    one, k_h, k_w, out_c = weights.shape
    in_c = inp.shape[-1] if len(inp.shape) == 4 else 0
    require(one == 1 and out.shape[-1] == out_c, op, "weights must be [1, H, W, C_out]")
    require(in_c > 0 and out_c % in_c == 0, op, f"output channels {out_c} not a multiple of input channels {in_c}")
    params = _conv_params(op, inp, out, k_h, k_w, in_c, out_c // in_c)
    _, b = _accumulation(op, bias, out_c, int64_only=True)
    rq = requant_tables(op, inp, weights, out, out_c, False)
    return _weighted_layer(op, "lm_dwconv_s16", ["lm_s16_conv_params", params + [("acc32", 0)]],
                           weights.data.reshape(k_h, k_w, out_c), b, rq, out.size * k_h * k_w,
                           f"int16x8 depthwise, multiplier {out_c // in_c}, {_acc_note(False)}")


def prepare_tconv(op: Op) -> Layer:
    """TRANSPOSE_CONV int16x8 (int64 or int16 bias, which TFLM widens to int64; 64-bit sums),
    in the gather form of ops/transpose_conv.py."""
    require(len(op.inputs) in (3, 4) and len(op.outputs) == 1, op, "needs 3 or 4 inputs and one output")
    inp, weights, bias, out = _weighted_tensors(op, 4, bias_types=("int64", "int16"))
    require(len(inp.shape) == 4 and len(out.shape) == 4, op, "input and output must be 4-D (NHWC)")
    out_c, k_h, k_w, in_c = weights.shape
    require(in_c == inp.shape[3] and out.shape[3] == out_c and out.shape[0] == inp.shape[0], op,
            "weights [out_c, h, w, in_c] do not match the input and output channels")
    shape_t = op.input_or_none("output_shape")
    require(shape_t is None or not shape_t.is_const or [int(v) for v in shape_t.data.reshape(-1)] == list(out.shape),
            op, "the output-shape input does not match the output tensor")
    o = op.options
    strides = (o.stride_h, o.stride_w)
    require(o.padding in (PADDING_SAME, PADDING_VALID) and min(strides) >= 1, op,
            "unknown padding or a stride below 1")
    pads = [pad_before(s, 1, n, k, out_size(o.padding, n, k, s))
            for n, k, s in zip(out.shape[1:3], (k_h, k_w), strides)]
    act_min, act_max = activation_range16(op, out)
    b, in_h, in_w, _ = inp.shape
    params = [("batches", b), ("in_h", in_h), ("in_w", in_w), ("in_c", in_c), ("out_h", out.shape[1]),
              ("out_w", out.shape[2]), ("out_c", out_c), ("k_h", k_h), ("k_w", k_w), ("stride_h", strides[0]),
              ("stride_w", strides[1]), ("dil_h", 1), ("dil_w", 1), ("pad_top", pads[0]), ("pad_left", pads[1]),
              ("groups", 1), ("depth_mult", 1), ("act_min", act_min), ("act_max", act_max), ("acc32", 0)]
    bias_values = np.zeros(out_c, np.int64) if bias is None else np.asarray(bias.data, np.int64).reshape(-1)
    rq = requant_tables(op, inp, weights, out, out_c, False)
    return _weighted_layer(op, "lm_tconv_s16", ["lm_s16_conv_params", params], weights.data, bias_values, rq,
                           inp.size * k_h * k_w * out_c, f"int16x8 transpose convolution, gather form, "
                           f"stride {strides[0]}x{strides[1]}, {_acc_note(False)}", inp)


# ---- QUANTIZE, DEQUANTIZE -----------------------------------------------------------------

def prepare_quantize(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and not inp.is_const, op, "the input must be an activation tensor")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    pair = (inp.dtype, out.dtype)
    require(pair in (("float32", "int16"), ("int8", "int16"), ("int16", "int8"), ("int16", "int16")), op,
            f"QUANTIZE {inp.dtype} -> {out.dtype} is not supported (int16: from float32, int8 or int16, "
            "to int8 or int16)")
    per_tensor(op, out, "output")
    if inp.dtype == "float32":
        return Layer(op=op, kernel="lm_quantize_f32_s16", runtime=ELTWISE_RUNTIME,
                     params_type="lm_convert_params", params=convert_params(out),
                     args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                     note="float32 -> int16, round half away from zero")
    per_tensor(op, inp, "input")
    mult, shift = requant_multiplier(inp, out)
    if pair == ("int16", "int16") and (mult, shift) == (1 << 30, 1) and inp.zero_point == out.zero_point:
        return Layer(op=op, kernel=None, alias_of=inp, note="alias: same quantization, no code")
    kernel = "lm_requant_" + {"int8": "s8", "int16": "s16"}[inp.dtype] + "_" + {"int8": "s8", "int16": "s16"}[out.dtype]
    params = [("size", out.size), ("in_zp", inp.zero_point), ("out_zp", out.zero_point), ("mult", mult),
              ("shift", shift)]
    return Layer(op=op, kernel=kernel, runtime=ELTWISE_RUNTIME, params_type="lm_s16_requant_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"requantize {inp.dtype} -> {out.dtype}, multiplier {mult} shift {shift}")


def prepare_dequantize(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    require(inp is not None and not inp.is_const, op, "the input must be an activation tensor")
    require(out.dtype == "float32", op, f"output type {out.dtype} is not supported (float32 only)")
    per_tensor(op, inp, "input")
    require(inp.size == out.size, op, f"input has {inp.size} elements, output {out.size}")
    return Layer(op=op, kernel="lm_dequantize_s16_f32", runtime=ELTWISE_RUNTIME,
                 params_type="lm_convert_params", params=convert_params(inp),
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)], note="int16 -> float32")


# ---- LEAKY_RELU ----------------------------------------------------------------------------

def prepare_leaky_relu(op: Op) -> Layer:
    """CalculateOpDataLeakyRelu + QuantizeLeakyRelu for int16 (zero points 0)."""
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const and inp.size == out.size, op, "the input must be an activation of the output's size")
    alpha = float(op.options.alpha)
    mi, si, ma, sa = leaky_relu_params(inp.scale, out.scale, alpha)
    require(max(si, sa) <= 30, op, "the scale ratio (times alpha) is too large for TFLM's requantization")
    params = [("size", out.size), ("id_mult", mi), ("id_shift", si), ("alpha_mult", fp.wrap32(-ma) if ma < 0 else ma),
              ("alpha_shift", sa), ("alpha_negative", int(ma < 0))]
    return Layer(op=op, kernel="lm_leaky_relu_s16", runtime=ELTWISE_RUNTIME, params_type="lm_s16_leaky_params",
                 params=params, args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"int16 leaky relu, alpha {alpha:g}")


# ---- LOGISTIC, TANH --------------------------------------------------------------------------

def checked_log2(x: float) -> tuple[bool, int]:
    """CheckedLog2 (quantization_util.cc), in float32: (x is a power of two, log2 rounded)."""
    with np.errstate(divide="ignore"):
        x_log2 = np.float32(np.log(np.float32(x))) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    rounded = np.float32(quant.tflite_round(float(x_log2)))
    return bool(abs(np.float32(x_log2 - rounded)) < np.float32(1e-3)), int(rounded)


def sigmoid_input_scaling(op: Op, scale: float) -> tuple[int, int]:
    """LOGISTIC / TANH Prepare for int16 (input integer bits 3): (multiplier, left shift) taking
    the input to the table's units, with the power-of-two case already turned into 3 << shift."""
    pot, log2 = checked_log2(scale)
    shift = 12 + log2
    if pot and (shift == 0 or (op.kind == "TANH" and shift == 1)):
        return 3 << shift, 0
    multiplier, shift = quant.f64(scale) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    require(int(multiplier) <= 32767, op,
            f"input scale {scale:g} is too large for TFLM's int16 {op.kind} (at most about 2.67)")
    return int(multiplier), shift


def prepare_sigmoid(op: Op) -> Layer:
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const and inp.size == out.size, op, "the input must be an activation of the output's size")
    pot, log2 = checked_log2(out.scale)
    require(pot and log2 == -15, op, f"output scale {out.scale:g} must be 2^-15 (TFLM's int16 {op.kind})")
    mult, shift = sigmoid_input_scaling(op, inp.scale)
    kernel = "lm_logistic_s16" if op.kind == "LOGISTIC" else "lm_tanh_s16"
    return Layer(op=op, kernel=kernel, runtime=ELTWISE_RUNTIME, params_type="lm_s16_sigmoid_params",
                 params=[("size", out.size), ("input_multiplier", mult), ("input_left_shift", shift)],
                 consts=[ConstArray("sigmoid", "uint16_t", np.asarray(SIGMOID_TABLE, np.int64),
                                    "sigmoid(i / 24), 0.16 fixed point")],
                 args=[ParamsArg(), ConstArg("sigmoid"), TensorArg(inp, const=True), TensorArg(out)],
                 note=f"int16 {op.kind.lower()}: table interpolation, input x {mult} >> {shift}")


# ---- SOFTMAX -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def softmax_tables() -> tuple[np.ndarray, np.ndarray]:
    """InitializeLutForInt16 (softmax_common.cc): exp on [-10, 0] and 1 / (1 + x) on [0, 1]."""
    span = np.float32(65535)
    exp = lut16.lut_int16(float(np.float32(10.0) / span), 32767, float(np.float32(2.0) / span), 0, lut16.expf)
    recip = lut16.lut_int16(float(np.float32(1.0) / span), -32768, float(np.float32(2.0) / span), 0,
                            lut16.reciprocal_one_plus)
    return exp, recip


def prepare_softmax(op: Op) -> Layer:
    """int16 SOFTMAX; an int8 input with an int16 output goes to s16_more's kernel."""
    if op.input("input").dtype != "int16":
        return s16_more.prepare_softmax_s8_s16(op)
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    require(not inp.is_const and inp.size == out.size and len(inp.shape) >= 1, op,
            "the input must be an activation of the output's shape")
    require(abs(float(out.scale) - 1.0 / 32768) <= 0.001 / 32768, op,
            f"output scale {out.scale:g} must be 1/32768 (TFLM's int16 SOFTMAX)")
    beta = quant.f64(op.options.beta)
    mult, shift = quant.quantize_multiplier(quant.f64(inp.scale) * beta / (10.0 / 65535.0))
    depth = int(inp.shape[-1])
    exp, recip = softmax_tables()
    return Layer(op=op, kernel="lm_softmax_s16", runtime=SOFTMAX_RUNTIME, params_type="lm_s16_softmax_params",
                 params=[("outer", inp.size // max(depth, 1)), ("depth", depth), ("input_multiplier", mult),
                         ("input_shift", shift)],
                 consts=[ConstArray("exp", "int16_t", exp, "exp(x) on [-10, 0], TFLM's interpolated table"),
                         ConstArray("recip", "int16_t", recip, "1 / (1 + x) on [0, 1], TFLM's interpolated table")],
                 args=[ParamsArg(), ConstArg("exp"), ConstArg("recip"), TensorArg(inp, const=True), TensorArg(out)],
                 note="int16 softmax: exp and reciprocal by interpolated tables")


# ---- AVERAGE_POOL_2D, MAX_POOL_2D -------------------------------------------------------

def prepare_pool(op: Op) -> Layer:
    """Pooling Prepare for int16: the int8 window arithmetic, an int16 clamp."""
    inp, out = op.input("input"), op.outputs[0]
    check_int16_tensors(op, [(inp, "input"), (out, "output")])
    act_min, act_max = activation_range16(op, out)
    params = window_params(op, inp, out) + [("act_min", act_min), ("act_max", act_max)]
    kernel = "lm_avgpool_s16" if op.kind == "AVERAGE_POOL_2D" else "lm_maxpool_s16"
    return Layer(op=op, kernel=kernel, runtime=POOL_RUNTIME, params_type="lm_pool_params", params=params,
                 args=[ParamsArg(), TensorArg(inp, const=True), TensorArg(out)], note="int16 pooling")


# ---- ADD, SUB, MUL -------------------------------------------------------------------------

def addsub_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """CalculateOpDataAdd / CalculateOpDataSub for int16: left shift 15, ratios in double."""
    twice_max = 2.0 * quant.f64(max(np.float32(a.scale), np.float32(b.scale)))
    require(twice_max / ((1 << ADD_LEFT_SHIFT) * quant.f64(out.scale)) < 1.0, op,
            f"output scale {out.scale:g} is too small for the input scales (TFLM needs 2 * max input "
            f"scale < 2^15 * output scale)")
    q = quant.add_params(a.scale, b.scale, out.scale, ADD_LEFT_SHIFT)
    return dict(in1_offset=0, in2_offset=0, left_shift=ADD_LEFT_SHIFT,
                in1_mult=q["input1_multiplier"], in1_shift=q["input1_shift"],
                in2_mult=q["input2_multiplier"], in2_shift=q["input2_shift"],
                out_mult=q["output_multiplier"], out_shift=q["output_shift"])


def mul_params(op: Op, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """CalculateOpDataMul for int16: one multiplier for s1 * s2 / s_out, in double."""
    real = quant.f64(a.scale) * quant.f64(b.scale) / quant.f64(out.scale)
    mo, so = quant.quantize_multiplier(real)
    return dict(in1_offset=0, in2_offset=0, left_shift=0, in1_mult=0, in1_shift=0, in2_mult=0, in2_shift=0,
                out_mult=mo, out_shift=so)


BINARY = {"ADD": ("lm_add_s16", addsub_params), "SUB": ("lm_sub_s16", addsub_params),
          "MUL": ("lm_mul_s16", mul_params)}


def prepare_binary(op: Op) -> Layer:
    require(len(op.inputs) == 2 and len(op.outputs) == 1, op, "needs two inputs and one output")
    a, b, out = op.input("input1"), op.input("input2"), op.outputs[0]
    check_int16_tensors(op, [(a, "first input"), (b, "second input"), (out, "output")])
    kernel, params_fn = BINARY[op.kind]
    loops = broadcast_params(op, a, b, out)
    act_min, act_max = activation_range16(op, out)
    p = dict(params_fn(op, a, b, out), out_zp=0, act_min=act_min, act_max=act_max)
    consts: list[ConstArray] = []
    args = [ParamsArg(), s16_more.operand16(a, "in1", consts), s16_more.operand16(b, "in2", consts), TensorArg(out)]
    note = (f"int16, {dict(loops)['outer_dims'] + 1} loop(s) of {dict(loops)['inner']}"
            + (", broadcast" if tuple(a.shape) != tuple(b.shape) else ""))
    return Layer(op=op, kernel=kernel, runtime=ELTWISE_RUNTIME, params_type="lm_eltwise_params",
                 params=list(p.items()) + loops, consts=consts, args=args, note=note)
