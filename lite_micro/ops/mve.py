"""Kernel choices for cores with Helium (the target feature `mve`), made after Prepare and
after the DSP choices: a layer's kernel is swapped for its MVE version in
templates/runtime/lm_mve*.c, with its constants re-laid out for 16-lane loads. The params
struct stays the one Prepare filled (the MVE kernels read the same fields)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg

MVE_HEADERS = ("lm_mve.h", "lm_dwconv.h", "lm_eltwise.h")    # lm_mve.h includes both


def specialize_mve(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    """Each layer an MVE kernel covers, rewritten to it when the target has `mve`."""
    if "mve" not in features:
        return layers
    return [_right_shift_only(layer, _REWRITES[layer.kernel](layer)) if _covered(layer) else layer
            for layer in layers]


def _right_shift_only(prepared: Layer, mve: Layer) -> Layer:
    """The MVE kernel's `_rshift_s8` twin when every requantization shift of the layer Prepare
    made is negative (no left shift, right shift >= 1)."""
    shift = {c.name: c for c in prepared.consts}.get("shift")
    if shift is None or int(np.max(shift.values)) >= 0:
        return mve
    return dataclasses.replace(mve, kernel=mve.kernel[:-len("_s8")] + "_rshift_s8",
                               note=mve.note + ", right shifts only")


def _covered(layer: Layer) -> bool:
    if layer.kernel not in _REWRITES:
        return False
    p = layer.param                 # a params field by name
    if layer.kernel == "lm_conv_s8":
        return p("groups") == 1
    if layer.op.kind in ("ADD", "SUB", "MUL"):
        return p("rows") == 1 and p("in1_inner") == 1 and p("in2_inner") == 1
    return True


def pad_to(values: np.ndarray, multiple: int, axis: int = 0) -> np.ndarray:
    """Zero entries appended along `axis` up to a multiple of `multiple`."""
    extra = -values.shape[axis] % multiple
    widths = [(0, 0)] * values.ndim
    widths[axis] = (0, extra)
    return np.pad(values, widths)


def tile_rows(w: np.ndarray, tile: int = 2) -> np.ndarray:
    """[rows, n] int8 -> [rows/tile][n/16][tile][16], rows padded to `tile` and n to 16 with zeros."""
    m = pad_to(pad_to(w, tile, 0), 16, 1)
    rows, n = m.shape
    return m.reshape(rows // tile, tile, n // 16, 16).transpose(0, 2, 1, 3).reshape(-1)


def pair_requant(layer: Layer, rows: int) -> ConstArray:
    """Per pair of rows (r0, r1): bias, mult and shift each as (r0, r1, r0, r1), the lane order
    of two pixels x two rows; an odd last row is paired with itself."""
    tables = [_per_row(layer, name, rows, 2).values.reshape(-1, 2) for name in ("bias", "mult", "shift")]
    quads = np.concatenate([np.tile(t, (1, 2)) for t in tables], axis=1)
    return ConstArray("rq", "int32_t", quads.reshape(-1),
                      "per pair of output channels: bias, mult, shift, each as (c0, c1, c0, c1)")


def _per_row(layer: Layer, name: str, rows: int, multiple: int) -> ConstArray:
    c = {c.name: c for c in layer.consts}[name]
    values = np.asarray(c.values, dtype=np.int64).reshape(-1)
    if values.size == 1:
        values = np.repeat(values, rows)
    return ConstArray(name, c.ctype, pad_to(values, multiple), c.comment + f", padded to {multiple}")


def row_segments(p: dict) -> bool:
    """Whether a k x k convolution reads each kernel row as one 16-byte chunk in place
    (lm_mve_conv_rows_s8) rather than a patch per pixel: the row fits a chunk and the chunks it
    adds cost less than building two patches (estimated instructions per pixel pair)."""
    seg = p["k_w"] * p["in_c"]
    if p["k_h"] * p["k_w"] == 1 or seg > 16 or p["dil_w"] != 1:
        return False
    extra_chunks = p["k_h"] - -(-p["k_h"] * seg // 16)
    return extra_chunks * 10 * -(-p["out_c"] // 2) < 2 * (30 + 20 * p["k_h"])


def _conv(layer: Layer) -> Layer:
    p = dict(layer.params)
    w = {c.name: c for c in layer.consts}["weights"].values
    rows, n = p["out_c"], p["k_h"] * p["k_w"] * p["in_c"]
    direct = p["k_h"] == 1 and p["k_w"] == 1 and p["pad_top"] == 0 and p["pad_left"] == 0
    if row_segments(p):
        rows16 = pad_to(np.asarray(w).reshape(rows, p["k_h"], -1), 16, 2).reshape(rows, -1)
        consts = [ConstArray("weights", "int8_t", tile_rows(rows16),
                             f"weights {list(w.shape)}, each kernel row padded to 16 bytes, in tiles of 2 rows"),
                  pair_requant(layer, rows)]
        return dataclasses.replace(layer, kernel="lm_mve_conv_rows_s8", runtime=(*MVE_HEADERS, "lm_mve_conv.c"),
                                   consts=consts, args=_conv_args(layer, False), scratch_bytes=32 * p["k_h"],
                                   note="kernel rows read in place, MVE: 2 pixels x 2 channels per VMLADAVA pass")
    consts = [ConstArray("weights", "int8_t", tile_rows(w.reshape(rows, n)),
                         f"weights {list(w.shape)} in tiles of 2 rows x 16 bytes"), pair_requant(layer, rows)]
    return dataclasses.replace(layer, kernel="lm_mve_conv_s8", runtime=(*MVE_HEADERS, "lm_mve_conv.c"),
                               consts=consts, args=_conv_args(layer, direct),
                               scratch_bytes=0 if direct else 2 * (-(-n // 16) * 16),
                               note=("1x1 read in place" if direct else f"two patches of {n} bytes")
                               + ", MVE: 2 pixels x 2 channels per VMLADAVA pass")


def _conv_args(layer: Layer, direct: bool) -> list:
    return [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("rq"),
            "NULL" if direct else ScratchArg(), TensorArg(layer.op.outputs[0])]


def _fc(layer: Layer) -> Layer:
    p = dict(layer.params)
    w = {c.name: c for c in layer.consts}["weights"].values
    rows = p["out_depth"]
    tables = [_per_row(layer, name, rows, 4).values.reshape(-1, 4) for name in ("bias", "mult", "shift")]
    consts = [ConstArray("weights", "int8_t", tile_rows(w.reshape(rows, -1), 4),
                         f"weights {list(w.shape)} in tiles of 4 rows x 16 bytes"),
              ConstArray("rq", "int32_t", np.concatenate(tables, axis=1).reshape(-1),
                         "per 4 units: bias, mult, shift")]
    params = [(k, 1 if k == "per_channel" else v) for k, v in layer.params]
    args = [ConstArg("rq") if _const_name(a) == "bias" else a for a in layer.args
            if _const_name(a) not in ("mult", "shift")]
    return dataclasses.replace(layer, kernel="lm_mve_fc_s8", runtime=(*MVE_HEADERS, "lm_mve_conv.c"),
                               consts=consts, params=params, args=args, note="MVE: 4 units per VMLADAVA pass")


def _const_name(arg) -> str | None:
    return arg.name if isinstance(arg, ConstArg) else None


# Accumulator order of a depthwise pass: channels (0,4,8,12), (2,6,10,14), (1,5,9,13), (3,7,11,15).
DW_LANES = [0, 4, 8, 12, 2, 6, 10, 14, 1, 5, 9, 13, 3, 7, 11, 15]


def tap_pairs(taps: np.ndarray) -> list[tuple[int, int | None]]:
    """Consecutive taps paired where 128 * (|w0| + |w1|) fits int16 for every channel (the
    kernel sums two int8 x int8 products in int16); a tap that cannot pair goes alone."""
    mag = np.abs(taps.astype(np.int64))
    pairs, t = [], 0
    while t < len(taps):
        if t + 1 < len(taps) and int(np.max(mag[t] + mag[t + 1])) <= 255:
            pairs.append((t, t + 1))
            t += 2
        else:
            pairs.append((t, None))
            t += 1
    return pairs


def _dw_consts(layer: Layer, taps: np.ndarray, pairs, offsets: list[int], twin: bool) -> list[ConstArray]:
    """twin: the 8 channels twice (lanes 8-15 for a second pixel)."""
    p = dict(layer.params)
    out_c = p["out_c"]
    padded = np.tile(taps, (1, 2)) if twin else pad_to(taps, 16, 1)    # [tap][channel]
    zero = np.zeros_like(padded[0])
    slots = np.stack([np.stack([padded[a], zero if b is None else padded[b]]) for a, b in pairs])
    blocks = slots.reshape(len(pairs), 2, -1, 16).transpose(2, 0, 1, 3).reshape(-1)
    tables = [_per_row(layer, name, out_c, 8 if twin else 16).values for name in ("bias", "mult", "shift")]
    tables = [(np.tile(t, 2) if twin else t).reshape(-1, 16)[:, DW_LANES] for t in tables]
    rq = np.stack(tables, axis=1).reshape(-1)
    window = [t * p["in_c"] for t in range(len(taps))]
    pos = [(ky * p["dil_h"]) << 16 | kx * p["dil_w"] for ky in range(p["k_h"]) for kx in range(p["k_w"])]
    table = [len(pairs)] + [o for src in (offsets, window, pos) for a, b in pairs
                            for o in (src[a], src[a if b is None else b])]
    return [ConstArray("weights", "int8_t", blocks, f"weights [channel/16][tap pair][2][16], {len(pairs)} pairs"),
            ConstArray("rq", "int32_t", rq, "per 16 channels: bias, mult, shift in accumulator order"),
            ConstArray("taps", "int32_t", np.asarray(table, dtype=np.int64),
                       "tap pairs P; per pair the offsets in the input, in a copied window, (dy << 16) | dx")]


CONV_FIELDS = ("batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
               "dil_h", "dil_w", "pad_top", "pad_left")


def _as_conv(layer: Layer) -> Layer:
    """A depthwise convolution of one input channel as the plain convolution it is: weights
    [k_h, k_w, out_c] -> [out_c, k_h, k_w, 1], lm_conv_params (groups 1); bias, mult and shift
    are per output channel in both."""
    p = dict(layer.params)
    params = [(k, p[k]) for k in CONV_FIELDS] + [("groups", 1)] + [(k, p[k]) for k in
                                                                   ("in_zp", "out_zp", "act_min", "act_max")]
    w = np.asarray({c.name: c for c in layer.consts}["weights"].values).reshape(p["k_h"], p["k_w"], p["out_c"])
    consts = [dataclasses.replace(c, values=w.transpose(2, 0, 1)[..., None]) if c.name == "weights" else c
              for c in layer.consts]
    return dataclasses.replace(layer, params=params, params_type="lm_conv_params", consts=consts,
                               note=layer.note + ", one input channel: a plain convolution")


def _depthwise(layer: Layer) -> Layer:
    p = dict(layer.params)
    if p["in_c"] == 1 and row_segments({**p, "in_c": 1}):
        return _conv(_as_conv(layer))
    w = {c.name: c for c in layer.consts}["weights"].values          # [k_h, k_w, out_c]
    k_h, k_w, out_c, in_c, mult = p["k_h"], p["k_w"], p["out_c"], p["in_c"], p["depth_mult"]
    taps = np.asarray(w).reshape(k_h * k_w, out_c)
    pairs = tap_pairs(taps)
    offsets = [((ky * p["dil_h"]) * p["in_w"] + kx * p["dil_w"]) * in_c for ky in range(k_h) for kx in range(k_w)]
    twin = mult == 1 and out_c == 8 and p["stride_w"] == 1
    consts = _dw_consts(layer, taps, pairs, offsets, twin)
    extra = []
    if mult > 1:
        oc = np.arange(-(-out_c // 16) * 16, dtype=np.int64)
        gofs = np.where(oc < out_c, oc // mult - (oc & ~15) // mult, 0)
        consts.append(ConstArray("gofs", "uint8_t", gofs, "input channel of each lane from the pass's first"))
        extra.append(ConstArg("gofs"))
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("rq"),
            ConstArg("taps"), *extra, ScratchArg(), TensorArg(layer.op.outputs[0])]
    kernel = "lm_mve_dwconv_x2_s8" if twin else "lm_mve_dwconv_m1_s8" if mult == 1 else "lm_mve_dwconv_s8"
    return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, "lm_mve_dwconv.c"), consts=consts,
                               args=args, scratch_bytes=8 * len(pairs) + in_c + 16 + k_h * k_w * in_c + 16,
                               note=f"depthwise multiplier {mult}, MVE: "
                               + ("2 pixels x 8 channels" if twin else "16 channels") + " x tap pairs per pass")


def _retarget(kernel: str, runtime: str):
    def rewrite(layer: Layer) -> Layer:
        return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, runtime),
                                   note=layer.note + ", MVE")
    return rewrite


_REWRITES = {
    "lm_conv_s8": _conv,
    "lm_fc_s8": _fc,
    "lm_dwconv_m1_s8": _depthwise,
    "lm_dwconv_s8": _depthwise,
    "lm_add_s8": _retarget("lm_mve_add_s8", "lm_mve_eltwise.c"),
    "lm_add_table_s8": _retarget("lm_mve_add_table_s8", "lm_mve_eltwise.c"),
    "lm_sub_s8": _retarget("lm_mve_sub_s8", "lm_mve_eltwise.c"),
    "lm_sub_table_s8": _retarget("lm_mve_sub_table_s8", "lm_mve_eltwise.c"),
    "lm_mul_s8": _retarget("lm_mve_mul_s8", "lm_mve_eltwise.c"),
    "lm_maxpool_s8": _retarget("lm_mve_maxpool_s8", "lm_mve_pool.c"),
    "lm_avgpool_s8": _retarget("lm_mve_avgpool_s8", "lm_mve_pool.c"),
}
