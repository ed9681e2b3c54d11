"""`litemicro report MODEL [--target T[,T...]] [-o report.html] [--png FILE]`."""

from __future__ import annotations

import shlex
from pathlib import Path

from ..errors import LiteMicroError
from ..latency import latency_ms
from ..progress import Progress
from ..targets import Target, load_target
from .data import collect
from .html import render_html


def report_targets(spec: str) -> list[Target]:
    """The targets of `--target a,b,c`; one clear line for an unknown one, before any work."""
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise LiteMicroError("--target needs at least one target name")
    return [load_target(name) for name in names]


def run_report(args, command: str) -> int:
    """args.target: the list of Targets (see report_targets)."""
    targets = args.target
    latency_ms(None, args.clock_mhz)  # a bad clock is an error before any work
    if args.png:
        from .png import _pyplot
        _pyplot()  # fail early, before minutes of measuring, when matplotlib is missing
    facts = []
    with Progress.for_stderr() as progress:
        for k, target in enumerate(targets):
            progress(f"[{k + 1}/{len(targets)}] {target.name}: compiling")
            facts.append(collect(args.model, target, measure=not args.no_measure, progress=progress,
                                 clock_mhz=args.clock_mhz))
    out = Path(args.output)
    _write(out, render_html(facts, command=_short(command)))
    lines = [f"report for {facts[0]['model']} on {', '.join(t.name for t in targets)} -> {out}"]
    if args.png:
        from .png import write_png
        lines.append(f"arena plan and per-layer bars ({facts[0]['target']}) -> {write_png(facts[0], args.png)}")
    for f in facts:
        lines += [f"  {f['target']}: note: {n}" for n in f["notes"]]
    print("\n".join(lines))
    return 0


def _short(command: str) -> str:
    """The command line without folders (no paths of this machine in a shared page)."""
    return " ".join(Path(word).name if "/" in word else word for word in shlex.split(command))


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise LiteMicroError(f"cannot write {path}: {exc.strerror}") from None
