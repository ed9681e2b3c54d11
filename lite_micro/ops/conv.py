"""CONV_2D and DEPTHWISE_CONV_2D: Prepare (conv.cc / depthwise_conv.cc moved to compile time)."""

from __future__ import annotations

import dataclasses
import zlib
from typing import Mapping

import numpy as np

from .. import quant
from ..ir import Op
from .base import (ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg, require,
                   require_int8)
from . import conv_rows
from .common import fold_bias, spatial
from .dwc_asm import lines_routine
from .requant import HI_LIMIT, rq_table


def _common(op: Op):
    inp, weights = op.input("input"), op.input("weights")
    bias = op.input_or_none("bias")
    out = op.outputs[0]
    require_int8(op, inp, "input")
    require_int8(op, out, "output")
    require(weights is not None and weights.is_const, op, "weights must be a constant tensor")
    require_int8(op, weights, "weights")
    require(len(inp.shape) == 4 and len(weights.shape) == 4 and len(out.shape) == 4, op,
            "input, weights and output must be 4-D (NHWC)")
    if bias is not None:
        require(bias.is_const and bias.dtype == "int32", op,
                f"bias tensor {bias.index} must be a constant int32 tensor")
    require(not inp.quant.per_channel and not out.quant.per_channel, op,
            "input and output must be quantized per tensor")
    return inp, weights, bias, out


def _conv_layer(op: Op, kernel: str, params: dict, weights: np.ndarray, bias, mults, shifts, macs, note,
                scratch_bytes: int = 0):
    fields = list(params.items())
    scratch = [] if kernel != "lm_conv_s8" else [ScratchArg() if scratch_bytes else "NULL"]
    return Layer(
        op=op, kernel=kernel, runtime=("lm_dot.h", "lm_conv.c"), params_type="lm_conv_params", params=fields,
        scratch_bytes=scratch_bytes,
        consts=[
            ConstArray("weights", "int8_t", weights, f"weights {list(weights.shape)}"),
            ConstArray("bias", "int32_t", bias, "bias with the input zero-point term folded in"),
            ConstArray("mult", "int32_t", np.asarray(mults, dtype=np.int64), "requantization multipliers"),
            ConstArray("shift", "int32_t", np.asarray(shifts, dtype=np.int64), "requantization shifts"),
        ],
        args=[ParamsArg(), TensorArg(op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
              ConstArg("mult"), ConstArg("shift"), *scratch, TensorArg(op.outputs[0])],
        macs=macs, note=note)


def _window(op: Op, inp, weights, out, k_h: int, k_w: int, out_c: int, groups: int):
    """Shared by both convolutions: padding, clamp and per-channel multipliers, as the
    lm_conv_params fields plus (mults, shifts)."""
    o = op.options
    b, in_h, in_w, in_c = inp.shape
    _, out_h, out_w, _ = out.shape
    wq = weights.quant
    require(len(wq.scales) in (1, out_c), op, "weights need one scale or one per output channel")
    pre = o.pre_pad                           # a PAD folded in front (passes/fold_pad.py)
    pad_top, pad_left = spatial(op, o.padding, (in_h + pre[0] + pre[1], in_w + pre[2] + pre[3]), (k_h, k_w),
                                (o.stride_h, o.stride_w),
                                (o.dilation_hfactor, o.dilation_wfactor), (out_h, out_w))
    pad_top, pad_left = pad_top + pre[0], pad_left + pre[2]
    act_min, act_max = quant.activation_range(o.fused_activation_function, out.scale, out.zero_point)
    mults, shifts = quant.conv_channel_multipliers(inp.scale, wq.scales, out.scale, out_c)
    params = dict(batches=b, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                  k_h=k_h, k_w=k_w, stride_h=o.stride_h, stride_w=o.stride_w,
                  dil_h=o.dilation_hfactor, dil_w=o.dilation_wfactor, pad_top=pad_top,
                  pad_left=pad_left, groups=groups, in_zp=inp.zero_point, out_zp=out.zero_point,
                  act_min=act_min, act_max=act_max)
    return params, mults, shifts


def prepare_conv(op: Op) -> Layer:
    inp, weights, bias, out = _common(op)
    b, in_h, in_w, in_c = inp.shape
    out_c, k_h, k_w, group_in = weights.shape
    _, out_h, out_w, out_c2 = out.shape
    require(out_c2 == out_c and out.shape[0] == b, op, "output shape does not match weights")
    require(group_in > 0 and in_c % group_in == 0, op,
            f"input channels {in_c} not a multiple of weight channels {group_in}")
    groups = in_c // group_in
    require(out_c % groups == 0, op, f"output channels {out_c} not divisible into {groups} groups")
    params, mults, shifts = _window(op, inp, weights, out, k_h, k_w, out_c, groups)
    w = weights.data
    folded = fold_bias(op, None if bias is None else bias.data,
                       w.reshape(out_c, -1).astype(np.int64).sum(axis=1), inp.zero_point)
    macs = b * out_h * out_w * out_c * k_h * k_w * group_in
    direct = k_h == 1 and k_w == 1 and params["pad_top"] == 0 and params["pad_left"] == 0
    note = ("1x1, two pixels per pass, read in place" if direct
            else f"two pixels per pass, patches of {k_h * k_w * group_in} bytes")
    return _conv_layer(op, "lm_conv_s8", params, w, folded, mults, shifts, macs, note,
                       scratch_bytes=0 if direct else 2 * k_h * k_w * group_in)


DWCONV_RUNTIME = ("lm_dot.h", "lm_dwconv.h", "lm_dwconv.c")


def prepare_depthwise(op: Op) -> Layer:
    """Target-free Prepare: the portable kernel over the model's [k_h, k_w, out_c] weights;
    depthwise_for_target re-chooses it from the target's features."""
    inp, weights, bias, out = _common(op)
    b, in_h, in_w, in_c = inp.shape
    one, k_h, k_w, out_c = weights.shape
    _, out_h, out_w, out_c2 = out.shape
    require(one == 1 and out_c2 == out_c and out.shape[0] == b, op, "weights must be [1, H, W, C_out]")
    require(in_c > 0 and out_c % in_c == 0, op,
            f"output channels {out_c} not a multiple of input channels {in_c}")
    mult = out_c // in_c
    params, mults, shifts = _window(op, inp, weights, out, k_h, k_w, out_c, mult)
    params["depth_mult"] = params.pop("groups")
    w = weights.data
    folded = fold_bias(op, None if bias is None else bias.data,
                       w.reshape(-1, out_c).astype(np.int64).sum(axis=0), inp.zero_point)
    macs = b * out_h * out_w * out_c * k_h * k_w
    kernel = "lm_dwconv_m1_s8" if mult == 1 else "lm_dwconv_s8"
    note = "depthwise, 4 channels per pass" if mult == 1 else f"depthwise, multiplier {mult}"
    return Layer(
        op=op, kernel=kernel, runtime=DWCONV_RUNTIME, params_type="lm_dwconv_params",
        params=list(params.items()),
        consts=[ConstArray("weights", "int8_t", w.reshape(k_h, k_w, out_c), f"weights {[k_h, k_w, out_c]}"),
                ConstArray("bias", "int32_t", folded, "bias with the input zero-point term folded in"),
                ConstArray("mult", "int32_t", np.asarray(mults, dtype=np.int64), "requantization multipliers"),
                ConstArray("shift", "int32_t", np.asarray(shifts, dtype=np.int64), "requantization shifts")],
        args=[ParamsArg(), TensorArg(inp, const=True), ConstArg("weights"), ConstArg("bias"),
              ConstArg("mult"), ConstArg("shift"), TensorArg(out)],
        macs=macs, note=note)


def dsp_depthwise_weights(w: np.ndarray) -> np.ndarray:
    """[k_h, k_w, C] int8 -> the order lm_dw_block4 reads (lm_dwconv.c), still one byte per
    weight: per block of 4 channels, per tap pair (t, t+1), the bytes
    w[t,c] w[t,c+1] w[t+1,c] w[t+1,c+1] w[t,c+2] w[t,c+3] w[t+1,c+2] w[t+1,c+3]; an odd tap count
    ends each block with w[t,c..c+3]; the last C % 4 channels follow as [tap][channel]."""
    taps = w.reshape(-1, w.shape[-1])
    n_taps, channels = taps.shape
    full = channels - channels % 4
    parts = []
    for c in range(0, full, 4):
        blk = taps[:, c:c + 4]                                           # [taps, 4]
        even = n_taps - n_taps % 2
        pairs = blk[:even].reshape(-1, 2, 2, 2)                          # [pair, tap, half, 2]
        parts.append(pairs.transpose(0, 2, 1, 3).reshape(-1))            # [pair, half, tap, 2]
        if n_taps % 2:
            parts.append(blk[-1])
    parts.append(taps[:, full:].reshape(-1))
    return np.concatenate(parts).astype(np.int8)


def _needs_patch(p: Mapping[str, int]) -> bool:
    """Whether some output pixel has a tap in the padding (then the kernel gathers a patch)."""
    for n_in, n_out, k, s, d, pad in ((p["in_h"], p["out_h"], p["k_h"], p["stride_h"], p["dil_h"], p["pad_top"]),
                                      (p["in_w"], p["out_w"], p["k_w"], p["stride_w"], p["dil_w"], p["pad_left"])):
        if pad > 0 or (n_out - 1) * s - pad + (k - 1) * d >= n_in:
            return True
    return False


def _dsp_layer(layer: Layer, kernel: str, weights: np.ndarray, what: str, records: np.ndarray, mode: int,
               scratch: int, note: str, **changes) -> Layer:
    """A depthwise layer re-chosen for a DSP kernel of the LM_DW_DSP_ARGS signature: weights (one
    byte each, `what` says in which order), channel records of `_depthwise_records` and its mode."""
    consts = [ConstArray("weights", "int8_t", weights, what),
              ConstArray("channels", "int32_t", records, "per channel: bias with the input zero-point term "
                         "folded in, " + ("multiplier, hi_add (rounding and output zero point), shift_hi"
                                          if mode else "multiplier, shift, 0"))]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("channels"),
            str(mode), ScratchArg() if scratch else "NULL", TensorArg(layer.op.outputs[0])]
    requant = "one multiply-accumulate requantization" if mode else "general requantization"
    return dataclasses.replace(layer, kernel=kernel, consts=consts, args=args, scratch_bytes=scratch,
                               note=f"{note}, {requant}", **changes)


def depthwise_for_target(layer: Layer, features, walk: bool = True) -> Layer:
    """On cores with the DSP extension: the 3x3 walk of lm_dwconv_3x3.h (multiplier 1, long
    lines), the one-input-channel kernels (even multiplier; 3x3: lm_dwconv_c1_3x3.h, 16 taps or more:
    lm_dwconv_c1_mult_dsp_s8), else the SMLAD
    kernels over tap pairs (multiplier 1, 2 or a multiple of 4, 3x3 unrolled); weights laid out
    offline for each, bias and requantization in one record per channel (_depthwise_records).
    Elsewhere, and for other multipliers: the portable kernel as is. walk=False: never the walk
    (the planner's choice for a layer in place by blocks of rows that would cut its lines)."""
    p = dict(layer.params)
    dm = p.get("depth_mult")              # absent once MVE re-chose a convolution kernel
    portable = layer.kernel in ("lm_dwconv_m1_s8", "lm_dwconv_s8")    # not already re-chosen (MVE)
    if "dsp" not in features or not portable:
        return layer
    consts = {c.name: c for c in layer.consts}
    w = consts["weights"].values
    view = _walk_view(p) if walk else None
    if walk and tiny_fits(p) and (_cols_fits(p) or _long_cols(p, consts) or _tiny_first(view, consts)) \
            and _sums_fit(consts):
        return _depthwise_3x3_tiny(layer, p, consts)
    walked = _depthwise_3x3_columns(layer, *view, consts) if view else None
    if walked is not None:
        return walked
    one = _depthwise_c1_3x3(layer, p, consts)
    if one is not None:
        return one
    rows = conv_rows.depthwise_rows(layer, consts)
    if rows is not None:
        return rows
    if (p["in_c"] == 1 and dm % 2 == 0 and (p["dil_h"], p["dil_w"]) == (1, 1)
            and p["k_h"] * p["k_w"] >= ONE_CHANNEL_MIN_TAPS):
        return _depthwise_one_channel(layer, p, consts)
    if not (dm in (1, 2) or dm % 4 == 0):
        return layer
    if dm > 1:
        three = (p["k_h"], p["k_w"]) == (3, 3)
        kernel = (f"lm_dwconv{'_3x3' if three else ''}_mult{'2' if dm == 2 else ''}_dsp_s8")
        note = f"depthwise, multiplier {dm}, SMLAD on tap pairs"
    elif (p["k_h"], p["k_w"]) == (3, 3):
        kernel, note = "lm_dwconv_3x3_dsp_s8", "depthwise 3x3 unrolled, SMLAD on tap pairs"
    else:
        kernel, note = "lm_dwconv_dsp_s8", "depthwise, SMLAD on tap pairs"
    records, usual = _depthwise_records(consts, p, clamp_ok=True)
    scratch = p["k_h"] * p["k_w"] * p["in_c"] if _needs_patch(p) else 0
    return _dsp_layer(layer, kernel, dsp_depthwise_weights(w), f"weights {list(w.shape)} in SMLAD tap-pair order",
                      records, usual, scratch, f"{note}, 4 channels per pass")


def _two_pass_fits(p: dict, vertical: int) -> bool:
    """Whether lm_dwconv_3x3.h's two-pass walk applies to params p (in the walk's view, shape
    checked by _walk_fits): stride 1, lines of TWO_PASS_MIN_LINE to WALK_MAX_LINE pixels (a
    stack array of sums), at least two of them with windows inside on the right, and input
    offsets that fit the loads' 12-bit immediates."""
    row_bytes = (p["in_h"] if vertical else p["in_w"]) * p["in_c"]      # a row of the real input
    full = p["in_w"] - 2 + p["pad_left"]                                  # windows inside on the right
    return (p["stride_w"] == 1 and TWO_PASS_MIN_LINE <= p["out_w"] <= WALK_MAX_LINE and 2 <= full
            and 2 * p["in_c"] + 2 * row_bytes <= 4095)


def _pair_walk_fits(p: dict) -> bool:
    """Whether lm_dwconv_3x3_pair.h's walk applies: at most one padded column at the end of a
    line too."""
    return (p["out_w"] - 1) * p["stride_w"] - p["pad_left"] + 1 < p["in_w"]


def _walk_shape(p: dict) -> bool:
    """The 3x3 walks' common conditions on params p (in the walk's view): 3x3, multiplier 1,
    no dilation, stride 1 or 2 along the walk, an input of at least 3x3, at most one padded
    column before a line."""
    return ((p["k_h"], p["k_w"], p["depth_mult"], p["dil_h"], p["dil_w"]) == (3, 3, 1, 1, 1)
            and p["stride_w"] in (1, 2) and p["in_h"] >= 3 and p["in_w"] >= 3 and p["pad_left"] <= 1)


def _walk_fits(p: dict, vertical: int) -> bool:
    """Whether one of the 3x3 walks applies to params p (in the walk's view)."""
    return _walk_shape(p) and (_two_pass_fits(p, vertical) or _pair_walk_fits(p))


def walk_block_fits(p: dict, two_pass: bool) -> bool:
    """Whether the walk instance of a layer runs params p (in the walk's view) of a block of its
    lines: what the planner checks for each block of rows it cuts. The two-pass walk has its
    line length built in (a block must keep out_w), the pair walk takes it from the params."""
    return _walk_shape(p) and (_two_pass_fits(p, 0) if two_pass else _pair_walk_fits(p))


def tiny_fits(p: dict) -> bool:
    """Whether lm_dwconv_3x3_tiny.h applies to params p (of a whole layer or of a block of its
    rows): 3x3, multiplier 1 (or 2 where lm_dwconv_3x3_cols.h takes the layer), no dilation, strides
    1 or 2, an input of at least 3x3, at most one padded row or column on each side."""
    mult_ok = p["depth_mult"] == 1 or (p["depth_mult"] == 2 and _cols_fits(p))
    if ((p["k_h"], p["k_w"], p["dil_h"], p["dil_w"]) != (3, 3, 1, 1) or not mult_ok
            or p["stride_h"] not in (1, 2) or p["stride_w"] not in (1, 2)):
        return False
    return (p["in_h"] >= 3 and p["in_w"] >= 3 and p["pad_top"] <= 1 and p["pad_left"] <= 1
            and (p["out_h"] - 1) * p["stride_h"] + 2 - p["pad_top"] <= p["in_h"]
            and (p["out_w"] - 1) * p["stride_w"] + 2 - p["pad_left"] <= p["in_w"])


def _tiny_first(view, consts: dict) -> bool:
    """For lines longer than COLS_MAX_LINE: whether lm_dwconv_3x3_tiny.h beats the walk (view:
    _walk_view's answer): where no walk applies, and in place of the walks along the rows but for
    the two-pass walk's lines of TINY_MAX_LINE or more. Measured on cortex-m4 (VWW): 6x6 and 3x3 maps 3.6-3.9 cycles/MAC
    against 5.7-6.0 (lm_dwconv_3x3_dsp_s8), stride 2 4.0-4.1 against 4.3-4.6 and 12-pixel lines
    3.4 against 4.6 (one-pass walk), 12-pixel lines 3.43 against 3.40 (two-pass walk: the same,
    and one more instance of code); 24-pixel lines run faster in two passes (2.84 against 3.38),
    48-pixel lines too (2.58 against 3.3)."""
    if view is None:
        return True
    p, vertical = view
    two_pass = _two_pass_fits(p, vertical) and _walk_records(consts, p) is not None
    return not vertical and (not two_pass or p["out_w"] < TINY_MAX_LINE)


def _depthwise_3x3_tiny(layer: Layer, p: dict, consts: dict) -> Layer:
    """lm_dwconv_3x3_tiny.h: the row geometry built in, one instance per (channels, input and
    output width, stride along the rows, left padding, requantization mode); for maps shorter
    than WALK_MIN_LINE both ways, the rows' geometry too (input and output height, stride, top
    padding): it saves more there than running by blocks of rows would."""
    # the doubled sums (modes 3, 4: two instructions fewer per output) cost the lines of stride 2
    # a register: measured on cortex-m4, 3-9% fewer cycles at stride 1 and on small maps, 1-3%
    # more on VWW's 24- and 12-pixel lines of stride 2 (lm_dwconv_3x3_tiny.h); lm_dwconv_3x3_cols.h
    # gains on all of them (VWW's 24-pixel lines of stride 2: 3.55 -> 3.21 cycles/MAC)
    cols = _cols_fits(p) or _long_cols(p, consts)
    long_s2 = p["stride_w"] == 2 and p["out_w"] >= WALK_MIN_LINE and not cols
    doubled = None if long_s2 else _walk_records(consts, p)
    if doubled is not None and doubled[1]:
        records, mode = doubled[0], doubled[1] + 2
    else:
        records, mode = _depthwise_records(consts, p, clamp_ok=True)
    key, dm = (p["in_c"], p["in_w"], p["out_w"], p["stride_w"], p["pad_left"], mode), p["depth_mult"]
    name = "lm_dwt3x3_c{}_w{}_o{}_s{}_p{}_q{}".format(*key).replace("_w", f"_m{dm}_w" if dm > 1 else "_w", 1)
    what = ("DEPTHWISE_CONV_2D 3x3 for {} channels, input width {}, output width {}, stride {} along the rows, "
            "left padding {}, requantization mode {}".format(*key)) + (f", depth multiplier {dm}" if dm > 1 else "")
    macro = "LM_DWC3X3_KERNEL" if cols else "LM_DWT3X3_KERNEL"
    if max(p["out_h"], p["out_w"]) < WALK_MIN_LINE:
        rows = (p["in_h"], p["out_h"], p["stride_h"], p["pad_top"])
        key, name = (*key, *rows), name + "_h{}_o{}_s{}_p{}".format(*rows)
        macro = macro.replace("_KERNEL", "_MAP_KERNEL")
        what += ", input height {}, output height {}, stride {} down the columns, top padding {}".format(*rows)
    header = "lm_dwconv_3x3_cols.h" if cols else "lm_dwconv_3x3_tiny.h"
    weights = (column_pair_weights if cols else pair_walk_weights)(consts["weights"].values)
    routine = None
    if cols:        # the multiplier; the loop flag, a function of the output width, not in the name
        loop = p["out_w"] > COLS_UNROLL_LINE
        key = (key[0], dm, *key[1:5], int(loop), *key[5:])
        edges = (p["pad_top"] > 0, (p["out_h"] - 1) * p["stride_h"] - p["pad_top"] + 2 >= p["in_h"]) \
            if macro.endswith("_MAP_KERNEL") else None          # a map's rows are built in
        routine = lines_routine(f"{name}_lines", p["in_c"], p["in_w"], p["out_w"], p["pad_left"], loop, edges) \
            if _lines_routine_fits(p, mode) else None
        key = (*key, f"{name.upper()}_LINES")
    files = _instance_files(name, key, header, macro, what, routine)
    return _dsp_layer(layer, name, weights,
                      f"weights {list(consts['weights'].values.shape)} in the order of {header}", records, mode, 0,
                      "depthwise 3x3 per channel along the rows, weights in registers, row geometry built in: "
                      "border pixels take only their taps inside the input" +
                      (", lines unrolled, each input column read once" if cols else ""),
                      runtime=(*DWCONV_RUNTIME, "lm_dwconv_3x3_pair.h", "lm_dwconv_3x3_tiny.h",
                               *(("lm_dwconv_3x3_cols.h",) if cols else ()), *files),
                      sources={**layer.sources, **files})


def _lines_routine_fits(p: dict, mode: int) -> bool:
    """Whether a column walk instance gets the assembly routine of dwc_asm.py: stride 1 along the
    rows, multiplier 1, mode 3 (SSAT), maps of 16 pixels or more. Measured on cortex-m4: KWS's
    25x5 lines 2.85 -> 2.52 cycles/MAC, VWW's 48-, 24-, 12- and 6-pixel lines 2.27 -> 2.15,
    2.34 -> 2.16, 2.25 -> 2.05, 2.42 -> 2.20; its 3x3 map and the lines of stride 2 run faster in
    C (2.74 against 2.85; the stride-2 loads leave the routine nothing to gain)."""
    return (p["stride_w"] == 1 and p["depth_mult"] == 1 and mode == 3
            and p["out_h"] * p["out_w"] >= LINES_MIN_PIXELS)


def _long_cols(p: dict, consts: dict) -> bool:
    """Whether a layer with lines longer than COLS_MAX_LINE takes the column walk all the same:
    where its assembly routine applies (mode 3: the doubled sums and SSAT). Measured on cortex-m4,
    112-pixel lines of 32 channels 3.46 -> 2.49 cycles/MAC (lm_dwconv_3x3_tiny.h before)."""
    if p["out_w"] <= COLS_MAX_LINE or p["depth_mult"] != 1 or p["stride_w"] != 1:
        return False
    doubled = _walk_records(consts, p)
    return (doubled is not None and doubled[1] == 1 and _lines_routine_fits(p, 3)
            and lines_routine("f", p["in_c"], p["in_w"], p["out_w"], p["pad_left"], True) is not None)


def _cols_fits(p: dict) -> bool:
    """Whether a tiny instance unrolls its lines (lm_dwconv_3x3_cols.h): lines of at most
    COLS_MAX_LINE pixels."""
    return p["out_w"] <= COLS_MAX_LINE


def column_pair_weights(w: np.ndarray) -> np.ndarray:
    """[3, 3, C] int8 -> per channel 12 bytes [w00 w01 w10 w11] [w02 w20 w12 w21] [w22 0 0 0]
    (lm_dwconv_3x3_cols.h: SXTB16 gives the kernel columns' pairs of rows 0 and 1, and row 2)."""
    k = np.transpose(w, (2, 0, 1)).astype(np.int8)                          # [C, row, col]
    z = np.zeros(k.shape[0], np.int8)
    order = [k[:, 0, 0], k[:, 0, 1], k[:, 1, 0], k[:, 1, 1], k[:, 0, 2], k[:, 2, 0], k[:, 1, 2], k[:, 2, 1],
             k[:, 2, 2], z, z, z]
    return np.stack(order, axis=1).reshape(-1).astype(np.int8)


# Lines of at most this many pixels run unrolled (lm_dwconv_3x3_cols.h), ahead of the walks
# (depthwise_for_target): measured on cortex-m4, KWS's 25x5 map 3.00 cycles/MAC in the two-pass
# walk down its columns against 2.85 along its rows (2.52 with dwc_asm.py's routine), VWW's
# 48- and 24-pixel lines 2.56 and 2.81 in the two-pass walk against 2.27 and 2.34 (2.15, 2.16).
COLS_MAX_LINE = 64
# ... longer ones than this with a loop over their inner columns (three pixels per pass).
COLS_UNROLL_LINE = 12
# Maps of fewer pixels than this keep lm_dwconv_3x3_cols.h's C lines (_lines_routine_fits).
LINES_MIN_PIXELS = 16
# Shorter lines than this spend more on the walk's per-line work (edges, padded kernel rows, a
# channel's setup) than they save: measured on cortex-m4, 6x6 and 3x3 outputs run faster
# through lm_dwconv_3x3_dsp_s8, 12x12 and 25x5 through the walk.
WALK_MIN_LINE = 8
# The two-pass walk keeps a line's sums in a stack array of this many words at most.
WALK_MAX_LINE = 128
# Stride-1 lines of at least this many pixels take the two-pass walk (lm_dwconv_3x3.h); shorter
# ones and stride 2 the one-pass walk (lm_dwconv_3x3_pair.h), whose per-line work is smaller:
# measured on cortex-m4, 25-, 48-pixel lines run faster in two passes, 12-pixel lines and
# stride 2 in one.
TWO_PASS_MIN_LINE = 16
# Stride-1 lines of this many pixels or more along the rows stay in the two-pass walk rather than
# lm_dwconv_3x3_tiny.h (_tiny_first): VWW's 24-pixel lines 2.84 cycles/MAC against 3.38.
TINY_MAX_LINE = 24
# One input channel: below this many taps the requantization outweighs the shared weights,
# and lm_dwconv_3x3_mult_dsp_s8 (no padded taps) does better (person_detect's 3x3 first layer).
ONE_CHANNEL_MIN_TAPS = 16

SWAPPED = {"in_h": "in_w", "out_h": "out_w", "k_h": "k_w", "stride_h": "stride_w", "dil_h": "dil_w",
           "pad_top": "pad_left"}


def _walk_view(p: dict):
    """(params in the walk's view, 1 for a walk down the columns) or None: the walk goes along
    the longer side of the output, where the other side does not fit it."""
    swapped = dict(p)
    for a, b in SWAPPED.items():
        swapped[a], swapped[b] = p[b], p[a]
    if max(p["out_h"], p["out_w"]) < WALK_MIN_LINE:
        return None
    views = [(swapped, 1), (p, 0)] if p["out_h"] > p["out_w"] else [(p, 0), (swapped, 1)]
    return next(((view, v) for view, v in views if _walk_fits(view, v)), None)


def column_walk_weights(w: np.ndarray, vertical: int = 0) -> np.ndarray:
    """[3, 3, C] int8 -> per channel the nine weights [kernel row][column] in the walk's view
    (lm_dwconv_3x3.h): the kernel transposed when the walk goes down the columns."""
    rows = np.transpose(w, (2, 1, 0) if vertical else (2, 0, 1))             # [C, row, col]
    return rows.reshape(-1).astype(np.int8)


def pair_walk_weights(w: np.ndarray, vertical: int = 0) -> np.ndarray:
    """[3, 3, C] int8 -> per channel, per kernel row (column when `vertical`), the bytes
    w0 w1 w1 w2 (lm_dwconv_3x3_pair.h): the middle weight twice, 12 bytes per channel for 9."""
    rows = np.transpose(w, (2, 1, 0) if vertical else (2, 0, 1))             # [C, row, col]
    return rows[:, :, [0, 1, 1, 2]].reshape(-1).astype(np.int8)


def _walk_rq(multiplier: int, shift: int, out_zp: int):
    """(multiplier, 2 hi_add, right shift) of lm_dwconv_3x3.h's SMMLAR requantization with the
    output zero point folded in, or None: a right shift of 1 to 31, a multiplier of
    QuantizeMultiplier ([2^30, 2^31) or 0) and a high word that stays inside int32."""
    right = max(-shift, 1) if multiplier == 0 else -shift
    if right < 1 or right > 31 or not (multiplier == 0 or (1 << 30) <= multiplier < (1 << 31)):
        return None
    add = (1 << (right - 1)) + out_zp * (1 << right)
    return (multiplier, add, right) if abs(add) <= HI_LIMIT else None


def _sums_fit(consts: dict) -> bool:
    """Whether every partial sum of a channel (its bias, with the input zero point folded in,
    plus any of its taps' products or zero-point terms) stays inside int32: the one-pass walks
    (lm_dwconv_3x3_pair.h, lm_dwconv_3x3_tiny.h) add zero-point terms to the starting sums in
    plain C. A bias near -2^31 or 2^31 leaves no room: such a layer takes another kernel."""
    bias = np.abs(consts["bias"].values.astype(np.int64))
    w = np.abs(consts["weights"].values.astype(np.int64)).reshape(-1, len(bias))
    return bool((bias + 128 * w.sum(axis=0) < 1 << 31).all())


def _walk_records(consts: dict, p: dict):
    """lm_dwconv_3x3.h's [C, 4] channel records and mode, or None when a doubled sum could
    leave int32. Per channel (2 bias, multiplier, 2 hi_add, right shift) for the SMMLAR
    requantization, or (2 bias, multiplier, shift, 0) for the general one; mode 1 (clamp
    [-128, 127]) or 2 when every channel takes the first form, else 0 (per channel)."""
    mult, shift = consts["mult"].values, consts["shift"].values
    bias = consts["bias"].values.astype(np.int64)
    w = consts["weights"].values.astype(np.int64).reshape(9, -1)
    if (2 * (np.abs(bias) + 128 * np.abs(w).sum(axis=0)) >= 1 << 31).any():
        return None
    short = [_walk_rq(int(m), int(s), p["out_zp"]) for m, s in zip(mult, shift)]
    records = np.asarray([[2 * int(b), *(t if t is not None else (int(m), int(s), 0))]
                          for b, t, m, s in zip(bias, short, mult, shift)], dtype=np.int64)
    if any(t is None for t in short):
        return records, 0
    return records, 1 if (p["act_min"], p["act_max"]) == (-128, 127) else 2


def _instance_files(name: str, key: tuple, header: str, macro: str, what: str, routine: str | None = None) -> dict:
    """The two generated files of one walk instance (shared by equal layers): `macro` of
    `header` with the numbers of `key`; `routine`: the source of the assembly line routine
    `{name}_lines` (dwc_asm.py) for LM_DWC_ASM builds, the key's last item its macro (0 without)."""
    decl = (f"/* litemicro runtime: {what} ({header}). */\n#ifndef {name.upper()}_H\n"
            f"#define {name.upper()}_H\n\n#include \"lm_dwconv.h\"\n\nvoid {name}(LM_DW_DSP_ARGS);\n\n#endif\n")
    source = f"/* litemicro runtime: {what}. */\n#include \"{header}\"\n#include \"{name}.h\"\n\n"
    if header == "lm_dwconv_3x3_cols.h":
        lines = f"{name.upper()}_LINES"
        source += (f"#if LM_DWC_ASM\n{routine}#define {lines} {name}_lines\n#else\n#define {lines} 0\n#endif\n\n"
                   if routine else f"#define {lines} 0\n\n")
    source += f"{macro}({name}, {', '.join(map(str, key))})\n"
    return {f"{name}.h": decl, f"{name}.c": source}


def _walk_kind(view: dict, vertical: int, consts: dict):
    """(prefix, header, macro, weights, records, mode, note) of the walk for a layer: the two-pass
    walk where it fits and its sums cannot overflow, else the one-pass pair walk; None if neither."""
    w = consts["weights"].values
    walk = _walk_records(consts, view) if _two_pass_fits(view, vertical) else None
    if walk is not None:
        return ("lm_dw3x3", "lm_dwconv_3x3.h", "LM_DW3X3_KERNEL", column_walk_weights(w, vertical), *walk,
                "a line of sums (two pixels per pass), then the line requantized")
    if not (_pair_walk_fits(view) and _sums_fit(consts)):
        return None
    records, mode = _depthwise_records(consts, view, clamp_ok=True)
    return ("lm_dwp3x3", "lm_dwconv_3x3_pair.h", "LM_DWP3X3_KERNEL", pair_walk_weights(w, vertical), records, mode,
            "two pixels per pass requantized as they come")


def _depthwise_3x3_columns(layer: Layer, view: dict, vertical: int, consts: dict):
    """A walk of lm_dwconv_3x3.h or lm_dwconv_3x3_pair.h, one instance per (channels, width,
    stride, direction, mode[, line length]); None when neither applies."""
    kind = _walk_kind(view, vertical, consts)
    if kind is None:
        return None
    prefix, header, macro, weights, records, mode, how = kind
    width = view["in_h"] if vertical else view["in_w"]
    side = "v" if vertical else "h"
    if header == "lm_dwconv_3x3.h":          # stride 1
        key = (view["in_c"], width, vertical, mode, view["out_w"])
        name = f"{prefix}_c{key[0]}_w{width}_{side}_q{mode}_l{key[4]}"
        what = "DEPTHWISE_CONV_2D 3x3 for {} channels, input width {}, direction {}, requantization mode {}, " \
               "lines of {}".format(*key)
    else:
        key = (view["in_c"], width, view["stride_w"], vertical, mode)
        name = f"{prefix}_c{key[0]}_w{width}_s{key[2]}_{side}_q{mode}"
        what = "DEPTHWISE_CONV_2D 3x3 for {} channels, input width {}, stride {}, direction {}, " \
               "requantization mode {}".format(*key)
    files = _instance_files(name, key, header, macro, what)
    along = "columns (params in transposed view)" if vertical else "rows"
    return _dsp_layer(layer, name, weights, f"weights {list(consts['weights'].values.shape)} in the order of {header}",
                      records, mode, 0, f"depthwise 3x3, per channel along the {along}, weights in registers: {how}",
                      params=[(k, view[k]) for k, _ in layer.params],
                      runtime=(*DWCONV_RUNTIME, header, *files), sources={**layer.sources, **files})


def one_channel_weights(w: np.ndarray) -> np.ndarray:
    """[k_h, k_w, C] int8 (C even) -> the order lm_dwconv_c1_mult_dsp_s8 reads: kernel rows padded
    to kw4 (a multiple of 4) taps with zeros; per pair of channels c, c+1, per row, per group of
    taps t..t+3 the words [t c, t c+1, t+2 c, t+2 c+1] [t+1 c, t+1 c+1, t+3 c, t+3 c+1]."""
    k_h, k_w, ch = w.shape
    kw4 = -(-k_w // 4) * 4
    wp = np.zeros((k_h, kw4, ch), np.int8)
    wp[:, :k_w] = w
    g = wp.reshape(k_h, kw4 // 4, 2, 2, ch // 2, 2)            # [row, group, t hi (0/2), t lo (0/1), pair, ch]
    return g.transpose(4, 0, 1, 3, 2, 5).reshape(-1).astype(np.int8)


def _depthwise_one_channel(layer: Layer, p: dict, consts: dict) -> Layer:
    """One input channel, an even depth multiplier: lm_dwconv_c1_mult_dsp_s8."""
    k_h, k_w = p["k_h"], p["k_w"]
    kw4 = -(-k_w // 4) * 4
    records, usual = _depthwise_records(consts, p, clamp_ok=True)
    w = consts["weights"].values
    scratch = 2 * k_h * kw4 if _needs_patch(dict(p, k_w=kw4)) else 0
    return _dsp_layer(layer, "lm_dwconv_c1_mult_dsp_s8", one_channel_weights(w),
                      f"weights {list(w.shape)}, rows padded to {kw4} taps, in SMLAD order", records, usual, scratch,
                      f"depthwise, one input channel, multiplier {p['depth_mult']}: 4 taps per word load, "
                      "2 pixels x 2 channels per pass")


# lm_dwconv_c1_3x3.h: channels per group at most, groups per layer at most (LM_DWC1_MAX_GROUPS)
C1_GROUP, C1_MAX_GROUPS = 8, 4


def c1_3x3_fits(p: dict) -> bool:
    """Whether lm_dwconv_c1_3x3.h applies to params p: one input channel, 3x3, an even depth
    multiplier in at most C1_MAX_GROUPS groups, no dilation, stride 1 or 2 along the rows, output
    rows of 2 pixels or more. (The kernel takes odd multipliers too; they stay with the row
    reader of lm_conv_rows.h, which groups of 3 or 5 channels would not beat by much.)"""
    dm = p.get("depth_mult", 0)
    return ((p["in_c"], p["k_h"], p["k_w"], p["dil_h"], p["dil_w"]) == (1, 3, 3, 1, 1) and dm >= 2 and dm % 2 == 0
            and dm // _c1_group(dm) <= C1_MAX_GROUPS and p["stride_w"] in (1, 2) and p["out_w"] >= 2)


def c1_3x3_records(records: np.ndarray, w: np.ndarray) -> np.ndarray:
    """[C, LM_DWC1_REC] channel records of lm_dwconv_c1_3x3.h from _walk_records' (2 bias,
    multiplier, 2 hi_add, right shift) and the [3, 3, C] int8 weights, doubled and paired as
    int16 halves: (w[0][k], w[1][k]) for k = 0..2, (w[2][0], w[2][1]), (0, w[2][2]); the right
    shifts go into the instance as constants."""
    w2 = 2 * w.astype(np.int64)

    def pair(lo, hi):
        return (lo & 0xFFFF) | (hi << 16)
    cols = [pair(w2[0, k], w2[1, k]) for k in range(3)]
    last = [pair(w2[2, 0], w2[2, 1]), pair(0, w2[2, 2])]
    out = np.stack([records[:, 0], *cols, *last, records[:, 1], records[:, 2]], axis=1)
    return ((out + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int64)      # as int32 words


def _c1_group(dm: int) -> int:
    """Channels per group of lm_dwconv_c1_3x3.h: the largest divisor of dm up to C1_GROUP."""
    return max(g for g in range(1, C1_GROUP + 1) if dm % g == 0)


def _depthwise_c1_3x3(layer: Layer, p: dict, consts: dict):
    """One input channel, 3x3, an even depth multiplier (person_detect's first layer):
    lm_dwconv_c1_3x3.h, the whole geometry and the right shifts built in (one instance per
    layer but for equal ones); None where it does not apply (or a doubled sum could leave int32,
    or a channel needs the general requantization). Measured on cortex-m4 (person_detect layer
    0): 2.0 cycles/MAC against 4.32 for lm_conv_rows."""
    if not c1_3x3_fits(p):
        return None
    walk = _walk_records(consts, p)
    if walk is None or walk[1] == 0:
        return None
    mode = walk[1] + 2
    lo, hi = (p["act_min"], p["act_max"]) if mode == 4 else (-128, 127)
    dm, w = p["depth_mult"], consts["weights"].values
    shifts = tuple(int(r) for r in walk[0][:, 3])
    key = (dm, _c1_group(dm), p["in_h"], p["in_w"], p["out_h"], p["out_w"], p["stride_h"], p["stride_w"],
           p["pad_top"], p["pad_left"], mode, lo, hi)
    name = "lm_dwc1_3x3_m{}_i{}x{}_o{}x{}_s{}x{}_p{}x{}_q{}".format(dm, *key[2:11])
    name += (f"_r{lo}_{hi}".replace("-", "n") if mode == 4 else "") + f"_{zlib.crc32(bytes(shifts)):08x}"
    what = ("DEPTHWISE_CONV_2D 3x3 on one input channel, depth multiplier {}, {} channels per group, input {}x{}, "
            "output {}x{}, strides {}x{}, padding {}x{}, requantization mode {}, clamp [{}, {}]".format(*key)
            + f", right shifts {list(shifts)}")
    files = _instance_files(name, key + shifts, "lm_dwconv_c1_3x3.h", "LM_DWC1_3X3_KERNEL", what)
    consts_out = [ConstArray("channels", "int32_t", c1_3x3_records(walk[0], w),
                             f"per channel: 2 bias, weights {list(w.shape)} doubled in int16 pairs, multiplier, "
                             "2 hi_add")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), "NULL", ConstArg("channels"), "0", "NULL",
            TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(
        layer, kernel=name, consts=consts_out, args=args, scratch_bytes=0,
        runtime=(*DWCONV_RUNTIME, "lm_dwconv_c1_3x3.h", *files), sources={**layer.sources, **files},
        note=f"depthwise 3x3, one input channel, multiplier {dm}: two pixels per pass, their patch in registers "
             f"shared by {_c1_group(dm)} channels, geometry and right shifts built in, one multiply-accumulate "
             "requantization")


def _depthwise_records(consts: dict, p: dict, clamp_ok: bool = False):
    """[C, 4] channel records and whether they are the usual kind: (bias, multiplier, hi_add,
    shift_hi) for lm_requantize_rq with the output zero point folded in, when every channel
    takes that form and the clamp range is [-128, 127]; else (bias, multiplier, shift, 0)."""
    mult, shift = consts["mult"].values, consts["shift"].values
    bias = consts["bias"].values.astype(np.int64).reshape(-1, 1)
    full = (p["act_min"], p["act_max"]) == (-128, 127)
    table = rq_table(mult, shift, p["out_zp"]) if full or clamp_ok else None
    if table is not None:
        return np.concatenate([bias, table], axis=1), 1 if full else 2
    general = np.stack([np.asarray(mult, np.int64), np.asarray(shift, np.int64), np.zeros(len(mult), np.int64)], 1)
    return np.concatenate([bias, general], axis=1), 0
