"""SUB, MUL, MAXIMUM, MINIMUM (element-wise, with broadcasting): Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
