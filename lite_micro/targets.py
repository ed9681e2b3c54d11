"""Targets as data: one TOML file per target in `targets/`, loaded into frozen dataclasses.

A target names the compiler flags and instruction-set features the generated code may use,
the memory of a representative real part (for "does it fit" checks), and, for Cortex-M
targets, the QEMU board that runs its firmware together with that board's memory map.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from lite_micro.errors import LiteMicroError
from lite_micro.resources import targets_dir


@dataclass(frozen=True)
class MemoryRegion:
    origin: int
    length: int

    @property
    def end(self) -> int:
        return self.origin + self.length


@dataclass(frozen=True)
class Emulator:
    """The QEMU board for a target and where its linker script places things."""

    machine: str  # qemu-system-arm -M
    flash: MemoryRegion  # code and constants
    ram: MemoryRegion  # data, bss, heap, stack (stack at the top)
    vectors: MemoryRegion | None = None  # separate region for the vector table, if any
    cpu: str | None = None  # qemu-system-arm -cpu, when the board's default is not wanted


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    part: str  # the real part whose memory sizes are used
    cflags: tuple[str, ...]  # cpu, fpu, float ABI, instruction set
    optimize: str  # e.g. "-O2", "-Os"
    features: tuple[str, ...]  # "dsp" (ACLE SIMD), "mve" (Helium)
    ram_bytes: int | None  # None: no limit (host)
    flash_bytes: int | None
    emulator: Emulator | None  # None: runs natively (host)
    cycle_model: str | None = None  # the timing table bench's cycle estimate follows, if it fits this core
    clock_mhz: float | None = None  # the reference part's core clock: bench's default for ms

    @property
    def is_host(self) -> bool:
        return self.emulator is None

    def has(self, feature: str) -> bool:
        return feature in self.features

    def __str__(self) -> str:
        """The name, as messages and banners print a target."""
        return self.name


# The target every command and `lite_micro.compile` use when none is given: the project's
# reference core (a Cortex-M4 with DSP, as on STM32F4 parts).
DEFAULT_TARGET = "cortex-m4"


def list_targets() -> list[str]:
    """Names of all known targets, sorted."""
    return sorted(path.stem for path in targets_dir().glob("*.toml"))


@functools.lru_cache(maxsize=None)
def load_target(name: str) -> Target:
    """The target called `name`; LiteMicroError listing the known ones if there is none."""
    known = list_targets()
    if name not in known:
        raise LiteMicroError(f"unknown target '{name}'; known targets: {', '.join(known)}")
    path = targets_dir() / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text())
        return _target_from_dict(data)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LiteMicroError(f"target file {path.name} is malformed: {exc}") from None


def as_target(target: str | Target) -> Target:
    """`target` itself, or the target it names: where a name enters (the CLI, the Python API),
    the Target is loaded once and the object goes down to everything after."""
    return target if isinstance(target, Target) else load_target(target)


def _target_from_dict(data: dict) -> Target:
    qemu = data.get("qemu")
    return Target(
        name=data["name"],
        description=data["description"],
        part=data["part"],
        cflags=tuple(data["cflags"]),
        optimize=data["optimize"],
        features=tuple(data["features"]),
        ram_bytes=data.get("ram_bytes"),
        flash_bytes=data.get("flash_bytes"),
        emulator=_emulator_from_dict(qemu) if qemu is not None else None,
        cycle_model=data.get("cycle_model"),
        clock_mhz=data.get("clock_mhz"),
    )


def _emulator_from_dict(data: dict) -> Emulator:
    vectors = data.get("vectors")
    return Emulator(
        machine=data["machine"],
        flash=MemoryRegion(**data["flash"]),
        ram=MemoryRegion(**data["ram"]),
        vectors=MemoryRegion(**vectors) if vectors is not None else None,
        cpu=data.get("cpu"),
    )
