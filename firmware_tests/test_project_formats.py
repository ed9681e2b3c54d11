"""`litemicro project --format cmake|arduino`.

- CMake: Debian's cmake and ninja with the Arm toolchain build the demo firmware of an
  emulated board, which runs in QEMU and prints the outputs the oracle computed; on a real
  board the library and the demo object library build.
- Arduino: the library follows the Arduino library layout, and its sources compile with the
  Arm gcc (the C files as C, the sketch and the Serial hooks as C++ against a stub Arduino.h).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_platformio import ARDUINO_STUB

from lite_micro.cli import main as cli_main
from lite_micro.project import load_board, write_project
from lite_micro.targets import load_target
from lite_micro.toolchain.qemu import run_elf

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
KWS = MODELS / "kws_ref_model.tflite"

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None
                                or shutil.which("qemu-system-arm") is None,
                                reason="needs gcc-arm-none-eabi and qemu-system-arm")
needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("ninja") is None,
                                 reason="needs cmake and ninja-build")


def _cmake_build(project: Path) -> None:
    for command in (["cmake", "-G", "Ninja", "-B", "build", "-DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake"],
                    ["cmake", "--build", "build"]):
        proc = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _readme_lines(project: Path, prefix: str) -> list[str]:
    return [line for line in (project / "README.md").read_text().splitlines() if line.startswith(prefix + " ")]


@needs_cmake
def test_cmake_firmware_runs_in_qemu_bit_exact(tmp_path):
    out = write_project(KWS, "mps2-an386", tmp_path / "p", fmt="cmake")
    assert (out / "kws_ref_model" / "CMakeLists.txt").is_file() and not (out / "platformio.ini").exists()
    _cmake_build(out)
    result = run_elf(out / "build" / "kws_ref_model_demo.elf", load_target("cortex-m4"), timeout=60)
    assert result.exit_code == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line.startswith("kws_ref_model ")]
    expected = _readme_lines(out, "kws_ref_model")
    assert "computed with the TFLM interpreter" in (out / "README.md").read_text()
    assert len(expected) == 3 and printed == expected


@needs_cmake
def test_cmake_library_builds_for_a_real_board(tmp_path):
    out = write_project(MODELS / "hello_world_int8.tflite", "nucleo_f446re", tmp_path / "p", fmt="cmake")
    assert (out / "src" / "lm_board_uart.c").is_file()
    _cmake_build(out)
    assert (out / "build" / "hello_world_int8" / "libhello_world_int8.a").is_file()


def test_arduino_library_layout_and_compile(tmp_path):
    board = load_board("nrf52840_dk")
    out = write_project(KWS, board.name, tmp_path / "lib", fmt="arduino")
    props = dict(line.split("=", 1) for line in (out / "library.properties").read_text().splitlines())
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                "architectures"):
        assert props.get(key), key
    assert props["name"] == "kws_ref_model" and props["includes"] == "kws_ref_model.h"
    sketch = out / "examples" / "kws_ref_model_demo"
    assert (sketch / "kws_ref_model_demo.ino").is_file() and (out / "src" / "kws_ref_model.h").is_file()
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub" / "Arduino.h").write_text(ARDUINO_STUB)
    flags = [*load_target(board.core).cflags, "-Wall", "-Werror", "-DARDUINO=10819", "-I", str(out / "src"),
             "-I", str(sketch), "-I", str(tmp_path / "stub"), "-c", "-o", "/dev/null"]
    units = [("arm-none-eabi-gcc", path, []) for path in sorted((out / "src").glob("*.c"))]
    units += [("arm-none-eabi-gcc", sketch / "lm_app.c", []),
              ("arm-none-eabi-g++", sketch / "lm_board_arduino.cpp", []),
              ("arm-none-eabi-g++", sketch / "kws_ref_model_demo.ino", ["-x", "c++", "-include", "Arduino.h"])]
    for compiler, path, extra in units:
        proc = subprocess.run([compiler, *flags, *extra, str(path)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, (path.name, proc.stderr)


def test_unknown_format_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main(["project", str(KWS), "--board", "mps2-an386", "--format", "make", "-o", str(tmp_path / "p")])
    assert exc.value.code == 2
    assert "invalid choice: 'make'" in capsys.readouterr().err
