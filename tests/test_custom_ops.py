"""Custom operators: the example ops file (examples/custom_op) compiles a model with a custom
op, runs on the host equal to its numpy reference, and bad ops files or unregistered custom ops
give one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError, UnsupportedError
from lite_micro.ops import PREPARE
from lite_micro.ops.custom import load_ops_file
from lite_micro.toolchain.host import build_host

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "custom_op"
sys.path.insert(0, str(EXAMPLE))
import make_model  # noqa: E402
import run_example  # noqa: E402


@pytest.fixture
def with_my_ops(monkeypatch):
    for name, prepare in load_ops_file(EXAMPLE / "my_ops.py").table().items():
        monkeypatch.setitem(PREPARE, name, prepare)


def test_custom_op_model_matches_its_reference_on_the_host(with_my_ops, tmp_path):
    gen = compile_model(make_model.model_bytes(), Options(prefix="clip"))
    assert [layer.kernel for layer in gen.layers] == ["my_clip_s8", "lm_lut_s8"]
    assert "my_clip.c" in gen.files and '#include "my_clip.h"' in gen.files["clip.c"]
    module = build_host([gen], tmp_path)
    for x in run_example.inputs(6):
        assert np.array_equal(module.run("clip", [x])[0], run_example.reference(x))


def test_unregistered_custom_op_is_a_one_line_error():
    with pytest.raises(UnsupportedError) as info:
        compile_model(make_model.model_bytes())
    assert "CUSTOM(MyClip)" in str(info.value) and "\n" not in str(info.value)


def test_bad_custom_options_are_a_one_line_error(with_my_ops, monkeypatch):
    monkeypatch.setattr(make_model, "LOW", 3.0)           # an empty range [3.0, 2.5]
    with pytest.raises(UnsupportedError) as info:
        compile_model(make_model.model_bytes())
    assert "MyClip" in str(info.value) and "empty" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "must define register(registry)"),
    ("import no_such_module_here\n", "importing the ops file failed"),
    ("def register(r):\n    r.add('A', len, sources=['missing.c'])\n", "not a .c or .h file"),
])
def test_bad_ops_file_is_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "ops.py"
    path.write_text(text)
    with pytest.raises(LiteMicroError) as info:
        load_ops_file(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_custom_ops_are_listed_with_their_origin_or_how_to_register(monkeypatch):
    from lite_micro.frontend import read_model_bytes
    from lite_micro.ops import custom
    graph = read_model_bytes(make_model.model_bytes())
    monkeypatch.setattr(custom, "INSTALLED", {})
    [found] = custom.custom_ops_in(graph)
    assert found["name"] == "MyClip" and found["ops"] == [0] and "--ops" in found["how_to_register"]
    monkeypatch.setitem(custom.INSTALLED, "MyClip", str(EXAMPLE / "my_ops.py"))
    [found] = custom.custom_ops_in(graph)
    assert found["registered_from"].endswith("my_ops.py") and found["how_to_register"] is None
