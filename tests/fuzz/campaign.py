"""A fuzz campaign: deterministic cases (seed, number) -> mutant, run in worker processes.

Case k of seed s is always the same mutant of the same example model for the same target,
so any finding is reproduced by its (seed, case) pair, and is kept as a regression file.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import mutate, runner

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "examples" / "models"
REGRESSIONS_DIR = Path(__file__).resolve().parent / "regressions"
FAILURES = ("internal", "timeout", "memory")


@functools.lru_cache(maxsize=None)
def _model(name: str) -> tuple[bytes, mutate.Layout]:
    data = (MODELS_DIR / name).read_bytes()
    return data, mutate.layout(data)


@functools.lru_cache(maxsize=None)
def _names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in MODELS_DIR.glob("*.tflite")))


def model_names() -> list[str]:
    return list(_names())


def make_case(seed: int, number: int) -> tuple[bytes, str, bool, str]:
    """(mutant bytes, target, run inspect instead of gen, description)."""
    rng = random.Random(f"{seed}:{number}")
    name = rng.choice(model_names())
    data, lay = _model(name)
    mutant, what = mutate.mutate(data, lay, rng)
    target = rng.choice(runner.TARGETS)
    return mutant, target, rng.random() < 0.1, f"{name} {what}"


@dataclass
class Result:
    number: int
    kind: str
    detail: str
    message: str
    description: str
    target: str
    sanitizer: str = ""
    sanitized: bool = False


def run_one(seed: int, sanitize_every: int, number: int) -> Result:
    data, target, inspect, what = make_case(seed, number)
    out = runner.run_case(data, target, inspect)
    res = Result(number, out.kind, out.detail, out.message[:300], what, target)
    if out.gen is not None and sanitize_every and number % sanitize_every == 0 \
            and out.gen.arena_bytes <= runner.SANITIZE_MAX_ARENA:
        verdict = runner.sanitize_run(out.gen, seed=number)
        if verdict is not None:
            res.sanitizer, res.sanitized = verdict, True
    if out.kind in FAILURES or res.sanitizer:
        keep_regression(data, target, res)
    return res


def sanitize_chunk(seed: int, numbers: range) -> list[Result]:
    """The host cases among `numbers` (the others are skipped: not counted), each compiled as
    `run_one` does with its own prefix; the accepted ones are built into one sanitized
    executable and run once. On a finding, each is rebuilt alone to attribute it (a finding
    seen only in the batch is given to the case that was running)."""
    results, kept = [], []
    for number in numbers:
        data, target, inspect, what = make_case(seed, number)
        if target != "host" or inspect:
            continue
        out = runner.run_case(data, target, prefix=f"fz{number}")
        res = Result(number, out.kind, out.detail, out.message[:300], what, target)
        results.append(res)
        if out.kind in FAILURES:
            keep_regression(data, target, res)
        if out.gen is not None and out.gen.arena_bytes <= runner.SANITIZE_MAX_ARENA:
            kept.append((number, out.gen, data, res))
    verdict = runner.sanitize_batch([(n, gen) for n, gen, _, _ in kept]) if kept else ("", -1)
    if verdict is None:                       # gcc ran out of time: nothing counted
        return results
    finding, running = verdict
    for number, gen, data, res in kept:
        single = runner.sanitize_run(gen, seed=number) if finding else ""
        res.sanitized = single is not None
        if single:
            res.sanitizer = single
            keep_regression(data, "host", res)
    if finding and not any(res.sanitizer for _, _, _, res in kept):
        number, _, data, res = next((k for k in kept if k[0] == running), kept[0])
        res.sanitizer = f"only in a batch: {finding}"
        keep_regression(data, "host", res)
    return results


def keep_regression(data: bytes, target: str, res: Result) -> Path:
    REGRESSIONS_DIR.mkdir(exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = REGRESSIONS_DIR / f"{digest}.{target}.tflite"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(f"{res.kind} {res.detail} {res.sanitizer}\n{res.description}\n")
    return path


def _init_worker() -> None:
    os.nice(5)
    runner.limit_memory()


@dataclass
class Summary:
    cases: int = 0
    seconds: float = 0.0
    kinds: collections.Counter = field(default_factory=collections.Counter)
    details: collections.Counter = field(default_factory=collections.Counter)
    sanitized: int = 0
    sanitizer_findings: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def add(self, r: Result) -> None:
        self.cases += 1
        self.kinds[r.kind] += 1
        self.sanitized += r.sanitized
        if r.kind in ("refused",) + FAILURES:
            self.details[f"{r.kind}: {r.detail}"] += 1
        if r.sanitizer:
            self.sanitizer_findings.append((r.number, r.sanitizer, r.description))
        if r.kind in FAILURES:
            self.failures.append((r.number, r.detail, r.message, r.description))

    def report(self, top: int = 25) -> str:
        rate = self.cases / self.seconds if self.seconds else 0.0
        lines = [f"{self.cases} cases in {self.seconds:.1f} s ({rate:.1f} cases/s); "
                 f"sanitized {self.sanitized} accepted host mutants, "
                 f"{len(self.sanitizer_findings)} sanitizer findings"]
        for kind, n in self.kinds.most_common():
            lines.append(f"  {kind:<9} {n:>9}  {100.0 * n / max(self.cases, 1):6.2f}%")
        lines.append("most frequent refusals and failures:")
        lines += [f"  {n:>8}  {d}" for d, n in self.details.most_common(top)]
        for number, detail, message, what in self.failures[:20]:
            lines.append(f"  FAILURE case {number}: {detail}: {message} [{what}]")
        for number, finding, what in self.sanitizer_findings[:20]:
            lines.append(f"  SANITIZER case {number}: {finding} [{what}]")
        return "\n".join(lines)


def sanitize_sample(seed: int, start: int, sample: int, jobs: int = 1, chunk: int = 600,
                    seconds: float | None = None, progress=None) -> Summary:
    """Sanitize at least `sample` accepted host mutants from case `start` on, `chunk` cases
    (about 4% of them accepted host mutants) per executable, in `jobs` processes."""
    summary = Summary()
    t0 = time.monotonic()
    ctx = multiprocessing.get_context("fork")
    work = functools.partial(sanitize_chunk, seed)
    chunks = (range(k, k + chunk) for k in itertools.count(start, chunk))
    with ctx.Pool(jobs, initializer=_init_worker, maxtasksperchild=50) as pool:
        pending = collections.deque(pool.apply_async(work, (next(chunks),)) for _ in range(2 * jobs))
        while pending:
            for r in pending.popleft().get():
                summary.add(r)
            summary.seconds = time.monotonic() - t0
            if progress:
                progress(summary)
            if summary.sanitized >= sample or (seconds is not None and summary.seconds > seconds):
                pool.terminate()
                break
            pending.append(pool.apply_async(work, (next(chunks),)))
    summary.seconds = time.monotonic() - t0
    return summary


def campaign(seed: int, start: int, cases: int, jobs: int = 1, sanitize_every: int = 0,
             seconds: float | None = None, progress=None) -> Summary:
    """Run cases start..start+cases-1 (or until `seconds` have passed) in `jobs` processes."""
    summary = Summary()
    t0 = time.monotonic()
    ctx = multiprocessing.get_context("fork")
    work = functools.partial(run_one, seed, sanitize_every)
    with ctx.Pool(jobs, initializer=_init_worker, maxtasksperchild=2000) as pool:
        for r in pool.imap_unordered(work, range(start, start + cases), chunksize=4):
            summary.add(r)
            if progress and summary.cases % 1000 == 0:
                summary.seconds = time.monotonic() - t0
                progress(summary)
            if seconds is not None and time.monotonic() - t0 > seconds:
                pool.terminate()
                break
    summary.seconds = time.monotonic() - t0
    return summary
