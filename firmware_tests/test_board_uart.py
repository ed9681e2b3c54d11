"""Board code for real boards: register-level UART output and DWT inference timing.

- Every real board's hooks (src/lm_board_uart.c, or the Arduino Serial file) compile with
  -Wall -Werror for its core, the cycle-counter path included.
- The STM32F4 USART code runs in QEMU's netduinoplus2 (an STM32F405: the same USART block,
  GPIO and RCC addresses as the F446 of nucleo_f446re): the project's demo program prints the
  model's outputs over USART2 and they equal the lines the project expects. QEMU models no
  DWT, so the time line reads 0 cycles there.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from test_platformio import ARDUINO_STUB

from lite_micro.board_uart import uart_context
from lite_micro.project import list_boards, load_board, write_project
from lite_micro.resources import templates_dir
from lite_micro.targets import MemoryRegion, load_target
from lite_micro.toolchain.firmware import gcc_command, render_linker_script

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
REAL = [name for name in list_boards() if not load_board(name).emulated]
UART = [name for name in REAL if load_board(name).output == "uart"]

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None
                                or shutil.which("qemu-system-arm") is None,
                                reason="needs gcc-arm-none-eabi and qemu-system-arm")


def test_stm32_boards_print_over_their_uart():
    assert {"nucleo_f446re", "nucleo_l4r5zi", "disco_f746ng"} <= set(UART)


@pytest.mark.parametrize("board_name", REAL)
def test_board_hooks_compile_for_their_core(tmp_path, board_name):
    board = load_board(board_name)
    out = write_project(MODELS / "hello_world_int8.tflite", board_name, tmp_path / "p")
    cflags = load_target(board.core).cflags
    if board.output == "uart":
        command = ["arm-none-eabi-gcc", *cflags, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                   "-fsyntax-only", "-I", str(out / "include"), str(out / "src" / "lm_board_uart.c")]
        text = (out / "src" / "lm_board_uart.c").read_text()
        assert ("lm_board_cycles" in text) == uart_context(board.name, board.core, board.uart)["dwt"]
    else:
        (tmp_path / "stub").mkdir()
        (tmp_path / "stub" / "Arduino.h").write_text(ARDUINO_STUB)
        command = ["arm-none-eabi-g++", *cflags, "-fsyntax-only", "-Wall", "-Werror", "-I", str(tmp_path / "stub"),
                   "-I", str(out / "include"), str(out / "src" / "lm_board_arduino.cpp")]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_uart_divisors():
    f446 = uart_context("nucleo_f446re", "cortex-m4", load_board("nucleo_f446re").uart)
    assert f446["brr"] == 139 and f446["status"] == "0x40004400" and f446["tx"] == "0x40004404"
    assert f446["moder_af"] == "0x00000020" and f446["afr_bits"] == "0x00000700"
    l4 = uart_context("nucleo_l4r5zi", "cortex-m4", load_board("nucleo_l4r5zi").uart)
    assert l4["brr"] == 8889 and l4["afr"] == "0x48001820" and l4["afr_bits"] == "0x80000000"
    f7 = uart_context("disco_f746ng", "cortex-m7", load_board("disco_f746ng").uart)
    assert f7["afr"] == "0x40020024" and f7["afr_bits"] == "0x00000070" and f7["tx"] == "0x40011028"


def _netduino_firmware(project: Path, workdir: Path) -> Path:
    target = load_target("cortex-m4")
    emulator = dataclasses.replace(target.emulator, machine="netduinoplus2",
                                   flash=MemoryRegion(0x08000000, 0x100000), ram=MemoryRegion(0x20000000, 0x20000))
    target = dataclasses.replace(target, emulator=emulator)
    workdir.mkdir()
    sources = [*sorted((project / "src").glob("*.c")), project / "include" / "lm_app.h",
               *sorted((project / "lib").glob("*/*.[ch]"))]
    sources += [templates_dir() / "firmware" / name for name in ("fw_startup.c", "fw_startup.h")]
    for path in sources:
        shutil.copy(path, workdir / path.name)
    (workdir / "link.ld").write_text(render_linker_script(target))
    command = gcc_command(target, sorted(p.name for p in sources if p.suffix == ".c"), "fw.elf")
    command[1:1] = ["-Wall", "-Werror"]
    proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return workdir / "fw.elf"


def test_stm32f4_usart_prints_the_model_output_in_qemu(tmp_path):
    out = write_project(MODELS / "kws_ref_model.tflite", "nucleo_f446re", tmp_path / "p")
    elf = _netduino_firmware(out, tmp_path / "build")
    proc = subprocess.run(["qemu-system-arm", "-M", "netduinoplus2", "-display", "none", "-monitor", "none",
                           "-serial", "null", "-serial", "stdio", "-semihosting", "-kernel", str(elf)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.replace("\r\n", "\n").splitlines()
    readme = (out / "README.md").read_text()
    expected = [line.strip() for line in readme.splitlines() if line.strip().startswith("kws_ref_model set 0 ")]
    assert expected and [line for line in lines if " output " in line or " checksum " in line] == expected
    assert "kws_ref_model set 0 invoke 0 cycles, 0.000 ms at 16 MHz" in lines
    assert lines[-1] == "kws_ref_model done"
