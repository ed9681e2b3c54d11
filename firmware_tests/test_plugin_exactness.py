"""The plugin's counts agree with QEMU's own execution trace on compiled C code.

An independent count: with -singlestep every translation block is one instruction,
and `-d nochain,exec` logs every block executed, with its pc. From that pc sequence
and the ELF's bytes, the test recomputes the cycle estimate with the documented
rules and the marker positions, and compares with what the plugin reported.
The C program mixes loads, stores, LDM/STM, PUSH/POP, TBB, SDIV/UDIV and calls.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lite_micro.bench import icount
from lite_micro.targets import load_target
from lite_micro.toolchain.qemu import qemu_command

pytestmark = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm needed")

SOURCE = r"""
#include <stdint.h>

__attribute__((noinline)) void lm_bench_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void lm_bench_end(void) { __asm__ volatile(""); }
__attribute__((noinline)) void lm_layer_mark(void) { __asm__ volatile(""); }

struct block { int32_t v[7]; };
static int32_t table[64];
static struct block blocks[4];
volatile int32_t sink;

__attribute__((noinline)) static int32_t dot(const int8_t *a, const int8_t *b, int n)
{
    int32_t acc = 0;
    for (int i = 0; i < n; i++)
        acc += a[i] * b[i];
    return acc;
}

__attribute__((noinline)) static int32_t pick(int k, int32_t x)
{
    switch (k & 7) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x / (k + 1);
    case 3: return (uint32_t)x / 7u;
    case 4: return x - 5;
    case 5: return x ^ 0x55;
    case 6: return x << 2;
    default: return -x;
    }
}

static void run(void)
{
    static int8_t a[48], b[48];
    for (int i = 0; i < 48; i++) { a[i] = (int8_t)(i * 7); b[i] = (int8_t)(3 - i); }
    lm_layer_mark();
    for (int i = 0; i < 64; i++) table[i] = pick(i, dot(a, b, 48) + i);
    lm_layer_mark();
    for (int r = 0; r < 3; r++) blocks[(r + 1) & 3] = blocks[r & 3], blocks[r].v[r] += table[r];
    lm_layer_mark();
    sink = blocks[3].v[2] + table[7];
}

void Reset_Handler(void)
{
    lm_bench_begin();
    run();
    lm_bench_end();
    register int r0 __asm__("r0") = 0x18;
    register int r1 __asm__("r1") = 0x20026;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1));
    for (;;) {}
}

__attribute__((section(".vectors"), used)) static void (*const vectors[2])(void) = {
    (void (*)(void))0x20008000, Reset_Handler,
};
"""
HELLO = Path(__file__).resolve().parent.parent / "examples" / "models" / "hello_world_int8.tflite"
TRACE_PC = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/", re.M)


@pytest.fixture(scope="module")
def elf(tmp_path_factory):
    out = tmp_path_factory.mktemp("exact") / "ex.elf"
    src = out.with_suffix(".c")
    src.write_text(SOURCE)
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-nostdlib",
                    "-Wl,--section-start=.vectors=0", "-Ttext=0x40", "-Tbss=0x20000000",
                    "-e", "Reset_Handler", "-o", out, src], check=True)
    return out


def trace_pcs(elf, tmp_path):
    log = tmp_path / "trace.log"
    command = qemu_command(elf, load_target("cortex-m4"))
    subprocess.run([*command, "-singlestep", "-d", "nochain,exec", "-D", log],
                   check=True, timeout=60, capture_output=True)
    return [int(pc, 16) for pc in TRACE_PC.findall(log.read_text())]


def estimate(pcs, image):
    """Cycles by the documented rules, from the executed pc sequence."""
    cycles, prev, decoded = 0, None, {}   # prev = (pc, size, kind)
    for pc in pcs:
        if pc not in decoded:
            size = icount.thumb_size(image[pc] | image[pc + 1] << 8)
            decoded[pc] = (size, *icount.classify(image[pc:pc + size]))
        size, kind, base = decoded[pc]
        if prev is not None:
            if pc != prev[0] + prev[1]:
                cycles += 2
            elif kind == "load" and prev[2] == "load":
                base = 1
        cycles += base
        prev = (pc, size, kind)
    return cycles


def check_against_trace(elf, tmp_path):
    counts = icount.count_elf(elf)
    pcs = trace_pcs(elf, tmp_path)
    assert counts.insns == len(pcs)
    image = tmp_path / "image.bin"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".vectors", "-j", ".text",
                    elf, image], check=True)
    assert counts.cycles == estimate(pcs, image.read_bytes())
    addr = {v: k for k, v in icount.marker_addresses(elf).items()}
    hits = [(addr[pc], i) for i, pc in enumerate(pcs) if pc in addr]
    assert [(m.name, m.insns) for m in counts.marks] == hits
    return counts


def test_counts_match_qemu_trace(elf, tmp_path):
    counts = check_against_trace(elf, tmp_path)
    assert [m.name for m in counts.marks] == ["begin", "layer", "layer", "layer", "end"]


def test_counts_match_qemu_trace_on_model_firmware(tmp_path):
    """A whole benchmark firmware: startup, newlib, semihosting output, the model."""
    from lite_micro.api import Options, compile_model
    from lite_micro.bench.host import random_inputs
    from lite_micro.toolchain.firmware import build_firmware

    gen = compile_model(HELLO, Options(target="cortex-m4"))
    elf = build_firmware(gen, load_target("cortex-m4"), [random_inputs(gen)], tmp_path, bench=True)
    counts = check_against_trace(elf, tmp_path)
    assert [m.name for m in counts.marks].count("layer") == 2 * (len(gen.layers) + 1)
