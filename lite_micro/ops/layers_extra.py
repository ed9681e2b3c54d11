"""TRANSPOSE_CONV, BATCH_MATMUL, UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF: Prepare steps.

Each op lives in a module of its own; this family collects their PREPARE tables.
"""

from __future__ import annotations

from . import batch_matmul, lstm, svdf, transpose_conv

PREPARE: dict = {}
for _module in (batch_matmul, lstm, svdf, transpose_conv):
    PREPARE.update(_module.PREPARE)
