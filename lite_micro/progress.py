"""Progress lines on stderr, only when stderr is a terminal (never in pipes, logs or --json).

    with Progress.for_stderr() as progress:   # the line is cleared at the end, error or not
        progress("linking firmware")          # a status line, redrawn in place
        progress.count(3, 20, "input sets")   # "[ 3/20] input sets"

While a step runs, the line's clock is redrawn every second, so a long compile or QEMU run
still shows that something is happening.
"""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, stream=None, enabled: bool = False, tick: float = 1.0):
        self._stream = stream
        self._enabled = enabled and stream is not None
        self._start = time.monotonic()
        self._width = 0
        self._message = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._tick = tick
        self._thread = None

    @classmethod
    def for_stderr(cls) -> "Progress":
        stream = sys.stderr
        return cls(stream, enabled=hasattr(stream, "isatty") and stream.isatty())

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.done()

    @property
    def enabled(self) -> bool:
        return self._enabled

    def __call__(self, message: str) -> None:
        if not self._enabled:
            return
        with self._lock:
            self._message = message
            self._draw()
        if self._thread is None:
            self._thread = threading.Thread(target=self._redraw, daemon=True)
            self._thread.start()

    def count(self, done: int, total: int, what: str) -> None:
        width = len(str(total))
        self(f"[{done:>{width}}/{total}] {what}")

    def done(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self._enabled and self._width:
                self._stream.write("\r" + " " * self._width + "\r")
                self._stream.flush()
                self._width = 0

    def _draw(self) -> None:
        line = f"litemicro: {self._message} ({time.monotonic() - self._start:.0f} s)"
        self._stream.write("\r" + line + " " * max(self._width - len(line), 0))
        self._stream.flush()
        self._width = len(line)

    def _redraw(self) -> None:
        while not self._stop.wait(self._tick):
            with self._lock:
                self._draw()
