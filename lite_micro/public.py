"""The Python API: `lite_micro.compile()` and the model it returns.

    import lite_micro
    model = lite_micro.compile("kws_ref_model.tflite", target="cortex-m4")
    model.write("build/kws")              # the C files, as `litemicro gen` writes them
    outputs = model.run_host([x])         # the same model built for this computer, run once

The compiled code is the same arithmetic on every target, so `run_host` gives the bytes the
board gives.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .api import Generated, IOInfo, Options, compile_model
from .errors import LiteMicroError
from .targets import DEFAULT_TARGET, Target


class CompiledModel:
    """A model compiled to C for one target: its files, memory figures and I/O, and a host run."""

    def __init__(self, gen: Generated, model: Union[str, Path, bytes]):
        self._gen = gen
        self._model = model
        self._host = None

    @property
    def prefix(self) -> str:
        """The prefix of every generated symbol and of the file names (`<prefix>.c`, `<prefix>.h`)."""
        return self._gen.prefix

    @property
    def target(self) -> str:
        """The name of the target the C was compiled for."""
        return self._gen.target.name

    @property
    def files(self) -> dict[str, str]:
        """{file name: text}: the model's C source and header and the runtime files it uses."""
        return dict(self._gen.files)

    @property
    def arena_bytes(self) -> int:
        """All the RAM the model needs besides the stack (`<PREFIX>_ARENA_SIZE`)."""
        return self._gen.arena_bytes

    @property
    def macs(self) -> int:
        """Multiply-accumulates per inference."""
        return self._gen.macs

    @property
    def inputs(self) -> list[IOInfo]:
        """Name, shape, dtype, scale and zero point of each input."""
        return list(self._gen.inputs)

    @property
    def outputs(self) -> list[IOInfo]:
        return list(self._gen.outputs)

    def write(self, directory: Union[str, Path]) -> list[Path]:
        """Write the files into `directory` (made if missing); returns their paths."""
        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
            paths = []
            for name, text in sorted(self._gen.files.items()):
                path = out / name
                fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.")
                with os.fdopen(fd, "w") as f:
                    f.write(text)
                os.replace(tmp, path)
                paths.append(path)
        except OSError as exc:
            raise LiteMicroError(f"cannot write to {out}: {exc.strerror}") from None
        return paths

    def run_host(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run one inference of the model built for this computer (gcc through cffi); one array
        per input in, one per output back. State of recurrent layers carries over between calls."""
        if self._host is None:
            from .toolchain.host import build_host

            gen = self._gen if self._gen.target.is_host else compile_model(
                self._model, Options(target="host", prefix=self._gen.prefix))
            self._host = build_host([gen])
        return self._host.run(self._gen.prefix, list(inputs))

    def __repr__(self) -> str:
        return (f"CompiledModel(prefix={self.prefix!r}, target={self.target!r}, "
                f"arena_bytes={self.arena_bytes}, macs={self.macs})")


def compile(model: Union[str, Path, bytes], target: Union[str, Target] = DEFAULT_TARGET,
            prefix: Optional[str] = None) -> CompiledModel:
    """Compile a `.tflite` model (a path or its bytes) to C for `target`: a name (see
    `list_targets()`; by default the same core as every command's, cortex-m4) or a loaded Target.

    Raises LiteMicroError, with a one-line message naming the op and tensor, for a model that
    cannot be compiled."""
    return CompiledModel(compile_model(model, Options(target=target, prefix=prefix)), model)
