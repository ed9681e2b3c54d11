"""The converter's dilated convolution, SPACE_TO_BATCH_ND -> CONV_2D / DEPTHWISE_CONV_2D ->
BATCH_TO_SPACE_ND, compiles to one dilated convolution (no copies) and is bit-exact with TFLM.

Every output is compared with TFLM's own single dilated convolution, which pads with the zero
point. TFLM pads SPACE_TO_BATCH_ND with a byte its Prepare never sets (uninitialized memory: 0
in a fresh arena, anything in a reused one), so against TFLM running the three ops only the
outputs whose window lies inside the image are compared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lite_micro.api import Options, compile_model
from lite_micro.testing.multiop import dilated_models
from lite_micro.toolchain.host import build_host

CASES = [("CONV_2D", (1, 9, 9, 3), 3, 2, True), ("CONV_2D", (1, 10, 7, 2), 3, 2, False),
         ("CONV_2D", (2, 8, 8, 4), 2, 3, True), ("DEPTHWISE_CONV_2D", (1, 9, 9, 3), 3, 2, True),
         ("DEPTHWISE_CONV_2D", (1, 11, 10, 2), 3, 4, True), ("DEPTHWISE_CONV_2D", (1, 7, 9, 4), 2, 2, False)]


def _tflm(model: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    it.set_input(x, 0)
    it.invoke()
    return np.array(it.get_output(0))


def inside(size: int, out: int, k: int, d: int, same: bool) -> np.ndarray:
    """Output positions whose dilated window reads no padding, along one axis."""
    pad = max((out - 1) + (k - 1) * d + 1 - size, 0) // 2 if same else 0
    first = np.arange(out) - pad
    return (first >= 0) & (first + (k - 1) * d < size)


@pytest.mark.parametrize("in_zp", [0, -128, 17])
def test_dilated_chain_is_one_conv_and_matches_tflm(in_zp, tmp_path):
    models = [dilated_models(*case, in_zp=in_zp) for case in CASES]
    gens = [compile_model(chain, Options(prefix=f"dil{k}")) for k, (chain, _) in enumerate(models)]
    for gen, case in zip(gens, CASES):
        assert [layer.op.kind for layer in gen.layers] == [case[0]], gen.prefix
        assert all(layer.kernel != "lm_copy_blocks" for layer in gen.layers)
    module = build_host(gens, tmp_path)
    rng = np.random.default_rng(in_zp + 200)
    for gen, (chain, single), case in zip(gens, models, CASES):
        for _ in range(3):
            x = rng.integers(-128, 128, case[1], dtype=np.int8)
            ours = module.run(gen.prefix, [x])[0]
            assert np.array_equal(ours, _tflm(single, x)), gen.prefix
            _, h, w, _ = case[1]
            rows = inside(h, ours.shape[1], case[2], case[3], case[4])
            cols = inside(w, ours.shape[2], case[2], case[3], case[4])
            assert rows.any() and cols.any()
            chain_out = _tflm(chain, x)
            assert np.array_equal(ours[:, rows][:, :, cols], chain_out[:, rows][:, :, cols]), gen.prefix


def test_chain_with_another_reader_is_left_as_three_ops():
    chain, _ = dilated_models("CONV_2D", (1, 6, 6, 2), 3, 2, True, in_zp=0)
    from lite_micro.frontend import read_model_bytes
    from lite_micro.passes import dilated_conv
    graph = read_model_bytes(chain)
    stb = graph.ops[0]
    graph.outputs.append(stb.outputs[0])            # the padded sub-images are also an output
    assert [op.kind for op in dilated_conv.run(graph).ops] == [op.kind for op in graph.ops]


def test_keras_dilation_rate_2_model_is_bit_exact(tmp_path):
    """Keras Conv2D, DepthwiseConv2D and SeparableConv2D with dilation_rate=2, converted by
    TensorFlow (only when it is installed)."""
    pytest.importorskip("tensorflow")
    from lite_micro.verify import verify
    script = Path(__file__).resolve().parent.parent / "examples" / "make_keras_dilated.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    model = tmp_path / "keras_dilated_int8.tflite"
    kinds = [layer.op.kind for layer in compile_model(str(model)).layers]
    assert "SPACE_TO_BATCH_ND" not in kinds and "BATCH_TO_SPACE_ND" not in kinds
    result = verify(str(model), target="host", count=10)
    assert result.ok, result.first_mismatch
