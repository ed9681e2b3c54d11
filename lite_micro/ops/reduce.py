"""MEAN, ARG_MAX: Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
