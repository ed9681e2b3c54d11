"""Convolutions with few input channels on DSP cores: kernel rows read straight from the input
(lm_conv_rows.h). CONV_2D with 1 to 3 input channels, and DEPTHWISE_CONV_2D with one input
channel (a convolution whose output channels are the depth multiplier's)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg

MAX_IN_C = 3
RUNTIME = ("lm_dot.h", "lm_conv_rows.h", "lm_conv_rows.c")
# the lm_conv_params fields, in order (lm_kernels.h)
CONV_FIELDS = ("batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
               "dil_h", "dil_w", "pad_top", "pad_left", "groups", "in_zp", "out_zp", "act_min", "act_max")


def row_weights(w: np.ndarray) -> np.ndarray:
    """[out_c, k_h, k_w, in_c] int8 -> [out_c, k_h * r4]: each kernel row's k_w * in_c taps
    followed by zeros up to r4, a multiple of 4 (the bytes read past a row weigh nothing)."""
    out_c, k_h, k_w, in_c = w.shape
    r = k_w * in_c
    rows = np.zeros((out_c, k_h, -(-r // 4) * 4), np.int8)
    rows[:, :, :r] = w.reshape(out_c, k_h, r)
    return rows.reshape(out_c, -1)


def _instance_files(name: str, groups: int, rg: int, post: int, full: int) -> dict:
    """The two generated files of one lm_conv_rows.h instance (shared by equal layers)."""
    what = f"convolution read by kernel rows, {groups} groups of 4 taps, {rg} per row, post {post}, full {full}"
    header = (f"/* litemicro runtime: {what} (lm_conv_rows.h). */\n#ifndef {name.upper()}_H\n"
              f"#define {name.upper()}_H\n\n#include \"lm_conv_rows.h\"\n\nvoid {name}(LM_CONV_ROWS_ARGS);\n\n"
              f"#endif\n")
    source = (f"/* litemicro runtime: {what}. */\n#include \"lm_conv_rows.h\"\n#include \"{name}.h\"\n\n"
              f"LM_CONV_ROWS_KERNEL({name}, {groups}, {rg}, {post}, {full})\n")
    return {f"{name}.h": header, f"{name}.c": source}


SUM_LIMIT = 1 << 29      # |sum| bound: twice it and ra stay inside int32 (lm_conv_rows_rq)


def rows_triples(w: np.ndarray, bias, table: np.ndarray):
    """lm_requantize_rq's triples (m, hi_add, shift_hi) -> lm_conv_rows_rq's (m, ra, r) =
    (m, 2 * hi_add, shift_hi + 1), or None where a sum (bias plus any int8 input) or ra may
    reach its bound."""
    sums = np.abs(np.asarray(bias, np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)
    out = np.asarray(table, np.int64) * np.array([1, 2, 1]) + np.array([0, 0, 1])
    if sums.max(initial=0) >= SUM_LIMIT or np.abs(out[:, 1]).max(initial=0) >= SUM_LIMIT * 2:
        return None
    return out


def band_width(p: dict, r4: int) -> int:
    """Bytes of a band row (lm_conv_rows_band_width): the output row's windows and the bytes a
    padded weight row reads past the last one, rounded up to 4."""
    return -(-((p["out_w"] - 1) * p["stride_w"] * p["in_c"] + r4) // 4) * 4


def band_rows(p: dict) -> int:
    """Input rows in the band (lm_conv_rows_band_rows): an output row's windows, and the next
    output row's when the output width is odd."""
    return (p["k_h"] - 1) * p["dil_h"] + 1 + (p["out_w"] % 2) * p["stride_h"]


def applies(p: dict) -> bool:
    """Whether the row reader fits params p (lm_conv_params fields)."""
    return p["groups"] == 1 and p["in_c"] <= MAX_IN_C and (p["dil_w"] == 1 or p["k_w"] == 1)


def rows_layer(layer: Layer, p: dict, w: np.ndarray, bias, mults, shifts, what: str):
    """layer re-chosen for an lm_conv_rows.h instance, or None where it does not apply (channel
    pairs or requantization triples that do not fit). p: lm_conv_params fields; w: [out_c, k_h,
    k_w, in_c] int8; bias: folded biases; mults, shifts: per output channel."""
    from .specialize import pack_pair_blocks, parked_requant  # (specialize imports this module's callers)
    if not applies(p):
        return None
    rows = row_weights(w)
    parked = parked_requant(rows, bias, mults, shifts, p["out_zp"], (p["act_min"], p["act_max"]), allow_post=True)
    words = pack_pair_blocks(rows, parked[0]) if parked else None
    if words is None:
        return None
    table = rows_triples(rows, *parked[:2])
    if table is None:
        return None
    zp_post = parked[2]
    table = np.concatenate([table, np.repeat(table[-1:], -len(table) % 4, axis=0)])  # the last block reads 4
    k_h, r4 = p["k_h"], rows.shape[1] // p["k_h"]
    rg = r4 // 4
    groups = k_h * rg
    post, full = int(zp_post != 0), int(not zp_post and (p["act_min"], p["act_max"]) == (-128, 127))
    name = f"lm_conv_rows_g{groups}_r{rg}_" + ("zp" if post else "ssat" if full else "clamp")
    files = _instance_files(name, groups, rg, post, full)
    consts = [
        ConstArray("weights", "int32_t", words, f"weights {what}, kernel rows padded to {r4} taps: per 4 channels "
                   "the starting sums (bias[c], bias[c] + 256 * bias[c+1]), then int16 channel-pair halfwords "
                   "(256 * w[c+1] + w[c])"),
        ConstArray("channels", "int32_t", table, "per channel: multiplier, ra (rounding"
                   + (")" if zp_post else " and output zero point)") + ", right shift")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("channels"),
            str(zp_post), ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(
        layer, kernel=name, runtime=(*RUNTIME, *files), sources={**layer.sources, **files},
        params_type="lm_conv_params", params=[(k, p[k]) for k in CONV_FIELDS], consts=consts, args=args,
        scratch_bytes=16 * groups + band_rows(p) * band_width(p, r4),
        note=f"kernel rows of {p['k_w'] * p['in_c']} bytes read in place from a band per output row, "
             "4 channels x 2 pixels per pass, "
             f"{groups} groups of 4 taps unrolled")


def conv_rows(layer: Layer, consts: dict):
    """CONV_2D (portable lm_conv_s8 layer) with 1 to 3 input channels, or None."""
    p = dict(layer.params)
    w = consts["weights"].values
    return rows_layer(layer, p, w, consts["bias"].values, consts["mult"].values, consts["shift"].values,
                      str(list(w.shape)))


def depthwise_rows(layer: Layer, consts: dict):
    """DEPTHWISE_CONV_2D with one input channel and a depth multiplier of 2 or more, as the
    convolution of in_c 1 with depth_mult output channels (weights [k_h, k_w, M] -> [M, k_h,
    k_w, 1]; the per-channel requantization of TFLM's depthwise is indexed by output channel
    as the convolution's), or None."""
    p = dict(layer.params)
    if p.get("depth_mult", 0) < 2 or p["in_c"] != 1:
        return None
    p["groups"] = 1
    w = consts["weights"].values                     # [k_h, k_w, M]
    conv_w = np.transpose(w, (2, 0, 1))[..., None]
    return rows_layer(layer, p, conv_w, consts["bias"].values, consts["mult"].values, consts["shift"].values,
                      f"{list(w.shape)} as [{w.shape[2]}, {w.shape[0]}, {w.shape[1]}, 1]")
