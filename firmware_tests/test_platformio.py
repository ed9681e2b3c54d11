"""PlatformIO projects written by `litemicro project`, built and run offline.

Emulated boards: `pio run -t upload` and `pio test` in the generated project, from a fresh
PlatformIO state (PLATFORMIO_CORE_DIR in a temporary folder, telemetry and the upgrade check
off through environment variables, the user's settings untouched). Every HTTP(S) request
PlatformIO makes goes to a local proxy that refuses it at once and records the host, so a
registry lookup fails in milliseconds and the test names it, instead of stalling.

Real boards, whose platforms cannot be installed here: the project's own test program
(src/, include/, test/test_model/, lib/<model>/) built with the firmware builder's compiler
command for the board's core and run in QEMU on that core, printing over semihosting; its
lines must equal the ones the project's test runner expects.
"""

import ast
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.project import input_sets, list_boards, load_board, write_project
from lite_micro.resources import templates_dir
from lite_micro.targets import load_target
from lite_micro.toolchain.firmware import gcc_command, render_linker_script
from lite_micro.toolchain.qemu import run_elf

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
HELLO = MODELS / "hello_world_int8.tflite"
PIO_TIMEOUT_S = 60
EMULATED = [name for name in list_boards() if load_board(name).emulated]
REAL = [name for name in list_boards() if not load_board(name).emulated]

needs_pio = pytest.mark.skipif(importlib.util.find_spec("platformio") is None
                               or importlib.util.find_spec("SCons") is None,
                               reason="needs platformio and scons (pip install litemicro[test])")


class _RefusingProxy(http.server.BaseHTTPRequestHandler):
    """Records every request (CONNECT host:443 for HTTPS) and refuses it."""

    def _refuse(self):
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_error(403, "no network in litemicro tests")

    do_GET = do_POST = do_HEAD = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def network_trap():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusingProxy)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pio_env(tmp_path_factory, network_trap):
    proxy = f"http://127.0.0.1:{network_trap.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "platformio_core_dir")}
    env.update({
        "PLATFORMIO_CORE_DIR": str(tmp_path_factory.mktemp("pio-core")),
        "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
        "PLATFORMIO_DISABLE_UPGRADE_CHECK": "true",
        "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
    })
    return env


def _pio(args, project, env, trap, tmp_path):
    """Run PlatformIO in `project`; stop it and fail at its first network request
    (PlatformIO retries refused requests for a long time) or after PIO_TIMEOUT_S."""
    trap.requests.clear()
    log = tmp_path / f"pio-{'-'.join(args)}.log"
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "platformio", *args], cwd=project, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, text=True)
        while proc.poll() is None and not trap.requests and time.monotonic() - start < PIO_TIMEOUT_S:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    elapsed = time.monotonic() - start
    assert not trap.requests, f"pio {' '.join(args)} tried the network: {trap.requests[:3]}"
    assert elapsed < PIO_TIMEOUT_S, f"pio {' '.join(args)} ran over {PIO_TIMEOUT_S} s"
    return subprocess.CompletedProcess(proc.args, proc.returncode, log.read_text()), elapsed


def _tflm_outputs(model: Path, inputs):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model.read_bytes())
    for k, x in enumerate(inputs):
        interpreter.set_input(x, k)
    interpreter.invoke()
    return interpreter.get_output(0)


@needs_pio
def test_emulated_project_uploads_and_tests_offline(tmp_path, pio_env, network_trap):
    out = write_project(HELLO, "mps2-an386", tmp_path / "p")
    upload, upload_s = _pio(["run", "-t", "upload"], out, pio_env, network_trap, tmp_path)
    assert upload.returncode == 0, upload.stdout[-3000:]
    printed = [line for line in upload.stdout.splitlines() if line.startswith("hello_world_int8 ")]
    gen = compile_model(HELLO, Options(target="cortex-m4"))
    want = int(np.asarray(_tflm_outputs(HELLO, input_sets(gen)[0])).reshape(-1)[0])
    assert printed[0] == f"hello_world_int8 set 0 output 0 int8 1x1: {want}"
    assert printed[1].startswith("hello_world_int8 set 0 checksum 0x") and printed[2:] == ["hello_world_int8 done"]

    test, test_s = _pio(["test"], out, pio_env, network_trap, tmp_path)
    assert test.returncode == 0, test.stdout[-3000:]
    assert "7 test cases: 7 succeeded" in test.stdout
    assert upload_s + test_s < 30, f"pio run {upload_s:.1f} s + pio test {test_s:.1f} s"

    runner = out / "test" / "test_custom_runner.py"  # the runner must catch a wrong output
    good = "'hello_world_int8 set 1 output 0 int8 1x1: "
    runner.write_text(runner.read_text().replace(good, good + "1"))
    failed, _ = _pio(["test"], out, pio_env, network_trap, tmp_path)
    assert failed.returncode != 0 and "expected: hello_world_int8 set 1 output 0 int8 1x1: 1" in failed.stdout


@needs_pio
@pytest.mark.parametrize("board", [b for b in EMULATED if b != "mps2-an386"])
def test_emulated_project_passes_pio_test(tmp_path, pio_env, network_trap, board):
    model = MODELS / ("ad01_int8.tflite" if board == "mps3-an547" else "hello_world_int8.tflite")
    out = write_project(model, board, tmp_path / "p")
    test, _ = _pio(["test"], out, pio_env, network_trap, tmp_path)
    assert test.returncode == 0, test.stdout[-3000:]
    assert re.search(r" (\d+) test cases: \1 succeeded ", test.stdout), test.stdout[-2000:]


def _build_test_program(project: Path, board, workdir: Path) -> Path:
    """The project's `pio test` program built like the firmware builder builds firmware."""
    target = load_target(board.core)
    workdir.mkdir()
    sources = [project / "src" / "main.c", project / "test" / "test_model" / "test_model.c",
               project / "include" / "lm_app.h", *sorted((project / "lib").glob("*/*.[ch]"))]
    sources += [templates_dir() / "firmware" / name for name in ("fw_startup.c", "fw_startup.h")]
    for path in sources:
        shutil.copy(path, workdir / path.name)
    (workdir / "link.ld").write_text(render_linker_script(target))
    command = gcc_command(target, sorted(p.name for p in sources if p.suffix == ".c"), "test.elf")
    command[1:1] = ["-DLM_BOARD_SEMIHOSTING", "-DPIO_UNIT_TESTING", "-Wall", "-Werror"]
    proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return workdir / "test.elf"


def _expected_lines(project: Path) -> list[str]:
    """The EXPECTED list of the project's test runner (read without importing PlatformIO)."""
    tree = ast.parse((project / "test" / "test_custom_runner.py").read_text())
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "EXPECTED")
    return [line for _, line in ast.literal_eval(node)]


ARDUINO_STUB = """\
#include <stddef.h>
#include <stdint.h>
struct LmSerialStub {
    void begin(unsigned long baud);
    explicit operator bool() const;
    size_t write(uint8_t byte);
};
extern LmSerialStub Serial;
unsigned long millis(void);
"""


@pytest.mark.parametrize("board_name", REAL)
def test_real_board_test_program_runs_on_its_core(tmp_path, board_name):
    board = load_board(board_name)
    out = write_project(MODELS / "kws_ref_model.tflite", board_name, tmp_path / "p")
    elf = _build_test_program(out, board, tmp_path / "build")
    result = run_elf(elf, load_target(board.core), timeout=60)
    assert result.exit_code == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line.startswith("kws_ref_model ")]
    assert printed == _expected_lines(out)
    if board.framework == "arduino":  # the Serial hooks compile against the Arduino API
        (tmp_path / "stub" / "Arduino.h").parent.mkdir()
        (tmp_path / "stub" / "Arduino.h").write_text(ARDUINO_STUB)
        proc = subprocess.run(["arm-none-eabi-g++", *load_target(board.core).cflags, "-fsyntax-only", "-Wall",
                               "-Werror", "-I", str(tmp_path / "stub"), "-I", str(out / "include"),
                               str(out / "src" / "lm_board_arduino.cpp")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
