"""`litemicro project`: a PlatformIO project that runs a compiled model on a board.

    path = write_project("model.tflite", "mps2-an386", "out")   # then: cd out && pio test

Boards are data, one file each in targets/boards/: the litemicro target of the board's core,
its RAM and flash, and either the official PlatformIO platform, board id and framework (real
boards) or the QEMU machine (emulated boards). An emulated board's project carries the
offline development platform and SCons package of targets/platformio/, so it builds and runs
with no network. The demo prints every output of one run on an embedded test input; the
custom `pio test` runner compares each printed line with lines computed here, with the TFLM
interpreter when it is installed.

project_files() is pure ({relative path: text}); only write_project() touches the disk.
Run again over the same folder, it rewrites what it generates, never the user's files
(USER_FILES: src/main.c, README.md, .gitignore) unless asked to with force=True, and its
Written record says what it created, updated, left unchanged and left alone. The model's own
folder (lib/<prefix>/, <prefix>/ or the Arduino library's src/) is replaced as a whole: a file
there that litemicro generated (it carries our mark) and the new model no longer needs is
removed. Nothing else is ever deleted.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from . import __version__
from .api import Options, compile_model
from .board_uart import uart_context
from .codegen.emit import environment
from .codegen.placement import DEFAULT_PLACEMENT, Placement
from .errors import LiteMicroError
from .outfiles import display_name, write_files
from .project_formats import FORMATS, arduino_files, cmake_files
from .resources import targets_dir, templates_dir
from .targets import Target, load_target
from .toolchain.firmware import COMMON_FLAGS, LINK_FLAGS, render_linker_script
from .toolchain.qemu import qemu_command

TEST_INPUT_SEED = 0
TEST_FILLS = (0x80, 0x7F)  # after the test input, every input byte -128, then 127 (as int8)
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193
OUTPUTS = ("semihosting", "serial", "uart", "hook")
OUTPUT_NOTES = {
    "semihosting": "printed over semihosting (LM_BOARD_SEMIHOSTING), shown by QEMU on the console",
    "serial": "sent to the Arduino Serial port at 115200 baud by src/lm_board_arduino.cpp",
    "uart": "sent to the debug probe's virtual COM port at 115200 baud by src/lm_board_uart.c",
    "hook": "dropped until you define lm_board_putc() for a UART, ITM or RTT (see README.md)",
}
SCONS_FALLBACK = ("6.2.0", "~4.41101.0")  # PlatformIO version, the tool-scons it asks for
ELF_IN_BUILD_DIR = "${platformio.build_dir}/${this.__env__}/firmware.elf"


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    core: str  # the litemicro target: generated code, compiler flags
    ram_bytes: int
    flash_bytes: int
    output: str  # where main.c's text goes: one of OUTPUTS
    pio_board: str  # PlatformIO board id
    pio_platform: str | None = None  # None: the offline QEMU platform inside the project
    framework: str | None = None
    qemu_machine: str | None = None
    uart: dict | None = None  # the board file's [uart] table (output "uart")

    @property
    def emulated(self) -> bool:
        return self.qemu_machine is not None


def boards_dir() -> Path:
    return targets_dir() / "boards"


def list_boards() -> list[str]:
    """Names of all known boards, sorted."""
    return sorted(path.stem for path in boards_dir().glob("*.toml"))


@functools.lru_cache(maxsize=None)
def load_board(name: str) -> Board:
    """The board called `name`; LiteMicroError listing the known ones if there is none."""
    known = list_boards()
    if name not in known:
        raise LiteMicroError(f"unknown board '{name}'; known boards: {', '.join(known)}")
    path = boards_dir() / f"{name}.toml"
    try:
        board = _board_from_dict(tomllib.loads(path.read_text()))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LiteMicroError(f"board file {path.name} is malformed: {exc}") from None
    if (board.output not in OUTPUTS or board.emulated != (board.output == "semihosting")
            or (board.output == "uart") != (board.uart is not None)):
        raise LiteMicroError(f"board file {path.name} is malformed: output '{board.output}'")
    return board


def _board_from_dict(data: dict) -> Board:
    common = {key: data[key] for key in ("name", "description", "core", "ram_bytes", "flash_bytes")}
    if "qemu" in data:
        return Board(**common, output="semihosting", pio_board=data["name"],
                     qemu_machine=data["qemu"]["machine"])
    pio = data["platformio"]
    return Board(**common, output=pio["output"], pio_board=pio["board"],
                 pio_platform=pio["platform"], framework=pio.get("framework"), uart=data.get("uart"))


def write_project(model_path, board, out_dir=None, *, ram=None, flash=None, budget=True,
                  fmt: str = "platformio", force: bool = False,
                  placement: Placement = DEFAULT_PLACEMENT) -> Path:
    """Compile `model_path` for `board` and write its project to `out_dir` (default:
    ./<prefix>-<board>): PlatformIO, CMake or an Arduino library, by `fmt`. Returns the
    project folder. `ram`/`flash` replace the board's memory sizes in the fit check;
    budget=False skips it; force=True rewrites the user's files too (see write_project_files)."""
    project = generate_project(model_path, board, out_dir, ram=ram, flash=flash, budget=budget, fmt=fmt,
                               placement=placement)
    write_project_files(project, force=force)
    return project.out


@dataclass(frozen=True)
class Project:
    out: Path  # the project folder
    files: dict[str, str]  # {path relative to out: text}
    model_dir: str  # relative folder of the model's C and runtime files, only generated files


def generate_project(model_path, board, out_dir=None, *, ram=None, flash=None, budget=True,
                     fmt: str = "platformio", placement: Placement = DEFAULT_PLACEMENT) -> Project:
    """write_project without the writing."""
    if fmt not in FORMATS:
        raise LiteMicroError(f"unknown project format '{fmt}'; known formats: {', '.join(FORMATS)}")
    if placement.external_arena:       # the project's main.c runs the model on its own arena
        raise LiteMicroError("a project's demo uses the model's own arena: --external-arena is for gen")
    spec = load_board(board)
    target = _board_target(spec)
    command = f"litemicro project {display_name(Path(model_path).name)} --board {spec.name}"
    command += (f" --format {fmt}" if fmt != "platformio" else "") + placement.options
    gen = compile_model(model_path, Options(
        target=target, command=command, budget=budget, part=spec.name, placement=placement,
        ram=ram if ram is not None else spec.ram_bytes,
        flash=flash if flash is not None else spec.flash_bytes))
    sets = input_sets(gen)
    outputs, oracle = reference_outputs(gen, Path(model_path).read_bytes(), sets)
    files = project_files(gen, spec, target, Vectors(sets, outputs, oracle), command, fmt)
    out = Path(out_dir) if out_dir else Path(f"{gen.prefix}-{spec.name}")
    paths = [PurePosixPath(p) for p in files]
    model_dir, = ({p.parent for p in paths if p.name == f"{gen.prefix}.h"}
                  & {p.parent for p in paths if p.name == f"{gen.prefix}.c"})
    return Project(out, files, str(model_dir))


def _board_target(board: Board) -> Target:
    target = load_target(board.core)
    if board.emulated and (target.emulator is None or target.emulator.machine != board.qemu_machine):
        raise LiteMicroError(f"board {board.name} runs on QEMU {board.qemu_machine}, but target "
                             f"{target.name} builds firmware for another machine")
    return target


@dataclass(frozen=True)
class Vectors:
    inputs: list  # [set][input index] -> array
    outputs: list  # [set][output index] -> array
    oracle: str  # what computed the outputs


def input_sets(gen) -> list[list[np.ndarray]]:
    """Set 0: seeded random values (the demo's input); then each TEST_FILLS byte everywhere."""
    rng = np.random.default_rng(TEST_INPUT_SEED)
    first = [_random_input(rng, info) for info in gen.inputs]
    return [first] + [[_filled(info, byte) for info in gen.inputs] for byte in TEST_FILLS]


def _random_input(rng, info) -> np.ndarray:
    if info.dtype == "float32":
        return rng.uniform(-1.0, 1.0, size=info.shape).astype(np.float32)
    return rng.integers(-128, 128, size=info.shape, dtype=np.int8)


def _filled(info, byte: int) -> np.ndarray:
    raw = np.frombuffer(bytes([byte]) * info.nbytes, dtype=np.dtype(info.dtype).newbyteorder("<"))
    return raw.astype(info.dtype).reshape(info.shape)


SELF_CHECK = ("litemicro's own host build, NOT the TFLM interpreter (tflite-micro was not installed): "
              "these lines check that the board computes what the host build computes; "
              "pip install 'litemicro[verify]' and regenerate to check against TFLM")


def reference_outputs(gen, model_bytes: bytes, sets) -> tuple[list[list[np.ndarray]], str]:
    """Outputs for each input set, run in order, and which oracle computed them: the TFLM
    interpreter; without it (it has wheels for Linux x86_64 only) litemicro's host build, said
    as much in the project's README and test runner, and by the command line (SELF_CHECK)."""
    if importlib.util.find_spec("tflite_micro") is None:
        from .toolchain.host import build_host

        host_gen = compile_model(model_bytes, Options(target="host", prefix=gen.prefix, budget=False))
        with tempfile.TemporaryDirectory() as workdir:
            module = build_host([host_gen], workdir)
            return [module.run(gen.prefix, s) for s in sets], SELF_CHECK
    from .reference import Reference

    reference = Reference(model_bytes)
    return ([reference.run(s, len(gen.outputs)) for s in sets],
            "the TFLM interpreter of the tflite-micro package")


def expected_lines(gen, outputs) -> list[tuple[str, str]]:
    """(test case name, line) for everything the test program prints, in order."""
    lines = []
    for s, arrays in enumerate(outputs):
        digest = FNV_OFFSET
        for k, (info, array) in enumerate(zip(gen.outputs, arrays)):
            raw = _le_bytes(info, array)
            lines.append((f"set{s}.output{k}", f"{gen.prefix} set {s} output {k} {_describe(info)}:"
                          + "".join(" " + v for v in _values(info, raw))))
            digest = fnv1a(digest, raw)
        lines.append((f"set{s}.checksum", f"{gen.prefix} set {s} checksum 0x{digest:08x}"))
    lines.append(("done", f"{gen.prefix} done"))
    return lines


def fnv1a(digest: int, data: bytes) -> int:
    for byte in data:
        digest = ((digest ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return digest


def _le_bytes(info, array) -> bytes:
    return np.ascontiguousarray(array, dtype=np.dtype(info.dtype).newbyteorder("<")).tobytes()


def _values(info, raw: bytes) -> list[str]:
    if info.dtype == "float32":
        return [f"0x{word:08x}" for word in np.frombuffer(raw, dtype="<u4")]
    return [str(v) for v in np.frombuffer(raw, dtype=np.int8)]


def _describe(info) -> str:
    return f"{info.dtype} {'x'.join(str(d) for d in info.shape) or 'scalar'}"


def project_files(gen, board: Board, target: Target, vectors: Vectors,
                  command: str, fmt: str = "platformio") -> dict[str, str]:
    """Every file of the project, {path relative to the project: text}."""
    ctx = _context(gen, board, target, vectors, command)
    if fmt == "cmake":
        return cmake_files(gen, board, target, ctx, _render, _demo_files(board, ctx, arduino=False))
    if fmt == "arduino":
        return arduino_files(gen, ctx, _render, _demo_files(board, ctx, arduino=True))
    files = {
        "platformio.ini": _render("platformio.ini.j2", ctx),
        "README.md": _render("README.md.j2", ctx),
        ".gitignore": _static("gitignore"),
        "include/lm_app.h": _render("lm_app.h.j2", ctx),
        "src/main.c": _render("main.c.j2", ctx),
        "test/test_model/test_model.c": _render("test_model.c.j2", ctx),
        "test/test_custom_runner.py": _render("test_custom_runner.py.j2", ctx),
    }
    if board.output == "serial":
        files["src/lm_board_arduino.cpp"] = _static("lm_board_arduino.cpp")
    if board.output == "uart":
        files["src/lm_board_uart.c"] = _render("lm_board_uart.c.j2", _uart_context(board))
    files.update({f"lib/{gen.prefix}/{name}": text for name, text in gen.files.items()})
    files[f"lib/{gen.prefix}/library.json"] = _json(_library_manifest(gen, target))
    if board.emulated:
        files.update(qemu_platform_files(board, target))
        files.update(scons_package_files())
    return files


def _context(gen, board: Board, target: Target, vectors: Vectors, command: str) -> dict:
    expected = expected_lines(gen, vectors.outputs)
    return {
        "prefix": gen.prefix, "version": __version__, "board": board, "command": command,
        "model_file": shlex.split(command)[2], "model_sha": gen.model_sha256[:16], "optimize": target.optimize,
        "oracle": vectors.oracle, "output_note": OUTPUT_NOTES[board.output],
        "input_note": f"seeded random values (numpy default_rng({TEST_INPUT_SEED}))",
        "inputs": [_blob(_le_bytes(info, a)) for info, a in zip(gen.inputs, vectors.inputs[0])],
        "outputs": [{"size": info.nbytes, "desc": f'"{_describe(info)}"',
                     "is_float": int(info.dtype == "float32")} for info in gen.outputs],
        "fills": [f"0x{byte:02x}u" for byte in TEST_FILLS],
        "fills_note": ", ".join(f"0x{b:02x} (set {i + 1})" for i, b in enumerate(TEST_FILLS)),
        "platform": "symlink://${PROJECT_DIR}/platform" if board.emulated else board.pio_platform,
        "testing_command": qemu_command(ELF_IN_BUILD_DIR, target) if board.emulated else [],
        "line_prefix": repr(f"{gen.prefix} "),
        "expected": [(repr(name), repr(line)) for name, line in expected],
        "demo_lines": [line for name, line in expected if name.startswith("set0.")]
        + [expected[-1][1]],
        "pio_version": _scons_requirement()[0], "scons_version": _scons_requirement()[1],
    }


def _demo_files(board: Board, ctx: dict, *, arduino: bool) -> dict[str, str]:
    """The demo program: main.c, lm_app.h and the board's own hooks where they fit the format."""
    files = {"src/main.c": _render("main.c.j2", ctx), "include/lm_app.h": _render("lm_app.h.j2", ctx)}
    if board.output == "uart" and not arduino:
        files["src/lm_board_uart.c"] = _render("lm_board_uart.c.j2", _uart_context(board))
    return files


def _uart_context(board: Board) -> dict:
    uart = uart_context(board.name, board.core, board.uart)
    timer = "DWT cycle counter" if uart["dwt"] else "nothing: this core has no DWT cycle counter"
    return {"board": board, "version": __version__, "uart": uart, "dwt": uart["dwt"], "timer_note": timer}


def _blob(raw: bytes) -> dict:
    rows = [" ".join(f"0x{b:02x}," for b in raw[i:i + 16]) for i in range(0, len(raw), 16)]
    return {"size": len(raw), "rows": rows}


def _library_manifest(gen, target: Target) -> dict:
    return {
        "name": gen.prefix,
        "version": __version__,
        "description": f"{gen.prefix}: a TensorFlow Lite model compiled to C by litemicro "
                       f"for {target.name}",
        "keywords": ["litemicro", "tflite", "neural network"],
        "build": {"flags": [target.optimize]},
    }


def qemu_platform_files(board: Board, target: Target) -> dict[str, str]:
    """The offline development platform for an emulated board (platform/ in the project)."""
    source = targets_dir() / "platformio" / "platform"
    files = {f"platform/{name}": (source / name).read_text()
             for name in ("platform.json", "builder/main.py")}
    files[f"platform/boards/{board.pio_board}.json"] = _json(_board_manifest(board, target))
    files[f"platform/ldscripts/{board.name}.ld"] = render_linker_script(target)
    for name in ("fw_startup.c", "fw_startup.h"):
        files[f"platform/startup/{name}"] = (templates_dir() / "firmware" / name).read_text()
    return files


def _board_manifest(board: Board, target: Target) -> dict:
    """PlatformIO board manifest; builder/main.py reads the flags and commands from it."""
    return {
        "name": board.description,
        "vendor": "Arm",
        "url": "https://www.qemu.org/docs/master/system/arm/mps2.html",
        "frameworks": [],
        "build": {
            "cpu": target.name,
            "mcu": board.qemu_machine,
            "cpu_flags": list(target.cflags),
            "cflags": [target.optimize, *COMMON_FLAGS],
            "ldflags": list(LINK_FLAGS),
            "defines": ["LM_BOARD_SEMIHOSTING"],
            "ldscript": f"{board.name}.ld",
        },
        "upload": {
            "maximum_ram_size": board.ram_bytes,
            "maximum_size": board.flash_bytes,
            "protocol": "qemu",
            "protocols": ["qemu"],
            "qemu_command": qemu_command("$SOURCE", target),
        },
    }


def scons_package_files() -> dict[str, str]:
    """packages/tool-scons: the SCons that PlatformIO would download, taken from its Python."""
    source = targets_dir() / "platformio" / "tool-scons"
    version = _scons_requirement()[1].lstrip("~^=")
    manifest = {**json.loads((source / "package.json").read_text()), "version": version}
    installed = {"type": "tool", "name": "tool-scons", "version": version,
                 "spec": {"owner": "platformio", "id": None, "name": "tool-scons",
                          "requirements": None, "uri": None}}
    return {"packages/tool-scons/package.json": _json(manifest),
            "packages/tool-scons/.piopm": _json(installed),
            "packages/tool-scons/scons.py": (source / "scons.py").read_text()}


@functools.lru_cache(maxsize=1)
def _scons_requirement() -> tuple[str, str]:
    """(PlatformIO version, the tool-scons version it requires) of the installed PlatformIO."""
    try:
        import platformio
        from platformio.dependencies import get_core_dependencies

        return platformio.__version__, get_core_dependencies()["tool-scons"]
    except (ImportError, KeyError):
        return SCONS_FALLBACK


# Written once as a starting point, then the user's: never replaced when they exist, unless
# with force (--force).
USER_FILES = ("README.md", ".gitignore", "src/main.c")
# A project litemicro wrote, of each format: (file, the text that marks it as ours).
PROJECT_MARKS = (("platformio.ini", "Generated by litemicro"), ("CMakeLists.txt", "Generated by litemicro"),
                 ("library.properties", "compiled to plain C by litemicro"))


# What marks a file as litemicro's: runtime sources, generated sources, library manifests.
OUR_MARKS = (b"/* litemicro runtime", b"Generated by litemicro", b"compiled to C by litemicro")


@dataclass
class Written:
    """What write_project_files did to each file of the project (relative paths, sorted)."""
    created: list[str] = field(default_factory=list)      # did not exist
    updated: list[str] = field(default_factory=list)      # generated, and its text changed
    unchanged: list[str] = field(default_factory=list)    # same text: not touched
    kept: list[str] = field(default_factory=list)         # the user's, left as they are
    overwritten: list[str] = field(default_factory=list)  # the user's, rewritten by force
    removed: list[str] = field(default_factory=list)      # ours, in the model folder, no longer needed
    foreign: list[str] = field(default_factory=list)      # not ours, in the model folder: left there

    @property
    def first_run(self) -> bool:
        return not (self.updated or self.unchanged or self.kept or self.overwritten)

    def summary(self) -> list[str]:
        """Lines for the command line: the file count on a first run; on a later one what
        was updated (if nothing: said so), created, removed and left alone."""
        if self.first_run:
            return [f"  created: {len(self.created)} files"]
        lines = [f"  updated: {_names(self.updated) or 'nothing (no generated file changed)'}"]
        rows = [("created", self.created), ("removed, no longer generated", self.removed),
                ("left alone, yours (--force rewrites them)", self.kept),
                ("rewritten by --force, your edits to them are gone", self.overwritten),
                ("left alone in the model's folder, not made by litemicro", self.foreign)]
        lines += [f"  {label}: {_names(names)}" for label, names in rows if names]
        return lines + [f"  unchanged: {len(self.unchanged)} files"] * bool(self.unchanged)


def _names(names: list[str], most: int = 8) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def write_project_files(project: Project, *, force: bool = False) -> Written:
    """Write the project. Into a folder that is no litemicro project, nothing existing is
    overwritten (the user's files are named in the error), with force or not. A litemicro
    project is regenerated: every generated file whose text changed is rewritten; the user's
    files (USER_FILES) are kept as they are, or with force rewritten too; in the model's folder,
    files of ours the model no longer needs are removed. Nothing else is deleted."""
    out, files = project.out, project.files
    _check_folder(out, files)
    done = Written()
    for name in sorted(files):
        path, text = out / name, files[name]
        if not path.exists():
            done.created.append(name)
        elif _same_text(path, text):
            done.unchanged.append(name)
        elif name not in USER_FILES:
            done.updated.append(name)
        else:
            (done.overwritten if force else done.kept).append(name)
    write_files(out, {name: files[name] for name in done.created + done.updated + done.overwritten})
    _remove_stale(out, project, done)
    return done


def _remove_stale(out: Path, project: Project, done: Written) -> None:
    """Files directly in the model's folder that the project no longer has: removed when ours."""
    folder = out / project.model_dir
    stale = sorted(p for p in folder.iterdir() if p.is_file()
                   and p.relative_to(out).as_posix() not in project.files) if folder.is_dir() else []
    for path in stale:
        name = path.relative_to(out).as_posix()
        if not _is_ours(path):
            done.foreign.append(name)
            continue
        try:
            path.unlink()
        except OSError as exc:
            raise LiteMicroError(f"cannot remove {path}: {exc.strerror or exc}") from None
        done.removed.append(name)


def _is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return any(mark in head for mark in OUR_MARKS)


def _check_folder(out: Path, files: dict[str, str]) -> None:
    """LiteMicroError unless `out` is new, a litemicro project, or holds none of our files."""
    ours = any((out / name).is_file() and mark in (out / name).read_text(errors="replace")
               for name, mark in PROJECT_MARKS)
    if (out / "platformio.ini").is_file() and not ours:
        raise LiteMicroError(f"{out} holds a PlatformIO project not written by litemicro; "
                             "choose another folder with -o")
    if not ours:
        clash = sorted(name for name in files if (out / name).exists())
        if clash:
            raise LiteMicroError(f"{out} already holds {', '.join(clash[:5])}"
                                 f"{' ...' if len(clash) > 5 else ''}; litemicro does not overwrite "
                                 "files it did not write: choose another folder with -o")


def _same_text(path: Path, text: str) -> bool:
    try:
        return path.is_file() and path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _json(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"


def _static(name: str) -> str:
    return (templates_dir() / "platformio" / name).read_text()


def _render(name: str, ctx: dict) -> str:
    """A template of templates/platformio/, or of templates/ when the name has a folder
    (cmake/..., arduino/...)."""
    return environment("" if "/" in name else "platformio").get_template(name).render(**ctx)
