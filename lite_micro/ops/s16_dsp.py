"""int16x8 CONV_2D and FULLY_CONNECTED on cores with the DSP extension: the layers Prepare gave
to lm_conv_s16 / lm_fc_s16 re-chosen for lm_conv_s16_dsp (templates/runtime/lm_s16_dsp.c),
after Prepare and target-free of it.

The weights are widened offline to int16 pairs in the order the kernel reads them, so that an
activation word (two int16) goes straight into SMLAD: this doubles those layers' weight bytes
(int8 -> int16; plus zero rows up to a multiple of 4 output channels).

The sums: with an int32 bias TFLM wraps a 32-bit accumulator (mode 0, the same wrap as SMLAD's).
With an int64 bias TFLM sums in 64 bits; where |bias| + 32768 * sum |w| < 2^31 for every
channel, the exact sum fits int32 and 32-bit sums give it (modes 1, 2); otherwise the kernel
widens 32-bit partial sums of at most CHUNK_PAIRS pairs (511 products of at most 2^22 each stay
below 2^31) into 64 bits (mode 3). The 64-bit requantization (acc * m + 2^(s-1)) >> s, with TFLM's
16-bit reduced multiplier m, is one SMMULR of acc by m << (32 - s) for a 32-bit acc when
16 <= s <= 32 (mode 1): (acc * m * 2^(32-s) + 2^31) >> 32 is the same floor, and m < 2^15
keeps m << (32 - s) below 2^31."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import ConstArg, ConstArray, Layer, ParamsArg, TensorArg
from .s16 import CONV_RUNTIME

KERNELS = ("lm_conv_s16", "lm_fc_s16", "lm_dwconv_s16")
DSP_RUNTIME = CONV_RUNTIME + ("lm_dot.h", "lm_s16_dsp.c")
CHUNK_PAIRS = 255                  # mode 3: 2 * 255 + 1 products of |x * w| <= 2^22 stay < 2^31
INT32_LIMIT = 1 << 31
ACT_MAX_ABS = 32768                # |int16| at most
PATCH_MAX = 128                    # LM_S16_PATCH_MAX: the largest window copied for an odd in_c


def for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """The DSP kernel for an int16x8 convolution (one group) or fully connected layer."""
    if "dsp" not in features or layer.kernel not in KERNELS:
        return layer
    if layer.kernel == "lm_dwconv_s16":
        return _depthwise(layer)
    if layer.kernel == "lm_conv_s16" and layer.param("groups") != 1:
        return layer
    consts = {c.name: c for c in layer.consts}
    geometry = _conv_geometry(layer) if layer.kernel == "lm_conv_s16" else _fc_geometry(layer)
    out_c, k_h, k_w, in_c = geometry["out_c"], geometry["k_h"], geometry["k_w"], geometry["in_c"]
    w = np.asarray(consts["weights"].values, np.int64).reshape(out_c, k_h, k_w, in_c)
    bias = np.asarray(consts["bias"].values, np.int64).reshape(-1)
    mode, mult = _mode(layer.param("acc32"), w, bias, consts["mult"].values, consts["shift"].values)
    window = k_h * k_w * in_c
    patch = in_c % 2 == 1 and window < PATCH_MAX
    if patch:                          # one tap of the window's channels, a zero weight to end on a pair
        w = np.pad(w.reshape(out_c, 1, 1, window), [(0, 0), (0, 0), (0, 0), (0, window % 2)])
    pairs, odd = w.shape[3] // 2, w.shape[3] % 2
    params = list(geometry.items()) + [
        ("act_min", layer.param("act_min")), ("act_max", layer.param("act_max")), ("mode", mode),
        ("pairs", pairs), ("odd", odd), ("tap_words", 4 * pairs + 2 * odd),
        ("merge", int(odd == 0 and (patch or geometry["dil_w"] == 1))), ("chunk", CHUNK_PAIRS),
        ("patch", int(patch))]
    new_consts = [
        ConstArray("weights", "int32_t", pack_quads(w),
                   f"weights {list(w.shape)} widened to int16 pairs, 4 output channels interleaved per pair"),
        _bias_const(bias), _mult_const(mult, mode), consts["shift"]]
    return _dsp_layer(layer, "lm_conv_s16_dsp", params, new_consts,
                      f"4 channels per pass, SMLAD on int16 pairs, {MODE_NOTES[mode]}")


def _dsp_layer(layer: Layer, kernel: str, params: list, consts: list, note: str) -> Layer:
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("mult"), ConstArg("shift"), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel=kernel, runtime=DSP_RUNTIME, params_type="lm_s16_dsp_params",
                               params=params, consts=consts, args=args, note=layer.note + "; DSP: " + note)


def _depthwise(layer: Layer) -> Layer:
    """lm_dwconv_s16_dsp for depth multiplier 1 or 2 when the sums fit int32 (else the portable
    kernel): weights widened to int16 [k_h][k_w][out_c padded to 4]."""
    geometry = _conv_geometry(layer)
    out_c = geometry["out_c"]
    if layer.param("depth_mult") not in (1, 2):
        return layer
    consts = {c.name: c for c in layer.consts}
    w = np.asarray(consts["weights"].values, np.int64).reshape(-1, out_c)          # [taps, out_c]
    bias = np.asarray(consts["bias"].values, np.int64).reshape(-1)
    mode, mult = _mode(0, w.T, bias, consts["mult"].values, consts["shift"].values)
    if mode == 3:
        return layer
    wide = np.pad(w, [(0, 0), (0, -out_c % 4)])
    params = list(geometry.items()) + [
        ("act_min", layer.param("act_min")), ("act_max", layer.param("act_max")), ("mode", mode), ("pairs", 0),
        ("odd", 0), ("tap_words", wide.shape[1] // 2), ("merge", 0), ("chunk", 0), ("patch", 0)]
    new_consts = [
        ConstArray("weights", "int16_t", wide.reshape(-1),
                   f"weights {list(consts['weights'].values.shape)} widened to int16, channels padded to 4"),
        _bias_const(bias), _mult_const(mult, mode), consts["shift"]]
    return _dsp_layer(layer, "lm_dwconv_s16_dsp", params, new_consts,
                      f"4 channels per pass, halfword multiply-accumulates, {MODE_NOTES[mode]}")


def _bias_const(bias: np.ndarray) -> ConstArray:
    return ConstArray("bias", "int64_t", np.pad(bias, (0, -len(bias) % 4)), "bias, padded to a multiple of 4")


def _mult_const(mult: np.ndarray, mode: int) -> ConstArray:
    return ConstArray("mult", "int32_t", mult, "requantization multipliers"
                      + (" (reduced multiplier << (32 - shift), for SMMULR)" if mode == 1 else ""))


MODE_NOTES = {0: "32-bit wrapping sums", 1: "32-bit sums (bound fits), SMMULR requantization",
              2: "32-bit sums (bound fits), 64-bit requantization", 3: "64-bit sums of 32-bit chunks"}


def _conv_geometry(layer: Layer) -> dict:
    names = ("batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
             "dil_h", "dil_w", "pad_top", "pad_left")
    return {n: layer.param(n) for n in names}


def _fc_geometry(layer: Layer) -> dict:
    """FULLY_CONNECTED as a 1x1 convolution over a 1 x batches image."""
    b = layer.param("batches")
    return dict(batches=1, in_h=1, in_w=b, in_c=layer.param("in_depth"), out_h=1, out_w=b,
                out_c=layer.param("out_depth"), k_h=1, k_w=1, stride_h=1, stride_w=1, dil_h=1, dil_w=1,
                pad_top=0, pad_left=0)


def _mode(acc32: int, w: np.ndarray, bias: np.ndarray, mults, shifts) -> tuple[int, np.ndarray]:
    """(mode, multipliers) of lm_s16_dsp.c for the layer's weights, bias and requantization."""
    mults = np.asarray(mults, np.int64)
    if acc32:
        return 0, mults
    bound = np.abs(bias) + ACT_MAX_ABS * np.abs(w).reshape(len(bias), -1).sum(axis=1)
    if bound.max(initial=0) >= INT32_LIMIT:
        return 3, mults
    s = np.asarray(shifts, np.int64)
    if s.min(initial=16) < 16 or s.max(initial=32) > 32:
        return 2, mults
    return 1, mults << (32 - s)


def pack_quads(w: np.ndarray) -> np.ndarray:
    """[out_c, k_h, k_w, in_c] int8 -> the int32 words of lm_s16_dsp_params' layout: per quad of
    channels (zero rows pad out_c to 4), per tap, the pairs' 4 words then an odd channel's 2."""
    out_c, k_h, k_w, in_c = w.shape
    w = np.pad(w.astype(np.int64), [(0, -out_c % 4), (0, 0), (0, 0), (0, 0)])
    quads, taps, pairs = w.shape[0] // 4, k_h * k_w, in_c // 2
    w = w.reshape(quads, 4, taps, in_c)
    paired = _halves(w[..., 0:2 * pairs:2], w[..., 1:2 * pairs:2])             # [q, 4, taps, pairs]
    parts = [paired.transpose(0, 2, 3, 1).reshape(quads, taps, 4 * pairs)]
    if in_c % 2:
        last = w[..., in_c - 1].transpose(0, 2, 1)                                # [q, taps, 4]
        parts.append(_halves(last[..., 0::2], last[..., 1::2]))                    # [q, taps, 2]
    return np.concatenate(parts, axis=2).reshape(-1)


def _halves(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """int16 pairs as the int32 word a little-endian core loads: lo in bits 0-15, hi above."""
    word = (lo & 0xFFFF) | ((hi & 0xFFFF) << 16)
    return np.where(word >= INT32_LIMIT, word - (1 << 32), word)
