"""The command line as a new user meets it: help that lists targets, boards and defaults; sizes
with suffixes; errors as JSON with --json; a closed pipe ends quietly; custom ops with --ops."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lite_micro.cli import _parser
from lite_micro.cli_args import parse_size
from lite_micro.project import list_boards
from lite_micro.targets import DEFAULT_TARGET, list_targets

from model_zoo import model_path

ROOT = Path(__file__).resolve().parents[1]
CUSTOM = ROOT / "examples" / "custom_op"


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "lite_micro.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("command", ["gen", "inspect", "verify", "bench", "report", "project"])
def test_help_lists_targets_boards_and_defaults(command):
    out = run_cli(command, "--help").stdout
    for name in list_targets() + list_boards():
        assert name in out, name
    if command != "project":
        target_help = out.split("\n  --target TARGET", 1)[1].split("\n  -")[0]
        assert f"(default: {DEFAULT_TARGET})" in " ".join(target_help.split()), out
    top = run_cli("--help").stdout
    assert f"{DEFAULT_TARGET} (default)" in top and "nucleo_f446re" in top


@pytest.mark.parametrize("command", ["gen", "inspect", "verify", "bench", "report"])
def test_one_default_target_for_every_command(command):
    assert DEFAULT_TARGET == "cortex-m4"
    assert _parser().parse_args([command, "model.tflite"]).target == DEFAULT_TARGET


@pytest.mark.parametrize("command", ["verify", "bench"])
def test_default_target_without_the_arm_tools_is_one_line(command, tmp_path):
    """The default target runs firmware in QEMU: without the Arm compiler and QEMU, one line
    says what to install and that --target host needs neither."""
    env = dict(os.environ, PATH=str(tmp_path))  # an empty folder: no tool at all
    proc = run_cli(command, model_path("hello_world_int8"), env=env)
    err = proc.stderr
    assert proc.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for words in (f"{command} --target {DEFAULT_TARGET}", "arm-none-eabi-gcc and qemu-system-arm are not installed",
                  "apt install gcc-arm-none-eabi", "or use --target host"):
        assert words in err, err


@pytest.mark.parametrize("text, size", [("32768", 32768), ("32k", 32768), ("32K", 32768), ("32KB", 32768),
                                        ("256KiB", 262144), ("1M", 1 << 20), ("2MiB", 2 << 20)])
def test_sizes_take_suffixes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "1.5k", "12 kilo", "-1", "k"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_ram_budget_with_a_suffix(tmp_path):
    proc = run_cli("gen", model_path("kws_ref_model"), "--target", "cortex-m4", "--ram", "8k", "-o", tmp_path / "o")
    assert proc.returncode == 2 and "8,192" in proc.stderr, proc.stderr


def test_json_errors_are_json(tmp_path):
    proc = run_cli("inspect", tmp_path / "nope.tflite", "--json")
    assert proc.returncode == 2
    error = json.loads(proc.stdout)
    assert error["exit"] == 2 and "nope.tflite" in error["error"]
    assert proc.stderr.startswith("litemicro: error: ") and proc.stderr.count("\n") == 1


def test_a_closed_pipe_ends_quietly():
    cmd = (f"{sys.executable} -m lite_micro.cli inspect {model_path('vww_96_int8')} | head -c 10 >/dev/null; "
           "echo ${PIPESTATUS[0]}")
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "0" and proc.stderr == "", proc.stderr


def test_custom_op_with_ops_file(tmp_path):
    sys.path.insert(0, str(CUSTOM))
    try:
        from make_model import model_bytes
    finally:
        sys.path.remove(str(CUSTOM))
    model = tmp_path / "clip.tflite"
    model.write_bytes(model_bytes())
    listed = json.loads(run_cli("inspect", model, "--json").stdout)["custom_ops"]
    assert [c["name"] for c in listed] == ["MyClip"] and "--ops" in listed[0]["how_to_register"]
    text = run_cli("inspect", model).stdout
    assert "custom op MyClip" in text and "not registered" in text
    proc = run_cli("gen", model, "--ops", CUSTOM / "my_ops.py", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "clip.c").is_file()
    listed = json.loads(run_cli("inspect", model, "--json", "--ops", CUSTOM / "my_ops.py").stdout)["custom_ops"]
    assert listed[0]["registered_from"] and listed[0]["how_to_register"] is None
