"""Generated C: compiles warning-free with gcc and clang, reproducible, readable, fast to make."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.reference import Reference, input_sets
from lite_micro.toolchain.host import build_host

from model_zoo import INT8_MODELS, MODELS_DIR, model_path

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-c"]


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_generated_c_has_no_warnings(compiler, tmp_path):
    if shutil.which(compiler) is None:
        pytest.fail(f"{compiler} is not installed (the CI script installs it)")
    for name in INT8_MODELS:
        gen = compile_model(model_path(name))
        out = tmp_path / name
        out.mkdir()
        for fname, text in gen.files.items():
            (out / fname).write_text(text)
        (out / "user.c").write_text(_user_of_header(gen))
        sources = sorted(str(p) for p in out.glob("*.c"))
        proc = subprocess.run([compiler, *STRICT, *sources], cwd=out, capture_output=True, text=True)
        assert proc.returncode == 0, f"{name}: {proc.stderr[:2000]}"


def _user_of_header(gen) -> str:
    """A user's file that touches every macro of the header, so each must be valid C."""
    m = gen.prefix.upper()
    uses = [f"(double){m}_ARENA_SIZE", f"(double){m}_NUM_INPUTS", f"(double){m}_NUM_OUTPUTS"]
    arrays = []
    for kind, infos in (("INPUT", gen.inputs), ("OUTPUT", gen.outputs)):
        for k in range(len(infos)):
            p = f"{m}_{kind}{k}"
            arrays.append(f"    static const int {p.lower()}_shape[{p}_DIMS] = {p}_SHAPE;")
            uses += [f"(double){p}_SIZE", f"(double){p}_SCALE", f"(double){p}_ZERO_POINT",
                     f"(double){p.lower()}_shape[0]", f"(double)sizeof({p}_TYPE)"]
    return (f'#include "{gen.prefix}.h"\n\ndouble user_of_header(void);\n\ndouble user_of_header(void)\n{{\n'
            + "\n".join(arrays) + "\n    return " + " + ".join(uses) + ";\n}\n")


EXAMPLES = sorted(p.stem for p in MODELS_DIR.glob("*.tflite"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_generated_lines_fit_and_every_symbol_is_prefixed(name, tmp_path):
    """<= 120 columns; every symbol the model's object defines (what a map file or debugger
    shows) starts with the prefix, so two models never share a name."""
    gen = compile_model(model_path(name), Options(target="cortex-m4", prefix=f"{name}_x"))
    for fname in (f"{gen.prefix}.c", f"{gen.prefix}.h"):
        long = [(k + 1, len(line)) for k, line in enumerate(gen.files[fname].splitlines()) if len(line) > 120]
        assert not long, f"{fname}: (line, columns) over 120: {long[:5]}"
    for fname, text in gen.files.items():
        (tmp_path / fname).write_text(text)
    subprocess.run(["gcc", "-std=c99", "-O0", "-c", f"{gen.prefix}.c"], cwd=tmp_path, check=True)
    nm = subprocess.run(["nm", "--defined-only", f"{gen.prefix}.o"], cwd=tmp_path, check=True,
                        capture_output=True, text=True).stdout
    rows = [line.split()[-2:] for line in nm.splitlines() if line.strip()]
    # static helpers of the runtime headers (local text, 't') are the runtime's, not the model's
    symbols = [s for kind, s in rows if not (kind == "t" and s.startswith("lm_"))]
    assert any(s.startswith(f"{gen.prefix}_l") for s in symbols)      # per-layer tables are there
    assert [s for s in symbols if not s.startswith(gen.prefix + "_")] == []
    macros = re.findall(r"^#define (\w+)", gen.files[f"{gen.prefix}.h"], re.M)
    assert [m for m in macros if not m.startswith(gen.prefix.upper() + "_")] == []


def test_output_is_byte_identical_across_runs():
    a = compile_model(model_path("kws_ref_model"), Options(target="cortex-m4"))
    b = compile_model(model_path("kws_ref_model"), Options(target="cortex-m4"))
    assert a.files == b.files


def test_layer_comments_and_flash_tables():
    gen = compile_model(model_path("kws_ref_model"))
    src = gen.files["kws_ref_model.c"]
    assert "Layer 0: CONV_2D (op #0, v3)" in src
    assert "kernel lm_conv_s8" in src
    assert "arena [" in src and "scale " in src
    assert "static const int8_t kws_ref_model_l0_weights[" in src
    assert "sha256" in src and "/work" not in src and "/tmp" not in src
    header = gen.files["kws_ref_model.h"]
    for macro in ("KWS_REF_MODEL_ARENA_SIZE", "KWS_REF_MODEL_INPUT0_SIZE", "KWS_REF_MODEL_INPUT0_SHAPE",
                  "KWS_REF_MODEL_OUTPUT0_SCALE", "KWS_REF_MODEL_OUTPUT0_ZERO_POINT"):
        assert f"#define {macro}" in header
    assert "int kws_ref_model_invoke(void);" in header


def test_gen_vww_under_two_seconds():
    compile_model(model_path("vww_96_int8"))  # warm imports and template cache
    start = time.perf_counter()
    compile_model(model_path("vww_96_int8"), Options(target="cortex-m4"))
    assert time.perf_counter() - start < 2.0


def test_verification_catches_a_wrong_constant(host_workdir):
    """The host comparison can fail: flip one bias and the outputs no longer match TFLM."""
    gen = compile_model(model_path("hello_world_int8"), Options(prefix="broken_hw"))
    src = gen.files["broken_hw.c"]
    start = src.index("broken_hw_l2_bias[1] = {") + len("broken_hw_l2_bias[1] = {")
    first_value = src[start:].split(",")[0].strip()
    gen.files["broken_hw.c"] = src[:start] + src[start:].replace(first_value, str(int(first_value) + 5000), 1)
    module = build_host([gen], host_workdir)
    ref = Reference(model_path("hello_world_int8").read_bytes())
    diffs = 0
    for s in input_sets(gen.inputs, 10, 0):
        diffs += int(not np.array_equal(module.run(gen.prefix, s)[0], ref.run(s, 1)[0]))
    assert diffs > 0


def test_long_names_are_shortened_and_wrapped():
    from lite_micro.codegen.emit import comment_lines, short_name

    name = "functional_1/activation/Relu;functional_1/batch_normalization/FusedBatchNormV3;functional_1/conv2d"
    assert short_name(name) == "functional_1/activation/Relu;..."
    assert short_name("m/" * 40) == "..." + ("m/" * 40)[-37:] and len(short_name("x" * 99 + ";y")) == 40
    lines = comment_lines("in " + name * 3, 50)
    assert all(len(line) <= 50 for line in lines) and lines[1].startswith("  ")
    assert "".join(lines).replace(" ", "") == ("in " + name * 3).replace(" ", "")    # nothing lost
