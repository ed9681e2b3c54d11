"""LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH: Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
