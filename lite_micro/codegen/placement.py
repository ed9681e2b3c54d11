"""Where a generated model keeps its memory: the arena (its own static array in a section of
the user's choice, or one the caller passes at run time) and its constant data (a section of
the user's choice). Validated here, so a bad name is one line, never a compiler error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..errors import LiteMicroError

ARENA_ALIGN = 16              # bytes: the arena's address is a multiple of this (kernels read words)
MAX_SECTION_CHARS = 64
_SECTION = re.compile(r"^\.?[A-Za-z_][A-Za-z0-9_.]*$")
# Sections the compiler gives a fixed kind: constants cannot go where only zeros can, nor the
# arena into read-only memory.
_NOT_FOR = {"weights": (".bss", ".sbss", ".noinit", ".tbss"),
            "arena": (".text", ".rodata", ".init", ".fini", ".ARM", ".vectors")}


@dataclass(frozen=True)
class Placement:
    arena_section: Optional[str] = None     # --arena-section: the static arena's linker section
    weights_section: Optional[str] = None   # --weights-section: every constant table and params struct
    external_arena: bool = False            # --external-arena: <prefix>_set_arena(void *) instead

    def __post_init__(self):
        check_section("--arena-section", self.arena_section, "arena")
        check_section("--weights-section", self.weights_section, "weights")
        if self.external_arena and self.arena_section:
            raise LiteMicroError("--arena-section places the model's own arena; with --external-arena the "
                                 "caller owns the arena: give one of the two")
        if self.arena_section and self.arena_section == self.weights_section:
            raise LiteMicroError(f"--arena-section and --weights-section are both '{self.arena_section}': "
                                 "the arena is written, the weights are constant; give two sections")

    @property
    def options(self) -> str:
        """The gen options that give this placement, as the banner of generated files shows them."""
        return "".join([f" --arena-section {self.arena_section}" if self.arena_section else "",
                        f" --weights-section {self.weights_section}" if self.weights_section else "",
                        " --external-arena" if self.external_arena else ""])

    @property
    def weights_attr(self) -> str:
        """Printed after the declarator of every constant table ('' for the default placement)."""
        return section_attr(self.weights_section)

    @property
    def arena_attr(self) -> str:
        return section_attr(self.arena_section)


def section_attr(name: Optional[str]) -> str:
    return f' LM_SECTION("{name}")' if name else ""


def check_section(option: str, name: Optional[str], kind: str) -> None:
    """A linker section name: [A-Za-z0-9_.], an optional leading dot, then a letter or '_'."""
    if name is None:
        return
    if not _SECTION.match(name) or len(name) > MAX_SECTION_CHARS:
        shown = name if len(name) <= MAX_SECTION_CHARS else name[:MAX_SECTION_CHARS] + "..."
        raise LiteMicroError(f"{option} {shown!r} is not a section name: use letters, digits, '_' and '.', "
                             f"a leading '.' allowed, at most {MAX_SECTION_CHARS} characters (e.g. .sram2)")
    if any(name == p or name.startswith(p + ".") for p in _NOT_FOR[kind]):
        what = "constant data cannot live in a zero-filled section" if kind == "weights" else \
            "the arena is written at run time and cannot live in code or read-only data"
        raise LiteMicroError(f"{option} {name!r}: {what}; choose another section")


DEFAULT_PLACEMENT = Placement()          # the model's own arena; default sections
