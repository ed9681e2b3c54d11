"""Target-specific kernel choices, made after Prepare: a layer's kernel and the layout of its
constants are re-chosen for the target's features (Prepare itself stays target-free)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import ConstArg, ConstArray, Layer, ParamsArg, ScratchArg, TensorArg


def specialize(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    return [_depthwise_packed(layer) if _packable(layer, features) else layer for layer in layers]


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
