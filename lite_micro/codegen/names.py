"""Every C identifier the generator prints comes from here."""

from __future__ import annotations

import re

C_KEYWORDS = {"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
              "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
              "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
              "switch", "typedef", "union", "unsigned", "void", "volatile", "while"}


def sanitize(name: str, fallback: str = "model") -> str:
    """A C identifier from any string: lower case, [a-z0-9_], not starting with a digit."""
    s = re.sub(r"[^0-9a-zA-Z_]+", "_", name).strip("_").lower()
    s = re.sub(r"_+", "_", s)
    if not s:
        s = fallback
    if s[0].isdigit():
        s = f"m_{s}"
    if s in C_KEYWORDS:
        s = f"{s}_"
    return s


class Names:
    """The symbol families of one generated model, all derived from the prefix."""

    def __init__(self, prefix: str):
        self.prefix = sanitize(prefix)
        self.macro = self.prefix.upper()

    def fn(self, what: str) -> str:
        return f"{self.prefix}_{what}"

    def define(self, what: str) -> str:
        return f"{self.macro}_{what}"

    @property
    def arena(self) -> str:
        return f"{self.prefix}_arena"

    @staticmethod
    def layer(index: int, what: str) -> str:
        return f"l{index}_{what}"

    @staticmethod
    def comment_text(text: str) -> str:
        """Text safe inside a /* */ comment (tensor names can contain anything)."""
        return re.sub(r"[^\x20-\x7e]", "?", text).replace("*/", "*_/").replace("/*", "/_*")
