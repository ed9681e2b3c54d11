"""QUANTIZE, DEQUANTIZE: Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
