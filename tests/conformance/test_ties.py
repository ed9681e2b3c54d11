"""Exact float32 ties, per op family: the scales make every multiplier's float32 ratio an
exact .5 tie (or an int16 rounding boundary) while the double ratio lies just beside it, so
a Prepare step that takes the ratio in the other precision than the interpreter rounds some
outputs the other way. All families run in one batch (one C compile), against TFLM.

SOFTMAX has no ties that show (its multiplier scales a difference into units of 2^-26): its
cases are (beta, scale) pairs for which the interpreter's own outputs differ between the
product in float32 and in double, on fixed rows (ties.softmax_precision_search).
UNIDIRECTIONAL_SEQUENCE_LSTM: the gate FCs' input * weight / 2^-12, input and recurrent,
are float32 ties; state carried over the steps makes a gate that rounds the other way show
in the hidden output. Not covered: the inter-gate multiplier 2^-15 * 2^-15 / hidden scale
(about 2^-23), which reaches a tie only where the product of two gate outputs is an odd
multiple of about 2^22, values random inputs almost never produce.
"""
import collections
import dataclasses

import numpy as np

from lite_micro.frontend.signatures import signature
from lite_micro.ops import lstm
from lite_micro.testing.conformance import run_cases
from lite_micro.testing.oneop import TensorSpec
from lite_micro.testing.ties import (
    SOFTMAX_SCALES,
    all_tie_cases,
    f32,
    softmax_precisions_differ,
    softmax_rows,
    softmax_tie_cases,
    tie_scale,
)

from lstm_cases import LSTM, lstm_case

FAMILIES = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "ADD", "SUB",
            "MUL", "BATCH_MATMUL", "QUANTIZE", "SUM", "MEAN", "PRELU", "RELU", "RELU6",
            "LEAKY_RELU", "HARD_SWISH", "SVDF", LSTM}

# (input weight scale, ratio, double above), (recurrent weight scale, ratio, double above)
LSTM_TIES = (((0.05, 2.5, True), (0.03, 1.5, False)), ((0.011, 2.5, False), (0.06, 2.5, True)),
             ((0.02, 2.5, True), (0.06, 1.5, False)), ((0.07, 1.5, True), (0.02, 3.5, False)))


def lstm_tie_case(k: int, w_in: float, in_s: float, w_rec: float, h_s: float):
    """An LSTM (3 batches, 8 steps) with small weights of the given scales, input scale in_s
    and hidden (and output) scale h_s."""
    rng = np.random.default_rng(40 + k)
    case = lstm_case(rng, batches=3, steps=8, in_depth=6, units=8, hidden_zp=(0, -7, 12, 3)[k % 4])
    ins = list(case.inputs)

    def weights(i, scale):
        return TensorSpec(ins[i].shape, "int8", scale, 0,
                          data=rng.integers(-3, 4, ins[i].shape).astype(np.int8))

    ins[0] = dataclasses.replace(ins[0], scale=in_s)
    slot = signature("UNIDIRECTIONAL_SEQUENCE_LSTM").slot
    for i in map(slot, lstm.IN_WEIGHTS):
        ins[i] = weights(i, w_in)
    for i in map(slot, lstm.REC_WEIGHTS):
        ins[i] = weights(i, w_rec)
    for i in map(slot, lstm.BIASES):
        ins[i] = TensorSpec((8,), "int32", float(f32(in_s * w_in)), 0,
                            data=rng.integers(-300, 300, 8).astype(np.int32))
    ins[slot(lstm.HIDDEN)] = dataclasses.replace(ins[slot(lstm.HIDDEN)], scale=h_s)
    out = dataclasses.replace(case.outputs[0], scale=h_s, zero_point=ins[slot(lstm.HIDDEN)].zero_point)
    return dataclasses.replace(case, inputs=ins, outputs=[out])


def lstm_tie_cases() -> list:
    cases = []
    for k, ((w_in, t_in, up_in), (w_rec, t_rec, up_rec)) in enumerate(LSTM_TIES):
        in_s = tie_scale(t_in, lstm.GATE_SCALE, factor=w_in, above=up_in)
        h_s = tie_scale(t_rec, lstm.GATE_SCALE, factor=w_rec, above=up_rec)
        cases.append(lstm_tie_case(k, w_in, in_s, w_rec, h_s))
    return cases


def test_every_family_has_tie_cases():
    counts = collections.Counter(case.op for case in all_tie_cases() + lstm_tie_cases())
    assert set(counts) == FAMILIES and min(counts.values()) >= 3, counts
    assert len(softmax_tie_cases()) >= 3


def test_softmax_cases_tell_float32_from_double():
    """The interpreter itself answers differently for the float32 product of each kept pair."""
    assert all(softmax_precisions_differ(beta, scale) for beta, scale in SOFTMAX_SCALES)


def test_tie_cases_match_tflm(tmp_path):
    cases = all_tie_cases() + lstm_tie_cases()
    problems = run_cases(cases, inputs_per_model=4, workdir=tmp_path)
    softmax = softmax_tie_cases()
    problems += run_cases(softmax, inputs_per_model=1, replay=[[[softmax_rows()]]] * len(softmax),
                          workdir=tmp_path)
    lines = [p.summary() for p in problems]
    assert not problems, f"{len(problems)} of {len(cases) + len(softmax)} tie cases fail:\n" + "\n".join(lines)
