"""Target-specific kernel choices, made after Prepare: a layer's kernel and the layout of its
constants are re-chosen from the target's features (Prepare itself stays target-free).

One rule per op kind, looked up by the IR op, never by matching a kernel name."""

from __future__ import annotations

from typing import Callable

from . import conv
from .base import Layer

RULES: dict[str, Callable[[Layer, tuple[str, ...]], Layer]] = {
    "DEPTHWISE_CONV_2D": conv.depthwise_for_target,
}


def specialize(layers: list[Layer], features: tuple[str, ...]) -> list[Layer]:
    return [RULES[layer.op.kind](layer, features) if layer.op.kind in RULES and layer.kernel else layer
            for layer in layers]
