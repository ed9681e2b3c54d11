"""Calibration of the counting plugin on hand-written firmware with a known instruction count.

Between the entries of lm_bench_begin and lm_bench_end the firmware runs
`movw r0, #n` and n pairs `subs r0, #1; bne 1b`, so the plugin must count
2n + 1 + MARKER_OVERHEAD_INSNS instructions, and
1 + n + 3(n - 1) + 1 + MARKER_OVERHEAD_CYCLES estimated cycles
(movw; subs; bne taken n-1 times at 1+2, falling through once at 1).
"""
import shutil
import subprocess

import pytest

from lite_micro.bench import icount

pytestmark = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")

CALIBRATION_ASM = """
    .syntax unified
    .cpu cortex-m4
    .thumb
    .text
    .word 0x20008000            @ initial stack pointer
    .word Reset_Handler
    .org RESET_AT
    .thumb_func
    .global Reset_Handler
Reset_Handler:
    bl lm_bench_begin
    movw r0, #N
1:  subs r0, #1
    bne 1b
    bl lm_bench_end
    movs r0, #0x18              @ angel_SWIreason_ReportException
    ldr r1, =0x20026            @ ADP_Stopped_ApplicationExit: exit status 0
    bkpt 0xab
    b .
    .thumb_func
    .global lm_bench_begin
    .type lm_bench_begin, %function
lm_bench_begin:
    bx lr
    .size lm_bench_begin, . - lm_bench_begin
    .thumb_func
    .global lm_bench_end
    .type lm_bench_end, %function
lm_bench_end:
    bx lr
    .size lm_bench_end, . - lm_bench_end
"""


# Reset_Handler at 8: the loop sits inside a 1 KiB page. At 0x3f4: `subs` is the last
# instruction but one of the page, where QEMU 7.2 hands the plugin the next halfword too.
PLACEMENTS = {"in_page": 0x8, "page_end": 0x3f4}


def build(tmp_path, n, reset_at=PLACEMENTS["in_page"]):
    src = tmp_path / "cal.S"
    src.write_text(CALIBRATION_ASM)
    elf = tmp_path / f"cal{n}_{reset_at:x}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-Ttext=0",
                    "-e", "Reset_Handler", f"-DN={n}", f"-DRESET_AT={reset_at:#x}", "-o", elf, src],
                   check=True)
    return elf


def measured(counts):
    begin, end = counts.marks
    assert (begin.name, end.name) == ("begin", "end")
    return end.insns - begin.insns, end.cycles - begin.cycles


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("n", [10, 5000])
def test_subs_bne_loop_counts_exactly(tmp_path, n, placement):
    counts = icount.count_elf(build(tmp_path, n, PLACEMENTS[placement]))
    insns, cycles = measured(counts)
    assert insns == 2 * n + 1 + icount.MARKER_OVERHEAD_INSNS
    assert cycles == 4 * n - 1 + icount.MARKER_OVERHEAD_CYCLES
    # reset to exit: bl, bx, movw, 2n, bl, bx, movs, ldr (literal, 2 cycles), bkpt
    assert counts.insns == 2 * n + 8
    assert counts.cycles == 4 * n + 15
    assert icount.interval(*counts.marks) == (2 * n + 1, 4 * n - 1)


def test_same_elf_same_counts(tmp_path):
    elf = build(tmp_path, 777)
    assert icount.count_elf(elf) == icount.count_elf(elf)
