"""Every C identifier the generator prints comes from here."""

from __future__ import annotations

import re

from ..errors import LiteMicroError

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


# Generated files are named after the prefix; these names belong to the runtime (lm_*.c/h and
# the lm_* symbols), the firmware harness (fw_*, main.c, link.ld) and project files.
RESERVED_PREFIXES = ("lm_", "fw_")
RESERVED_NAMES = {"lm", "fw", "main", "link", "test_model"}


def is_reserved(prefix: str) -> bool:
    return prefix in RESERVED_NAMES or prefix.startswith(RESERVED_PREFIXES)


def model_prefix(explicit: str | None, model_stem: str) -> str:
    """The prefix of every generated symbol and file. A --prefix that would collide with a
    runtime or harness file is refused; a model file stem that would is renamed model_<stem>."""
    if explicit:
        prefix = sanitize(explicit)
        if is_reserved(prefix):
            raise LiteMicroError(f"prefix '{prefix}' would collide with a litemicro runtime file or "
                                 "symbol (lm_*, fw_*, main, link, test_model); choose another --prefix")
        return prefix
    prefix = sanitize(model_stem)
    return f"model_{prefix}" if is_reserved(prefix) else prefix


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
        """Text safe inside a /* */ comment (tensor names can contain anything): printable
        ASCII only, no comment delimiters, no trigraphs (`??/` would splice lines in -std=c11)."""
        text = re.sub(r"[^\x20-\x7e]", "?", text).replace("*/", "*_/").replace("/*", "/_*")
        return re.sub(r"\?(?=\?)", "?_", text)
