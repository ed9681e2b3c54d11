"""Mutation testing: apply deliberate bugs to a copy of the tree, one at a time, and report
which tests catch each.

    python3 tests/mutation/run.py                    # every mutation against its tests
    python3 tests/mutation/run.py tie_rounding relu_clamp_127   # some of them
    python3 tests/mutation/run.py --list             # names, files and tests
    python3 tests/mutation/run.py --tests "tests/conformance/test_ops.py -k CONV_2D" NAME
                                                     # other tests for the named mutations

A mutation is a small textual patch: a file, its exact old text (which must occur exactly
once) and the new text, plus the tests that should catch it (pytest arguments). For each
mutation the tracked files of the tree (`git ls-files`, with their uncommitted edits) are
copied to a temporary directory, the patch is applied there (never to the real files), and
each test runs there with PYTHONPATH pointing at the copy and the environment of this
command: LITEMICRO_SEED and LITEMICRO_CASES apply; without LITEMICRO_SEED, the seed CI uses
for the current commit. A test that fails catches the mutation (pytest exit status 1; a
usage error or an interrupted run is reported as an error, never as a catch).

A mutation whose old text is missing or ambiguous is reported STALE (the code it targets
has changed: retarget its pattern); tests/mutation/test_run.py fails in CI on a stale one.
The command exits 1 if any mutation is stale or missed by all its tests.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = "tests/conformance/test_ops.py"


@dataclass
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]   # pytest arguments, one string per test run
    what: str = ""


def _op(op: str) -> str:
    return f"{CONFORMANCE}::test_op_matches_tflm[{op}]"


MUTATIONS = [
    Mutation("tie_rounding", "templates/runtime/lm_common.h",
             "((int64_t)1 << (right - 1)) - (high < 0 ? 1 : 0)) >> right",
             "((int64_t)1 << (right - 1))) >> right",
             (_op("CONV_2D"), _op("FULLY_CONNECTED"), _op("ADD"), _op("SUB"), _op("MUL"),
              "tests/conformance/test_ties.py"),
             "requantization rounds negative ties up instead of away from zero"),
    Mutation("tie_rounding_eltwise", "templates/runtime/lm_eltwise.c",
             "const int32_t threshold = (q->mask >> 1) + (high < 0 ? 1 : 0);",
             "const int32_t threshold = (q->mask >> 1);",
             (_op("SUB"), _op("MUL"), "tests/conformance/test_ties.py"),
             "SUB and MUL's own requantization rounds negative ties up"),
    Mutation("padding_split", "lite_micro/ops/common.py",
             "    return total // 2\n", "    return (total + 1) // 2\n",
             (_op("CONV_2D"), _op("AVERAGE_POOL_2D")),
             "the odd padding pixel goes before instead of after"),
    Mutation("relu_clamp_127", "lite_micro/ops/activations.py",
             "act_min = max(-128, output_zp)", "act_min = max(-127, output_zp)",
             (_op("RELU"),), "RELU clamps at -127"),
    Mutation("stride_swap", "lite_micro/ops/conv.py",
             '(o.stride_h, o.stride_w),', '(o.stride_w, o.stride_h),',
             (_op("CONV_2D"),), "strides swapped in the padding check: the compiler refuses"),
    Mutation("softmax_zero_point", "templates/runtime/lm_softmax.c",
             "bits + 31 - out_bits) + lowest;",
             "bits + 31 - out_bits) + lowest + 1;",
             (_op("SOFTMAX"),), "softmax output zero point off by one"),
    Mutation("planner_overlap", "lite_micro/planner/plan.py",
             "return self.first <= other.last and other.first <= self.last",
             "return self.first < other.last and other.first < self.last",
             ("tests/test_models_host.py", _op("CONV_2D")),
             "a buffer may share bytes with one that dies at the step it is born"),
    Mutation("depthwise_border", "templates/runtime/lm_dwconv.c",
             "border = ky0 != 0 || ky1 != k_h || kx0 != 0 || kx1 != k_w;",
             "border = ky0 != 0 || ky1 != k_h || kx0 != 0;",
             (_op("DEPTHWISE_CONV_2D"),), "depthwise forgets the zero point of right padding"),
    Mutation("dsp_lane_pairing", "templates/runtime/lm_dwconv.c",
             "acc.a1 = __smlad(lm_sxtb16_odd(lo), lm_sxtb16_odd(w01), acc.a1);",
             "acc.a1 = __smlad(lm_sxtb16_odd(lo), __sxtb16(w01), acc.a1);",
             ("tests/kernels/test_depthwise_add_fast.py -k 'firmware and 5x5'",),
             "DSP dot product pairs odd lanes of one operand with even lanes of the other"),
    Mutation("dw3x3_weight_pairs", "templates/runtime/lm_dwconv_3x3_pair.h",
             "ch.w.b1 = lm_simd_odd(r1);", "ch.w.b1 = lm_simd_even(r1);",
             ("firmware_tests/test_models_qemu.py -k 'cortex-m4 and vww'",),
             "the one-pass 3x3 walk takes (w0, w1) where it needs (w1, w2)"),
    Mutation("dw3x3_edge_zero_point", "templates/runtime/lm_dwconv_3x3_pair.h",
             "((ch.w.b0 >> 16) + (ch.w.b1 >> 16) + (ch.w.b2 >> 16))", "((ch.w.b0 >> 16) + (ch.w.b1 >> 16))",
             ("tests/kernels/test_depthwise_add_fast.py -k 'depthwise_matches and cortex'",),
             "the one-pass 3x3 walk forgets a kernel row's zero-point term at a padded last column"),
    Mutation("dw3x3_border_rows", "templates/runtime/lm_dwconv_3x3_pair.h",
             "const int32_t base = LM_MAX(0, LM_MIN(iy0, in_h - 3)), shift = base - iy0;",
             "const int32_t base = LM_MAX(0, LM_MIN(iy0, in_h - 3)), shift = 0;",
             ("tests/kernels/test_depthwise_add_fast.py -k 'depthwise_matches and cortex'",),
             "the one-pass 3x3 walk reads padded lines with unshifted weights"),
    Mutation("leaky_relu_float32", "lite_micro/ops/activations.py",
             "return quant.f64(numerator) * quant.f64(factor) / quant.f64(denominator)",
             "return float(np.float32(numerator) * np.float32(factor) / np.float32(denominator))",
             (_op("LEAKY_RELU"), _op("RELU"), "tests/conformance/test_ties.py"),
             "RELU/LEAKY_RELU/HARD_SWISH ratios in float32 (the LEAKY_RELU bug)"),
    Mutation("conv_float32", "lite_micro/quant/__init__.py",
             "eff = f64(input_scale) * f64(fs) / f64(output_scale)",
             "eff = float(np.float32(input_scale) * np.float32(fs) / np.float32(output_scale))",
             (_op("CONV_2D"), "tests/conformance/test_ties.py"),
             "convolution multipliers from a float32 product"),
    Mutation("svdf_float32", "lite_micro/ops/svdf.py",
             "return quant.quantize_multiplier(quant.f64(a) * quant.f64(b) / quant.f64(c))",
             "return quant.quantize_multiplier(float(np.float32(a) * np.float32(b) / np.float32(c)))",
             (_op("SVDF"), "tests/conformance/test_ties.py"), "SVDF effective scales in float32"),
    Mutation("lstm_float32", "lite_micro/ops/lstm.py",
             "quant.conv_channel_multipliers(source.scale, [op.input(i).scale for i in slots],",
             "quant.conv_channel_multipliers(1.0, [float(np.float32(source.scale) * np.float32("
             "op.input(i).scale)) for i in slots],",
             ("tests/conformance/test_ties.py",), "LSTM gate FC multipliers from a float32 product"),
    Mutation("softmax_float32", "lite_micro/quant/__init__.py",
             "real = min(f64(beta) * f64(input_scale) * float(1 << (31 - integer_bits)), max_real)",
             "real = min(float(np.float32(beta) * np.float32(input_scale))"
             " * float(1 << (31 - integer_bits)), max_real)",
             ("tests/conformance/test_ties.py",), "SOFTMAX beta * input scale in float32"),
]


def ci_seed() -> int:
    """The seed CI uses for this tree's commit."""
    sys.path.insert(0, str(ROOT))
    from lite_micro.testing.runs import commit_seed
    return commit_seed()[0]


def copy_tree(dest: Path) -> None:
    """The tracked files of the tree (as they are now, edits included) into dest."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def apply(m: Mutation, tree: Path) -> str:
    """Patch the copy; returns "" or why the mutation is stale."""
    path = tree / m.file
    if not path.is_file():
        return f"{m.file} does not exist"
    text = path.read_text()
    count = text.count(m.old)
    if count != 1:
        return f"old text found {count} times in {m.file}"
    path.write_text(text.replace(m.old, m.new))
    return ""


def run_test(args: str, tree: Path, timeout: float) -> tuple[str, float]:
    """("caught" | "passed" | "timeout", seconds) of one pytest run in the mutated copy."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.setdefault("LITEMICRO_SEED", str(ci_seed()))   # the copy is no git checkout
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q"] + shlex.split(args)
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    # 1: a test failed (caught); 0: all passed; anything else is a broken run, not a catch
    status = {0: "passed", 1: "caught", 5: "no tests"}.get(done.returncode, f"error {done.returncode}")
    return status, time.monotonic() - start


def run_mutation(m: Mutation, tests, timeout: float) -> list[tuple[str, str, float]]:
    with tempfile.TemporaryDirectory(prefix=f"mutation-{m.name}-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        stale = apply(m, tree)
        if stale:
            return [("-", f"STALE: {stale}", 0.0)]
        return [(t, *run_test(t, tree, timeout)) for t in tests]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--tests", action="append", help="pytest arguments replacing the "
                        "mutation's own tests (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per test run")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        print(f"unknown mutation(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if args.list:
        for m in chosen:
            print(f"{m.name:20s} {m.file}: {m.what}\n{'':20s} tests: {'; '.join(m.tests)}")
        return 0
    bad = 0
    print(f"seed {os.environ.get('LITEMICRO_SEED') or ci_seed()}, cases per op: "
          f"{os.environ.get('LITEMICRO_CASES') or 'CI default'}")
    print(f"{'mutation':20s} {'result':8s} {'seconds':>7s}  test")
    for m in chosen:
        rows = run_mutation(m, args.tests or m.tests, args.timeout)
        for test, status, seconds in rows:
            print(f"{m.name:20s} {status:8s} {seconds:7.0f}  {test}", flush=True)
        caught = any(status == "caught" for _, status, _ in rows)
        if not caught:
            bad += 1
            label = "STALE" if rows[0][1].startswith("STALE") else "MISSED by every test"
            print(f"{m.name:20s} {label}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
