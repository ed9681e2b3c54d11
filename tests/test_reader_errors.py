"""The reader tells a malformed flatbuffer (the user's file: exit 2, with the reason) from a bug
in our own reading code (exit 3, "internal error, please report"), although both can raise
the same exception types."""
import struct
from pathlib import Path

import pytest

from lite_micro import cli
from lite_micro.errors import LiteMicroError
from lite_micro.frontend import reader

MODEL = Path(__file__).resolve().parents[1] / "examples" / "models" / "hello_world_int8.tflite"


def _gen(tmp_path, data: bytes, capsys) -> tuple[int, str]:
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    code = cli.main(["gen", str(path), "-o", str(tmp_path / "out")])
    return code, capsys.readouterr().err


def _root_past_the_end() -> bytes:
    data = bytearray(MODEL.read_bytes())
    data[0:4] = struct.pack("<I", len(data) + 64)          # the root table lies outside the file
    return bytes(data)


def _truncated_vector() -> bytes:
    data = MODEL.read_bytes()
    return data[:len(data) // 3]


@pytest.mark.parametrize("make", [_root_past_the_end, _truncated_vector])
def test_a_malformed_flatbuffer_is_exit_2_with_the_reason(make, tmp_path, capsys):
    code, err = _gen(tmp_path, make(), capsys)
    assert code == 2, err
    assert "m.tflite: truncated or corrupt .tflite flatbuffer" in err
    assert ": " in err.split("outside the file", 1)[1]             # the bindings' own reason
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("exc", [IndexError("list index out of range"), ValueError("bad"),
                                 struct.error("unpack")])
def test_a_bug_in_the_reader_is_an_internal_error_exit_3(exc, monkeypatch, tmp_path, capsys):
    """The same exception types the bindings raise, raised by our code: not the user's fault."""
    def buggy(q):
        raise exc
    monkeypatch.setattr(reader, "_read_quant", buggy)
    code, err = _gen(tmp_path, MODEL.read_bytes(), capsys)
    assert code == 3, err
    assert f"internal error: {type(exc).__name__}" in err and "please report" in err
    assert "corrupt" not in err


def test_every_corruption_of_a_model_is_a_one_line_error():
    """Bytes flipped and files cut short: always LiteMicroError (exit 2) or a model that reads,
    never an exception our reader lets through as a bug."""
    import random
    data, rng = MODEL.read_bytes(), random.Random(8)
    for trial in range(400):
        b = bytearray(data[:rng.randrange(8, len(data))] if trial % 3 == 0 else data)
        for _ in range(0 if trial % 3 == 0 else rng.randrange(1, 6)):
            b[rng.randrange(8, len(b))] = rng.randrange(256)
        try:
            reader.read_model_bytes(bytes(b))
        except LiteMicroError:
            pass
