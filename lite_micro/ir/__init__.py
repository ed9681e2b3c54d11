"""The intermediate representation: a graph of ops over tensors, with named fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

from ..errors import UnsupportedError
from .dtypes import DTYPES

DTYPE_BYTES = {name: d.size for name, d in DTYPES.items()}   # kept for existing callers


@dataclass(frozen=True)
class QuantParams:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per channel."""
    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scales) > 1

    @property
    def scale(self) -> float:
        return self.scales[0]

    @property
    def zero_point(self) -> int:
        return self.zero_points[0]


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Optional[QuantParams] = None
    data: Optional[np.ndarray] = None      # constant data, shaped; None for activations
    is_variable: bool = False

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.size * DTYPE_BYTES[self.dtype]

    @property
    def scale(self) -> float:
        return self.quant.scale if self.quant else 0.0

    @property
    def zero_point(self) -> int:
        return self.quant.zero_point if self.quant else 0


class Options:
    """An op's options, read by attribute: `op.options.stride_h`. The names are those its
    signature declares (frontend/signatures.py), filled with the model's values or the
    defaults; any other name is an AttributeError (a bug in the code asking, never a silent
    default). Read-only: `replace(name=value)` returns a changed copy."""
    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] = ()):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no option '{name}' (the op has: {', '.join(self._values) or 'none'})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("options are read-only; use replace()")

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __eq__(self, other) -> bool:
        return isinstance(other, Options) and self._values == other._values

    __hash__ = None

    def __reduce__(self):
        return Options, (self._values,)

    def __repr__(self) -> str:
        return f"Options({self._values!r})"

    def replace(self, **changes: Any) -> "Options":
        unknown = sorted(set(changes) - set(self._values))
        if unknown:
            raise AttributeError(f"no option {', '.join(unknown)} to replace")
        return Options({**self._values, **changes})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


@dataclass(frozen=True)
class Signature:
    """What an op kind takes: its input slots by name, in the schema's order ("bias?" marks an
    optional slot, a last "values*" any number of inputs), and its options with their types
    (bool, int, float, "ints" for a list of ints, bytes) and defaults."""
    inputs: tuple[str, ...]
    options: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def slot(self, name: str) -> int:
        """The index of input `name`; an undeclared name is a KeyError (our bug)."""
        for i, declared in enumerate(self.inputs):
            if declared.rstrip("?*") == name:
                return i
        raise KeyError(f"no input slot '{name}' in {self.inputs}")

    def optional(self, name: str) -> bool:
        return self.inputs[self.slot(name)].endswith("?")


@dataclass
class Op:
    index: int
    kind: str                                # builtin name, e.g. "CONV_2D"
    version: int
    inputs: list[Optional[Tensor]]           # None marks an omitted optional input
    outputs: list[Tensor]
    options: Options = field(default_factory=Options)
    signature: Optional[Signature] = None    # the kind's slots and options (frontend/signatures.py)

    def __post_init__(self):
        if not isinstance(self.options, Options):
            self.options = Options(self.options)

    def describe(self) -> str:
        return f"op #{self.index} {self.kind}"

    def input(self, name: str) -> Tensor:
        """The input in slot `name`; a model without it gets the one-line error (exit 2)."""
        t = self.input_or_none(name)
        if t is None:
            raise UnsupportedError(f"{self.describe()}: input '{name}' (input {self._slot(name)}) is missing")
        return t

    def input_or_none(self, name: str) -> Optional[Tensor]:
        """The input in slot `name`, or None when the model omits it."""
        k = self._slot(name)
        return self.inputs[k] if k < len(self.inputs) else None

    def _slot(self, name: str) -> int:
        if self.signature is None:
            raise KeyError(f"{self.kind} has no signature: its inputs have no names")
        return self.signature.slot(name)


@dataclass
class Graph:
    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[Tensor]
    outputs: list[Tensor]
    description: str = ""
