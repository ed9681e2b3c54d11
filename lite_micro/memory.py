"""Does a generated model fit a target? Arena (RAM) and constant tables (flash)."""

from __future__ import annotations

from .codegen.cstructs import runtime_structs
from .codegen.emit import flash_tables
from .codegen.fused import fused_struct_counts
from .codegen.names import Names
from .codegen.rows import block_structs
from .errors import LiteMicroError

# Code size of the runtime kernels and startup is not known before linking; leave headroom.
CODE_HEADROOM_BYTES = 16 * 1024
STACK_HEADROOM_BYTES = 2 * 1024


def flash_table_bytes(gen) -> int:
    """Bytes of the `static const` tables the generated source defines (weights, biases,
    multipliers, constant tensors), sized by their C element types."""
    return sum(t.nbytes for t in flash_tables(gen.layers, Names(gen.prefix)))


def flash_params_bytes(gen) -> int:
    """Bytes of the per-layer `static const` params structs, sized from the runtime headers: one
    per layer, one per distinct block of a layer run by rows or in a fused residual block."""
    structs, rows = runtime_structs(), gen.plan.rows
    count = {i: block_structs(r) for i, r in rows.items()}
    for f in getattr(gen.plan, "fused", {}).values():
        count.update(fused_struct_counts(f))
    return sum(structs[layer.params_type].nbytes * count.get(i, 1)
               for i, layer in enumerate(gen.layers) if layer.params_type)


def flash_const_bytes(gen) -> int:
    """Every byte of constant data the generated model puts in flash: tables and params."""
    return flash_table_bytes(gen) + flash_params_bytes(gen)


def check_budget(gen, target, ram: int | None = None, flash: int | None = None) -> None:
    ram_budget = ram if ram is not None else target.ram_bytes
    flash_budget = flash if flash is not None else target.flash_bytes
    need_ram = gen.arena_bytes + STACK_HEADROOM_BYTES
    if ram_budget is not None and need_ram > ram_budget:
        raise LiteMicroError(f"model needs {need_ram:,} bytes of RAM (arena {gen.arena_bytes:,} + "
                             f"{STACK_HEADROOM_BYTES:,} stack) but {target.name} has {ram_budget:,}; "
                             "use --ram BYTES for a bigger part or --no-budget to skip the check")
    need_flash = flash_const_bytes(gen) + CODE_HEADROOM_BYTES
    if flash_budget is not None and need_flash > flash_budget:
        raise LiteMicroError(f"model needs about {need_flash:,} bytes of flash (constants "
                             f"{flash_const_bytes(gen):,} + {CODE_HEADROOM_BYTES:,} code) but "
                             f"{target.name} has {flash_budget:,}; use --flash BYTES or --no-budget")
