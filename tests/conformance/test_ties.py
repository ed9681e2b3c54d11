"""Exact float32 ties, per op family: the scales make every multiplier's float32 ratio an
exact .5 tie (or an int16 rounding boundary) while the double ratio lies just beside it, so
a Prepare step that takes the ratio in the other precision than the interpreter rounds some
outputs the other way. All families run in one batch (one C compile), against TFLM."""
import collections

from lite_micro.testing.conformance import run_cases
from lite_micro.testing.ties import all_tie_cases

FAMILIES = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "ADD", "SUB",
            "MUL", "BATCH_MATMUL", "QUANTIZE", "SUM", "MEAN", "PRELU", "RELU", "RELU6",
            "LEAKY_RELU", "HARD_SWISH"}


def test_every_family_has_tie_cases():
    counts = collections.Counter(case.op for case in all_tie_cases())
    assert set(counts) == FAMILIES and min(counts.values()) >= 3, counts


def test_tie_cases_match_tflm(tmp_path):
    cases = all_tie_cases()
    problems = run_cases(cases, inputs_per_model=4, workdir=tmp_path)
    lines = [p.summary() for p in problems]
    assert not problems, f"{len(problems)} of {len(cases)} tie cases fail:\n" + "\n".join(lines)
