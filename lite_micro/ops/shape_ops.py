"""CONCATENATION, PAD, PADV2, TRANSPOSE, STRIDED_SLICE, SPLIT, SPLIT_V, PACK, UNPACK, RESIZE_NEAREST_NEIGHBOR: Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
