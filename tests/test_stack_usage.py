"""The stack of invoke from GCC's call-graph files (-fcallgraph-info=su)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from lite_micro.stack_usage import _naked_frames, deepest
from lite_micro.toolchain.firmware import COMPILER

MODEL = '''graph: { title: "m.c"
node: { title: "m_invoke" label: "m_invoke\\nm.c:10:5\\n16 bytes (static)" }
node: { title: "lm_conv_s8" label: "lm_conv_s8\\nlm_kernels.h:27:6" shape : ellipse }
node: { title: "lm_sub_s8" label: "lm_sub_s8\\nlm_eltwise.h:9:6" shape : ellipse }
edge: { sourcename: "m_invoke" targetname: "lm_conv_s8" label: "m.c:12:5" }
edge: { sourcename: "m_invoke" targetname: "lm_sub_s8" label: "m.c:13:5" }
}'''
CONV = '''graph: { title: "lm_conv.c"
node: { title: "lm_conv_s8" label: "lm_conv_s8\\nlm_conv.c:5:6\\n120 bytes (static)" }
node: { title: "memset" label: "memset\\n<built-in>" shape : ellipse }
edge: { sourcename: "lm_conv_s8" targetname: "memset" label: "lm_conv.c:9:5" }
}'''
ELTWISE = '''graph: { title: "lm_eltwise.c"
node: { title: "lm_eltwise.c:run" label: "run\\nlm_eltwise.c:9:13\\n96 bytes (static)" }
node: { title: "__indirect_call" label: "Indirect Call Placeholder" shape : ellipse }
edge: { sourcename: "lm_eltwise.c:run" targetname: "__indirect_call" label: "lm_eltwise.c:16:9" }
node: { title: "lm_eltwise.c:sub_row" label: "sub_row\\nlm_eltwise.c:124:1\\n200 bytes (static)" }
node: { title: "lm_eltwise.c:max_row" label: "max_row\\nlm_eltwise.c:126:1\\n8 bytes (dynamic,bounded)" }
node: { title: "lm_sub_s8" label: "lm_sub_s8\\nlm_eltwise.c:129:6\\n16 bytes (static)" }
edge: { sourcename: "lm_sub_s8" targetname: "lm_eltwise.c:run" label: "lm_eltwise.c:131:5" }
}'''


def test_deepest_path_counts_indirect_calls_as_the_largest_row_function():
    usage = deepest([MODEL, CONV, ELTWISE], "m_invoke")
    assert usage.bytes == 16 + 16 + 96 + 200          # invoke -> lm_sub_s8 -> run -> sub_row
    assert usage.uncounted == ["memset"]
    assert not usage.bounded                          # max_row's frame is dynamic


def test_recursion_is_not_bounded():
    text = '''graph: { title: "r.c"
node: { title: "f" label: "f\\nr.c:1:5\\n8 bytes (static)" }
edge: { sourcename: "f" targetname: "f" label: "r.c:2:5" }
}'''
    usage = deepest([text], "f")
    assert usage.bytes == 8 and not usage.bounded


def test_naked_routines_count_the_frame_their_code_sets_up(tmp_path):
    # a kernel calling its assembly line routine (naked: GCC gives it 0 bytes); the routine's
    # PUSH of nine registers and SUB of 92 bytes come from its object code
    if shutil.which(COMPILER) is None:
        pytest.skip(f"{COMPILER} not installed")
    src = tmp_path / "k.c"
    src.write_text('__attribute__((naked, noinline)) static void lines(void)\n{\n    __asm__ volatile(\n'
                   '"push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\\n\\tsub sp, sp, #92\\n\\tadd sp, sp, #92\\n\\t"\n'
                   '"pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\\n\\t" ::: "memory");\n}\n'
                   'void kernel(void)\n{\n    lines();\n}\n')
    subprocess.run([COMPILER, "-mcpu=cortex-m4", "-mthumb", "-O2", "-c", "-fcallgraph-info=su", "k.c"],
                   cwd=tmp_path, check=True)
    graphs = [(tmp_path / "k.ci").read_text()]
    naked = _naked_frames(tmp_path, graphs)
    assert naked == {"k.c:lines": 9 * 4 + 92}
    usage = deepest(graphs, "kernel", naked)
    assert usage.bytes >= 128 and usage.bounded
