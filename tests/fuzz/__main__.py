"""Fuzz the compiler with mutants of the example models.

    python3 -m tests.fuzz --cases 1000000 --jobs 2 --sanitize-every 50      (hours)
    python3 -m tests.fuzz --seconds 3600                                    (an hour)

Prints the outcome histogram; every internal error, timeout, memory blow-up or sanitizer
finding is saved in tests/fuzz/regressions/ (replayed by tests/test_reliability_fuzz.py).
Exits 1 when there was any such finding.
"""

from __future__ import annotations

import argparse
import os
import sys

from .campaign import campaign, sanitize_sample


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--start", type=int, default=0, help="first case number")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    p.add_argument("--seconds", type=float, help="stop after this long")
    p.add_argument("--sanitize-every", type=int, default=0,
                   help="compile every Nth case, when accepted for the host, with ASan+UBSan and run it")
    p.add_argument("--sanitize-sample", type=int, default=0, metavar="N",
                   help="only the host cases: sanitize N accepted mutants, many per executable")
    p.add_argument("--batch-cases", type=int, default=600,
                   help="with --sanitize-sample: cases per executable (about 4%% accepted for the host)")
    args = p.parse_args(argv)
    if args.sanitize_sample:
        summary = sanitize_sample(args.seed, args.start, args.sanitize_sample, args.jobs, args.batch_cases,
                                  args.seconds, progress=lambda s: print(s.report(5), flush=True))
        print(summary.report())
        return 1 if summary.failures or summary.sanitizer_findings else 0
    summary = campaign(args.seed, args.start, args.cases, args.jobs, args.sanitize_every,
                       args.seconds, progress=lambda s: print(s.report(5), flush=True))
    print(summary.report())
    return 1 if summary.failures or summary.sanitizer_findings else 0


if __name__ == "__main__":
    sys.exit(main())
