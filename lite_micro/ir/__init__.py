"""The intermediate representation: a graph of ops over tensors, with named fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

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


@dataclass
class Op:
    index: int
    kind: str                                # builtin name, e.g. "CONV_2D"
    version: int
    inputs: list[Optional[Tensor]]           # None marks an omitted optional input
    outputs: list[Tensor]
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"op #{self.index} {self.kind}"


@dataclass
class Graph:
    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[Tensor]
    outputs: list[Tensor]
    description: str = ""
