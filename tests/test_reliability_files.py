"""Names and files: prefixes never replace runtime files, comments never hold trigraphs,
generated files never overwrite a user's, writes are atomic; budgets are checked before any
C is rendered; exit code 3 is kept for our own bugs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from test_cli_errors import assert_one_line_error, run_cli

from lite_micro import cli, outfiles, project
from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError
from lite_micro.testing.oneop import TensorSpec, build_model

from model_zoo import model_path

HELLO = model_path("hello_world_int8")


@pytest.mark.parametrize("prefix", ["lm_fc", "lm_common", "main", "fw_startup", "LM-conv"])
def test_prefix_colliding_with_a_runtime_file_is_refused(prefix):
    with pytest.raises(LiteMicroError, match="would collide with a litemicro runtime file"):
        compile_model(HELLO, Options(prefix=prefix))


def test_model_stem_colliding_with_a_runtime_file_is_renamed(tmp_path):
    p = tmp_path / "lm_fc.tflite"
    shutil.copy(HELLO, p)
    gen = compile_model(p)
    runtime = (project.templates_dir() / "runtime" / "lm_fc.c").read_text()
    assert gen.prefix == "model_lm_fc" and "model_lm_fc.c" in gen.files
    assert gen.files["lm_fc.c"] == runtime


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_trigraphs_in_tensor_names_are_broken_up(tmp_path):
    spec = dict(scale=0.1, zero_point=0)
    data = build_model("RELU", [TensorSpec((1, 8), name="in??/", **spec)],
                       [TensorSpec((1, 8), name="out??=??/", **spec)], {})
    gen = compile_model(data, Options(prefix="tri"))
    for name, text in gen.files.items():
        assert "??" not in text, name
        (tmp_path / name).write_text(text)
    cc = subprocess.run(["gcc", "-std=c11", "-trigraphs", "-Wall", "-Werror", "-c", "tri.c"],
                        cwd=tmp_path, capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr


def test_project_never_overwrites_user_files(tmp_path):
    out = tmp_path / "app"
    (out / "src").mkdir(parents=True)
    (out / "src" / "main.c").write_text("my code\n")
    (out / "README.md").write_text("my notes\n")
    proc = run_cli("project", HELLO, "--board", "mps2-an386", "-o", out)
    assert_one_line_error(proc, "README.md", "src/main.c", "does not overwrite")
    assert (out / "src" / "main.c").read_text() == "my code\n"
    assert sorted(p.name for p in out.rglob("*")) == ["README.md", "main.c", "src"]


def test_regenerated_project_keeps_user_files(tmp_path):
    out = tmp_path / "app"
    project.write_project(HELLO, "mps2-an386", out)
    (out / "src" / "main.c").write_text("edited\n")
    project.write_project(HELLO, "mps2-an386", out)
    assert (out / "src" / "main.c").read_text() == "edited\n"


def test_model_file_name_cannot_inject_platformio_lines(tmp_path):
    p = tmp_path / "evil\n[env:x]\nextra_scripts = pre:hack.py\n.tflite"
    shutil.copy(HELLO, p)
    out = project.write_project(p, "mps2-an386", tmp_path / "app")
    ini = (out / "platformio.ini").read_text()
    lines = ini.splitlines()
    assert not any(line.startswith(("[env:x]", "extra_scripts")) for line in lines), ini
    assert "evil__env_x__extra_scripts___pre_hack.py_.tflite" in ini


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "m.c"
    target.write_text("old\n")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(LiteMicroError, match="No space left on device"):
        outfiles.write_files(tmp_path, {"m.c": "new\n"})
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["m.c"]


def test_our_own_bug_is_exit_3_and_one_line(monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise KeyError("oops\nsecond line")
    monkeypatch.setattr("lite_micro.api.compile_model", bug)
    assert cli.main(["gen", str(HELLO)]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("litemicro: internal error: KeyError") and "please report" in err
    assert "\n" not in err


def test_inspect_refuses_a_malformed_model_with_exit_2(tmp_path):
    data = build_model("RELU", [TensorSpec((1, 8), scale=0.1, zero_point=0)],
                       [TensorSpec((1, 8), scale=0.0, zero_point=0)], {})
    p = tmp_path / "zero_scale.tflite"
    p.write_bytes(data)
    assert_one_line_error(run_cli("inspect", p), "tensor 1", "quantization scale 0.0 is not positive")


BIG_FC = """
import resource, sys, time
import numpy as np
from lite_micro.testing.oneop import TensorSpec, build_model
n, k = 50000, 1024
w = np.ones((n, k), np.int8)
data = build_model("FULLY_CONNECTED", [TensorSpec((1, k), scale=0.1, zero_point=0),
                   TensorSpec((n, k), data=w, scale=0.05, zero_point=0)],
                   [TensorSpec((1, n), scale=0.1, zero_point=0)], {"fused_activation_function": "NONE"})
open(sys.argv[1], "wb").write(data)
"""


MEASURED_CLI = """
import json, resource, sys, time
t0 = time.process_time()
from lite_micro import cli
code = cli.main(sys.argv[1:])
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps(dict(code=code, cpu=time.process_time() - t0, max_rss_kb=use.ru_maxrss)))
"""


def test_51_mb_model_refused_for_m0plus_quickly_and_in_little_memory(tmp_path):
    model = tmp_path / "big_fc.tflite"
    subprocess.run([sys.executable, "-c", BIG_FC, str(model)], check=True)
    assert model.stat().st_size > 51_000_000
    proc = subprocess.run([sys.executable, "-c", MEASURED_CLI, "gen", str(model), "--target",
                           "cortex-m0plus", "-o", str(tmp_path / "out")], capture_output=True, text=True)
    proc.returncode = json.loads(proc.stdout)["code"]
    assert_one_line_error(proc, "flash", "51,2", "cortex-m0plus")
    use = json.loads(proc.stdout)
    assert use["cpu"] < 1.0, use               # CPU seconds, imports included (wall time varies with load)
    assert use["max_rss_kb"] < 200 * 1024, use
    assert not (tmp_path / "out").exists()
