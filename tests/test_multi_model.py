"""Several models in one firmware: the shared, versioned runtime (gen --runtime-dir), placement
of the arena and the weights in linker sections, and the caller's arena (--external-arena).
The one-firmware QEMU run is firmware_tests/test_multi_model_qemu.py."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.cli import main as cli_main
from lite_micro.codegen.placement import Placement
from lite_micro.errors import LiteMicroError
from lite_micro.project import write_project
from lite_micro.reference import Reference, input_sets
from lite_micro.runtime_folder import split_files
from lite_micro.toolchain.host import build_host

from model_zoo import model_path

MODELS = ["ad01_int8", "hello_world_int8", "micro_speech_quantized"]


@pytest.fixture
def run_cli(capsys):
    """`litemicro ARGS` in this process: (exit code, stdout, stderr)."""
    def run(*args):
        try:
            code = cli_main([str(a) for a in args])
        except SystemExit as exc:            # argparse: --help
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return run


def gen(name, target="cortex-m4", **placement):
    return compile_model(str(model_path(name)), Options(target=target, placement=Placement(**placement)))


# ---- the shared runtime ---------------------------------------------------------------------

def test_runtime_files_are_the_same_text_for_every_model_and_target():
    """What makes one runtime folder possible: a runtime file's text depends on its name only
    (the set of files depends on the model's ops: a folder holds their union)."""
    seen: dict[str, str] = {}
    sets = []
    for name in MODELS:
        for target in ("host", "cortex-m4", "cortex-m55"):
            g = gen(name, target)
            _, runtime = split_files(g.files, g.prefix)
            sets.append(set(runtime))
            for fname, text in runtime.items():
                assert seen.setdefault(fname, text) == text, f"{fname} differs for {name} on {target}"
    assert len({frozenset(s) for s in sets}) > 1          # the sets differ: the folder takes the union
    assert "lm_version.h" in seen


def test_runtime_dir_holds_the_union_and_the_model_folders_only_their_own(tmp_path, run_cli):
    rt = tmp_path / "litemicro"
    for name in MODELS:
        code, out, err = run_cli("gen", model_path(name), "--target", "cortex-m4", "-o", tmp_path / name,
                                 "--runtime-dir", rt)
        assert code == 0, err
        assert "runtime ->" in out and err == ""
    union = {}
    for name in MODELS:
        g = gen(name)
        model, runtime = split_files(g.files, g.prefix)
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == sorted(model)
        union.update(runtime)
    assert {p.name: p.read_text() for p in rt.iterdir()} == union
    code, out, err = run_cli("gen", model_path(MODELS[0]), "--target", "cortex-m4", "-o", tmp_path / MODELS[0],
                             "--runtime-dir", rt)
    assert code == 0 and "0 files written" in out


def test_one_folder_for_everything(tmp_path, run_cli):
    """-o and --runtime-dir the same folder: the models side by side with one runtime."""
    for name in ("hello_world_int8", "micro_speech_quantized"):
        code, _, err = run_cli("gen", model_path(name), "-o", tmp_path, "--runtime-dir", tmp_path)
        assert code == 0 and err == "", err
    names = {p.name for p in tmp_path.iterdir()}
    assert {"hello_world_int8.c", "micro_speech_quantized.c", "lm_fc.c", "lm_conv_rows.c", "lm_version.h"} <= names


def test_runtime_dir_never_overwrites_an_edited_file(tmp_path, run_cli):
    rt = tmp_path / "rt"
    assert run_cli("gen", model_path("hello_world_int8"), "-o", tmp_path / "a", "--runtime-dir", rt)[0] == 0
    edited = (rt / "lm_fc.c").read_text() + "/* my change */\n"
    (rt / "lm_fc.c").write_text(edited)
    code, out, err = run_cli("gen", model_path("ad01_int8"), "-o", tmp_path / "b", "--runtime-dir", rt)
    assert code == 2
    assert err.count("\n") == 1 and "lm_fc.c differs" in err and "not overwritten" in err
    assert (rt / "lm_fc.c").read_text() == edited
    assert not (tmp_path / "b").exists()            # refused before anything was written


def test_runtime_dir_of_another_version_is_refused_in_one_line(tmp_path, run_cli):
    rt = tmp_path / "rt"
    assert run_cli("gen", model_path("hello_world_int8"), "-o", tmp_path / "a", "--runtime-dir", rt)[0] == 0
    stamp = rt / "lm_version.h"
    old = re.sub(r'LM_VERSION "[^"]*"', 'LM_VERSION "0.0.9"', stamp.read_text())
    stamp.write_text(re.sub(r"LM_RUNTIME_ID 0x[0-9a-f]+u", "LM_RUNTIME_ID 0x0badf00du", old))
    code, out, err = run_cli("gen", model_path("ad01_int8"), "-o", tmp_path / "b", "--runtime-dir", rt)
    assert code == 2 and err.count("\n") == 1
    assert "litemicro 0.0.9, runtime id 0badf00d" in err and "empty runtime folder" in err


def test_a_stale_runtime_copy_in_the_model_folder_is_named(tmp_path, run_cli):
    folder = tmp_path / "m"
    assert run_cli("gen", model_path("hello_world_int8"), "-o", folder)[0] == 0      # runtime inside
    code, out, err = run_cli("gen", model_path("hello_world_int8"), "-o", folder, "--runtime-dir", tmp_path / "rt")
    assert code == 0 and "warning" in err and "lm_fc.c" in err


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_model_does_not_compile_against_another_runtime(tmp_path):
    g = gen("hello_world_int8", "host")
    for name, text in g.files.items():
        (tmp_path / name).write_text(text)
    ok = subprocess.run(["gcc", "-fsyntax-only", "-I.", f"{g.prefix}.c"], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stamp = tmp_path / "lm_version.h"
    stamp.write_text(re.sub(r"LM_RUNTIME_ID 0x[0-9a-f]+u", "LM_RUNTIME_ID 0x12345678u", stamp.read_text()))
    bad = subprocess.run(["gcc", "-fsyntax-only", "-I.", f"{g.prefix}.c"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0 and "runtime files of another litemicro" in bad.stderr


# ---- placement in linker sections ---------------------------------------------------------

def test_sections_only_add_attributes_and_the_default_is_unchanged():
    default = gen("micro_speech_quantized")
    placed = gen("micro_speech_quantized", arena_section=".lm_arena", weights_section=".lm_weights")
    assert gen("micro_speech_quantized", arena_section=None, weights_section=None).files == default.files
    for text in (default.files[f"{default.prefix}.c"], default.files[f"{default.prefix}.h"]):
        assert not re.search(r"LM_SECTION|set_arena|ARENA_ALIGN|ERR_ARENA", text)
    for name, text in placed.files.items():
        stripped = re.sub(r' LM_SECTION\("\.lm_(arena|weights)"\)', "", text)
        assert stripped == default.files[name], name
    source = placed.files[f"{placed.prefix}.c"]
    static_consts = re.findall(r"^static const .*$", source, re.M)
    assert static_consts and all('LM_SECTION(".lm_weights")' in line for line in static_consts)
    assert len(re.findall(r'^static int8_t \w+_arena\[.*LM_SECTION\("\.lm_arena"\);$', source, re.M)) == 1


@pytest.mark.parametrize("option, name, words", [
    ("--arena-section", "my section", "not a section name"),
    ("--weights-section", ".x;y", "not a section name"),
    ("--weights-section", "." + "a" * 70, "at most 64"),
    ("--weights-section", ".bss.weights", "zero-filled"),
    ("--arena-section", ".rodata", "read-only"),
])
def test_bad_section_names_are_one_line_errors(tmp_path, option, name, words, run_cli):
    code, out, err = run_cli("gen", model_path("hello_world_int8"), "-o", tmp_path / "m", option, name)
    assert code == 2 and err.count("\n") == 1, err
    assert words in err and option in err
    assert not (tmp_path / "m").exists()


def test_conflicting_placements_are_refused():
    with pytest.raises(LiteMicroError, match="two sections"):
        Placement(arena_section=".a", weights_section=".a")
    with pytest.raises(LiteMicroError, match="one of the two"):
        Placement(arena_section=".a", external_arena=True)


def test_project_takes_the_section_options(tmp_path, run_cli):
    code, _, err = run_cli("project", model_path("hello_world_int8"), "--board", "mps2-an386", "--format", "cmake",
                           "-o", tmp_path / "p", "--weights-section", ".lm_weights", "--arena-section", ".lm_arena")
    assert code == 0, err
    source = (tmp_path / "p" / "hello_world_int8" / "hello_world_int8.c").read_text()
    assert "--arena-section .lm_arena" in source and "--weights-section .lm_weights" in source    # the banner
    assert 'LM_ALIGN(16) LM_SECTION(".lm_arena");' in source and source.count('LM_SECTION(".lm_weights")') > 3
    with pytest.raises(LiteMicroError, match="--external-arena is for gen"):
        write_project(model_path("hello_world_int8"), "mps2-an386", tmp_path / "q",
                      placement=Placement(external_arena=True))


def test_gen_help_documents_the_options(run_cli):
    code, out, _ = run_cli("gen", "--help")
    for option in ("--runtime-dir", "--arena-section", "--weights-section", "--external-arena", "_set_arena"):
        assert code == 0 and option in out


# ---- the caller's arena -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hello_world_int8", "trained_lstm_int8"])
def test_external_arena_on_the_host_is_bit_exact_and_refuses_bad_arenas(name, host_workdir):
    """hello_world: stateless; trained_lstm: its state lives in the caller's arena, cleared by
    set_arena, kept across invokes as TFLM keeps it."""
    g = gen(name, "host", external_arena=True)
    header = g.files[f"{g.prefix}.h"]
    size = int(re.search(rf"#define {g.prefix.upper()}_ARENA_SIZE (\d+)", header).group(1))
    align = int(re.search(rf"#define {g.prefix.upper()}_ARENA_ALIGN (\d+)", header).group(1))
    assert size == g.arena_bytes and align == 16
    host = build_host([g], host_workdir)
    lib, ffi = host._lib, host._ffi
    set_arena = getattr(lib, f"{g.prefix}_set_arena")
    assert getattr(lib, f"{g.prefix}_invoke")() == -1                       # no arena given yet
    assert getattr(lib, f"{g.prefix}_input")(0) == ffi.NULL
    with pytest.raises(LiteMicroError, match="no arena given"):
        host.run(g.prefix, input_sets(g.inputs, 1, seed=0)[0])
    buffer = ffi.new("int8_t[]", size + 2 * align)
    base = int(ffi.cast("uintptr_t", buffer))
    aligned = buffer + (-base % align)
    assert set_arena(ffi.NULL) == -1
    assert set_arena(aligned + 1) == -2
    assert getattr(lib, f"{g.prefix}_output")(0) == ffi.NULL                # a refused arena is no arena
    ffi.memmove(aligned, b"\x55" * size, size)                              # not zeroed: set_arena clears state
    assert set_arena(aligned) == 0
    reference = Reference(model_path(name).read_bytes())
    for k, inputs in enumerate(input_sets(g.inputs, 4, seed=3)):
        want = reference.run(inputs, len(g.outputs))
        got = host.run(g.prefix, inputs)
        for w, o in zip(want, got):
            assert np.array_equal(np.asarray(w), o), f"set {k}"
    assert int(ffi.cast("uintptr_t", getattr(lib, f"{g.prefix}_input")(0))) >= int(ffi.cast("uintptr_t", aligned))
