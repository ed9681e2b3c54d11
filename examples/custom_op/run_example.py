"""Compile the custom-op model with my_ops.py and check it on the host and in QEMU (cortex-m4)
against a numpy reference (TFLM cannot run MyClip: it is not one of its operators).

    python3 examples/custom_op/run_example.py [--qemu]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from lite_micro.api import Options, compile_model
from lite_micro.ops.custom import use_ops_file
from lite_micro.toolchain.host import build_host

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_model import HIGH, LOW, SCALE, ZERO_POINT, model_bytes  # noqa: E402


def reference(x: np.ndarray) -> np.ndarray:
    """MyClip then TFLM's int8 ABS (output zero point -128, same scale)."""
    low, high = (int(np.clip(np.round(v / SCALE) + ZERO_POINT, -128, 127)) for v in (LOW, HIGH))
    clipped = np.clip(x.astype(np.int32), low, high)
    return np.clip(np.abs(clipped - ZERO_POINT) - 128, -128, 127).astype(np.int8)


def inputs(count: int = 4) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [np.full((1, 40), -128, np.int8), np.full((1, 40), 127, np.int8)] + \
        [rng.integers(-128, 128, (1, 40), dtype=np.int8) for _ in range(count - 2)]


def run(target: str = "host", workdir=None) -> int:
    """Return the number of outputs that differ from the reference (0 when all match)."""
    use_ops_file(HERE / "my_ops.py")
    gen = compile_model(model_bytes(), Options(target=target, prefix="custom_clip"))
    sets = inputs()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(workdir or tmp)
        if gen.target.is_host:
            module = build_host([gen], workdir)
            got = [module.run(gen.prefix, [x])[0] for x in sets]
        else:
            from lite_micro.toolchain.firmware import build_firmware
            from lite_micro.toolchain.qemu import run_firmware
            elf = build_firmware(gen, gen.target, [[x] for x in sets], workdir)
            got = [outs[0] for outs in run_firmware(elf, gen.target)]
    bad = sum(not np.array_equal(np.asarray(g).reshape(-1), reference(x).reshape(-1)) for g, x in zip(got, sets))
    print(f"{target}: {len(sets) - bad} of {len(sets)} input sets match the reference")
    return bad


if __name__ == "__main__":
    failures = run("host") + (run("cortex-m4") if "--qemu" in sys.argv else 0)
    sys.exit(1 if failures else 0)
