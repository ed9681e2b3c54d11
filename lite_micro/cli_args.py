"""Command-line argument helpers: byte sizes with suffixes, the help epilog listing targets and
boards, and errors as JSON for --json."""

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
