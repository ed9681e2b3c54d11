"""`litemicro project` on the host: boards as data, the files of a project, its expected
output lines, and the error paths. Building and running the projects is in
firmware_tests/test_platformio.py."""

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import lite_micro.project as project
from lite_micro.api import Options, compile_model
from lite_micro.cli import main
from lite_micro.errors import LiteMicroError
from lite_micro.memory import check_budget
from lite_micro.targets import load_target
from lite_micro.toolchain.firmware import render_linker_script
from lite_micro.toolchain.qemu import qemu_command

MODEL = Path(__file__).resolve().parents[1] / "examples" / "models" / "hello_world_int8.tflite"
QEMU_BOARDS = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547"]
REAL_BOARDS = ["disco_f746ng", "nrf52840_dk", "nucleo_f446re", "nucleo_l4r5zi", "nucleo_u575zi", "pico"]


@pytest.fixture(scope="module")
def gen():
    return compile_model(MODEL, Options(target="cortex-m4"))


def _files(gen, board_name):
    board = project.load_board(board_name)
    target = load_target(board.core)
    sets = project.input_sets(gen)
    outputs = [[np.array([[s]], dtype=np.int8)] for s in range(len(sets))]
    vectors = project.Vectors(sets, outputs, "a stand-in oracle")
    return project.project_files(gen, board, target, vectors, f"litemicro project {MODEL.name} --board {board_name}")


def test_boards_are_data():
    assert project.list_boards() == sorted(QEMU_BOARDS + REAL_BOARDS)
    for name in QEMU_BOARDS:
        board, target = project.load_board(name), load_target(project.load_board(name).core)
        assert board.emulated and board.output == "semihosting" and board.pio_platform is None
        assert target.emulator.machine == board.qemu_machine == name
        assert (board.ram_bytes, board.flash_bytes) == (target.emulator.ram.length, target.emulator.flash.length)
    for name in REAL_BOARDS:
        board = project.load_board(name)
        assert not board.emulated and board.output in ("serial", "uart", "hook")
        assert board.pio_platform in ("ststm32", "nordicnrf52", "raspberrypi") and board.framework
        assert load_target(board.core).ram_bytes <= board.ram_bytes
    assert project.load_board("pico").core == "cortex-m0plus"
    assert project.load_board("nucleo_u575zi").pio_board == "nucleo_u575zi_q"


def test_unknown_board_lists_the_known_ones(tmp_path):
    with pytest.raises(LiteMicroError, match=r"unknown board 'nucleo_f999'; known boards: disco_f746ng, .*pico"):
        project.write_project(MODEL, "nucleo_f999", tmp_path)
    assert not any(tmp_path.iterdir())


def test_cli_reports_a_bad_board_in_one_line(tmp_path, capsys):
    assert main(["project", str(MODEL), "--board", "esp32", "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("litemicro: error: unknown board 'esp32'")


def test_model_too_big_for_the_board_gives_the_budget_error(tmp_path, monkeypatch, gen):
    tiny = dataclasses.replace(project.load_board("nucleo_f446re"), ram_bytes=1024)
    monkeypatch.setattr(project, "load_board", lambda name: tiny)
    with pytest.raises(LiteMicroError) as raised:
        project.write_project(MODEL, "nucleo_f446re", tmp_path / "p")
    target = dataclasses.replace(load_target("cortex-m4"), name="nucleo_f446re")
    with pytest.raises(LiteMicroError) as direct:
        check_budget(gen, target, ram=1024, flash=tiny.flash_bytes)
    assert str(raised.value) == str(direct.value) and "nucleo_f446re has 1,024" in str(raised.value)
    assert not (tmp_path / "p").exists()


def test_emulated_project_carries_its_platform_and_scons(gen):
    files = _files(gen, "mps2-an505")
    ini = files["platformio.ini"]
    assert "platform = symlink://${PROJECT_DIR}/platform\n" in ini
    assert "packages_dir = ${PROJECT_DIR}/packages\n" in ini
    assert "platforms_dir = ${PROJECT_DIR}/.pio/platforms\n" in ini
    assert "test_framework = custom\n" in ini and "test_build_src = yes\n" in ini
    assert "    mps2-an505\n" in ini and "    ${platformio.build_dir}/${this.__env__}/firmware.elf\n" in ini
    manifest = json.loads(files["platform/boards/mps2-an505.json"])
    target = load_target("cortex-m33")
    assert manifest["upload"]["qemu_command"] == qemu_command("$SOURCE", target)
    assert manifest["build"]["cpu_flags"] == list(target.cflags)
    assert files["platform/ldscripts/mps2-an505.ld"] == render_linker_script(target)
    assert "Reset_Handler" in files["platform/startup/fw_startup.c"]
    assert json.loads(files["platform/platform.json"])["packages"] == {}  # nothing to download


def test_scons_package_matches_what_platformio_asks_for(gen):
    files = _files(gen, "mps2-an386")
    piopm = json.loads(files["packages/tool-scons/.piopm"])
    manifest = json.loads(files["packages/tool-scons/package.json"])
    assert piopm["name"] == manifest["name"] == "tool-scons"
    assert piopm["spec"]["owner"] == "platformio" and piopm["version"] == manifest["version"]
    if importlib.util.find_spec("platformio") is not None:
        import semantic_version
        from platformio.dependencies import get_core_dependencies
        from platformio.package.version import cast_version_to_semver

        wanted = semantic_version.SimpleSpec(get_core_dependencies()["tool-scons"])
        assert cast_version_to_semver(piopm["version"]) in wanted
    assert "SCons.Script.Main import main" in files["packages/tool-scons/scons.py"]


@pytest.mark.parametrize("board_name", REAL_BOARDS)
def test_real_board_project_targets_the_official_platform(gen, board_name):
    board = project.load_board(board_name)
    files = _files(gen, board_name)
    ini = files["platformio.ini"]
    for line in (f"platform = {board.pio_platform}", f"board = {board.pio_board}",
                 f"framework = {board.framework}", "test_framework = custom", "test_speed = 115200"):
        assert f"\n{line}\n" in ini
    assert "symlink" not in ini and "packages_dir" not in ini and "test_testing_command" not in ini
    assert not any(name.startswith(("platform/", "packages/")) for name in files)
    assert ("src/lm_board_arduino.cpp" in files) == (board.framework == "arduino")
    assert "__attribute__((weak)) void lm_board_putc(char c)" in files["src/main.c"]
    assert set(f"lib/{gen.prefix}/{name}" for name in gen.files) < set(files)
    library = json.loads(files[f"lib/{gen.prefix}/library.json"])
    assert library["build"]["flags"] == [load_target(board.core).optimize]


def test_expected_lines_and_checksum(gen):
    lines = project.expected_lines(gen, [[np.array([[92]], dtype=np.int8)], [np.array([[-9]], dtype=np.int8)]])
    assert lines[0] == ("set0.output0", "hello_world_int8 set 0 output 0 int8 1x1: 92")
    checksum = project.fnv1a(0x811C9DC5, bytes([92]))
    assert lines[1] == ("set0.checksum", f"hello_world_int8 set 0 checksum 0x{checksum:08x}")
    assert lines[2][1] == "hello_world_int8 set 1 output 0 int8 1x1: -9"
    assert lines[-1] == ("done", "hello_world_int8 done")
    assert project.fnv1a(0x811C9DC5, b"a") == 0xE40C292C  # the published FNV-1a test vector
    runner = _files(gen, "mps2-an386")["test/test_custom_runner.py"]
    assert "    ('set0.output0', 'hello_world_int8 set 0 output 0 int8 1x1: 0'),\n" in runner
    assert "a stand-in oracle" in runner


def test_input_sets_are_seeded_then_filled(gen):
    sets = project.input_sets(gen)
    assert len(sets) == 1 + len(project.TEST_FILLS)
    np.testing.assert_array_equal(sets[0][0], project.input_sets(gen)[0][0])
    assert sets[1][0].dtype == np.int8 and (sets[1][0] == -128).all() and (sets[2][0] == 127).all()


def test_project_files_are_reproducible(gen):
    assert _files(gen, "mps2-an386") == _files(gen, "mps2-an386")


def test_write_project_refuses_a_foreign_project(tmp_path):
    (tmp_path / "platformio.ini").write_text("[env:mine]\nplatform = native\n")
    with pytest.raises(LiteMicroError, match="not written by litemicro"):
        project.write_project(MODEL, "mps2-an386", tmp_path)


def test_missing_tflm_is_said_not_silent(tmp_path, monkeypatch):
    """Without the interpreter the project is still written (project needs nothing of it), with
    expected lines from our host build, and the README and test runner say so."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tflite_micro" else real_find_spec(name, *a))
    out = project.write_project(MODEL, "nucleo_f446re", tmp_path / "host")
    assert "NOT the TFLM interpreter" in (out / "README.md").read_text()
    assert "NOT the TFLM interpreter" in (out / "test" / "test_custom_runner.py").read_text()


def _project(out, *more, capsys) -> list[str]:
    assert main(["project", str(MODEL), "--board", "mps2-an386", "-o", str(out), *more]) == 0
    return capsys.readouterr().out.splitlines()


def test_second_run_says_what_it_updated_and_left_alone(tmp_path, capsys):
    out = tmp_path / "p"
    first = _project(out, capsys=capsys)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert first == [f"PlatformIO project for mps2-an386 written to {out}/", f"  created: {len(files)} files"]
    model_c = out / "lib" / "hello_world_int8" / "hello_world_int8.c"
    generated = model_c.read_text()
    (out / "src" / "main.c").write_text("my main\n")
    (out / "README.md").write_text("my notes\n")
    model_c.write_text(generated + "/* stale */\n")
    (out / "src" / "extra.c").write_text("mine too\n")
    untouched = (out / "platformio.ini").stat().st_mtime_ns
    assert _project(out, capsys=capsys) == [
        f"PlatformIO project for mps2-an386 regenerated in {out}/",
        "  updated: lib/hello_world_int8/hello_world_int8.c",
        "  left alone, yours (--force rewrites them): README.md, src/main.c",
        f"  unchanged: {len(files) - 3} files"]
    assert (out / "src" / "main.c").read_text() == "my main\n" and (out / "README.md").read_text() == "my notes\n"
    assert model_c.read_text() == generated and (out / "src" / "extra.c").read_text() == "mine too\n"
    assert (out / "platformio.ini").stat().st_mtime_ns == untouched  # same text: not written again
    assert _project(out, capsys=capsys)[1] == "  updated: nothing (no generated file changed)"


def test_force_rewrites_every_generated_file_and_deletes_none_of_yours(tmp_path, capsys):
    out = tmp_path / "p"
    _project(out, capsys=capsys)
    main_c = (out / "src" / "main.c").read_text()
    (out / "src" / "main.c").write_text("my main\n")
    (out / ".gitignore").write_text("mine\n")
    (out / "src" / "extra.c").write_text("mine too\n")
    lines = _project(out, "--force", capsys=capsys)
    assert lines[:3] == [f"PlatformIO project for mps2-an386 regenerated in {out}/",
                         "  updated: nothing (no generated file changed)",
                         "  rewritten by --force, your edits to them are gone: .gitignore, src/main.c"]
    assert (out / "src" / "main.c").read_text() == main_c and "mine" not in (out / ".gitignore").read_text()
    assert (out / "src" / "extra.c").read_text() == "mine too\n"


def test_force_never_writes_into_a_folder_litemicro_did_not_make(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.c").write_text("my code\n")
    assert main(["project", str(MODEL), "--board", "mps2-an386", "-o", str(tmp_path), "--force"]) == 2
    assert "does not overwrite files it did not write" in capsys.readouterr().err
    assert (tmp_path / "src" / "main.c").read_text() == "my code\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["main.c", "src"]


def test_help_documents_force(capsys):
    with pytest.raises(SystemExit):
        main(["project", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--force" in text and "your src/main.c, README.md and .gitignore included" in text
    assert "only files litemicro generated in the model's folder that the model no longer needs are deleted" in text


@pytest.mark.parametrize("fmt, folder", [("platformio", "lib/hello_world_int8"), ("cmake", "hello_world_int8"),
                                         ("arduino", "src")])
def test_the_model_folder_is_replaced_as_a_whole(tmp_path, capsys, fmt, folder):
    """A runtime file an older model needed goes; a file litemicro did not make stays."""
    out = tmp_path / "p"
    _project(out, "--format", fmt, capsys=capsys)
    (out / folder / "lm_gone.c").write_text("/* litemicro runtime: a kernel this model no longer uses */\n")
    (out / folder / "notes.txt").write_text("mine\n")
    lines = _project(out, "--format", fmt, capsys=capsys)
    assert f"  removed, no longer generated: {folder}/lm_gone.c" in lines
    assert f"  left alone in the model's folder, not made by litemicro: {folder}/notes.txt" in lines
    assert not (out / folder / "lm_gone.c").exists() and (out / folder / "notes.txt").read_text() == "mine\n"
    assert (out / folder / "hello_world_int8.c").is_file() and (out / folder / "lm_common.h").is_file()
