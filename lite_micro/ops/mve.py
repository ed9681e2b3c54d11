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


def tile_rows(w: np.ndarray) -> np.ndarray:
    """[rows, n] int8 -> [rows/4][n/16][4][16], rows padded to 4 and n to 16 with zeros."""
    m = pad_to(pad_to(w, 4, 0), 16, 1)
    rows, n = m.shape
    return m.reshape(rows // 4, 4, n // 16, 16).transpose(0, 2, 1, 3).reshape(-1)


def _per_row(layer: Layer, name: str, rows: int, multiple: int) -> ConstArray:
    c = {c.name: c for c in layer.consts}[name]
    values = np.asarray(c.values, dtype=np.int64).reshape(-1)
    if values.size == 1:
        values = np.repeat(values, rows)
    return ConstArray(name, c.ctype, pad_to(values, multiple), c.comment + f", padded to {multiple}")


def _tables(layer: Layer, rows: int, multiple: int, even_odd: bool = False) -> list[ConstArray]:
    tables = [_per_row(layer, name, rows, multiple) for name in ("bias", "mult", "shift")]
    if even_odd:
        tables = [dataclasses.replace(t, values=even_odd_order(t.values), comment=t.comment + ", even/odd order")
                  for t in tables]
    return tables


def even_odd_order(values: np.ndarray) -> np.ndarray:
    """Each group of 8 as channels 0, 2, 4, 6, 1, 3, 5, 7 (VMULLB / VMULLT lanes)."""
    return values.reshape(-1, 8)[:, [0, 2, 4, 6, 1, 3, 5, 7]].reshape(-1)


def _conv(layer: Layer) -> Layer:
    p = layer.param                 # a params field by name
    w = {c.name: c for c in layer.consts}["weights"].values
    rows, n = p("out_c"), p("k_h") * p("k_w") * p("in_c")
    direct = p("k_h") == 1 and p("k_w") == 1 and p("pad_top") == 0 and p("pad_left") == 0
    consts = [ConstArray("weights", "int8_t", tile_rows(w.reshape(rows, n)),
                         f"weights {list(w.shape)} in tiles of 4 rows x 16 bytes"), *_tables(layer, rows, 4)]
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("mult"), ConstArg("shift"), "NULL" if direct else ScratchArg(), TensorArg(layer.op.outputs[0])]
    return dataclasses.replace(layer, kernel="lm_mve_conv_s8", runtime=(*MVE_HEADERS, "lm_mve_conv.c"),
                               consts=consts, args=args, scratch_bytes=0 if direct else n,
                               note=("1x1 read in place" if direct else f"patches of {n} bytes")
                               + ", MVE: 4 channels per VMLADAVA pass")


def _fc(layer: Layer) -> Layer:
    p = layer.param                 # a params field by name
    w = {c.name: c for c in layer.consts}["weights"].values
    rows = p("out_depth")
    consts = [ConstArray("weights", "int8_t", tile_rows(w.reshape(rows, -1)),
                         f"weights {list(w.shape)} in tiles of 4 rows x 16 bytes"), *_tables(layer, rows, 4)]
    params = [(k, 1 if k == "per_channel" else v) for k, v in layer.params]
    return dataclasses.replace(layer, kernel="lm_mve_fc_s8", runtime=(*MVE_HEADERS, "lm_mve_conv.c"),
                               consts=consts, params=params, note="MVE: 4 units per VMLADAVA pass")


def _depthwise(layer: Layer) -> Layer:
    p = layer.param                 # a params field by name
    w = {c.name: c for c in layer.consts}["weights"].values          # [k_h, k_w, out_c]
    k_h, k_w, out_c, in_c, mult = p("k_h"), p("k_w"), p("out_c"), p("in_c"), p("depth_mult")
    taps = pad_to(w.reshape(k_h * k_w, out_c), 16, 1)
    blocks = taps.reshape(k_h * k_w, -1, 16).transpose(1, 0, 2).reshape(-1)
    offsets = [((ky * p("dil_h")) * p("in_w") + kx * p("dil_w")) * in_c for ky in range(k_h) for kx in range(k_w)]
    offsets += [t * in_c for t in range(k_h * k_w)]
    consts = [ConstArray("weights", "int16_t", blocks, f"weights {list(w.shape)} as int16 [channel/16][tap][16]"),
              *_tables(layer, out_c, 16, even_odd=True),
              ConstArray("taps", "int32_t", np.asarray(offsets, dtype=np.int64),
                         "tap offsets in the input, then in a border window")]
    extra = [ConstArg("taps")]
    if mult > 1:
        chan = pad_to(np.arange(out_c, dtype=np.int64) // mult, 16)
        consts.append(ConstArray("chan", "uint16_t", chan, "input channel of each output channel"))
        extra.append(ConstArg("chan"))
    args = [ParamsArg(), TensorArg(layer.op.input("input"), const=True), ConstArg("weights"), ConstArg("bias"),
            ConstArg("mult"), ConstArg("shift"), *extra, ScratchArg(), TensorArg(layer.op.outputs[0])]
    kernel = "lm_mve_dwconv_m1_s8" if mult == 1 else "lm_mve_dwconv_s8"
    return dataclasses.replace(layer, kernel=kernel, runtime=(*MVE_HEADERS, "lm_mve_dwconv.c"), consts=consts,
                               args=args, scratch_bytes=k_h * k_w * in_c,
                               note=f"depthwise multiplier {mult}, MVE: 16 channels per pass")


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
