"""The QEMU plugin's Thumb decoder classifies known encodings as the Cortex-M4 TRM times them.

Each line below is assembled by arm-none-eabi-as; the test walks the bytes with the
decoder's own size rule and checks every instruction's (kind, base cycles).
"""
import shutil
import subprocess

import pytest

from lite_micro.bench import icount

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-as") is None,
                                reason="arm-none-eabi-as not installed")

# (assembly, kind, base cycles before the taken-branch penalty)
CASES = [
    ("adds r0, r1, r2", "other", 1),
    ("add.w r0, r1, r2, lsl #3", "other", 1),
    ("muls r0, r1, r0", "other", 1),
    ("mla r0, r1, r2, r3", "other", 1),
    ("smlad r0, r1, r2, r3", "other", 1),
    ("sxtb16 r0, r1", "other", 1),
    ("ssat r0, #8, r1", "other", 1),
    ("smull r0, r1, r2, r3", "other", 1),
    ("qadd16 r0, r1, r2", "other", 1),
    ("sdiv r0, r1, r2", "div", 7),
    ("udiv r0, r1, r2", "div", 7),
    ("ldr r0, [r1, #4]", "load", 2),
    ("ldr r0, [r1, r2]", "load", 2),
    ("ldrsb r0, [r1, r2]", "load", 2),
    ("ldrb r0, [r1, #1]", "load", 2),
    ("ldrh r0, [r1, #2]", "load", 2),
    ("ldr r0, [sp, #8]", "load", 2),
    ("ldr r0, [pc, #8]", "load", 2),
    ("ldr.w r0, [r1, #4]!", "load", 2),
    ("ldrsh.w r0, [r1, #-2]", "load", 2),
    ("ldr.w r8, [r1, r2, lsl #2]", "load", 2),
    ("ldr.w pc, [sp], #4", "load", 2),
    ("ldrex r0, [r1]", "load", 2),
    ("str r0, [r1, #4]", "store", 1),
    ("strh r0, [r1, r2]", "store", 1),
    ("strb r0, [r1, #1]", "store", 1),
    ("str r0, [sp, #4]", "store", 1),
    ("str.w r0, [r1, #-4]", "store", 1),
    ("strb.w r8, [r1], #1", "store", 1),
    ("ldrd r0, r1, [r2, #8]", "dual", 3),
    ("strd r0, r1, [r2], #8", "dual", 3),
    ("ldrd r0, r1, [r2, #-8]!", "dual", 3),
    ("push {r4, r5, lr}", "multi", 4),
    ("pop {r4, pc}", "multi", 3),
    ("push.w {r4-r11, lr}", "multi", 10),
    ("pop.w {r4-r11, pc}", "multi", 10),
    ("ldmia r0!, {r1, r2, r3}", "multi", 4),
    ("stmia r0!, {r1, r2}", "multi", 3),
    ("ldm.w r0, {r1, r2, r8}", "multi", 4),
    ("stmdb r0!, {r1-r4}", "multi", 5),
    ("tbb [r0, r1]", "table", 2),
    ("tbh [r0, r1, lsl #1]", "table", 2),
    ("b.w .", "other", 1),
    ("bl .", "other", 1),
    ("bx lr", "other", 1),
    ("cbz r0, .+4", "other", 1),
    ("beq .", "other", 1),
    ("vadd.f32 s0, s1, s2", "other", 1),
    ("vldr s0, [r0]", "other", 1),
    ("nop", "other", 1),
]


def assemble(lines, tmp_path):
    src = tmp_path / "t.s"
    src.write_text(".syntax unified\n.cpu cortex-m4\n.fpu fpv4-sp-d16\n.thumb\n"
                   + "".join(f"{a}\n" for a in lines))
    obj, raw = tmp_path / "t.o", tmp_path / "t.bin"
    subprocess.run(["arm-none-eabi-as", "-o", obj, src], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
    return raw.read_bytes()


def split_thumb(code):
    out, i = [], 0
    while i < len(code):
        size = icount.thumb_size(code[i] | code[i + 1] << 8)
        out.append(code[i:i + size])
        i += size
    return out


def test_decoder_known_encodings(tmp_path):
    insns = split_thumb(assemble([c[0] for c in CASES], tmp_path))
    assert len(insns) == len(CASES)
    got = [(asm, *icount.classify(b)) for (asm, _, _), b in zip(CASES, insns)]
    assert got == CASES


def test_decoder_rejects_wrong_size():
    with pytest.raises(ValueError):
        icount.classify(bytes.fromhex("d0f8"))  # first half of ldr.w alone


def test_plugin_sources_compile_without_warnings(tmp_path):
    src = icount.plugin_source_dir()
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fPIC", "-shared",
                    "-o", tmp_path / "p.so", src / "lm_icount.c", src / "lm_cycles.c"], check=True)
