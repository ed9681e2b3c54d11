"""The one exception type users see: a one-line message naming what is wrong and where."""

from __future__ import annotations

import re


class LiteMicroError(Exception):
    """A problem with the user's input (model, target, options). The CLI prints it and exits 2."""


class UnsupportedError(LiteMicroError):
    """The model uses something litemicro cannot compile (an op, a type, a shape)."""


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_MESSAGE_CHARS = 2000


def one_line(text: str) -> str:
    """Text safe to print as one terminal line: control characters (newlines, ANSI escapes)
    become visible escapes, and an endless message is cut short."""
    text = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + "..."
    return text
