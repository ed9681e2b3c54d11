"""`verify --per-layer`: every layer's output against TFLM's, the first that differs named.

A faulty kernel is injected into the generated C (a test-only edit of the generated text: one
output byte of one layer flipped right after the layer runs); the comparison must name that
layer, its op, the index and both values, on the host build and on cortex-m4 firmware in QEMU.
"""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from lite_micro import api
from lite_micro import verify as verify_module
from lite_micro.api import Options, compile_model
from lite_micro.cli import main
from lite_micro.per_layer import first_divergence
from lite_micro.reference import input_sets

from model_zoo import model_path

pytest.importorskip("tflite_micro", reason="per-layer needs the TFLM interpreter (pip install tflite-micro)")


def with_faulty_layer(gen, layer: int, flat_index: int):
    """The same model whose layer `layer` writes one wrong byte (bit 4 flipped) at flat_index
    of its output, as a wrong kernel would."""
    t = gen.layers[layer].outputs[0]
    at = gen.plan.tensor_offsets[t.index] + flat_index
    hook = f"    LM_LAYER_HOOK({layer + 1});"
    files = dict(gen.files)
    source = f"{gen.prefix}.c"
    assert files[source].count(hook) == 1
    files[source] = files[source].replace(hook, f"    {gen.prefix}_arena[{at}] ^= 0x10;\n{hook}")
    return dataclasses.replace(gen, files=files)


has_firmware = shutil.which("arm-none-eabi-gcc") is not None and shutil.which("qemu-system-arm") is not None
on_cortex_m4 = pytest.mark.skipif(not has_firmware, reason="needs arm-none-eabi-gcc and qemu-system-arm")


@pytest.mark.parametrize("model, target, layer, flat_index", [
    ("kws_ref_model", "host", 5, 777), ("keras_mix_int8", "host", 9, 3),
    pytest.param("kws_ref_model", "cortex-m4", 1, 2000, marks=on_cortex_m4)])
def test_names_the_faulty_layer(model, target, layer, flat_index):
    path = model_path(model)
    gen = compile_model(path, Options(target=target))
    inputs = input_sets(gen.inputs, 3, seed=1)[2]
    clean, compared = first_divergence(gen, path.read_bytes(), inputs)
    assert clean is None and compared == len(gen.layers)
    found, _ = first_divergence(with_faulty_layer(gen, layer, flat_index), path.read_bytes(), inputs)
    t = gen.layers[layer].outputs[0]
    assert (found.layer, found.op, found.tensor) == (layer, gen.layers[layer].op.kind, t.name)
    index, want, got = found.first[0]
    assert index == tuple(int(i) for i in np.unravel_index(flat_index, t.shape))
    assert got == np.int8(np.int8(want) ^ 0x10) and found.count == 1
    assert f"layer {layer} {found.op}" in found.describe()


def test_cli_mismatch_runs_per_layer(monkeypatch, capsys):
    """A mismatch on the outputs: verify names the first faulty layer without being asked."""
    path = model_path("kws_ref_model")
    good = compile_model(path, Options(target="host"))
    bad = with_faulty_layer(good, 11, 0)  # the logits: the flipped value changes the softmax

    def compile_faulty(model, options=None):
        return bad if options.target.is_host else compile_model(model, options)
    monkeypatch.setattr(verify_module, "compile_model", compile_faulty)
    monkeypatch.setattr(api, "compile_model", compile_faulty)
    assert main(["verify", str(path), "--target", "host", "--inputs", "4"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out
    assert "first layer that differs: layer 11 FULLY_CONNECTED" in out


def test_cli_per_layer_clean(capsys):
    assert main(["verify", str(model_path("hello_world_int8")), "--target", "host", "--inputs", "3",
                 "--per-layer"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "per layer (input set 2, host): all 3 layer outputs equal TFLM's"
