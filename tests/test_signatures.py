"""Op signatures (frontend/signatures.py): named input slots and typed options.

The table agrees with the schema, a model's unknown or ill-typed option is its one-line error
(exit 2), and a misspelt name in our own code is an internal error (exit 3), never a default.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import lite_micro
from lite_micro import cli, ops
from lite_micro.errors import LiteMicroError, UnsupportedError
from lite_micro.frontend import signatures
from lite_micro.frontend.reader import expected_options, read_model_bytes, schema_defaults
from lite_micro.frontend.signatures import INTERNAL_OPTIONS, SIGNATURES, make_op
from lite_micro.ir import Options, QuantParams, Tensor
from lite_micro.testing.oneop import TensorSpec, build_model


def _t(index, shape=(1, 4)) -> Tensor:
    return Tensor(index, f"t{index}", shape, "int8", QuantParams((0.1,), (0,)))


def _fc_model(**options) -> bytes:
    w = np.ones((3, 4), np.int8)
    return build_model("FULLY_CONNECTED", [TensorSpec((1, 4), scale=0.1, zero_point=0),
                                           TensorSpec(w.shape, data=w, scale=0.05, zero_point=0)],
                       [TensorSpec((1, 3), scale=0.1, zero_point=0)],
                       {"fused_activation_function": "NONE", **options})


@pytest.mark.parametrize("kind", sorted(SIGNATURES))
def test_each_row_declares_its_schema_table_with_the_schema_defaults(kind):
    declared = {k: v for k, v in SIGNATURES[kind].options.items() if k not in INTERNAL_OPTIONS}
    schema = schema_defaults(expected_options(kind))
    assert set(declared) == set(schema), kind
    for name, (typ, default) in declared.items():
        assert default == schema[name] and signatures._typed(schema[name], typ), (kind, name)


def test_every_prepared_op_kind_has_a_row():
    assert set(ops.PREPARE) <= set(SIGNATURES)


def test_prepare_steps_and_passes_read_inputs_by_name():
    """op.inputs[k] (a bare slot number) is what the signatures replaced; custom ops, whose
    inputs are the user's, are the exception."""
    root = Path(lite_micro.__file__).parent
    for path in [*(root / "ops").glob("*.py"), *(root / "passes").glob("*.py")]:
        if path.name == "custom.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.search(r"\.inputs\[\w+\]", line), f"{path.parent.name}/{path.name}:{n}: {line.strip()}"


def test_slots_by_name():
    op = make_op(0, "FULLY_CONNECTED", [_t(0), _t(1)], [_t(2)])
    assert op.input("weights") is op.inputs[1] and op.input_or_none("bias") is None
    with pytest.raises(UnsupportedError, match=r"^op #0 FULLY_CONNECTED: input 'bias' \(input 2\) is missing$"):
        op.input("bias")
    with pytest.raises(KeyError):                  # a name the op does not have: our bug
        op.input("weight")


def test_options_by_attribute_with_defaults_and_no_silent_typo():
    op = make_op(0, "CONV_2D", [_t(0), _t(1)], [_t(2)], {"stride_h": 2})
    assert (op.options.stride_h, op.options.stride_w, op.options.dilation_hfactor) == (2, 0, 1)
    with pytest.raises(AttributeError, match="strides"):
        _ = op.options.strides
    with pytest.raises(AttributeError):
        op.options.stride_h = 3
    assert op.options.replace(stride_w=4).stride_w == 4 and op.options.stride_w == 0
    assert Options({"a": 1}) == Options({"a": 1})


def test_ill_typed_option_is_one_line_naming_the_op():
    with pytest.raises(LiteMicroError, match=r"^op #3 CONV_2D: option stride_h = 1.5 is not an int$"):
        make_op(3, "CONV_2D", [_t(0), _t(1)], [_t(2)], {"stride_h": 1.5})
    with pytest.raises(LiteMicroError, match="option keep_dims = 1 is not a bool"):
        make_op(0, "MEAN", [_t(0), _t(1)], [_t(2)], {"keep_dims": 1})


def test_unknown_option_in_the_model_is_refused_unless_it_holds_its_default(monkeypatch):
    fc = SIGNATURES["FULLY_CONNECTED"]
    trimmed = signatures.Signature(fc.inputs, {k: v for k, v in fc.options.items() if k != "keep_num_dims"})
    monkeypatch.setitem(SIGNATURES, "FULLY_CONNECTED", trimmed)
    read_model_bytes(_fc_model(keep_num_dims=False))
    with pytest.raises(LiteMicroError) as info:
        read_model_bytes(_fc_model(keep_num_dims=True))
    assert str(info.value).startswith("op #0 FULLY_CONNECTED: option keep_num_dims = True is not supported")
    assert "\n" not in str(info.value)


def test_unknown_option_is_exit_2(monkeypatch, tmp_path, capsys):
    fc = SIGNATURES["FULLY_CONNECTED"]
    trimmed = signatures.Signature(fc.inputs, {k: v for k, v in fc.options.items() if k != "keep_num_dims"})
    monkeypatch.setitem(SIGNATURES, "FULLY_CONNECTED", trimmed)
    model = tmp_path / "fc.tflite"
    model.write_bytes(_fc_model(keep_num_dims=True))
    assert cli.main(["gen", str(model), "-o", str(tmp_path / "out")]) == 2
    assert "option keep_num_dims = True is not supported" in capsys.readouterr().err


def test_a_misspelt_option_in_prepare_is_an_internal_error_exit_3(monkeypatch, tmp_path, capsys):
    def buggy(op):
        return op.options.fused_activation                  # not the declared name
    monkeypatch.setitem(ops.PREPARE, "FULLY_CONNECTED", buggy)
    model = tmp_path / "fc.tflite"
    model.write_bytes(_fc_model())
    assert cli.main(["gen", str(model), "-o", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "internal error: AttributeError" in err and "please report" in err
