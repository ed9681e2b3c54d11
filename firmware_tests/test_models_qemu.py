"""Every example model as firmware on every Cortex-M target it fits, in QEMU, against the
TFLM interpreter: all -128, all 127 and two random inputs, every output byte equal.

One compile and one firmware build per (model, target); builds run two at a time, each
test starting its own job and the next one so that both cores stay busy.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.errors import LiteMicroError
from lite_micro.reference import Reference, input_sets
from lite_micro.targets import Target, list_targets, load_target
from lite_micro.toolchain.firmware import build_firmware, elf_sizes
from lite_micro.toolchain.qemu import parse_outputs, run_elf, stack_used_bytes

MODELS = sorted((Path(__file__).resolve().parent.parent / "examples" / "models").glob("*.tflite"))
CORTEX_M = [name for name in list_targets() if load_target(name).emulator is not None]
CASES = [(model.name, target) for model in MODELS for target in CORTEX_M]
NUM_INPUT_SETS = 4
SEED = 7


@dataclass
class Outcome:
    skip: str = ""  # reason the case does not apply (the model does not fit the part)
    sets: list | None = None
    outputs: list | None = None
    num_outputs: int = 0  # from the compiled model, not from what the firmware printed
    elf: Path | None = None


def fit_problem(target: Target, arena_bytes: int, sizes: dict | None = None, stack: int = 0) -> str:
    """Why the model does not fit the target's real part, or "" if it does."""
    ram = arena_bytes if sizes is None else sizes["ram_static_bytes"] + stack
    if ram > target.ram_bytes:
        return f"needs {ram} B of RAM, {target.part} has {target.ram_bytes}"
    if sizes is not None:
        flash = sizes["flash_code_bytes"] + sizes["flash_data_bytes"]
        if flash > target.flash_bytes:
            return f"needs {flash} B of flash, {target.part} has {target.flash_bytes}"
    return ""


def _run_case(model_name: str, target_name: str, workdir: Path) -> Outcome:
    target = load_target(target_name)
    gen = compile_model(str(MODELS[0].parent / model_name), Options(target=target_name))  # a refusal fails
    problem = fit_problem(target, gen.arena_bytes)
    if problem:
        return Outcome(skip=problem)
    sets = input_sets(gen.inputs, NUM_INPUT_SETS, SEED)
    elf = build_firmware(gen, target, sets, workdir / f"{Path(model_name).stem}-{target_name}")
    result = run_elf(elf, target, timeout=120)
    if result.exit_code != 0:
        raise LiteMicroError(f"exit code {result.exit_code}: {result.stderr or result.stdout[-200:]}")
    problem = fit_problem(target, gen.arena_bytes, elf_sizes(elf), stack_used_bytes(result.stdout))
    return Outcome(skip=problem, sets=sets, outputs=parse_outputs(result.stdout),
                   num_outputs=len(gen.outputs), elf=elf)


class Pipeline:
    """Runs cases on two workers; asking for one case also starts the next."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.jobs: dict[tuple[str, str], Future] = {}

    def _submit(self, case):
        if case not in self.jobs:
            self.jobs[case] = self.pool.submit(_run_case, *case, self.workdir)

    def result(self, case) -> Outcome:
        self._submit(case)
        following = CASES.index(case) + 1
        if following < len(CASES):
            self._submit(CASES[following])
        return self.jobs[case].result()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    pipe = Pipeline(tmp_path_factory.mktemp("models-qemu"))
    yield pipe
    pipe.pool.shutdown(cancel_futures=True)


def _oracle(model_name: str) -> Reference:
    """A fresh interpreter per case: a stateful model (LSTM) must start from a clean state, as
    the firmware does."""
    return Reference((MODELS[0].parent / model_name).read_bytes())


@pytest.mark.parametrize("model_name, target_name", CASES)
def test_model_bit_exact_in_qemu(pipeline, model_name, target_name):
    outcome = pipeline.result((model_name, target_name))
    if outcome.skip:
        pytest.skip(outcome.skip)
    if "-mcpu=cortex-m0plus" in load_target(target_name).cflags:   # QEMU runs it on an M3
        illegal = non_armv6m_instructions(outcome.elf)
        assert not illegal, f"{len(illegal)} instructions ARMv6-M lacks, first: {illegal[0]}"
    reference = _oracle(model_name)
    assert len(outcome.outputs) == len(outcome.sets), "firmware printed fewer input sets"
    for k, (inputs, got) in enumerate(zip(outcome.sets, outcome.outputs)):
        want = reference.run(inputs, outcome.num_outputs)
        assert len(got) == len(want), f"set {k}: firmware printed {len(got)} of {len(want)} outputs"
        for j, (w, g) in enumerate(zip(want, got)):
            w = np.asarray(w)
            assert g.dtype == w.dtype and g.size == w.size, f"set {k} output {j}"
            mismatch = np.flatnonzero(g.reshape(-1) != w.reshape(-1))
            assert mismatch.size == 0, (f"set {k} output {j}: {mismatch.size} bytes differ, first at "
                                        f"{mismatch[0]}: TFLM {w.reshape(-1)[mismatch[0]]}, "
                                        f"firmware {g.reshape(-1)[mismatch[0]]}")


# ARMv6-M Thumb (ARMv6-M ARM, A5/A6): every mnemonic objdump may print for it
ARMV6M = set("""adc adcs add adds adr and ands asr asrs b bl blx bx bic bics bkpt cmn cmp cpsid
cpsie dmb dsb eor eors isb ldm ldmia ldmfd ldr ldrb ldrh ldrsb ldrsh lsl lsls lsr lsrs mov movs
mrs msr mul muls mvn mvns neg negs nop orr orrs pop push rev rev16 revsh ror rors rsb rsbs sbc
sbcs sev stm stmia stmea str strb strh sub subs svc sxtb sxth tst udf uxtb uxth wfe wfi yield
""".split())
CONDITIONS = "eq ne cs hs cc lo mi pl vs vc hi ls ge lt gt le al".split()


def non_armv6m_instructions(elf: Path) -> list[str]:
    """Lines of `arm-none-eabi-objdump -d` whose instruction is not ARMv6-M Thumb."""
    text = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True,
                          text=True, check=True).stdout
    bad = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0].strip().endswith(":") or parts[2].startswith("."):
            continue                                   # not an instruction, or literal data
        mnemonic = parts[2].split()[0].lower() if parts[2].split() else ""
        mnemonic = mnemonic[:-2] if mnemonic.endswith(".n") else mnemonic
        if mnemonic.startswith("b") and mnemonic[1:] in CONDITIONS:
            mnemonic = "b"
        if mnemonic not in ARMV6M:
            bad.append(line.strip())
    return bad


def test_armv6m_check_sees_armv7m_code(tmp_path):
    """The check itself: Cortex-M4 firmware has instructions ARMv6-M lacks, M0+ has none."""
    gen = compile_model(str(MODELS[0].parent / "hello_world_int8.tflite"), Options(target="cortex-m4"))
    sets = input_sets(gen.inputs, 2, SEED)
    m4 = build_firmware(gen, load_target("cortex-m4"), sets, tmp_path / "m4")
    assert non_armv6m_instructions(m4)
    gen = compile_model(str(MODELS[0].parent / "hello_world_int8.tflite"), Options(target="cortex-m0plus"))
    m0 = build_firmware(gen, load_target("cortex-m0plus"), sets, tmp_path / "m0")
    assert non_armv6m_instructions(m0) == []


def test_fit_problem_names_the_short_resource():
    m3 = load_target("cortex-m3")  # 64 KiB RAM, 512 KiB flash
    assert fit_problem(m3, 60_000) == ""
    assert "RAM" in fit_problem(m3, 70_000)
    sizes = {"flash_code_bytes": 10_000, "flash_data_bytes": 100_000, "ram_static_bytes": 65_000}
    assert "65600 B of RAM" in fit_problem(m3, 60_000, sizes, stack=600)
    sizes.update(ram_static_bytes=1000, flash_data_bytes=600_000)
    assert "flash" in fit_problem(m3, 60_000, sizes)
