"""Hypothesis strategies: random valid one-op configurations, one per op, by op family.

    common       building blocks (shapes, activations, weights, bias, fitted output quantization)
    conv         CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, AVERAGE_POOL_2D, MAX_POOL_2D
    matmul       FULLY_CONNECTED, BATCH_MATMUL, SVDF
    elementwise  binary ops, activations and other unary ops, QUANTIZE, DEQUANTIZE, CAST
    reduce       SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION, MEAN, SUM, REDUCE_MAX/MIN, ARG_MAX
    movement     reshapes, copies, pads, slices, splits, space/batch/depth, gathers (+ TILE)
    int16        the int16x8 forms, keyed "<OP>:int16"

Each family module has `STRATEGIES` (op name -> strategy). Here:

    INT8         every int8 op the conformance suite checks against TFLM
    INT16        the int16 forms
    CONFORMANCE  INT8 and INT16: what tests/conformance/test_ops.py runs
    LIGHT        ops whose CI draws fewer cases (copies, gathers, CAST, table and
                 single-formula ops; LIGHT_CASES in test_ops.py)
    WITHOUT_TFLM ops TFLM has no kernel for (checked against numpy in tests/ops)

hypothesis is a test extra: this package is the only part of lite_micro that imports it, and
nothing outside the tests imports this package.
"""
from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:           # the rest of lite_micro.testing works without it
    raise ImportError("the conformance strategies need hypothesis: pip install hypothesis") from exc

from lite_micro.testing.strategies import conv, elementwise, int16, matmul, movement, reduce
from lite_micro.testing.strategies.elementwise import TFLM_LACKS_INT8
from lite_micro.testing.strategies.movement import WITHOUT_TFLM

INT8 = {**conv.STRATEGIES, **matmul.STRATEGIES, **elementwise.STRATEGIES, **reduce.STRATEGIES,
        **movement.STRATEGIES}
INT16 = dict(int16.STRATEGIES)
CONFORMANCE = {**INT8, **INT16}
LIGHT = ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "GATHER",
         "GATHER_ND", "CAST", "SQUARED_DIFFERENCE", "ABS", "RSQRT", "LOG_SOFTMAX", "L2_NORMALIZATION")

__all__ = ["CONFORMANCE", "INT8", "INT16", "LIGHT", "TFLM_LACKS_INT8", "WITHOUT_TFLM"]
