"""Target-specific kernel choices, made after Prepare: a layer's kernel and the layout of its
constants are re-chosen from the target's features (Prepare itself stays target-free).

One rule per op kind, looked up by the IR op, never by matching a kernel name."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from . import conv
from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg
from .requant import rq_table


def _conv_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """CONV_2D on DSP cores: the tiled SMLAD kernel with offline-packed weights, where it applies."""
    if "dsp" in features and layer.kernel == "lm_conv_s8":
        return _conv_fast(layer) or layer
    return layer


def _fc_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """FULLY_CONNECTED on DSP cores: four units per pass with packed weights, where it applies."""
    if "dsp" in features and layer.kernel == "lm_fc_s8":
        return _fc_fast(layer) or layer
    return layer


RULES: dict[str, Callable[[Layer, tuple[str, ...]], Layer]] = {
    "DEPTHWISE_CONV_2D": conv.depthwise_for_target,
    "CONV_2D": _conv_for_target,
    "FULLY_CONNECTED": _fc_for_target,
}


def specialize(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    return [RULES[layer.op.kind](layer, features) if layer.op.kind in RULES and layer.kernel else layer
            for layer in layers]


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
    p = layer.param                 # a params field by name
    if p("groups") != 1:
        return None
    consts = {c.name: c for c in layer.consts}
    table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, p("out_zp")), 0
    if table is None:        # large shifts leave no room for the zero point: add it after
        table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, 0), p("out_zp")
    if table is None:
        return None
    w = consts["weights"].values
    k = p("k_h") * p("k_w") * p("in_c")
    kp = -(-k // 4) * 4
    records = np.concatenate([consts["bias"].values.astype(np.int64).reshape(-1, 1), table], axis=1)
    new_consts = [
        ConstArray("weights", "int32_t", pack_conv_weights(w.reshape(p("out_c"), k)),
                   f"weights {list(w.shape)} as int8 words, channel pairs interleaved per 4 taps"),
        ConstArray("channels", "int32_t", records,
                   "per channel: bias with the input zero-point term folded in, multiplier, hi_add "
                   "(rounding" + (")" if zp_post else " and output zero point)") + ", shift_hi")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("channels"),
            str(zp_post), ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_conv_fast_s8", consts=new_consts, args=args,
                               scratch_bytes=6 * kp,
                               note=f"2 channels x 2 pixels per pass, {kp} taps widened once per pixel pair")


def _fc_fast(layer: Layer):
    p = layer.param                 # a params field by name
    consts = {c.name: c for c in layer.consts}
    rq = _rq_const(consts["mult"].values, consts["shift"].values, p("out_zp"), bool(p("per_channel")))
    if rq is None:
        return None
    w = consts["weights"].values
    new_consts = [
        ConstArray("weights", "int32_t", pack_fc_weights(w),
                   f"weights {list(w.shape)} as int8 words, 4 units interleaved per 4 inputs"),
        ConstArray("bias", "int32_t", _pad(consts["bias"].values.astype(np.int64), 0, 4), consts["bias"].comment),
        rq]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("rq"), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_fc_fast_s8", consts=new_consts, args=args,
                               note="4 units per pass, requantization in one multiply-accumulate")
