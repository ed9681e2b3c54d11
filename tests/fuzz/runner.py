"""Run one fuzz case in-process, as the command line would, and classify its outcome.

Outcomes: "accepted" (C generated), "refused" (LiteMicroError: exit 2), "internal" (any other
exception: exit 3, a bug of ours), "timeout" and "memory" (the per-case limits). A refused
case is also checked for a one-line, non-empty message.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import subprocess
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError, one_line
from lite_micro.inspection import inspect_model

TARGETS = ("host", "cortex-m0plus", "cortex-m4")
TIME_LIMIT_S = 20.0             # seconds of the worker's CPU time: a loaded machine is no timeout
MEMORY_LIMIT_BYTES = 3 << 30
SANITIZE_MAX_ARENA = 64 << 20       # larger static arenas are not run under ASan


class CaseTimeout(BaseException):
    """Raised by the timer inside a case that runs too long (not an Exception: no handler
    in the compiler may swallow it)."""


@dataclass
class Outcome:
    kind: str                   # accepted | refused | internal | timeout | memory
    detail: str = ""            # refusal category, or exception site for internal errors
    message: str = ""
    gen: object = None          # the Generated result of an accepted host case


def limit_memory(limit: int = MEMORY_LIMIT_BYTES) -> None:
    """Cap this process's address space (call in a worker process, never in the test runner)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _alarm(signum, frame):
    raise CaseTimeout()


def run_case(data: bytes, target: str, inspect: bool = False, time_limit: float = TIME_LIMIT_S,
             prefix: str = "fz") -> Outcome:
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, time_limit)
    try:
        if inspect:
            inspect_model(data, target, stack=False)   # the stack measurement compiles C: own tests
            return Outcome("accepted")
        gen = compile_model(data, Options(target=target, prefix=prefix, budget=True))
        return Outcome("accepted", gen=gen if target == "host" else None)
    except CaseTimeout:
        return Outcome("timeout")
    except MemoryError:
        return Outcome("memory")
    except LiteMicroError as exc:
        text = one_line(exc)
        bad = "" if text.strip() and "\n" not in text else "bad-message:"
        return Outcome("refused", bad + refusal_category(text), text)
    except Exception as exc:  # noqa: BLE001 - every other exception is a bug of ours
        return Outcome("internal", internal_site(exc), one_line(f"{type(exc).__name__}: {exc}"))
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def refusal_category(text: str) -> str:
    """A refusal message without its numbers and names: groups the same check together."""
    text = re.sub(r"'[^']*'", "'_'", text)
    text = re.sub(r"\([^)]*\)", "", text)
    text = re.sub(r"-?\d[\d,.e+-]*|inf|nan", "N", text)
    text = re.sub(r"op #N [A-Z0-9_()]+", "op", text)
    return " ".join(text.split()[:9])


def internal_site(exc: BaseException) -> str:
    """Exception type and the innermost compiler frame: one site per bug."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "lite_micro" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__}@{where}"


# ---- accepted mutants under AddressSanitizer and UndefinedBehaviorSanitizer ----

SAN_FLAGS = ["-O1", "-g", "-std=c99", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer", "-w"]


def _unlimit_memory() -> None:
    """ASan reserves terabytes of address space: lift the worker's cap in its child."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def harness(gen, seed: int) -> str:
    """A main() that fills every input with values of its type, invokes twice and exits."""
    return "\n".join(["#include <string.h>", f'#include "{gen.prefix}.h"', *model_runner(gen, seed),
                      "int main(void) {", f"  return run_{gen.prefix}();", "}", ""])


def model_runner(gen, seed: int) -> list[str]:
    """C lines of `static int run_<prefix>(void)`: every input filled with values of its type
    (drawn from `seed`), two invokes; nonzero when an invoke fails."""
    rng = np.random.default_rng(seed)
    lines = [f"static int run_{gen.prefix}(void) {{"]
    for k, info in enumerate(gen.inputs):
        if info.dtype == "float32":
            lo, hi = info.value_range
            values = rng.uniform(lo, hi, size=max(info.nbytes // 4, 1)).astype(np.float32)
        else:
            values = rng.integers(-128, 128, size=info.nbytes).astype(np.int8)
        raw = values.tobytes()[:info.nbytes]
        body = ",".join(str(b) for b in raw) or "0"
        lines.append(f"  static const unsigned char in{k}[] = {{{body}}};")
        lines.append(f"  memcpy((void *){gen.prefix}_input({k}), in{k}, {info.nbytes});")
    return lines + [f"  if ({gen.prefix}_invoke() != 0) return 1;",
                    f"  return {gen.prefix}_invoke() != 0;", "}"]


OBJECT_CACHE = Path(tempfile.gettempdir()) / "lm-fuzz-objects"


def sanitize_run(gen, seed: int = 0, timeout: float = 120.0) -> str | None:
    """Compile the generated C with ASan+UBSan and run it; '' when clean, else the finding;
    None when gcc ran out of time (a loaded machine, not a finding: the case is not counted).
    Objects are cached by content: runtime kernels shared by many mutants compile once."""
    try:
        return _sanitize_run(gen, seed, timeout)
    except subprocess.TimeoutExpired as exc:
        if exc.cmd and exc.cmd[0] == "gcc":
            return None
        raise


def _sanitize_run(gen, seed: int, timeout: float) -> str:
    with tempfile.TemporaryDirectory(prefix="lm-fuzz-") as tmp:
        out = Path(tmp)
        files = dict(gen.files, **{"main.c": harness(gen, seed)})
        for name, text in files.items():
            (out / name).write_text(text)
        headers = "".join(files[n] for n in sorted(files) if n.endswith(".h"))
        runtime = _runtime_headers(files)     # all a runtime file can include: its objects are shared
        objects = []
        for name in sorted(n for n in files if n.endswith(".c")):
            obj, error = _object(out, name, files[name] + (runtime if name.startswith("lm_") else headers), timeout)
            if error:
                return "compile: " + one_line(error[-400:])
            objects.append(str(obj))
        cc = subprocess.run(["gcc", *SAN_FLAGS, "-o", str(out / "run"), *objects, "-lm"],
                            capture_output=True, text=True, timeout=timeout)
        if cc.returncode != 0:
            return "link: " + one_line(cc.stderr[-400:])
        return _run_sanitized(out / "run", timeout)


def _runtime_headers(files: dict[str, str]) -> str:
    return "".join(files[n] for n in sorted(files) if n.startswith("lm_") and n.endswith(".h"))


def _object(folder: Path, name: str, key_text: str, timeout: float) -> tuple[Path, str]:
    key = hashlib.sha256("\0".join([*SAN_FLAGS, name, key_text]).encode()).hexdigest()[:24]
    obj = OBJECT_CACHE / f"{key}.o"
    if obj.is_file():
        return obj, ""
    OBJECT_CACHE.mkdir(exist_ok=True)
    tmp_obj = folder / f"{name}.o"
    cc = subprocess.run(["gcc", *SAN_FLAGS, "-c", "-o", str(tmp_obj), str(folder / name)],
                        capture_output=True, text=True, timeout=timeout)
    if cc.returncode != 0:
        return obj, cc.stderr or "failed"
    os.replace(tmp_obj, obj)                   # both under the temporary folder: atomic
    return obj, ""


def _run_sanitized(exe: Path, timeout: float) -> str:
    return _run_sanitized_text(exe, timeout)[0]


def _run_sanitized_text(exe: Path, timeout: float) -> tuple[str, str]:
    """(finding or '', the run's stderr)."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="print_stacktrace=1")
    try:
        run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=timeout, env=env,
                             preexec_fn=_unlimit_memory)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr or ""
        return "run: timeout", err.decode(errors="replace") if isinstance(err, bytes) else err
    if run.returncode != 0 or "runtime error" in run.stderr:
        found = [ln for ln in run.stderr.splitlines() if "runtime error" in ln or "ERROR:" in ln]
        return "run: " + one_line((found or [f"exit {run.returncode}"])[0]), run.stderr
    return "", run.stderr


# ---- many accepted mutants in one executable: one link and one run per batch ----

def batch_harness(cases: list[tuple[int, object]]) -> str:
    """main() running each (case number, Generated) in turn, inputs drawn from its number as in
    `harness`; it names each case on stderr before running it (a finding names its case)."""
    lines = ["#include <stdio.h>", "#include <string.h>"]
    lines += [f'#include "{gen.prefix}.h"' for _, gen in cases]
    for number, gen in cases:
        lines += model_runner(gen, number)
    lines.append("int main(void) {")
    for number, gen in cases:
        lines += [f'  fprintf(stderr, "case {number}\\n");', f"  if (run_{gen.prefix}() != 0) return 1;"]
    return "\n".join(lines + ["  return 0;", "}", ""])


def sanitize_batch(cases: list[tuple[int, object]], timeout: float = 600.0) -> tuple[str, int] | None:
    """Build every case (distinct prefixes) into one ASan+UBSan executable and run it:
    ('', -1) when clean, else (the finding, the case it ran in); None when gcc timed out.
    Runtime objects are cached by content; the models' sources are compiled in one gcc."""
    try:
        return _sanitize_batch(cases, timeout)
    except subprocess.TimeoutExpired as exc:
        if exc.cmd and exc.cmd[0] == "gcc":
            return None
        raise


def _sanitize_batch(cases, timeout: float) -> tuple[str, int]:
    files: dict[str, str] = {}
    for _, gen in cases:
        for name, text in gen.files.items():
            if files.setdefault(name, text) != text:
                return f"batch: two models ship different {name}", cases[0][0]
    files["main.c"] = batch_harness(cases)
    with tempfile.TemporaryDirectory(prefix="lm-fuzz-batch-") as tmp:
        out = Path(tmp)
        for name, text in files.items():
            (out / name).write_text(text)
        runtime = _runtime_headers(files)
        objects, sources = [], []
        for name in sorted(n for n in files if n.endswith(".c")):
            if not name.startswith("lm_"):
                sources.append(name)
                continue
            obj, error = _object(out, name, files[name] + runtime, timeout)
            if error:
                return "compile: " + one_line(error[-400:]), cases[0][0]
            objects.append(str(obj))
        cc = subprocess.run(["gcc", *SAN_FLAGS, "-c", *sources], cwd=out, capture_output=True, text=True,
                            timeout=timeout)
        if cc.returncode != 0:
            return "compile: " + one_line(cc.stderr[-400:]), cases[0][0]
        objects += [str(out / (Path(n).stem + ".o")) for n in sources]
        cc = subprocess.run(["gcc", *SAN_FLAGS, "-o", str(out / "run"), *objects, "-lm"],
                            capture_output=True, text=True, timeout=timeout)
        if cc.returncode != 0:
            return "link: " + one_line(cc.stderr[-400:]), cases[0][0]
        finding, stderr = _run_sanitized_text(out / "run", timeout)
        ran = re.findall(r"^case (\d+)$", stderr, re.M)
        return finding, (int(ran[-1]) if finding and ran else -1)
