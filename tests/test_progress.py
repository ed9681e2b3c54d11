"""Progress on stderr for long commands: shown on a terminal (checked through a pty), never
in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from model_zoo import model_path

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("tflite_micro", reason="verify needs the TFLM interpreter (pip install tflite-micro)")


def _run(args, *, terminal: bool) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "lite_micro.cli", *args]
    if not terminal:
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read().decode()
    os.close(master)
    return proc.wait(timeout=300), out, seen.decode(errors="replace")


def test_verify_progress_on_a_terminal():
    args = ["verify", str(model_path("hello_world_int8")), "--target", "host", "--inputs", "30"]
    code, out, err = _run(args, terminal=True)
    assert code == 0 and "bit-exact" in out
    assert "litemicro: [30/30] TFLM and compare" in err and "\r" in err
    code, out, err = _run(args, terminal=False)
    assert code == 0 and "bit-exact" in out and err == ""


def test_report_progress_on_a_terminal(tmp_path):
    args = ["report", str(model_path("hello_world_int8")), "--target", "cortex-m4,cortex-m55",
            "--no-measure", "-o", str(tmp_path / "r.html")]
    code, out, err = _run(args, terminal=True)
    assert code == 0 and "[2/2] cortex-m55: compiling" in err


class _Terminal:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_line_cleared_on_error_and_clock_ticks():
    from lite_micro.progress import Progress
    term = _Terminal()
    with pytest.raises(RuntimeError):
        with Progress(term, enabled=True, tick=0.05) as progress:
            progress.count(1, 4, "building")
            import time
            time.sleep(0.3)
            raise RuntimeError("boom")
    assert term.text.count("litemicro: [1/4] building") >= 3  # redrawn while the step ran
    assert term.text.endswith("\r")  # cleared: an error message starts on a clean line
    assert term.text.rsplit("\r", 2)[-2].strip() == ""
    quiet = _Terminal()
    with Progress(quiet, enabled=False) as progress:
        progress("nothing")
    assert quiet.text == ""
