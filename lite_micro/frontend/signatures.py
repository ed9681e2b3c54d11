"""What each op kind takes: input slots by name and options with their types and defaults.

One row per op kind that any later stage reads (Prepare, the passes). Slot names follow the
TFLM kernel's tensor names, in the schema's order: "bias?" marks an optional slot (an
omitted or -1 input), a last "values*" any number of inputs. Options are every field of the
op's options table in the schema, with the schema's default (tests/test_signatures.py checks
both against the `tflite` package), plus the internal ones passes set (INTERNAL_OPTIONS).

The reader binds each op to its row (`bind`): the options become an `Options` object holding
exactly the declared names, so Prepare reads `op.options.stride_h` and a misspelt name is an
AttributeError, never a silent default; a field the row does not declare but the model sets
to a non-default value, or a value of the wrong type, is the model's one-line error.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..errors import LiteMicroError
from ..ir import Op, Options, Signature

ACT = {"fused_activation_function": (int, 0)}
POOL = {"padding": (int, 0), "stride_w": (int, 0), "stride_h": (int, 0), "filter_width": (int, 0),
        "filter_height": (int, 0), **ACT}
CONV = {"padding": (int, 0), "stride_w": (int, 0), "stride_h": (int, 0), **ACT,
        "dilation_wfactor": (int, 1), "dilation_hfactor": (int, 1)}
PRE_PAD = {"pre_pad": (tuple, (0, 0, 0, 0))}   # (top, bottom, left, right) of a PAD folded in
REDUCER = {"keep_dims": (bool, False)}
ARITH = {**ACT, "pot_scale_int16": (bool, True)}
UNARY = Signature(("input",))
BINARY = Signature(("input1", "input2"))
REDUCE = Signature(("input", "axis"), REDUCER)

# Options no schema table has: set by passes on the ops they rewrite.
INTERNAL_OPTIONS = frozenset(PRE_PAD)

_LSTM_INPUTS = (
    "input", "input_to_input_weights?", "input_to_forget_weights", "input_to_cell_weights",
    "input_to_output_weights", "recurrent_to_input_weights?", "recurrent_to_forget_weights",
    "recurrent_to_cell_weights", "recurrent_to_output_weights", "cell_to_input_weights?",
    "cell_to_forget_weights?", "cell_to_output_weights?", "input_gate_bias?", "forget_gate_bias",
    "cell_gate_bias", "output_gate_bias", "projection_weights?", "projection_bias?",
    "output_state", "cell_state", "input_layer_norm_coefficients?", "forget_layer_norm_coefficients?",
    "cell_layer_norm_coefficients?", "output_layer_norm_coefficients?")

SIGNATURES: dict[str, Signature] = {
    "ABS": UNARY,
    "ADD": Signature(("input1", "input2"), ARITH),
    "ARG_MAX": Signature(("input", "axis"), {"output_type": (int, 0)}),
    "AVERAGE_POOL_2D": Signature(("input",), POOL),
    "BATCH_MATMUL": Signature(("lhs", "rhs"), {"adj_x": (bool, False), "adj_y": (bool, False),
                                               "asymmetric_quantize_inputs": (bool, False)}),
    "BATCH_TO_SPACE_ND": Signature(("input", "block_shape", "crops")),
    "BROADCAST_TO": Signature(("input", "shape")),
    "CAST": Signature(("input",), {"in_data_type": (int, 0), "out_data_type": (int, 0)}),
    "CONCATENATION": Signature(("values*",), {"axis": (int, 0), **ACT}),
    "CONV_2D": Signature(("input", "weights", "bias?"), {**CONV, "quantized_bias_type": (int, 0), **PRE_PAD}),
    "DEPTHWISE_CONV_2D": Signature(("input", "weights", "bias?"),
                                   {**CONV, "depth_multiplier": (int, 0), **PRE_PAD}),
    "DEPTH_TO_SPACE": Signature(("input",), {"block_size": (int, 0)}),
    "DEQUANTIZE": UNARY,
    "EXPAND_DIMS": Signature(("input", "axis")),
    "FILL": Signature(("dims", "value")),
    "FLOOR_DIV": BINARY,
    "FULLY_CONNECTED": Signature(("input", "weights", "bias?"), {
        **ACT, "weights_format": (int, 0), "keep_num_dims": (bool, False),
        "asymmetric_quantize_inputs": (bool, False), "quantized_bias_type": (int, 0)}),
    "GATHER": Signature(("input", "indices"), {"axis": (int, 0), "batch_dims": (int, 0)}),
    "GATHER_ND": Signature(("input", "indices")),
    "HARD_SWISH": UNARY,
    "L2_NORMALIZATION": Signature(("input",), ACT),
    "LEAKY_RELU": Signature(("input",), {"alpha": (float, 0.0)}),
    "LOGISTIC": UNARY,
    "LOG_SOFTMAX": UNARY,
    "MAXIMUM": BINARY,
    "MAX_POOL_2D": Signature(("input",), POOL),
    "MEAN": REDUCE,
    "MINIMUM": BINARY,
    "MUL": Signature(("input1", "input2"), ACT),
    "PACK": Signature(("values*",), {"values_count": (int, 0), "axis": (int, 0)}),
    "PAD": Signature(("input", "paddings")),
    "PADV2": Signature(("input", "paddings", "constant_values?")),
    "PRELU": Signature(("input", "alpha")),
    "QUANTIZE": UNARY,
    "RANGE": Signature(("start", "limit", "delta")),
    "REDUCE_MAX": REDUCE,
    "REDUCE_MIN": REDUCE,
    "REDUCE_PROD": REDUCE,
    "RELU": UNARY,
    "RELU6": UNARY,
    "RESHAPE": Signature(("input", "shape?"), {"new_shape": (list, [])}),
    "RESIZE_NEAREST_NEIGHBOR": Signature(("input", "size"), {"align_corners": (bool, False),
                                                             "half_pixel_centers": (bool, False)}),
    "RSQRT": UNARY,
    "SHAPE": Signature(("input",), {"out_type": (int, 0)}),
    "SLICE": Signature(("input", "begin", "size")),
    "SOFTMAX": Signature(("input",), {"beta": (float, 0.0)}),
    "SPACE_TO_BATCH_ND": Signature(("input", "block_shape", "paddings")),
    "SPACE_TO_DEPTH": Signature(("input",), {"block_size": (int, 0)}),
    "SPLIT": Signature(("axis", "input"), {"num_splits": (int, 0)}),
    "SPLIT_V": Signature(("input", "size_splits", "axis"), {"num_splits": (int, 0)}),
    "SQUARED_DIFFERENCE": BINARY,
    "SQUEEZE": Signature(("input",), {"squeeze_dims": (list, [])}),
    "STRIDED_SLICE": Signature(("input", "begin", "end", "strides"), {
        "begin_mask": (int, 0), "end_mask": (int, 0), "ellipsis_mask": (int, 0),
        "new_axis_mask": (int, 0), "shrink_axis_mask": (int, 0), "offset": (bool, False)}),
    "SUB": Signature(("input1", "input2"), ARITH),
    "SUM": REDUCE,
    "SVDF": Signature(("input", "weights_feature", "weights_time", "bias?", "activation_state"),
                      {"rank": (int, 0), **ACT, "asymmetric_quantize_inputs": (bool, False)}),
    "TANH": UNARY,
    "TILE": Signature(("input", "multiples")),
    "TRANSPOSE": Signature(("input", "perm")),
    "TRANSPOSE_CONV": Signature(("output_shape", "weights", "input", "bias?"), {
        "padding": (int, 0), "stride_w": (int, 0), "stride_h": (int, 0), **ACT,
        "quantized_bias_type": (int, 0)}),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": Signature(_LSTM_INPUTS, {
        **ACT, "cell_clip": (float, 0.0), "proj_clip": (float, 0.0), "time_major": (bool, False),
        "asymmetric_quantize_inputs": (bool, False), "diagonal_recurrent_tensors": (bool, False)}),
    "UNPACK": Signature(("input",), {"num": (int, 0), "axis": (int, 0)}),
}

TYPE_NAMES = {bool: "a bool", int: "an int", float: "a number", list: "a list of ints",
              tuple: "a list of ints", bytes: "bytes"}

# A custom op (kind "CUSTOM(name)"): any inputs, and the model's custom options bytes.
CUSTOM = Signature(("inputs*",), {"custom_options": (bytes, b"")})


def signature(kind: str) -> Optional[Signature]:
    """The row for `kind`; None for a kind no stage reads (Prepare then reports it unsupported)."""
    return CUSTOM if kind.startswith("CUSTOM(") else SIGNATURES.get(kind)


def bind(op: Op, schema_defaults: Optional[Mapping[str, Any]] = None) -> Op:
    """`op` with its signature and validated options: the declared names, each the model's
    value or the default. `schema_defaults` are the defaults of the op's options table as the
    schema gives them: a field the row does not declare must hold its default."""
    sig = signature(op.kind)
    if sig is None:
        return op
    given = op.options.as_dict()
    values = {}
    for name, (kind, default) in sig.options.items():
        value = given.pop(name, list(default) if isinstance(default, list) else default)
        if not _typed(value, kind):
            raise LiteMicroError(f"{op.describe()}: option {name} = {value!r} is not {TYPE_NAMES[kind]}")
        values[name] = value
    for name, value in given.items():
        if schema_defaults is None or name not in schema_defaults or value != schema_defaults[name]:
            raise LiteMicroError(f"{op.describe()}: option {name} = {value!r} is not supported "
                                 f"(litemicro knows {', '.join(sig.options) or 'no options'} for {op.kind})")
    op.options, op.signature = Options(values), sig
    return op


def _typed(value: Any, kind) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is list or kind is tuple:
        return isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool)
                                                        for v in value)
    return isinstance(value, kind)


def make_op(index: int, kind: str, inputs: list, outputs: list, options: Mapping[str, Any] = (),
            version: int = 1) -> Op:
    """An op built by hand (tests, passes) as the reader builds it: bound to its signature,
    every option not given taking its default."""
    return bind(Op(index, kind, version, list(inputs), list(outputs), Options(options)), {})
