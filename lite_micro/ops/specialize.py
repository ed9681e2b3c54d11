"""Target-specific kernel choices, made after Prepare: a layer's kernel and the layout of its
constants are re-chosen from the target's features (Prepare itself stays target-free).

One rule per op kind, looked up by the IR op, never by matching a kernel name."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .. import quant
from . import conv, conv_rows, pooling, s16_dsp
from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg
from .common import wrap_int32
from .requant import rq2_table, rq_table


def _conv_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """CONV_2D on DSP cores: the tiled SMLAD kernel with offline-packed weights, where it applies."""
    if "dsp" in features and layer.kernel == "lm_conv_s8":
        return conv_rows.conv_rows(layer, {c.name: c for c in layer.consts}) or _conv_fast(layer) or layer
    return layer


def _fc_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """FULLY_CONNECTED on DSP cores: four units per pass with packed weights, where it applies."""
    if "dsp" in features and layer.kernel == "lm_fc_s8":
        return _fc_fast(layer) or layer
    return layer


def _addsub_for_target(layer: Layer, features: tuple[str, ...]) -> Layer:
    """ADD/SUB with rescale tables on DSP cores: the output requantization as one
    multiply-accumulate (its triple after the tables), where the output shift allows it."""
    if "dsp" not in features or layer.kernel not in ("lm_add_table_s8", "lm_sub_table_s8"):
        return layer
    p = dict(layer.params)
    triple = rq_table([p["out_mult"]], [p["out_shift"]], p["out_zp"])
    if triple is None:
        return layer
    consts = [dataclasses.replace(c, values=np.concatenate([np.asarray(c.values, np.int64).reshape(-1),
                                                            triple.reshape(-1)]),
                                  comment=c.comment + "; then the output requantization (multiplier, hi_add "
                                  "with the output zero point, shift_hi)") if c.name == "rescale" else c
              for c in layer.consts]
    return dataclasses.replace(layer, kernel=layer.kernel.replace("_table_s8", "_table_rq_s8"), consts=consts,
                               note=layer.note + ", output requantized in one multiply-accumulate")


RULES: dict[str, Callable[[Layer, tuple[str, ...]], Layer]] = {
    "DEPTHWISE_CONV_2D": conv.depthwise_for_target,
    "CONV_2D": _conv_for_target,
    "FULLY_CONNECTED": _fc_for_target,
    "AVERAGE_POOL_2D": pooling.average_for_target,
    "ADD": _addsub_for_target,
    "SUB": _addsub_for_target,
}


def specialize(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    layers = [s16_dsp.for_target(layer, features) for layer in layers]      # int16x8 conv / FC
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


PAIR_SUM_LIMIT = (1 << 23) - 1    # |second channel's sum| bound: 256 times it stays in int32


def pair_halfwords(w: np.ndarray, bias: np.ndarray):
    """[out_c, K] int8 weights and int64 biases -> ([blocks, K, 2] int16 halfwords 256 * w[c+1]
    + w[c] per channel pair, per-pair starting sums [bias[c], bias[c] + 256 * bias[c+1]]), or
    None when a halfword or a second channel's sum (bias plus any int8 input) leaves its range."""
    w = _pad(w.astype(np.int64), 0, 2)
    bias = _pad(np.asarray(bias, dtype=np.int64), 0, 2)
    lo, hi = w[0::2], w[1::2]
    halves = 256 * hi + lo
    if halves.min(initial=0) < -(1 << 15) or halves.max(initial=0) >= 1 << 15:
        return None
    if (128 * np.abs(hi).sum(axis=1) + np.abs(bias[1::2])).max(initial=0) > PAIR_SUM_LIMIT:
        return None
    starts = np.stack([bias[0::2], bias[0::2] + 256 * bias[1::2]], axis=1)
    return halves, starts


def parked_requant(w: np.ndarray, bias, mults, shifts, out_zp: int, act: tuple[int, int], allow_post: bool):
    """(bias, triples, zp_post) for the channel-pair kernels, or None when some triple does not
    fit. A channel whose weights are all zero outputs a constant, its bias requantized and
    clamped; models park such channels at biases near 2^30 (which no channel pair's sum can
    hold) and at scales whose shifts leave no room for the zero point. Such a channel gets
    bias 0 and the triple (0, 2 * v, 1), whose result is v for a zero sum. zp_post: the output
    zero point added after the shift where it does not fit in hi_add (when allow_post)."""
    bias = np.asarray(bias, dtype=np.int64).copy()
    mults, shifts = np.asarray(mults, dtype=np.int64).copy(), np.asarray(shifts, dtype=np.int64).copy()
    dead = np.flatnonzero(~w.reshape(len(bias), -1).any(axis=1)) if len(mults) == len(bias) else []
    values = {int(c): min(act[1], max(act[0], quant.multiply_by_quantized_multiplier(
        int(bias[c]), int(mults[c]), int(shifts[c])) + out_zp)) for c in dead}
    mults[dead], shifts[dead] = 0, -2
    table, zp_post = rq_table(mults, shifts, out_zp), 0
    if table is None and allow_post:
        table, zp_post = rq_table(mults, shifts, 0), out_zp
    if table is None:
        return None
    for c, v in values.items():
        bias[c], table[c] = 0, (0, 2 * (v - zp_post), 1)
    return bias, table, zp_post


def pack_pair_blocks(w: np.ndarray, bias, pairs: int = 2) -> "np.ndarray | None":
    """[out_c, K] int8 weights and biases -> the stream of lm_conv_quad_s8 and lm_fc_hex_s8
    (lm_kernels.h): per block of 2 * pairs channels its starting sums, then per group of 4 taps
    the words of pair (0, 1), (2, 3), ... for the even taps, then for the odd taps; None when
    the channel pairs do not fit (pair_halfwords)."""
    size = 2 * pairs
    w = _pad(_pad(w, 1, 4), 0, size)
    paired = pair_halfwords(w, _pad(np.asarray(bias, dtype=np.int64), 0, size))
    if paired is None:
        return None
    halves, starts = paired                              # [out_c/2, kp], [out_c/2, 2]
    blocks, groups = w.shape[0] // size, w.shape[1] // 4
    h = halves.reshape(blocks, pairs, groups, 2, 2)      # [block, pair, group, tap pair, tap parity]
    h = h.transpose(0, 2, 4, 1, 3)                       # [block, group, parity, pair, lane]
    words = ((h[..., 0] & 0xFFFF) | (h[..., 1] << 16)).reshape(blocks, -1)
    return wrap_int32(np.concatenate([starts.reshape(blocks, size), words], axis=1).reshape(-1))


def _rq_const(mult, shift, out_zp: int, per_channel: bool):
    """The requantization triples as a ConstArray (one triple when every channel shares it)."""
    if not per_channel:
        mult, shift = mult[:1], shift[:1]
    table = rq_table(mult, shift, out_zp)
    return None if table is None else _rq_array(table, per_channel)


def _rq_array(table: np.ndarray, per_channel: bool) -> ConstArray:
    return ConstArray("rq", "int32_t", table, "requantization (multiplier, hi_add, shift_hi) per channel, "
                      "output zero point folded in" if per_channel else
                      "requantization (multiplier, hi_add, shift_hi), output zero point folded in")


def _conv_fast(layer: Layer):
    p = dict(layer.params)
    if p["groups"] != 1:
        return None
    consts = {c.name: c for c in layer.consts}
    w = consts["weights"].values
    k = p["k_h"] * p["k_w"] * p["in_c"]
    kp = -(-k // 4) * 4
    parked = parked_requant(w, consts["bias"].values, consts["mult"].values, consts["shift"].values, p["out_zp"],
                            (p["act_min"], p["act_max"]), allow_post=True)
    quad = _conv_quad(layer, w.reshape(p["out_c"], k), *parked, kp) if parked else None
    if quad is not None:
        return quad
    table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, p["out_zp"]), 0
    if table is None:        # large shifts leave no room for the zero point: add it after
        table, zp_post = rq_table(consts["mult"].values, consts["shift"].values, 0), p["out_zp"]
    if table is None:
        return None
    records = np.concatenate([consts["bias"].values.astype(np.int64).reshape(-1, 1), table], axis=1)
    new_consts = [
        ConstArray("weights", "int32_t", pack_conv_weights(w.reshape(p["out_c"], k)),
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
    p = dict(layer.params)
    consts = {c.name: c for c in layer.consts}
    pair = _fc_pair(layer, p, consts)
    if pair is not None:
        return pair
    rq = _rq_const(consts["mult"].values, consts["shift"].values, p["out_zp"], bool(p["per_channel"]))
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


def _conv_quad(layer: Layer, w: np.ndarray, bias, table, zp_post: int, kp: int):
    """lm_conv_quad_s8 (or its SSAT form), where every channel pair fits its halfwords (else None)."""
    words = pack_pair_blocks(w, bias)
    if words is None:
        return None
    p = dict(layer.params)
    kernel = ("lm_conv_quad_s8" if zp_post else         # the zero point added after the shift
              "lm_conv_quad_ssat_s8" if (p["act_min"], p["act_max"]) == (-128, 127) else "lm_conv_quad_clamp_s8")
    doubled = None
    if kernel == "lm_conv_quad_ssat_s8":                # its triples are for the doubled sums
        bound = np.abs(np.asarray(bias, dtype=np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)
        doubled = rq2_table(table, bound)
        table, kernel = (table, "lm_conv_quad_s8") if doubled is None else (doubled, kernel)
        if kernel == "lm_conv_quad_ssat_s8" and kp % 16 == 0:   # no remainder of groups: one run per pair
            kernel = "lm_conv_quad16_ssat_s8"
    table = np.concatenate([table, np.repeat(table[-1:], -len(table) % 4, axis=0)])  # the last block reads 4
    if kernel == "lm_conv_quad16_ssat_s8":             # each block's triples after its weights
        return _conv_quad16(layer, w, words, table, kp)
    new_consts = [
        ConstArray("weights", "int32_t", words, f"weights {list(w.shape)}: " + _QUAD_WORDS),
        ConstArray("channels", "int32_t", table,
                   "per channel, for the doubled sums: multiplier, h2 (rounding and output zero point), s2"
                   if doubled is not None else "per channel: multiplier, hi_add (rounding"
                   + (")" if zp_post else " and output zero point)") + ", shift_hi")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("channels"),
            str(zp_post), ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel=kernel,
                               consts=new_consts, args=args,
                               scratch_bytes=6 * kp,
                               note=f"4 channels x 2 pixels per pass, channel pairs in halfwords, {kp} taps")


_QUAD_WORDS = ("per 4 channels the starting sums (bias[c], bias[c] + 256 * bias[c+1]), then int16 "
               "channel-pair halfwords (256 * w[c+1] + w[c])")


def _conv_quad16(layer: Layer, w: np.ndarray, words: np.ndarray, table: np.ndarray, kp: int):
    """lm_conv_quad16_ssat_s8: the stream of lm_conv_quad_ssat_s8 with each block's 4 triples
    (for the doubled sums) after its weights."""
    blocks = len(table) // 4
    stream = np.concatenate([words.reshape(blocks, -1), table.reshape(blocks, 12)], axis=1).reshape(-1)
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ScratchArg(),
            TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(
        layer, kernel="lm_conv_quad16_ssat_s8", args=args, scratch_bytes=6 * kp,
        consts=[ConstArray("weights", "int32_t", stream, f"weights {list(w.shape)}: " + _QUAD_WORDS
                           + "; then per channel the requantization of the doubled sums: multiplier, h2 "
                           "(rounding and output zero point), s2")],
        note=f"4 channels x 2 pixels per pass, channel pairs in halfwords, {kp} taps, "
             "all the blocks of a pixel pair in one run")


def fc_blocks(units: int) -> tuple[int, int]:
    """(six-unit blocks, four-unit blocks) of lm_fc_hex_s8 for `units` units (rounded up to
    even): as many blocks of six as leave a multiple of four, so that no block is padded."""
    even = units + (units & 1)
    if even <= 4:
        return 0, 1
    quads = {0: 0, 4: 1, 2: 2}[even % 6]
    return (even - 4 * quads) // 6, quads


def _fc_pair(layer: Layer, p: dict, consts: dict):
    """lm_fc_hex_s8 (one triple per unit) or lm_fc_hex_tensor_s8, where the unit pairs and the
    doubled sums fit."""
    w, per_channel = consts["weights"].values, bool(p["per_channel"])
    mults, shifts = consts["mult"].values, consts["shift"].values
    parked = parked_requant(w, consts["bias"].values, mults if per_channel else mults[:1],
                            shifts if per_channel else shifts[:1], p["out_zp"], (p["act_min"], p["act_max"]),
                            allow_post=False)
    if parked is None:
        return None
    bias, table, _ = parked
    bound = np.abs(np.asarray(bias, dtype=np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)
    table = rq2_table(table, bound if per_channel else bound.max(initial=0))
    hexes, quads = fc_blocks(len(bias))
    cut = min(6 * hexes, len(bias))
    parts = [pack_pair_blocks(w[:cut], bias[:cut], 3) if hexes else np.zeros(0, np.int64),
             pack_pair_blocks(w[cut:], bias[cut:]) if quads else np.zeros(0, np.int64)]
    if table is None or any(part is None for part in parts):
        return None
    table = table if not per_channel else np.concatenate(
        [table, np.repeat(table[-1:], 6 * hexes + 4 * quads - len(table), axis=0)])
    return dataclasses.replace(
        layer, kernel="lm_fc_hex" + ("6" if not quads else "") + ("" if per_channel else "_tensor")
        + ("_ssat" if (p["act_min"], p["act_max"]) == (-128, 127) else "") + "_s8",
        consts=[ConstArray("weights", "int32_t", np.concatenate(parts),
                           f"weights {list(w.shape)}: {hexes} blocks of 6 units, then {quads} of 4, each with "
                           "its starting sums (bias[u], bias[u] + 256 * bias[u+1]), then int16 unit-pair "
                           "halfwords (256 * w[u+1] + w[u])"),
                ConstArray("rq", "int32_t", table, "requantization of the doubled sums (multiplier, h2 with "
                           "the output zero point, s2)" + (" per unit" if per_channel else ""))],
        args=[ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("rq"),
              str(hexes), TensorArg(layer.op.outputs[0])],
        note=f"{hexes} x 6 + {quads} x 4 units per pass, unit pairs in halfwords, requantization in one SMMLAR")
