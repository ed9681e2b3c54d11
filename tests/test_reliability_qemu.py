"""Emulator runs: the image is checked against the machine's memory map before a run, the
time limit scales with the model's MACs (or --timeout), a CPU lock-up is reported as a fault
with its address."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from lite_micro.errors import LiteMicroError
from lite_micro.targets import MemoryRegion, load_target
from lite_micro.testing.oneop import TensorSpec, build_model
from lite_micro.toolchain import qemu
from lite_micro.verify import verify

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which(qemu.QEMU) is None,
                               reason="needs arm-none-eabi-gcc and qemu-system-arm")

# A vector table whose initial stack pointer is in no memory: the first push faults, and so
# does the HardFault entry's push: the Cortex-M locks up.
LOCKUP_C = """
void Reset_Handler(void);
__attribute__((section(".vectors"), used))
const void *vectors[] = {(void *)0x70000000u, (void *)Reset_Handler};
void Reset_Handler(void) { volatile int x[4]; x[0] = 1; for (;;) { x[1] = x[0]; } }
"""


def test_default_timeout_scales_with_macs_and_input_sets(tmp_path):
    elf = tmp_path / "m.elf"
    assert qemu.default_timeout(elf) == qemu.TIMEOUT_BASE_S          # nothing to scale by
    (tmp_path / "m.h").write_text("#define M_ARENA_SIZE 10\n#define M_MACS 300000000\n")
    (tmp_path / "main.c").write_text("".join(f"static const unsigned char fw_set{k}_input0[] = {{0}};\n"
                                             for k in range(20)))
    limit = qemu.default_timeout(elf)
    assert limit == qemu.TIMEOUT_BASE_S + 300e6 * 20 / qemu.QEMU_MACS_PER_SECOND
    assert limit > 3000


def test_lockup_message_names_the_fault_and_address():
    stderr = ("qemu: fatal: Lockup: can't escalate 3 to HardFault (current priority -1)\n"
              "R00=00000000 R01=00000000 R02=00000000 R03=00000000\n"
              "R12=00000000 R13=6ffffff0 R14=fffffff9 R15=0000004c\n")
    text = qemu.lockup_message("m.elf", load_target("cortex-m4"), -6, stderr)
    assert "CPU lock-up at pc=0x0000004c" in text and "can't escalate 3 to HardFault" in text
    assert "\n" not in text


def _build(tmp_path, target) -> str:
    (tmp_path / "lockup.c").write_text(LOCKUP_C)
    ld = tmp_path / "link.ld"
    ld.write_text("MEMORY { FLASH (rx) : ORIGIN = 0x0, LENGTH = 0x1000 }\n"
                  "SECTIONS { .vectors : { KEEP(*(.vectors)) } > FLASH .text : { *(.text*) } > FLASH }\n")
    elf = tmp_path / "lockup.elf"
    subprocess.run(["arm-none-eabi-gcc", *target.cflags, "-O1", "-nostdlib", "-nostartfiles",
                    "-T", str(ld), "-o", str(elf), str(tmp_path / "lockup.c")], check=True)
    return elf


@needs_arm
def test_a_lockup_is_reported_as_a_fault_with_its_address(tmp_path):
    target = load_target("cortex-m4")
    with pytest.raises(LiteMicroError) as info:
        qemu.run_elf(_build(tmp_path, target), target, timeout=30)
    assert re.search(r"CPU lock-up at pc=0x[0-9a-f]{8}", str(info.value)), str(info.value)


@needs_arm
def test_an_image_outside_the_memory_map_is_refused_before_the_run(tmp_path):
    target = load_target("cortex-m4")
    elf = _build(tmp_path, target)
    tiny = dataclasses.replace(target.emulator, flash=MemoryRegion(origin=0x0, length=16))
    with pytest.raises(LiteMicroError, match=r"lie outside the memory of mps2-an386"):
        qemu.run_elf(elf, dataclasses.replace(target, emulator=tiny), timeout=30)


@pytest.mark.skipif(shutil.which(qemu.QEMU) is None, reason="needs qemu-system-arm")
@pytest.mark.parametrize("name", ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m55"])
def test_target_memory_regions_exist_on_the_emulated_machine(name):
    """The flash and RAM a target's linker script uses are RAM in QEMU's own memory tree
    (cortex-m33's mps2-an505 reaches its RAM through TrustZone filters, which this flat
    view does not show; it is left out)."""
    emu = load_target(name).emulator
    proc = subprocess.run([qemu.QEMU, "-M", emu.machine, "-nographic", "-S", "-monitor", "stdio",
                           "-serial", "null"], input="info mtree -f\nquit\n", capture_output=True,
                          text=True, timeout=60)
    rams = [(int(a, 16), int(b, 16)) for a, b in
            re.findall(r"([0-9a-f]{16})-([0-9a-f]{16}) \(prio -?\d+, ram\)", proc.stdout)]
    for region in (emu.flash, emu.ram):
        start, end = region.origin, region.origin + region.length - 1
        covered = start
        for a, b in sorted(rams):
            if a <= covered <= b:
                covered = b + 1
        assert covered > end, (name, hex(start), hex(end), hex(covered))


def large_conv_model() -> bytes:
    """CONV_2D 3x3, 48 -> 96 channels on 128x128: 679 M MACs, an arena of 2.36 MB."""
    rng = np.random.default_rng(0)
    cin, cout, hw = 48, 96, 128
    w = rng.integers(-127, 128, size=(cout, 3, 3, cin)).astype(np.int8)
    b = rng.integers(-2000, 2000, size=(cout,)).astype(np.int32)
    return build_model(
        "CONV_2D",
        [TensorSpec((1, hw, hw, cin), scale=0.05, zero_point=-3),
         TensorSpec(w.shape, data=w, scale=[0.004] * cout, zero_point=[0] * cout),
         TensorSpec(b.shape, dtype="int32", data=b, scale=[0.0002] * cout, zero_point=[0] * cout)],
        [TensorSpec((1, hw, hw, cout), scale=0.5, zero_point=2)],
        {"padding": "SAME", "stride_w": 1, "stride_h": 1, "dilation_w_factor": 1,
         "dilation_h_factor": 1, "fused_activation_function": "RELU"})


@needs_arm
@pytest.mark.skipif(not os.environ.get("LITEMICRO_LARGE_MODEL"),
                    reason="minutes of emulation: set LITEMICRO_LARGE_MODEL=1")
def test_large_model_runs_bit_exact_in_qemu(tmp_path):
    model = tmp_path / "large_conv.tflite"
    model.write_bytes(large_conv_model())
    result = verify(str(model), target="cortex-m4", count=2)
    assert result.ok, result.first_mismatch
