"""Targets, resources and the firmware/QEMU helpers that need no toolchain."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import lite_micro.targets as targets_module
from lite_micro.errors import LiteMicroError
from lite_micro.resources import targets_dir, templates_dir
from lite_micro.targets import Emulator, MemoryRegion, list_targets, load_target
from lite_micro.toolchain.firmware import first_error, render_harness, render_linker_script
from lite_micro.toolchain.qemu import parse_outputs, qemu_command

ROOT = Path(__file__).resolve().parent.parent
CORTEX_M = ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"]
MACHINES = {"cortex-m0plus": "mps2-an385", "cortex-m3": "mps2-an385", "cortex-m4": "mps2-an386",
            "cortex-m7": "mps2-an500", "cortex-m33": "mps2-an505", "cortex-m55": "mps3-an547"}


def test_every_target_is_listed():
    assert list_targets() == sorted(CORTEX_M + ["host"])


@pytest.mark.parametrize("name", CORTEX_M)
def test_cortex_m_target_is_consistent(name):
    target = load_target(name)
    assert target.name == name and not target.is_host
    assert f"-mcpu={name}" in target.cflags and "-mthumb" in target.cflags
    assert target.emulator.machine == MACHINES[name]
    assert set(target.features) <= {"dsp", "mve"}
    assert 0 < target.ram_bytes <= target.emulator.ram.length
    emu = target.emulator
    regions = sorted((r for r in (emu.vectors, emu.flash, emu.ram) if r), key=lambda r: r.origin)
    assert all(a.end <= b.origin for a, b in zip(regions, regions[1:])), "memory regions overlap"


def test_features_follow_the_cores():
    assert [n for n in CORTEX_M if load_target(n).has("dsp")] == ["cortex-m4", "cortex-m7", "cortex-m33",
                                                                  "cortex-m55"]
    assert [n for n in CORTEX_M if load_target(n).has("mve")] == ["cortex-m55"]
    assert "-mfloat-abi=hard" in load_target("cortex-m4").cflags
    assert load_target("cortex-m0plus").optimize == "-Os"


def test_host_target_has_no_board_or_limits():
    host = load_target("host")
    assert host.is_host and host.emulator is None and host.ram_bytes is None


def test_unknown_target_lists_the_known_ones():
    with pytest.raises(LiteMicroError, match=r"unknown target 'cortex-m99'; known targets: cortex-m0plus, .*host"):
        load_target("cortex-m99")


def test_malformed_target_file_is_one_line_error(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text('name = "broken"\n')
    monkeypatch.setattr(targets_module, "targets_dir", lambda: tmp_path)
    load_target.cache_clear()
    try:
        with pytest.raises(LiteMicroError, match=r"target file broken.toml is malformed: 'description'"):
            load_target("broken")
    finally:
        load_target.cache_clear()


def test_resources_found_in_source_tree():
    assert (templates_dir() / "firmware" / "main.c.j2").is_file()
    assert (targets_dir() / "cortex-m4.toml").is_file()


def test_pyproject_ships_every_package():
    """package-dir mapping forces an explicit package list; a new subpackage must join it."""
    config = targets_module.tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "lite_micro").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert on_disk <= set(config["packages"])
    assert config["package-dir"] == {"lite_micro._templates": "templates", "lite_micro._targets": "targets"}


def test_linker_script_places_vectors_where_the_board_boots():
    m55 = render_linker_script(load_target("cortex-m55"))
    assert "VECTORS (rx) : ORIGIN = 0x10000000" in m55 and "} > VECTORS" in m55
    m4 = render_linker_script(load_target("cortex-m4"))
    assert "VECTORS" not in m4 and "RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 0x00400000" in m4


def _fake_gen():
    info = SimpleNamespace(name="x", shape=(1, 3), dtype="int8", nbytes=3)
    out = SimpleNamespace(name="y", shape=(2,), dtype="float32", nbytes=8)
    return SimpleNamespace(prefix="tiny", inputs=[info], outputs=[out], files={})


def test_harness_embeds_inputs_as_bytes():
    text = render_harness(_fake_gen(), [[np.array([[1, -1, 127]], dtype=np.int8)]])
    assert "static const uint8_t fw_set0_input0[3] FW_TEST_DATA = {\n    0x01, 0xff, 0x7f,\n};" in text
    assert '{ "float32 2" }' in text and "tiny_invoke()" in text


@pytest.mark.parametrize("sets, message", [
    ([], "at least one input set"),
    ([[np.zeros(4, np.int8)]], "input 'x' of tiny takes 3 bytes, got 4"),
    ([[np.zeros(3, np.int8), np.zeros(3, np.int8)]], "tiny has 1 inputs, got 2 arrays"),
])
def test_harness_rejects_bad_input_sets(sets, message):
    with pytest.raises(LiteMicroError, match=re.escape(message)):
        render_harness(_fake_gen(), sets)


def test_parse_outputs_reads_int8_and_float32_lines():
    stdout = ("LM_OUT 0 0 int8 1x3 01ff7f\nLM_OUT 0 1 float32 2 0000803f000000c0\n"
              "LM_OUT 1 0 int8 1x3 000000\nLM_OUT 1 1 float32 2 0000000000000000\nLM_DONE stack=100\n")
    outputs = parse_outputs(stdout)
    np.testing.assert_array_equal(outputs[0][0], np.array([[1, -1, 127]], dtype=np.int8))
    np.testing.assert_array_equal(outputs[0][1], np.array([1.0, -2.0], dtype=np.float32))
    assert len(outputs) == 2 and outputs[1][1].dtype == np.float32


@pytest.mark.parametrize("stdout, message", [
    ("LM_OUT 0 0 int8 2 0102\n", "ended before LM_DONE"),
    ("LM_OUT 0 1 int8 2 0102\nLM_DONE stack=1\n", "out of order"),
    ("LM_OUT 0 0 int8 3 0102\nLM_DONE stack=1\n", "shape 3 needs 3"),
])
def test_parse_outputs_rejects_broken_runs(stdout, message):
    with pytest.raises(LiteMicroError, match=message):
        parse_outputs(stdout)


def test_first_error_skips_noise_and_tool_paths():
    stderr = ("main.c: In function 'main':\nmain.c:3:5: warning: unused\n"
              "/usr/lib/gcc/arm-none-eabi/12/../bin/ld: fw.elf section `.bss' will not fit in region `RAM'\n"
              "collect2: error: ld returned 1 exit status\n")
    assert first_error(stderr) == "ld: fw.elf section `.bss' will not fit in region `RAM'"
    assert first_error("a.c:1:1: error: expected ';'\nb\n") == "a.c:1:1: error: expected ';'"


def test_qemu_command_adds_cpu_and_plugin_arguments():
    board = Emulator("mps2-an385", MemoryRegion(0, 1), MemoryRegion(2, 1), cpu="cortex-m3")
    target = dataclasses.replace(load_target("cortex-m3"), emulator=board)
    command = qemu_command("fw.elf", target, plugin_args=["-plugin", "p.so,arg=1"])
    assert command[:5] == ["qemu-system-arm", "-M", "mps2-an385", "-cpu", "cortex-m3"]
    assert command[-2:] == ["-plugin", "p.so,arg=1"]
    assert "enable=on,target=native" in command and "-kernel" in command
    with pytest.raises(LiteMicroError, match="no emulated board"):
        qemu_command("fw.elf", load_target("host"))


def _count_loads(monkeypatch) -> list[str]:
    """Every load of a target by name from here on (the CLI's and targets.as_target's)."""
    import lite_micro.cli as cli

    names, real = [], targets_module.load_target

    def counted(name):
        names.append(name)
        return real(name)
    monkeypatch.setattr(targets_module, "load_target", counted)
    monkeypatch.setattr(cli, "load_target", counted)
    return names


@pytest.mark.parametrize("command", [["gen", "-o", "{out}"], ["inspect", "--json"],
                                     ["verify", "--target", "host", "--inputs", "2"]])
def test_the_cli_loads_the_target_once(command, monkeypatch, tmp_path, capsys):
    """The name becomes a Target where the CLI reads it; everything after gets the object."""
    from lite_micro.cli import main

    if command[0] == "verify":
        pytest.importorskip("tflite_micro")
    names = _count_loads(monkeypatch)
    model = Path(__file__).resolve().parents[1] / "examples" / "models" / "hello_world_int8.tflite"
    args = [command[0], str(model), *(a.format(out=tmp_path / "out") for a in command[1:])]
    assert main(args) == 0, capsys.readouterr().err
    assert names == [args[args.index("--target") + 1] if "--target" in args else "cortex-m4"]


def test_library_entry_points_take_a_name_or_a_target(monkeypatch):
    from lite_micro.api import Options, compile_model

    model = Path(__file__).resolve().parents[1] / "examples" / "models" / "hello_world_int8.tflite"
    m4 = load_target("cortex-m4")
    names = _count_loads(monkeypatch)
    gen = compile_model(model, Options(target=m4))
    assert gen.target is m4 and names == []
    assert compile_model(model, Options(target="cortex-m4")).target == m4 and names == ["cortex-m4"]
    assert targets_module.as_target(m4) is m4 and f"on {m4}" == "on cortex-m4"
    with pytest.raises(LiteMicroError, match="unknown target 'cortex-m9'"):
        targets_module.as_target("cortex-m9")
