"""The fit check's constants figure equals what the linker puts in flash, for every example model.

The figure (lite_micro.memory) is computed before any compiler runs, from the tables and params
structs the generated source defines; the truth is the size of every read-only object the
model's source defines in the linked Cortex-M4 ELF (each carries the model prefix).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lite_micro.api import Options, compile_model
from lite_micro.memory import flash_const_bytes, flash_params_bytes, flash_table_bytes
from lite_micro.reference import input_sets
from lite_micro.targets import load_target
from lite_micro.toolchain.firmware import build_firmware

MODELS_DIR = Path(__file__).resolve().parent.parent / "examples" / "models"
EXAMPLES = sorted(p.stem for p in MODELS_DIR.glob("*.tflite"))


def elf_const_objects(elf, prefix: str) -> dict[str, int]:
    """{symbol: bytes} of the read-only data objects named `<prefix>_...` in a linked ELF."""
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    out = {}
    with open(elf, "rb") as f:
        e = ELFFile(f)
        for s in e.get_section_by_name(".symtab").iter_symbols():
            if s["st_info"]["type"] != "STT_OBJECT" or not s.name.startswith(prefix + "_"):
                continue
            flags = e.get_section(s["st_shndx"])["sh_flags"]
            if flags & SH_FLAGS.SHF_ALLOC and not flags & (SH_FLAGS.SHF_WRITE | SH_FLAGS.SHF_EXECINSTR):
                out[s.name] = s["st_size"]
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_constants_figure_equals_the_elf(name, tmp_path):
    gen = compile_model(MODELS_DIR / f"{name}.tflite", Options(target="cortex-m4"))
    elf = build_firmware(gen, load_target("cortex-m4"), input_sets(gen.inputs, 1, 0), tmp_path)
    objects = elf_const_objects(elf, gen.prefix)
    params = sum(size for sym, size in objects.items() if re.search(r"_params(_rows\d+|_fused\d+)?$", sym))
    assert (flash_table_bytes(gen), flash_params_bytes(gen)) == (sum(objects.values()) - params, params)
    assert flash_const_bytes(gen) == sum(objects.values())
