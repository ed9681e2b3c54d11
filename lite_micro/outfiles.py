"""Writing generated files: each one atomically (a temporary file renamed over the target), so
a full disk or an interrupted run never leaves a half-written source behind."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .errors import LiteMicroError


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_files(out: Path, files: dict[str, str]) -> None:
    """Write {relative path: text} under `out`; a failure is one LiteMicroError line."""
    try:
        for name, text in files.items():
            write_atomic(out / name, text)
    except OSError as exc:
        raise LiteMicroError(f"cannot write to {out}: {exc.strerror or exc}") from None


def display_name(file_name: str) -> str:
    """A file name as generated files quote it (comments, platformio.ini, README): characters
    outside [A-Za-z0-9._+-] become '_', so no name can end a comment or inject a line."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", file_name) or "model"
