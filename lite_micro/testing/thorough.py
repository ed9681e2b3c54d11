"""The thorough conformance mode, op by op and seed by seed, resumable.

    python3 -m lite_micro.testing.thorough --seeds 11,22,33 --cases 500 --log runs.jsonl [OP ...]

Draws `--cases` distinct models per op and seed exactly as the conformance test does
(tests/conformance/test_ops.py: seed crc32(op) + seed, the same strategies, int16 forms
included), checks them against the TFLM interpreter in batches of `--batch` models (one C
compile each) and appends one JSON line per (op, seed) to the log:
cases, distinct configurations, informative cases, failures, seconds, the commit. A pair
already in the log is skipped, so a run that was stopped resumes where it ended. A failure
is shrunk and kept under tests/conformance/regressions/ as in CI. `--table` prints the
log's totals per op as a Markdown table; `--informative` prints each op's informative share
per seed from TFLM's outputs alone (a quick look at a strategy, no C build), e.g.

    python3 -m lite_micro.testing.thorough --informative --cases 20 --seeds 1,2,3,4,5 ABS RSQRT
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

from lite_micro.testing.conformance import run_cases, save_regression
from lite_micro.testing.sampling import minimize, sample_cases

FAILURES = ("mismatch", "error", "tflm", "unsupported")
REGRESSIONS = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "regressions"


def all_strategies() -> dict:
    """Every op-level strategy the conformance suite runs: the int8 ops, the coverage ops and
    the int16 forms (keyed "<OP>:int16")."""
    from lite_micro.testing.strategies import CONFORMANCE
    return CONFORMANCE


def distinct_cases(strategy, n: int, seed: int) -> tuple[list, int]:
    """The first n distinct models among the strategy's draws, and how many draws that took
    (for replaying the same draws when shrinking)."""
    draws = sample_cases(strategy, n + n // 2 + 5, seed)
    cases, seen = [], set()
    for k, case in enumerate(draws):
        model = bytes(case.build())
        if model not in seen:
            seen.add(model)
            cases.append(case)
        if len(cases) == n:
            return cases, k + 1
    return cases, len(draws)


def configuration(case) -> tuple:
    """What a case exercises apart from its numbers: options, shapes, dtypes, constness."""
    tensors = tuple((tuple(t.shape), t.dtype, t.data is not None)
                    for t in case.inputs + case.outputs if t is not None)
    return case.op, repr(sorted(case.options.items())), tensors


def check_op_seed(op: str, seed_value: int, n: int, batch: int, workdir, shrink_s: float) -> dict:
    """One op under one seed: n distinct cases against TFLM; the figures as a dict."""
    strategy = all_strategies()[op]
    seed = zlib.crc32(op.encode()) + seed_value
    start = time.monotonic()
    cases, draws = distinct_cases(strategy, n, seed)
    models = [bytes(c.build()) for c in cases]
    problems, spread = [], {}
    for lo in range(0, len(models), batch):
        part = {}
        found = run_cases(models[lo:lo + batch], workdir=workdir, spread=part)
        spread.update({lo + i: v for i, v in part.items()})
        for p in found:
            p.index += lo
        problems += found
    failures = [p for p in problems if p.kind in FAILURES]
    row = dict(op=op, seed=seed_value, requested=n, cases=len(models),
               configs=len({configuration(c) for c in cases}),
               informative=sum(1 for v in spread.values() if v.informative()),
               failures=len(failures), kinds=sorted({p.kind for p in failures}),
               examples=[p.summary() for p in failures[:3]])
    if failures:
        known = {m: None for m in models}
        known.update({p.model: p for p in problems})
        smallest = minimize(strategy, draws, seed, known, FAILURES, shrink_s) or failures[0]
        row["regression"] = save_regression(smallest, REGRESSIONS).name
        row["smallest"] = smallest.summary()
    row["seconds"] = round(time.monotonic() - start, 1)
    return row


def informative_share(op: str, seed_value: int, n: int) -> tuple[int, int]:
    """(informative cases, cases) of one op and seed, from TFLM's outputs alone: the cases
    the conformance test draws, without building our C (a quick look at a strategy)."""
    from tflite_micro.python.tflite_micro import runtime

    from lite_micro.api import Options, compile_model
    from lite_micro.testing.conformance import Spread, graph_outputs, model_inputs
    cases, _ = distinct_cases(all_strategies()[op], n, zlib.crc32(op.encode()) + seed_value)
    informative = 0
    for case in cases:
        model = bytes(case.build())
        gen = compile_model(model, Options(target="host"))
        oracle = runtime.Interpreter.from_bytes(model, arena_size=max(1 << 20, 10 * len(model)))
        seen = []
        for inputs in model_inputs(gen, 3, zlib.crc32(model))[:3]:   # as run_cases: seed 0
            for j, arr in enumerate(inputs):
                oracle.set_input(arr, j)
            oracle.invoke()
            seen += [oracle.get_output(j) for j in range(graph_outputs(model))]
        informative += Spread.of(seen).informative()
    return informative, len(cases)


def commit() -> str:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def table(rows: list[dict]) -> str:
    """Per op: cases x seeds, distinct configurations (summed over seeds), informative
    share, failures, seconds; the last line totals them."""
    per_op: dict[str, list[dict]] = {}
    for r in rows:
        per_op.setdefault(r["op"], []).append(r)
    lines = ["| op | cases per seed (total) | seeds | distinct configurations | informative | "
             "failures | seconds | commits |", "|---|---:|---|---:|---:|---:|---:|---|"]
    total = dict(cases=0, failures=0, seconds=0.0)
    for op in sorted(per_op):
        rs = per_op[op]
        cases = sum(r["cases"] for r in rs)
        sizes = "+".join(str(r["cases"]) for r in rs)
        share = sum(r["informative"] for r in rs) / max(1, cases)
        fails = sum(r["failures"] for r in rs)
        secs = sum(r["seconds"] for r in rs)
        seeds = ",".join(str(r["seed"]) for r in rs)
        commits = ",".join(sorted({r["commit"][:7] for r in rs}))
        lines.append(f"| {op} | {sizes} ({cases}) | {seeds} | {sum(r['configs'] for r in rs)} | "
                     f"{share:.0%} | {fails} | {secs:.0f} | {commits} |")
        total.update(cases=total["cases"] + cases, failures=total["failures"] + fails,
                     seconds=total["seconds"] + secs)
    lines.append(f"| all {len(per_op)} ops | {total['cases']} | | | | {total['failures']} | "
                 f"{total['seconds']:.0f} | |")
    missing = sorted(set(all_strategies()) - set(per_op))
    if missing:
        lines.append(f"\nNot run yet ({len(missing)}): {', '.join(missing)}.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ops", nargs="*", help="ops to check (default: every op-level strategy)")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--batch", type=int, default=250, help="models per C compile")
    ap.add_argument("--log", type=Path, default=Path("conformance-thorough.jsonl"))
    ap.add_argument("--shrink-seconds", type=float, default=300.0)
    ap.add_argument("--stop-at", default="", help="UTC time HH:MM after which no new (op, seed) "
                    "starts (the log keeps what finished; run again to resume)")
    ap.add_argument("--table", action="store_true", help="print the log's table and stop")
    ap.add_argument("--informative", action="store_true", help="print each op's informative share "
                    "per seed from TFLM's outputs alone (no C build, no log) and stop")
    args = ap.parse_args(argv)
    if args.table:
        print(table(read_log(args.log)))
        return 0
    seeds = [int(s) for s in args.seeds.replace(",", " ").split()]
    ops = args.ops or sorted(all_strategies())
    unknown = sorted(set(ops) - set(all_strategies()))
    if unknown:
        print(f"thorough: no strategy for {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.informative:
        for op in ops:
            shares = [informative_share(op, s, args.cases) for s in seeds]
            print(f"{op:24s} " + " ".join(f"{k / max(1, n):5.0%}" for k, n in shares) +
                  f"   lowest {min(k / max(1, n) for k, n in shares):.0%}", flush=True)
        return 0
    done = {(r["op"], r["seed"], r["requested"]) for r in read_log(args.log)}
    workdir = args.log.parent / "thorough-build"
    workdir.mkdir(parents=True, exist_ok=True)
    for seed_value in seeds:                  # every op on one seed before the next seed
        for op in ops:                        # in the order given
            if (op, seed_value, args.cases) in done:
                continue
            if args.stop_at and time.strftime("%H:%M", time.gmtime()) >= args.stop_at:
                print(f"thorough: stopped at {args.stop_at} UTC; run again to resume", flush=True)
                return 0
            row = check_op_seed(op, seed_value, args.cases, args.batch, workdir,
                                args.shrink_seconds)
            row["commit"] = commit()
            with args.log.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
