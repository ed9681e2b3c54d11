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


REGS_SEGMENT = 3          # vectors per pixel lm_mve_conv_regs_s8 holds in Q registers at a time


@dataclasses.dataclass(frozen=True)
class RegsPlan:
    """How lm_mve_conv_regs_s8 loads one output pixel's input: `vectors` 16-byte vectors, either
    direct loads (a kernel row per 16-byte chunks) or `packed` words of 4 bytes, four a vector.
    offs_in / offs_win: per load its offset from the window base in the input / in the scratch
    window (rows of seg_pad bytes); lanes: per lane of the vectors (row, byte in the row) or None."""
    vectors: int
    packed: bool
    seg_pad: int
    offs_in: list
    offs_win: list
    lanes: list


def regs_plan(p: dict) -> RegsPlan | None:
    """The cheaper of the direct and packed layouts for a convolution of groups 1, or None for
    dil_w > 1."""
    seg, k_h = p["k_w"] * p["in_c"], p["k_h"]
    if p["dil_w"] != 1:
        return None
    row = p["dil_h"] * p["in_w"] * p["in_c"]
    cpr, wpr = -(-seg // 16), -(-seg // 4)
    direct_v, packed_v = k_h * cpr, -(-k_h * wpr // 4)
    packed = packed_v < direct_v and 12 * packed_v + 2 * packed_v * p["out_c"] < 2 * direct_v * (1 + p["out_c"])
    vectors = packed_v if packed else direct_v
    unit, per_row = (4, wpr) if packed else (16, cpr)
    loads = [(ky, unit * k) for ky in range(k_h) for k in range(per_row)]
    loads += [None] * ((4 * vectors if packed else vectors) - len(loads))
    lanes = [None if ld is None or ld[1] + i % unit >= seg else (ld[0], ld[1] + i % unit)
             for ld in loads for i in range(unit)]
    seg_pad = unit * per_row
    return RegsPlan(vectors, packed, seg_pad, [0 if ld is None else ld[0] * row + ld[1] for ld in loads],
                    [0 if ld is None else ld[0] * seg_pad + ld[1] for ld in loads], lanes)


def _regs_cheaper(p: dict, plan: RegsPlan) -> bool:
    """lm_mve_conv_regs_s8 against the pairs-of-rows kernel, in estimated instructions per
    output: 1.5 per vector (a weight load feeds two pixels), 2.5 per segment of three vectors
    and 3 of requantization, against 2.25 per 16-byte chunk and 7 (measured); a k x k layer's
    patches make the latter dearer still."""
    chunks = -(-p["k_h"] * p["k_w"] * p["in_c"] // 16)
    segments = -(-plan.vectors // REGS_SEGMENT)
    return p["k_h"] * p["k_w"] > 1 or 1.5 * plan.vectors + 2.5 * segments + 3 < 2.25 * chunks + 7


def regs_segment(vectors: int) -> int:
    """Vectors per segment: 2 (three pixels at a time, lm_mve_regs_dots3) for 1, 2 or 4 vectors,
    else REGS_SEGMENT (two pixels). Instructions per pair of channels, three pixels against two:
    4 vectors 43 against 32 (7.2 against 8 an output), 6 vectors 66 against 44 (even), 3
    vectors 35 against 21 (worse); the two-pixel pairs at borders prefer segments of 3."""
    return 2 if vectors in (1, 2, 4) else REGS_SEGMENT


def regs_weights(w: np.ndarray, plan: RegsPlan) -> np.ndarray:
    """[rows, k_h, seg] int8 -> the lanes' weights per segment of regs_segment vectors, per row
    (rows padded to even), the segment's vectors x 16 lanes."""
    rows = w.shape[0]
    image = np.zeros((rows + rows % 2, len(plan.lanes)), dtype=np.int8)
    for i, lane in enumerate(plan.lanes):
        if lane is not None:
            image[:rows, i] = w[:, lane[0], lane[1]]
    step = 16 * regs_segment(plan.vectors)
    return np.concatenate([image[:, s:s + step].reshape(-1) for s in range(0, image.shape[1], step)])


def _conv_regs(layer: Layer, plan: RegsPlan) -> Layer:
    p = dict(layer.params)
    rows = p["out_c"]
    w = np.asarray({c.name: c for c in layer.consts}["weights"].values).reshape(rows, p["k_h"], -1)
    tables = [_per_row(layer, name, rows, 4).values.reshape(-1, 4) for name in ("bias", "mult", "shift")]
    n_loads = len(plan.offs_in)
    reach = max(plan.offs_in) + (4 if plan.packed else 16)
    taps = [plan.vectors, n_loads if plan.packed else 0, reach, plan.seg_pad, *plan.offs_in, *plan.offs_win]
    consts = [ConstArray("weights", "int8_t", regs_weights(w, plan),
                         f"weights {list(w.shape)} as {plan.vectors} vectors of 16 lanes per output channel, "
                         f"in segments of {REGS_SEGMENT}"),
              ConstArray("rq", "int32_t", np.concatenate(tables, axis=1).reshape(-1),
                         "per 4 channels: bias, mult, shift"),
              ConstArray("taps", "int32_t", np.asarray(taps, dtype=np.int64),
                         "vectors, words, reach, seg_pad; load offsets in the input, in the window")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("rq"),
            ConstArg("taps"), ScratchArg(), TensorArg(layer.op.outputs[0])]
    seg = regs_segment(plan.vectors)
    scratch = 2 * ((p["k_h"] * plan.seg_pad + 31) & ~15) + (12 if seg == 2 else 8) * (rows + 4)
    suffix = plan.vectors if plan.vectors <= REGS_SEGMENT else "_t" if seg == 2 else ""    # 1-3: unrolled
    kernel = f"lm_mve_conv_regs{suffix}_s8"
    return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, "lm_mve_conv_regs.c"),
                               consts=consts, args=args, scratch_bytes=scratch,
                               note=f"MVE: {5 - seg} pixels x {plan.vectors} input vectors"
                               + (" (packed words)" if plan.packed else "") + f" in registers, by segments of {seg}")


def _conv(layer: Layer) -> Layer:
    p = dict(layer.params)
    w = {c.name: c for c in layer.consts}["weights"].values
    rows, n = p["out_c"], p["k_h"] * p["k_w"] * p["in_c"]
    plan = regs_plan(p)
    if plan is not None and _regs_cheaper(p, plan):
        return _conv_regs(layer, plan)
    direct = p["k_h"] == 1 and p["k_w"] == 1 and p["pad_top"] == 0 and p["pad_left"] == 0
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
    table = [len(pairs), int(pairs[-1][1] is None)] + [o for src in (offsets, window, pos) for a, b in pairs
                                                        for o in (src[a], src[a if b is None else b])]
    return [ConstArray("weights", "int8_t", blocks, f"weights [channel/16][tap pair][2][16], {len(pairs)} pairs"),
            ConstArray("rq", "int32_t", rq, "per 16 channels: bias, mult, shift in accumulator order"),
            ConstArray("taps", "int32_t", np.asarray(table, dtype=np.int64),
                       "tap pairs P, 1 if the last is one tap; per pair the offsets in the input, "
                       "in a copied window, (dy << 16) | dx")]


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


def band_mode(p: dict) -> int:
    """How a 3x3 depthwise layer reads padded windows (lm_mve_dw_run): 0 through per-pixel tap
    offsets, 1 the rows padded at the top or bottom through a band of padded input rows, 2
    every row through the band."""
    if p["pad_top"] == 0 and p["pad_left"] == 0 and (p["out_h"] - 1) * p["stride_h"] + 3 <= p["in_h"] \
            and (p["out_w"] - 1) * p["stride_w"] + 3 <= p["in_w"]:
        return 0                            # no padding
    return 2 if p["out_w"] <= BAND_ALL_WIDTH else 1


BAND_ALL_WIDTH = 8      # measured on kws_ref_model (out_w 5): the band for every row is cheaper there


def _depthwise(layer: Layer) -> Layer:
    p = dict(layer.params)
    if p["in_c"] == 1 and p["depth_mult"] % 8 == 0 and (p["k_h"], p["k_w"], p["dil_w"]) == (3, 3, 1):
        return _dw_one_channel(layer)
    if p["in_c"] == 1 and regs_plan(p) is not None:
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
    k3 = (mult == 1 and (k_h, k_w, p["dil_h"], p["dil_w"]) == (3, 3, 1, 1)
          and pairs == [(0, 1), (2, 3), (4, 5), (6, 7), (8, None)])      # interior windows unrolled
    mode = band_mode(p) if k3 else 0
    consts[2] = dataclasses.replace(consts[2], values=np.append(consts[2].values, mode),
                                    comment=consts[2].comment + "; band mode")
    band = p["k_h"] * ((p["out_w"] - 1) * p["stride_w"] + p["k_w"]) * in_c + 16 if mode else 0
    kernel = ("lm_mve_dwconv_x2" if twin else "lm_mve_dwconv" if k3 else "lm_mve_dwconv_m1" if mult == 1
              else "lm_mve_dwconv") + ("_3x3_s8" if k3 else "_s8")
    return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, "lm_mve_dwconv.c"), consts=consts,
                               args=args, scratch_bytes=8 * len(pairs) + in_c + 16 + k_h * k_w * in_c + 16 + band,
                               note=f"depthwise multiplier {mult}, MVE: "
                               + ("2 pixels x 8 channels" if twin else "16 channels") + " x tap pairs per pass")


def _dw_one_channel(layer: Layer) -> Layer:
    """3x3, dil_w 1, one input channel, depth multiplier a multiple of 8: lm_mve_dw1_s8, the
    output channels in int32 lanes, each tap's input byte a scalar times the tap's weights."""
    p = dict(layer.params)
    out_c = p["out_c"]
    band_w = (p["out_w"] - 1) * p["stride_w"] + 3
    order = np.arange(out_c).reshape(-1, 4, 2).transpose(0, 2, 1).reshape(-1)     # 0,2,4,6,1,3,5,7 per 8
    w = np.asarray({c.name: c for c in layer.consts}["weights"].values).reshape(9, out_c)[:, order]
    tables = [_per_row(layer, name, out_c, 8).values[order].reshape(-1, 4) for name in ("bias", "mult", "shift")]
    consts = [ConstArray("weights", "int8_t", w.reshape(9, -1, 8).transpose(1, 0, 2).reshape(-1),
                         f"weights [9 taps][{out_c} channels] as [channel/8][tap][8], each 8 in the order "
                         "0,2,4,6,1,3,5,7"),
              ConstArray("rq", "int32_t", np.concatenate(tables, axis=1).reshape(-1),
                         "per 4 channels (in the weights' order): bias, mult, shift")]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("rq"),
            ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_mve_dw1_s8", runtime=(*MVE_HEADERS, "lm_mve_dwconv.c"),
                               consts=consts, args=args, scratch_bytes=3 * band_w + 16,
                               note=f"3x3 depthwise of one input channel, multiplier {p['depth_mult']}, MVE: "
                               "input bytes as scalars x 8 channels' weights, two pixels per weight load")


def _retarget(kernel: str, runtime: str):
    def rewrite(layer: Layer) -> Layer:
        return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, runtime),
                                   note=layer.note + ", MVE")
    return rewrite


def _add_sub_table(kernel: str):
    """ADD / SUB with Prepare's rescale table, re-laid in the order of the input bytes read as
    unsigned (entry u for x = u, then x = u - 256), so that the bytes index it unchanged; the
    `_rshift` twin for an output shift < 0."""
    def rewrite(layer: Layer) -> Layer:
        consts = [dataclasses.replace(c, values=np.roll(np.asarray(c.values).reshape(2, 256), -128, axis=1).reshape(-1),
                                      comment=c.comment + ", each half indexed by the byte as unsigned")
                  if c.name == "rescale" else c for c in layer.consts]
        rshift = layer.param("out_shift") < 0
        return dataclasses.replace(layer, kernel=kernel[:-len("_s8")] + "_rshift_s8" if rshift else kernel,
                                   runtime=(*MVE_HEADERS, "lm_mve_eltwise.c"), consts=consts,
                                   note=layer.note + ", MVE")
    return rewrite


_REWRITES = {
    "lm_conv_s8": _conv,
    "lm_fc_s8": _fc,
    "lm_dwconv_m1_s8": _depthwise,
    "lm_dwconv_s8": _depthwise,
    "lm_add_s8": _retarget("lm_mve_add_s8", "lm_mve_eltwise.c"),
    "lm_add_table_s8": _add_sub_table("lm_mve_add_table_s8"),
    "lm_sub_s8": _retarget("lm_mve_sub_s8", "lm_mve_eltwise.c"),
    "lm_sub_table_s8": _add_sub_table("lm_mve_sub_table_s8"),
    "lm_mul_s8": _retarget("lm_mve_mul_s8", "lm_mve_eltwise.c"),
    "lm_maxpool_s8": _retarget("lm_mve_maxpool_s8", "lm_mve_pool.c"),
    "lm_avgpool_s8": _retarget("lm_mve_avgpool_s8", "lm_mve_pool.c"),
}
