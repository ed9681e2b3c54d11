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


def _instance_files(name: str, groups: int, post: int, full: int) -> dict:
    """The two generated files of one lm_conv_rows.h instance (shared by equal layers)."""
    what = f"convolution read by kernel rows, {groups} groups of 4 taps, post {post}, full {full}"
    header = (f"/* litemicro runtime: {what} (lm_conv_rows.h). */\n#ifndef {name.upper()}_H\n"
              f"#define {name.upper()}_H\n\n#include \"lm_conv_rows.h\"\n\nvoid {name}(LM_CONV_ROWS_ARGS);\n\n"
              f"#endif\n")
    source = (f"/* litemicro runtime: {what}. */\n#include \"lm_conv_rows.h\"\n#include \"{name}.h\"\n\n"
              f"LM_CONV_ROWS_KERNEL({name}, {groups}, {post}, {full})\n")
    return {f"{name}.h": header, f"{name}.c": source}


def applies(p: dict) -> bool:
    """Whether the row reader fits params p (lm_conv_params fields)."""
    return p["groups"] == 1 and p["in_c"] <= MAX_IN_C and (p["dil_w"] == 1 or p["k_w"] == 1)


def rows_layer(layer: Layer, p: dict, w: np.ndarray, bias, mults, shifts, what: str):
    """layer re-chosen for an lm_conv_rows.h instance, or None where it does not apply (channel
    pairs or requantization triples that do not fit). p: lm_conv_params fields; w: [out_c, k_h,
    k_w, in_c] int8; bias: folded biases; mults, shifts: per output channel."""
    from .specialize import pack_pair_blocks, parked_requant    # (specialize imports this module's callers)
    if not applies(p):
        return None
    rows = row_weights(w)
    parked = parked_requant(rows, bias, mults, shifts, p["out_zp"], (p["act_min"], p["act_max"]), allow_post=True)
    words = pack_pair_blocks(rows, parked[0]) if parked else None
    if words is None:
        return None
    _, table, zp_post = parked
    table = np.concatenate([table, np.repeat(table[-1:], -len(table) % 4, axis=0)])  # the last block reads 4
    k_h, r4 = p["k_h"], rows.shape[1] // p["k_h"]
    groups = k_h * r4 // 4
    post, full = int(zp_post != 0), int(not zp_post and (p["act_min"], p["act_max"]) == (-128, 127))
    name = f"lm_conv_rows_g{groups}_" + ("zp" if post else "ssat" if full else "clamp")
    files = _instance_files(name, groups, post, full)
    consts = [
        ConstArray("weights", "int32_t", words, f"weights {what}, kernel rows padded to {r4} taps: per 4 channels "
                   "the starting sums (bias[c], bias[c] + 256 * bias[c+1]), then int16 channel-pair halfwords "
                   "(256 * w[c+1] + w[c])"),
        ConstArray("channels", "int32_t", table, "per channel: multiplier, hi_add (rounding"
                   + (")" if zp_post else " and output zero point)") + ", shift_hi")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("channels"),
            str(zp_post), ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(
        layer, kernel=name, runtime=(*RUNTIME, *files), sources={**layer.sources, **files},
        params_type="lm_conv_params", params=[(k, p[k]) for k in CONV_FIELDS], consts=consts, args=args,
        scratch_bytes=16 * groups + r4,
        note=f"kernel rows of {p['k_w'] * p['in_c']} bytes read in place, 4 channels x 2 pixels per pass, "
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
