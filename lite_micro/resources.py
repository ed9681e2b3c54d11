"""Where the shipped data lives: Jinja templates, C runtime files and target files.

An installed wheel carries them inside the package (`lite_micro/_templates`,
`lite_micro/_targets`, mapped from the repository's top-level `templates/` and
`targets/` by pyproject.toml); a source checkout uses those top-level folders directly.
"""

from __future__ import annotations

from pathlib import Path

from lite_micro.errors import LiteMicroError

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(packaged: str, top_level: str) -> Path:
    for candidate in (_PACKAGE_DIR / packaged, _PACKAGE_DIR.parent / top_level):
        if candidate.is_dir():
            return candidate
    raise LiteMicroError(f"litemicro installation is incomplete: no '{top_level}' folder found")


def templates_dir() -> Path:
    """The folder holding the Jinja templates and plain C runtime files."""
    return _find("_templates", "templates")


def targets_dir() -> Path:
    """The folder holding one `<name>.toml` file per target."""
    return _find("_targets", "targets")
