"""Firmware builder and QEMU runner, checked with the hand-written stand-in model on every
Cortex-M target: outputs, error paths, benchmark markers, M0+ and M55 specifics."""

import re
import subprocess

import numpy as np
import pytest

from lite_micro.errors import LiteMicroError
from lite_micro.targets import list_targets, load_target
from lite_micro.toolchain.firmware import build_firmware, elf_sizes
from lite_micro.toolchain.qemu import run_elf, run_firmware, stack_used_bytes

from standin_model import input_sets, reference, standin_gen

CORTEX_M = [name for name in list_targets() if load_target(name).emulator is not None]


def _build(tmp_path, target_name="cortex-m4", body=None, preamble="", **kwargs):
    gen = standin_gen(body, preamble) if body else standin_gen()
    return build_firmware(gen, load_target(target_name), input_sets(), tmp_path, **kwargs)


def _assert_matches_reference(outputs, sets):
    assert len(outputs) == len(sets)
    for got, inputs in zip(outputs, sets):
        for g, want in zip(got, reference(inputs)):
            assert g.dtype == want.dtype and g.shape == want.shape
            np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("target_name", CORTEX_M)
def test_standin_outputs_match_on_every_target(tmp_path, target_name):
    target = load_target(target_name)
    sets = input_sets(seed=len(target_name))
    elf = build_firmware(standin_gen(), target, sets, tmp_path)
    _assert_matches_reference(run_firmware(elf, target, timeout=30), sets)
    sizes = elf_sizes(elf)
    assert sizes["flash_code_bytes"] > 1000 and sizes["ram_static_bytes"] >= 48
    assert sizes["flash_data_bytes"] < 2048  # the embedded test inputs are not counted


def test_m0plus_firmware_is_armv6m_code(tmp_path):
    elf = _build(tmp_path, "cortex-m0plus")
    attributes = subprocess.run(["arm-none-eabi-readelf", "-A", str(elf)],
                                capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tag_CPU_arch: v6S?-M", attributes)


MVE_BODY = """\
#if !defined(__ARM_FEATURE_MVE)
#error "this stand-in needs Helium"
#endif
    int8x16_t v = vldrbq_s8(arena);
    vstrbq_s8(arena + 20, vqaddq_n_s8(v, 1));
    ((float *)(void *)(arena + 32))[0] = (float)vaddvq_s8(vdupq_n_s8(1));
    return 0;
"""


def test_m55_runs_helium_code(tmp_path):
    """Helium instructions fault unless the startup code has enabled CP10/CP11."""
    target = load_target("cortex-m55")
    gen = standin_gen(MVE_BODY, preamble="#include <arm_mve.h>\n")
    sets = input_sets()
    elf = build_firmware(gen, target, sets, tmp_path)
    outputs = run_firmware(elf, target, timeout=30)
    for got, inputs in zip(outputs, sets):
        np.testing.assert_array_equal(got[0], reference(inputs)[0])
        assert got[1][0] == 16.0


def test_bench_build_marks_layers_and_keeps_outputs(tmp_path):
    elf = _build(tmp_path, bench=True)
    disassembly = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)],
                                 capture_output=True, text=True, check=True).stdout
    invoke = disassembly.split("<standin_invoke>:")[1].split("\n\n")[0]
    assert invoke.count("<lm_layer_mark>") == 3
    main = disassembly.split("<main>:")[1].split("\n\n")[0]
    assert "<lm_bench_begin>" in main and "<lm_bench_end>" in main
    _assert_matches_reference(run_firmware(elf, load_target("cortex-m4"), timeout=30), input_sets())


def test_fault_exits_with_pc_report(tmp_path):
    elf = _build(tmp_path, "cortex-m3", body="    __builtin_trap();\n    return 0;\n")
    with pytest.raises(LiteMicroError, match=r"exited with code 99: LM_FAULT exception=0x0+3 pc=0x"):
        run_firmware(elf, load_target("cortex-m3"), timeout=30)


def test_invoke_failure_is_reported(tmp_path):
    elf = _build(tmp_path, body="    return 3;\n")
    with pytest.raises(LiteMicroError, match="exited with code 1: LM_ERROR set 0: invoke returned 3"):
        run_firmware(elf, load_target("cortex-m4"), timeout=30)


def test_hanging_firmware_times_out(tmp_path):
    elf = _build(tmp_path, body="    for (;;) {}\n")
    with pytest.raises(LiteMicroError, match=r"timed out after 1 s"):
        run_elf(elf, load_target("cortex-m4"), timeout=1)


def test_compile_error_gives_first_error_line(tmp_path):
    with pytest.raises(LiteMicroError, match=r"failed: standin\.c:\d+:\d+: error: .*undeclared_name"):
        _build(tmp_path, body="    return undeclared_name;\n")


def test_model_too_big_for_board_fails_to_link(tmp_path):
    preamble = "int8_t huge[8 << 20];\n"
    body = "    huge[arena[0] & 7] = 1;\n    return huge[arena[1] & 7] - 1;\n"
    with pytest.raises(LiteMicroError, match=r"failed: ld: .*(will not fit|overflowed|RAM too small)"):
        _build(tmp_path, body=body, preamble=preamble)


def test_stack_use_is_reported(tmp_path):
    elf = _build(tmp_path, body="    volatile int8_t big[2000];\n    big[0] = 1;\n    return big[0] - 1;\n")
    result = run_elf(elf, load_target("cortex-m4"), timeout=30)
    assert result.exit_code == 0
    assert 2000 < stack_used_bytes(result.stdout) < 4000
