"""Progress lines on stderr, only when stderr is a terminal (never in pipes, logs or --json).

    progress = Progress.for_stderr()
    progress("linking firmware")          # a status line, redrawn in place
    progress.count(3, 20, "input sets")   # "[ 3/20] input sets"
    progress.done()                       # clears the line
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=None, enabled: bool = False):
        self._stream = stream
        self._enabled = enabled and stream is not None
        self._start = time.monotonic()
        self._width = 0

    @classmethod
    def for_stderr(cls) -> "Progress":
        stream = sys.stderr
        return cls(stream, enabled=hasattr(stream, "isatty") and stream.isatty())

    @property
    def enabled(self) -> bool:
        return self._enabled

    def __call__(self, message: str) -> None:
        if not self._enabled:
            return
        line = f"litemicro: {message} ({time.monotonic() - self._start:.0f} s)"
        pad = " " * max(self._width - len(line), 0)
        self._stream.write("\r" + line + pad)
        self._stream.flush()
        self._width = len(line)

    def count(self, done: int, total: int, what: str) -> None:
        width = len(str(total))
        self(f"[{done:>{width}}/{total}] {what}")

    def done(self) -> None:
        if self._enabled and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
