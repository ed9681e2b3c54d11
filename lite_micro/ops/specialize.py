"""Target-specific kernel choices, made after Prepare: a layer's kernel and the layout of its
constants are re-chosen for the target's features (Prepare itself stays target-free)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg
from .requant import rq_table


def specialize(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    return [_specialize_one(layer, features) for layer in layers]


def _specialize_one(layer: Layer, features) -> Layer:
    if _packable(layer, features):
        return _depthwise_packed(layer)
    if "dsp" in features and layer.kernel == "lm_conv_s8":
        return _conv_fast(layer) or layer
    if "dsp" in features and layer.kernel == "lm_fc_s8":
        return _fc_fast(layer) or layer
    return layer


def _packable(layer: Layer, features) -> bool:
    if layer.kernel != "lm_dwconv_m1_s8" or "dsp" not in features:
        return False
    return dict(layer.params)["out_c"] % 4 == 0


def pack_depthwise_weights(w: np.ndarray) -> np.ndarray:
    """[k_h, k_w, C] int8 -> int32 words: per block of 4 channels, per tap pair (t, t+1), per
    channel j, the int16 pair (w[t][j] low half, w[t+1][j] high half). Odd tap counts get a
    zero-weight last tap."""
    taps = w.reshape(-1, w.shape[-1]).astype(np.int64)
    if taps.shape[0] % 2:
        taps = np.vstack([taps, np.zeros((1, taps.shape[1]), dtype=np.int64)])
    lo, hi = taps[0::2], taps[1::2]                          # [pairs, C]
    words = (lo & 0xFFFF) | ((hi & 0xFFFF) << 16)
    words = np.where(words >= 1 << 31, words - (1 << 32), words)
    pairs, channels = words.shape
    return words.reshape(pairs, channels // 4, 4).transpose(1, 0, 2).reshape(-1)


def _depthwise_packed(layer: Layer) -> Layer:
    p = dict(layer.params)
    consts = {c.name: c for c in layer.consts}
    w = consts["weights"].values
    ch, k_h, k_w = p["out_c"], p["k_h"], p["k_w"]
    offsets = [((ky * p["dil_h"]) * p["in_w"] + kx * p["dil_w"]) * ch for ky in range(k_h) for kx in range(k_w)]
    patch = [t * ch for t in range(k_h * k_w)]
    if len(offsets) % 2:
        offsets.append(0)
        patch.append(0)
    new_consts = [
        ConstArray("weights", "int32_t", pack_depthwise_weights(w),
                   f"weights {list(w.shape)} packed as int16 tap pairs for SMLAD"),
        consts["bias"], consts["mult"], consts["shift"],
        ConstArray("taps", "int32_t", np.asarray(offsets, dtype=np.int64), "tap offsets in the input"),
        ConstArray("patch_taps", "int32_t", np.asarray(patch, dtype=np.int64), "tap offsets in the patch"),
    ]
    args = [ParamsArg(), TensorArg(layer.op.inputs[0], const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("mult"), ConstArg("shift"), ConstArg("taps"), ConstArg("patch_taps"), ScratchArg(),
            TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_dwconv_m1_packed_s8", consts=new_consts, args=args,
                               scratch_bytes=k_h * k_w * ch,
                               note="depthwise, SMLAD on tap pairs, 4 channels per pass")


def _words(b: np.ndarray) -> np.ndarray:
    """int8 bytes (a multiple of 4) -> little-endian int32 words, as a core loads them."""
    return np.ascontiguousarray(b.astype(np.int8)).view("<i4").astype(np.int64).reshape(-1)


def _pad(a: np.ndarray, axis: int, multiple: int) -> np.ndarray:
    extra = -a.shape[axis] % multiple
    widths = [(0, 0)] * a.ndim
    widths[axis] = (0, extra)
    return np.pad(a, widths)


def pack_conv_weights(w: np.ndarray) -> np.ndarray:
    """[out_c, K] int8 -> words: per pair of channels, per group of 4 taps, the first
    channel's word then the second's (K padded to 4, an odd last channel with a zero row)."""
    w = _pad(_pad(w, 1, 4), 0, 2)
    pairs, groups = w.shape[0] // 2, w.shape[1] // 4
    return _words(w.reshape(pairs, 2, groups, 4).transpose(0, 2, 1, 3))


def pack_fc_weights(w: np.ndarray) -> np.ndarray:
    """[units, inputs] int8 -> words: per block of 4 units, per group of 4 inputs, the four
    units' words (inputs padded to 4, units to a multiple of 4 with zero rows)."""
    w = _pad(_pad(w, 1, 4), 0, 4)
    blocks, groups = w.shape[0] // 4, w.shape[1] // 4
    return _words(w.reshape(blocks, 4, groups, 4).transpose(0, 2, 1, 3))


def _rq_const(mult, shift, out_zp: int, per_channel: bool):
    """The requantization triples as a ConstArray (one triple when every channel shares it)."""
    if not per_channel:
        mult, shift = mult[:1], shift[:1]
    table = rq_table(mult, shift, out_zp)
    if table is None:
        return None
    return ConstArray("rq", "int32_t", table, "requantization (multiplier, hi_add, shift_hi) per channel, "
                      "output zero point folded in" if per_channel else
                      "requantization (multiplier, hi_add, shift_hi), output zero point folded in")


def _conv_fast(layer: Layer):
    p = dict(layer.params)
    if p["groups"] != 1:
        return None
    consts = {c.name: c for c in layer.consts}
    table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, p["out_zp"]), 0
    if table is None:        # large shifts leave no room for the zero point: add it after
        table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, 0), p["out_zp"]
    if table is None:
        return None
    w = consts["weights"].values
    k = p["k_h"] * p["k_w"] * p["in_c"]
    kp = -(-k // 4) * 4
    records = np.concatenate([consts["bias"].values.astype(np.int64).reshape(-1, 1), table], axis=1)
    new_consts = [
        ConstArray("weights", "int32_t", pack_conv_weights(w.reshape(p["out_c"], k)),
                   f"weights {list(w.shape)} as int8 words, channel pairs interleaved per 4 taps"),
        ConstArray("channels", "int32_t", records,
                   "per channel: bias with the input zero-point term folded in, multiplier, hi_add "
                   "(rounding" + (")" if zp_post else " and output zero point)") + ", shift_hi")]
    args = [ParamsArg(), TensorArg(layer.op.inputs[0], const=True), ConstArg("weights"), ConstArg("channels"),
            str(zp_post), ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_conv_fast_s8", consts=new_consts, args=args,
                               scratch_bytes=6 * kp,
                               note=f"2 channels x 2 pixels per pass, {kp} taps widened once per pixel pair")


def _fc_fast(layer: Layer):
    p = dict(layer.params)
    consts = {c.name: c for c in layer.consts}
    rq = _rq_const(consts["mult"].values, consts["shift"].values, p["out_zp"], bool(p["per_channel"]))
    if rq is None:
        return None
    w = consts["weights"].values
    new_consts = [
        ConstArray("weights", "int32_t", pack_fc_weights(w),
                   f"weights {list(w.shape)} as int8 words, 4 units interleaved per 4 inputs"),
        ConstArray("bias", "int32_t", _pad(consts["bias"].values.astype(np.int64), 0, 4), consts["bias"].comment),
        rq]
    args = [ParamsArg(), TensorArg(layer.op.inputs[0], const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("rq"), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_fc_fast_s8", consts=new_consts, args=args,
                               note="4 units per pass, requantization in one multiply-accumulate")
