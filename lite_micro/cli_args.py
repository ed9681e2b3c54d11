"""Command-line argument helpers: byte sizes with suffixes, the help epilog listing targets and
boards, errors as JSON for --json, and gen's options for several models in one firmware."""

from __future__ import annotations

import argparse
import json
import re

_SIZE = re.compile(r"^\s*(\d+)\s*([kKmM]?)(i?[bB])?\s*$")


def parse_size(text: str) -> int:
    """Bytes: '32768', '32k', '32K', '32KB', '32KiB', '1M', '2MiB' (k = 1024, M = 1024 * 1024)."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size: give bytes, or a number with k, K, KiB, M or MiB")
    number, unit = int(match.group(1)), match.group(2).lower()
    return number * {"": 1, "k": 1 << 10, "m": 1 << 20}[unit]


def epilog() -> str:
    """The targets and boards, listed after every command's options."""
    from .project import list_boards
    from .targets import DEFAULT_TARGET, list_targets

    targets = ", ".join(f"{name} (default)" if name == DEFAULT_TARGET else name for name in list_targets())
    return (f"targets: {targets}\n"
            f"boards (project): {', '.join(list_boards())}\n"
            "exit codes: 0 success, 1 verify mismatch, 2 bad input, 3 internal error")


def json_error(message: str, code: int) -> str:
    return json.dumps({"error": message, "exit": code})


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's default after its help (unless the help names it); the epilog as written."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def add_placement_options(cmd: argparse.ArgumentParser) -> None:
    """gen's options for where the model's memory goes and where the shared runtime is written."""
    cmd.add_argument("--runtime-dir", metavar="DIR",
                     help="write the runtime (lm_* files) to DIR instead of the output folder: several models "
                          "generated with one DIR link into one firmware; a file DIR already has is never "
                          "overwritten, and a runtime of another litemicro there is an error")
    add_section_options(cmd)
    cmd.add_argument("--external-arena", action="store_true",
                     help="no arena of its own: the caller passes one with <prefix>_set_arena(ptr) "
                          "(<PREFIX>_ARENA_SIZE bytes, <PREFIX>_ARENA_ALIGN-aligned); models that never run at "
                          "once can share it")


def add_section_options(cmd: argparse.ArgumentParser) -> None:
    """The linker sections of the model's arena and constants (gen and project)."""
    cmd.add_argument("--arena-section", metavar="NAME",
                     help="put the model's arena in linker section NAME (e.g. .sram2, .dtcm)")
    cmd.add_argument("--weights-section", metavar="NAME",
                     help="put the model's constant data (weights, biases, layer parameters) in linker section "
                          "NAME (e.g. .ext_flash)")


def placement_from_args(args):
    """The Placement of gen's options (a bad section name is a one-line LiteMicroError)."""
    from .codegen.placement import Placement

    return Placement(arena_section=args.arena_section, weights_section=args.weights_section,
                     external_arena=getattr(args, "external_arena", False))
