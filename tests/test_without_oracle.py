"""Without the reference interpreter (tflite-micro has wheels for Linux x86_64 only), gen,
inspect and project work, and verify exits 2 with one line saying what to install.

The interpreter is hidden from a subprocess by a `sitecustomize` that wraps every import
finder, so that `tflite_micro` is not found, exactly as when the package is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from model_zoo import model_path

ROOT = Path(__file__).resolve().parents[1]
HIDE = """
import sys


class _Hide:
    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tflite_micro":
            return None
        return self.inner.find_spec(name, path, target)

    def __getattr__(self, attr):
        return getattr(self.inner, attr)


sys.meta_path[:] = [_Hide(finder) for finder in sys.meta_path]
"""


@pytest.fixture(scope="module")
def no_oracle_env(tmp_path_factory):
    blocker = tmp_path_factory.mktemp("no-oracle")
    (blocker / "sitecustomize.py").write_text(HIDE)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(blocker), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _cli(env, *args):
    return subprocess.run([sys.executable, "-m", "lite_micro.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env)


def test_blocker_hides_the_interpreter(no_oracle_env):
    proc = subprocess.run([sys.executable, "-c", "import tflite_micro"], capture_output=True,
                          text=True, env=no_oracle_env)
    assert proc.returncode == 1 and "No module named 'tflite_micro'" in proc.stderr


def test_gen_inspect_project_need_no_interpreter(no_oracle_env, tmp_path):
    model = model_path("hello_world_int8")
    proc = _cli(no_oracle_env, "gen", model, "--target", "cortex-m4", "-o", tmp_path / "gen")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "gen" / "hello_world_int8.c").is_file()
    proc = _cli(no_oracle_env, "inspect", model, "--json")
    assert proc.returncode == 0, proc.stderr
    proc = _cli(no_oracle_env, "project", model, "--board", "mps2-an386", "-o", tmp_path / "proj")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "proj" / "platformio.ini").is_file()
    assert "warning: expected outputs from litemicro's own host build, NOT the TFLM interpreter" in proc.stderr


def test_verify_says_what_to_install(no_oracle_env):
    proc = _cli(no_oracle_env, "verify", model_path("hello_world_int8"), "--inputs", "2")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "litemicro[verify]" in err, err


def test_bench_on_a_core_needs_no_interpreter(no_oracle_env):
    proc = _cli(no_oracle_env, "bench", model_path("hello_world_int8"), "--target", "cortex-m4", "--json")
    assert proc.returncode == 0, proc.stderr


def test_host_bench_says_what_to_install(no_oracle_env):
    proc = _cli(no_oracle_env, "bench", model_path("hello_world_int8"), "--target", "host")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err and "tflite-micro" in err, err
