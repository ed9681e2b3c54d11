"""TRANSPOSE_CONV, BATCH_MATMUL, UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF: Prepare steps."""

from __future__ import annotations

PREPARE: dict = {}
