"""Command line: gen, inspect, verify, bench, project, report.

Every command prints a one-line error and exits 2 on bad input (unreadable or unsupported
model, unknown target, a model that does not fit); verify exits 1 on a mismatch.

--target is the same for every command (default: targets.DEFAULT_TARGET). It is loaded once,
here, and the Target object goes down to the command (report: a list of them).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import sys
from pathlib import Path

from . import __version__
from .cli_args import HelpFormatter, epilog, json_error, parse_size
from .errors import LiteMicroError, one_line
from .targets import DEFAULT_TARGET, load_target

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    from .cli_args import add_placement_options, add_section_options

    more = epilog()
    p = argparse.ArgumentParser(prog="litemicro", description="Compile int8 TensorFlow Lite models to C.",
                                epilog=more, formatter_class=HelpFormatter)
    p.add_argument("--version", action="version", version=f"litemicro {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text, epilog=more, formatter_class=HelpFormatter)
        cmd.add_argument("model", help="the .tflite file")
        if name != "project":  # a project's board names its core
            cmd.add_argument("--target", default=DEFAULT_TARGET,
                             help="the core to compile for (see targets below)" if name != "report"
                             else "a target, or several separated by commas")
        cmd.add_argument("--ops", metavar="FILE", help="custom operators: a Python file defining register(registry)")
        if name in ("gen", "inspect", "verify", "bench"):
            cmd.add_argument("--ram-mode", choices=("fast", "small"), default="fast",
                             help="fast: in-place layers that cost next to no cycles; small: also those that "
                                  "cost cycles, for the smallest peak RAM")
        return cmd

    g = add("gen", "generate C for a model")
    g.add_argument("-o", "--output", help="output folder (default: ./<prefix>)")
    g.add_argument("--prefix", help="C symbol prefix (default: the sanitized model name)")
    g.add_argument("--ram", type=parse_size, help="RAM budget: bytes, or 32k, 256KiB, 1M (default: the target's)")
    g.add_argument("--flash", type=parse_size, help="flash budget: bytes, or 32k, 256KiB, 1M (default: the target's)")
    g.add_argument("--no-budget", action="store_true", help="skip the RAM/flash fit check")
    add_placement_options(g)

    i = add("inspect", "list ops, memory plan and anything unsupported")
    i.add_argument("--json", action="store_true", help="the report as JSON")

    v = add("verify", "compare every output byte with the TFLM interpreter")
    v.add_argument("--inputs", type=int, default=20, help="random input sets (after all -128 and all 127)")
    v.add_argument("--seed", type=int, default=0, help="seed of the random input sets")
    v.add_argument("--json", action="store_true", help="the result as JSON")
    v.add_argument("--data", metavar="FILE", help="your samples: .npy, .npz or a folder of .bin files")
    v.add_argument("--float", dest="float_model", metavar="MODEL",
                   help="the float model: error of the int8 model's dequantized outputs against it")
    v.add_argument("--per-layer", action="store_true",
                   help="compare every layer's output with TFLM's and name the first that differs")
    v.add_argument("--timeout", type=float, help="emulator time limit in seconds (default: scaled with the MACs)")

    b = add("bench", "exact instruction counts (QEMU) or host timing")
    b.add_argument("--json", action="store_true", help="the result as JSON")
    b.add_argument("--per-layer", action="store_true", help="a row per layer")
    b.add_argument("--clock-mhz", type=float,
                   help="core clock: estimated cycles become milliseconds (default: the target's reference part)")
    b.add_argument("--timeout", type=float, help="emulator time limit in seconds (default: scaled with the MACs)")

    rp = add("report", "one self-contained HTML page: layers, cycles, arena plan, fit")
    rp.add_argument("-o", "--output", default="report.html")
    rp.add_argument("--png", metavar="FILE", help="also draw the arena plan and cycle bars (matplotlib)")
    rp.add_argument("--no-measure", action="store_true", help="skip firmware link and QEMU counts")
    rp.add_argument("--clock-mhz", type=float, help="core clock: estimated cycles become milliseconds")

    pr = add("project", "write a PlatformIO or CMake project, or an Arduino library, for a board")
    pr.add_argument("--board", required=True, help="see boards below")
    pr.add_argument("-o", "--output", default=None, help="project folder (default: ./<prefix>-<board>)")
    pr.add_argument("--ram", type=parse_size, help="RAM budget: bytes, or 32k, 256KiB, 1M (default: the board's)")
    pr.add_argument("--flash", type=parse_size, help="flash budget: bytes, or 32k, 256KiB, 1M (default: the board's)")
    pr.add_argument("--no-budget", action="store_true", help="skip the RAM/flash fit check")
    pr.add_argument("--format", default="platformio", choices=("platformio", "cmake", "arduino"),
                    help="project kind (default: platformio)")
    pr.add_argument("--force", action="store_true",
                    help="run again over a project: rewrite every file it generates, your src/main.c, README.md "
                         "and .gitignore included (your edits to them are lost); without it they are left "
                         "alone. With or without it, only files litemicro generated in the model's folder "
                         "that the model no longer needs are deleted, and a folder litemicro did not make "
                         "is never written over")
    add_section_options(pr)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.command_line = "litemicro " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    try:
        _load_targets(args)
        if args.ops:
            from .ops import custom
            custom.use_ops_file(args.ops)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()   # here, where a closed pipe can still be caught
        return code
    except BrokenPipeError:  # the reader went away (`litemicro bench ... | head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except LiteMicroError as exc:
        return _error(args, one_line(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        print("litemicro: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # a bug of ours: still one line, and say so
        return _error(args, f"internal error: {type(exc).__name__}: {one_line(exc)} (please report this)",
                      EXIT_INTERNAL)


def _load_targets(args) -> None:
    """--target from a name to its Target (report: a list), once, before any work: an unknown
    name is one line here."""
    if args.command == "report":
        from .report.command import report_targets
        args.target = report_targets(args.target)
    elif getattr(args, "target", None) is not None:
        args.target = load_target(args.target)


def _error(args, message: str, code: int) -> int:
    """One line on stderr; with --json also the JSON object {"error", "exit"} on stdout."""
    if getattr(args, "json", False):
        print(json_error(message, code))
    prefix = "litemicro: " if message.startswith("internal error") else "litemicro: error: "
    print(prefix + message, file=sys.stderr)
    return code


def cmd_gen(args) -> int:
    from .api import Options, compile_model
    from .cli_args import placement_from_args
    from .memory import flash_const_bytes
    from .outfiles import display_name
    from .runtime_folder import split_files, write_model

    model_name = Path(args.model).name
    banner = f"litemicro gen {display_name(model_name)} --target {args.target.name}"
    if args.prefix:
        banner += f" --prefix {display_name(args.prefix)}"
    placement = placement_from_args(args)
    gen = compile_model(args.model, Options(target=args.target, prefix=args.prefix, command=banner + placement.options,
                                            budget=not args.no_budget, ram=args.ram, flash=args.flash,
                                            placement=placement, ram_mode=args.ram_mode))
    out = Path(args.output) if args.output else Path(gen.prefix)
    runtime_dir = Path(args.runtime_dir) if args.runtime_dir else None
    notes, warnings = write_model(out, gen.files, gen.prefix, runtime_dir)
    written = sorted(gen.files) if runtime_dir is None else sorted(split_files(gen.files, gen.prefix)[0])
    print(f"{display_name(model_name)}: {len(gen.layers)} layers, {gen.macs:,} MACs -> {out}/ "
          f"({', '.join(written)})")
    for line in notes:
        print(line)
    for line in warnings:
        print(f"litemicro: warning: {line}", file=sys.stderr)
    print(f"arena {gen.arena_bytes:,} bytes (live-set lower bound {gen.plan.lower_bound_bytes:,}), "
          f"constants {flash_const_bytes(gen):,} bytes")
    return EXIT_OK


def cmd_inspect(args) -> int:
    from .inspection import inspect_model, render_text

    report = inspect_model(args.model, args.target, ram_mode=args.ram_mode)
    print(json.dumps(report, indent=2) if args.json else render_text(report))
    return EXIT_OK if not report["unsupported"] else EXIT_BAD_INPUT


def cmd_verify(args) -> int:
    from .verify_command import run_verify

    return run_verify(args)


def cmd_bench(args) -> int:
    from .bench import bench, render_text
    from .latency import add_to_bench, bench_line, latency_ms
    from .progress import Progress

    if args.clock_mhz is None:   # default: the clock of the target's reference part
        args.clock_mhz = args.target.clock_mhz
    latency_ms(None, args.clock_mhz)  # a bad clock is an error before minutes of work
    with Progress.for_stderr() as progress:
        progress(f"bench {Path(args.model).name} on {args.target.name}: build and run")
        measured = bench(args.model, target=args.target, per_layer=True, timeout=args.timeout,
                         ram_mode=args.ram_mode)
        report = add_to_bench(measured, args.clock_mhz)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        if not args.per_layer:
            report = {k: v for k, v in report.items() if k != "layers"}
        print(render_text(report) + bench_line(report))
    return EXIT_OK


def cmd_project(args) -> int:
    from .cli_args import placement_from_args
    from .project import SELF_CHECK, generate_project, write_project_files

    project = generate_project(args.model, args.board, args.output, ram=args.ram, flash=args.flash,
                               budget=not args.no_budget, fmt=args.format, placement=placement_from_args(args))
    written = write_project_files(project, force=args.force)
    kind = {"platformio": "PlatformIO project", "cmake": "CMake project", "arduino": "Arduino library"}
    verb = "written to" if written.first_run else "regenerated in"
    print("\n".join([f"{kind[args.format]} for {args.board} {verb} {project.out}/", *written.summary()]))
    if importlib.util.find_spec("tflite_micro") is None:
        print(f"litemicro: warning: expected outputs from {SELF_CHECK}", file=sys.stderr)
    return EXIT_OK


def cmd_report(args) -> int:
    from .report.command import run_report

    return run_report(args, args.command_line)


COMMANDS = {"gen": cmd_gen, "inspect": cmd_inspect, "verify": cmd_verify, "bench": cmd_bench,
            "project": cmd_project, "report": cmd_report}

if __name__ == "__main__":
    sys.exit(main())
