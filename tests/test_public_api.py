"""The Python API as the README documents it: its example runs as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

import lite_micro
from lite_micro.reference import Reference

from model_zoo import model_path

ROOT = Path(__file__).resolve().parents[1]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs(tmp_path, capsys):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(_readme_example(), "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "build" / "kws" / "kws_ref_model.c").is_file()
    printed = capsys.readouterr().out.splitlines()
    arena, macs, shape = printed[0].split(" ", 2)
    assert int(arena) > 0 and macs == "2656768" and shape == "(1, 49, 10, 1)"


def test_public_names():
    assert set(lite_micro.__all__) == {"compile", "CompiledModel", "LiteMicroError", "list_targets", "__version__"}
    assert "cortex-m4" in lite_micro.list_targets()
    for name in lite_micro.__all__:
        assert getattr(lite_micro, name) is not None
    with pytest.raises(AttributeError):
        lite_micro.no_such_name  # noqa: B018


def test_run_host_matches_the_interpreter():
    path = model_path("micro_speech_quantized")
    model = lite_micro.compile(path, target="cortex-m0plus")
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 128, size=model.inputs[0].shape, dtype=np.int8)
    ours = model.run_host([x])
    theirs = Reference(path.read_bytes()).run([x], len(model.outputs))
    assert [a.tobytes() for a in ours] == [b.tobytes() for b in theirs]


def test_bad_model_raises_one_line_error(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    with pytest.raises(lite_micro.LiteMicroError) as exc:
        lite_micro.compile(bad)
    assert "\n" not in str(exc.value) and "bad.tflite" in str(exc.value)


def test_compile_defaults_to_the_commands_target_and_takes_a_target():
    from lite_micro.targets import DEFAULT_TARGET, load_target

    path = model_path("hello_world_int8")
    assert lite_micro.compile(path).target == DEFAULT_TARGET == "cortex-m4"
    model = lite_micro.compile(path, target=load_target("cortex-m0plus"))
    assert model.target == "cortex-m0plus" and "target cortex-m0plus" in model.files["hello_world_int8.c"]
