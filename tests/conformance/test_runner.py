"""The conformance runner itself: it must see a wrong byte, and must not count an
unsupported op as a pass."""
import os
import signal
import time

import numpy as np

from lite_micro.testing.conformance import Spread, model_inputs, run_cases, save_regression
from lite_micro.testing.isolate import Crashed, run_isolated
from lite_micro.testing.oneop import OpCase, TensorSpec
from lite_micro.toolchain import host


def _max_pool():
    spec = TensorSpec((1, 4, 4, 2), scale=0.05, zero_point=-3)
    out = TensorSpec((1, 2, 2, 2), scale=0.05, zero_point=-3)
    return OpCase("MAX_POOL_2D", [spec], [out], dict(
        padding="VALID", stride_h=2, stride_w=2, filter_height=2, filter_width=2,
        fused_activation_function="NONE"))


def test_matching_model_reports_nothing(tmp_path):
    assert run_cases([_max_pool()], workdir=tmp_path) == []


def test_a_single_wrong_byte_is_a_mismatch(tmp_path, monkeypatch):
    real_run = host.HostModule.run

    def off_by_one(self, prefix, inputs):
        outs = real_run(self, prefix, inputs)
        outs[0].flat[-1] = np.int8(outs[0].flat[-1] ^ 1)
        return outs

    monkeypatch.setattr(host.HostModule, "run", off_by_one)
    problems = run_cases([_max_pool()], workdir=tmp_path)
    assert [p.kind for p in problems] == ["mismatch"]
    assert "1 of 8 values differ" in problems[0].message
    path = save_regression(problems[0], tmp_path / "kept")
    assert path.read_bytes() == _max_pool().build()
    assert '"kind": "mismatch"' in path.with_suffix(".json").read_text()


def _patched_run(monkeypatch, change):
    real_run = host.HostModule.run
    monkeypatch.setattr(host.HostModule, "run", lambda self, prefix, inputs: change(
        real_run(self, prefix, inputs)))


def test_an_extra_output_is_a_mismatch(tmp_path, monkeypatch):
    _patched_run(monkeypatch, lambda outs: outs + [outs[0]])
    problems = run_cases([_max_pool()], workdir=tmp_path)
    assert [p.kind for p in problems] == ["mismatch"] and "2 outputs vs TFLM 1" in problems[0].message


def test_a_wrong_dtype_is_a_mismatch(tmp_path, monkeypatch):
    _patched_run(monkeypatch, lambda outs: [o.astype(np.int16) for o in outs])
    problems = run_cases([_max_pool()], workdir=tmp_path)
    assert [p.kind for p in problems] == ["mismatch"] and "dtype int16" in problems[0].message


def test_spread_tells_informative_cases_apart(tmp_path):
    spread = {}
    assert run_cases([_max_pool()], workdir=tmp_path, spread=spread) == []
    assert spread[0].informative() and spread[0].distinct > 10
    assert not Spread.of([np.full(8, 5, np.int8)]).informative()                  # constant
    assert not Spread.of([np.array([-128, 127] * 4 + [3], np.int8)]).informative()  # saturated
    assert Spread.of([np.array([0, 1], np.int32)]).informative()
    mostly_bias = np.concatenate([np.full(160, 7, np.int8), np.arange(-20, 20, dtype=np.int8)])
    assert Spread.of([mostly_bias]).informative()               # 80% one value, 40 others spread
    assert not Spread.of([mostly_bias[:170]]).informative()     # 94% one value, 10 others


def test_unsupported_op_is_recorded_not_passed(tmp_path):
    refused = OpCase("RELU", [TensorSpec((1, 8), scale=100.0, zero_point=0)],
                     [TensorSpec((1, 8), scale=1e-8, zero_point=0)])   # left shift 34: refused
    problems = run_cases([refused, _max_pool()], workdir=tmp_path)
    assert [(p.kind, p.index) for p in problems] == [("unsupported", 0)]
    assert "RELU" in problems[0].message and "shift 34" in problems[0].message


def test_inputs_cover_random_and_saturating_values():
    class Info:
        shape, dtype, scale, zero_point = (2, 3), "int8", 0.1, 0

    class Gen:
        inputs = outputs = [Info()]

    sets = model_inputs(Gen(), 3, 0)
    assert len(sets) == 5
    assert (sets[3][0] == -128).all() and (sets[4][0] == 127).all()
    assert len({s[0].tobytes() for s in sets[:3]}) == 3


def _check(item):
    if item == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "hang":
        time.sleep(30)
    return item.upper()


def test_a_crash_or_hang_is_charged_to_its_own_item():
    results = run_isolated(["a", "segv", "b", "hang", "c"], _check, timeout_s=2)
    assert results[0::2] == ["A", "B", "C"]
    assert isinstance(results[1], Crashed) and "-11" in results[1].reason
    assert isinstance(results[3], Crashed) and "within 2 s" in results[3].reason
