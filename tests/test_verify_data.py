"""`verify --data` (the user's samples, in firmware batches) and `verify --float` (int8 vs float).

The float comparison runs on one-op FULLY_CONNECTED models built here (a float one and its
int8 quantization), both run by the TFLM interpreter. LITEMICRO_VERIFY_DATA_VWW=1 runs the
long case by hand: 500 VWW samples on cortex-m4 in firmware batches (about 5 minutes).
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from lite_micro import verify_data
from lite_micro.api import Options, compile_model
from lite_micro.cli import main
from lite_micro.testing.oneop import TensorSpec, build_model
from lite_micro.verify import verify

from model_zoo import MODELS_DIR as MODELS

pytest.importorskip("tflite_micro", reason="verify needs the TFLM interpreter (pip install tflite-micro)")
has_firmware = shutil.which("arm-none-eabi-gcc") is not None and shutil.which("qemu-system-arm") is not None
HELLO = MODELS / "hello_world_int8.tflite"


def _hello_samples(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, size=(n, 1, 1), dtype=np.int8)


@pytest.mark.parametrize("form", ["npy", "npz", "npz-named", "bin"])
def test_sample_files(form, tmp_path):
    gen = compile_model(HELLO, Options(target="host"))
    x = _hello_samples(6)
    if form == "npy":
        path = tmp_path / "s.npy"
        np.save(path, x)
    elif form.startswith("npz"):
        path = tmp_path / "s.npz"
        np.savez(path, **({gen.inputs[0].name: x} if form == "npz-named" else {"arr_0": x}))
    else:
        path = tmp_path / "bins"
        path.mkdir()
        for k, sample in enumerate(x):
            (path / f"{k:03d}.bin").write_bytes(sample.tobytes())
    sets = verify_data.load_samples(path, gen.inputs)
    assert len(sets) == 6 and all(np.array_equal(s[0], x[k]) for k, s in enumerate(sets))


def test_quantize_matches_tflm():
    """Float samples for an int8 input are quantized as TFLM's QUANTIZE does, halves included."""
    from lite_micro.reference import Reference
    scale, zp = 0.05, -3
    values = np.array([[-9.0, -0.025, 0.025, 0.075, -0.075, 0.1249999, 1.0, 6.3, 6.5, 0.0, -6.2, 12.0]],
                      dtype=np.float32)
    model = build_model("QUANTIZE", [TensorSpec(values.shape, "float32")],
                        [TensorSpec(values.shape, "int8", scale, zp)], {})
    want = Reference(model).run([values], 1)[0]
    assert np.array_equal(verify_data.quantize(values, scale, zp), want)


def test_bad_sample_shape_is_one_line(tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.zeros((4, 3), np.int8))
    assert main(["verify", str(HELLO), "--data", str(tmp_path / "bad.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has shape [1, 1], the samples have shape [4, 3]" in err[0]


def test_verify_data_on_host(tmp_path, capsys):
    np.save(tmp_path / "s.npy", _hello_samples(40))
    assert main(["verify", str(HELLO), "--target", "host", "--data", str(tmp_path / "s.npy"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bit_exact"] and out["inputs"] == 40 and out["data"] == "s.npy"


@pytest.mark.skipif(not has_firmware, reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_firmware_batches(tmp_path, monkeypatch):
    """More sets than one image holds: several images, outputs in order, bit-exact."""
    monkeypatch.setattr(verify_data, "batch_size", lambda gen, target: 3)
    np.save(tmp_path / "s.npy", _hello_samples(7, seed=5))
    result = verify(str(HELLO), target="cortex-m4", data=tmp_path / "s.npy", workdir=tmp_path / "w")
    images = sorted(p.name for p in (tmp_path / "w").iterdir())  # one build folder per image
    assert images == ["cortex-m4_batch0", "cortex-m4_batch1", "cortex-m4_batch2"]
    assert result.ok and result.inputs == 7 and len(result.outputs) == 7


@pytest.mark.skipif(not has_firmware, reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_batch_too_big_for_the_flash_is_halved(tmp_path):
    """Should the estimate be wrong and the linker find the flash full, fewer sets per image:
    KWS (490 bytes a set) on a board cut to 192 KiB of flash, 400 sets asked for."""
    import dataclasses

    from lite_micro.targets import MemoryRegion, load_target
    m4 = load_target("cortex-m4")
    small = dataclasses.replace(m4, emulator=dataclasses.replace(
        m4.emulator, flash=MemoryRegion(m4.emulator.flash.origin, 192 * 1024)))
    kws = compile_model(MODELS / "kws_ref_model.tflite", Options(target="cortex-m4"))
    x = np.zeros((1, 49, 10, 1), np.int8)
    elf, n = verify_data._link_batch(kws, small, [[x]] * 400, tmp_path)
    assert elf.is_file() and n == 200


def test_batch_size_from_flash_left():
    """VWW on cortex-m4: 27,648 bytes a sample; one image holds what the flash leaves."""
    from lite_micro.memory import flash_const_bytes
    from lite_micro.targets import load_target
    gen = compile_model(MODELS / "vww_96_int8.tflite", Options(target="cortex-m4"))
    target = load_target("cortex-m4")
    n = verify_data.batch_size(gen, target)
    left = target.emulator.flash.length - flash_const_bytes(gen) - verify_data.FIRMWARE_RESERVE_BYTES
    assert n == left * 9 // 10 // 27648 and 100 < n < 200


@pytest.mark.skipif(os.environ.get("LITEMICRO_VERIFY_DATA_VWW") != "1" or not has_firmware,
                    reason="long (minutes): LITEMICRO_VERIFY_DATA_VWW=1 runs it")
def test_vww_500_samples_in_batches(tmp_path):
    x = np.random.default_rng(7).integers(-128, 128, size=(500, 1, 96, 96, 3), dtype=np.int8)
    np.savez(tmp_path / "vww.npz", x)
    result = verify(str(MODELS / "vww_96_int8.tflite"), target="cortex-m4", data=tmp_path / "vww.npz",
                    workdir=tmp_path / "w")
    assert result.ok and result.inputs == 500
    assert len(list((tmp_path / "w").iterdir())) == 4


S_OUT = 4.0 / 127  # int8 output range +-4: wide enough that no output saturates on the data below


def _fc_models(seed: int = 0) -> tuple[bytes, bytes, float]:
    """A float FULLY_CONNECTED 16 -> 8 and its int8 quantization (per-tensor, as a converter would)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.3, size=(8, 16)).astype(np.float32)
    b = rng.normal(0, 0.1, size=(8,)).astype(np.float32)
    float_model = build_model("FULLY_CONNECTED", [TensorSpec((1, 16), "float32"),
                                                  TensorSpec((8, 16), "float32", data=w),
                                                  TensorSpec((8,), "float32", data=b)],
                              [TensorSpec((1, 8), "float32")], {})
    s_in, s_w, s_out = 2.0 / 255, float(np.abs(w).max() / 127), S_OUT
    wq = np.clip(np.round(w / s_w), -127, 127).astype(np.int8)
    bq = np.round(b / (s_in * s_w)).astype(np.int32)
    int8_model = build_model("FULLY_CONNECTED", [TensorSpec((1, 16), "int8", s_in, 0),
                                                 TensorSpec((8, 16), "int8", s_w, 0, data=wq),
                                                 TensorSpec((8,), "int32", s_in * s_w, 0, data=bq)],
                             [TensorSpec((1, 8), "int8", s_out, 0)], {})
    return float_model, int8_model, s_in


def test_verify_float(tmp_path, capsys):
    float_model, int8_model, _ = _fc_models()
    (tmp_path / "f.tflite").write_bytes(float_model)
    (tmp_path / "q.tflite").write_bytes(int8_model)
    x = np.random.default_rng(3).uniform(-0.9, 0.9, size=(50, 1, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = ["verify", str(tmp_path / "q.tflite"), "--data", str(tmp_path / "x.npy"),
            "--float", str(tmp_path / "f.tflite")]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "int8 (dequantized) vs float model:" in text and "top-1 agree" in text
    assert main(args + ["--json"]) == 0
    row = json.loads(capsys.readouterr().out)["float_comparison"][0]
    assert row["samples"] == 50
    # quantization error of this layer: within a few output steps, and far from zero error
    assert 0 < row["max_abs_error"] < 3 * S_OUT and 0 < row["rmse"] < row["max_abs_error"]
    assert row["cosine_similarity"] > 0.999 and row["top1_agreement"] >= 0.9


def test_float_metrics_by_hand():
    """metrics() against numbers worked out on paper."""
    from lite_micro.float_check import metrics
    info = type("I", (), dict(name="y", scale=0.5, zero_point=1))()
    int8_outs = [[np.array([[3, 1]], np.int8)], [np.array([[1, 5]], np.int8)]]
    float_outs = [[np.array([[1.0, 0.0]], np.float32)], [np.array([[0.0, 1.0]], np.float32)]]
    row = metrics(int8_outs, float_outs, [info])[0]
    # dequantized: [1, 0] and [0, 2]; differences [0, 0] and [0, -1]
    assert row["max_abs_error"] == 1.0 and row["rmse"] == pytest.approx(0.5)
    assert row["cosine_similarity"] == pytest.approx(3 / (np.sqrt(5) * np.sqrt(2)))
    assert row["top1_agreement"] == 1.0


@pytest.mark.parametrize("stem, shape, top1", [("keras_mix", (1, 24, 24, 3), 0.9), ("keras_mix1d", (1, 30, 4), 0.8)])
def test_verify_float_keras(stem, shape, top1, tmp_path, capsys):
    """The Keras example models against their float twins (same weights) on 20 real samples."""
    x = np.random.default_rng(11).uniform(-1, 1, size=(20, *shape)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["verify", str(MODELS / f"{stem}_int8.tflite"), "--target", "host", "--data", str(tmp_path / "x.npy"),
                 "--float", str(MODELS / "float" / f"{stem}_float.tflite"), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["float_comparison"][0]
    assert row["samples"] == 20 and 0 < row["max_abs_error"] < 0.05
    assert row["cosine_similarity"] > 0.999 and row["top1_agreement"] >= top1
