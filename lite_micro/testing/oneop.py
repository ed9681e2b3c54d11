"""Build a valid single-operator .tflite model in memory, without TensorFlow.

The model has one subgraph with one operator. Every tensor that has no `data` and
is not a variable becomes a graph input; every operator output is a graph output.
Constant tensors get their bytes in a buffer, as the TFLite converter writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import flatbuffers
import numpy as np
import tflite

DTYPES = {
    "int8": (tflite.TensorType.INT8, np.int8),
    "int16": (tflite.TensorType.INT16, np.int16),
    "int32": (tflite.TensorType.INT32, np.int32),
    "int64": (tflite.TensorType.INT64, np.int64),
    "uint8": (tflite.TensorType.UINT8, np.uint8),
    "float32": (tflite.TensorType.FLOAT32, np.float32),
    "bool": (tflite.TensorType.BOOL, np.bool_),
}

# op -> (options table in the BuiltinOptions union or None, version TFLite's
# converter writes for the int8 form of the op)
OPS = {
    "CONV_2D": ("Conv2DOptions", 3),
    "DEPTHWISE_CONV_2D": ("DepthwiseConv2DOptions", 3),
    "FULLY_CONNECTED": ("FullyConnectedOptions", 4),
    "AVERAGE_POOL_2D": ("Pool2DOptions", 2),
    "MAX_POOL_2D": ("Pool2DOptions", 2),
    "ADD": ("AddOptions", 2),
    "RESHAPE": ("ReshapeOptions", 1),
    "SOFTMAX": ("SoftmaxOptions", 2),
    "SUB": ("SubOptions", 2),
    "MUL": ("MulOptions", 2),
    "MAXIMUM": ("MaximumMinimumOptions", 2),
    "MINIMUM": ("MaximumMinimumOptions", 2),
    "LOGISTIC": (None, 2),
    "TANH": (None, 2),
    "RELU": (None, 2),
    "RELU6": (None, 2),
    "LEAKY_RELU": ("LeakyReluOptions", 1),
    "HARD_SWISH": ("HardSwishOptions", 1),
    "CONCATENATION": ("ConcatenationOptions", 2),
    "PAD": ("PadOptions", 2),
    "PADV2": ("PadV2Options", 2),
    "TRANSPOSE": ("TransposeOptions", 2),
    "STRIDED_SLICE": ("StridedSliceOptions", 2),
    "SQUEEZE": ("SqueezeOptions", 1),
    "EXPAND_DIMS": ("ExpandDimsOptions", 1),
    "SPLIT": ("SplitOptions", 2),
    "SPLIT_V": ("SplitVOptions", 2),
    "PACK": ("PackOptions", 2),
    "UNPACK": ("UnpackOptions", 2),
    "RESIZE_NEAREST_NEIGHBOR": ("ResizeNearestNeighborOptions", 2),
    "MEAN": ("ReducerOptions", 2),
    "SUM": ("ReducerOptions", 2),
    "REDUCE_MAX": ("ReducerOptions", 2),
    "REDUCE_MIN": ("ReducerOptions", 2),
    "TILE": (None, 3),
    "BROADCAST_TO": (None, 2),
    "PRELU": (None, 1),
    "ARG_MAX": ("ArgMaxOptions", 2),
    "QUANTIZE": ("QuantizeOptions", 1),
    "DEQUANTIZE": ("DequantizeOptions", 2),
    "TRANSPOSE_CONV": ("TransposeConvOptions", 3),
    "BATCH_MATMUL": ("BatchMatMulOptions", 1),
    "SVDF": ("SVDFOptions", 3),
    # model coverage (issue 13)
    "SPACE_TO_BATCH_ND": ("SpaceToBatchNDOptions", 2), "BATCH_TO_SPACE_ND": ("BatchToSpaceNDOptions", 2),
    "DEPTH_TO_SPACE": ("DepthToSpaceOptions", 2), "SPACE_TO_DEPTH": ("SpaceToDepthOptions", 2),
    "GATHER": ("GatherOptions", 2), "GATHER_ND": ("GatherNdOptions", 2), "CAST": ("CastOptions", 1),
    "SQUARED_DIFFERENCE": ("SquaredDifferenceOptions", 2), "RSQRT": (None, 2),
    "LOG_SOFTMAX": ("LogSoftmaxOptions", 2), "L2_NORMALIZATION": ("L2NormOptions", 2),
    "ABS": ("AbsOptions", 2),
}

# option fields whose string values name a schema enum
_ENUM_FIELDS = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
    "output_type": tflite.TensorType,
}


@dataclass
class TensorSpec:
    """One tensor of a one-op model. `data` given = constant tensor; none = activation.

    `scale`/`zero_point` may be scalars (per-tensor) or lists (per-channel along
    `quantized_dimension`); a scale of None means the tensor is not quantized.
    """
    shape: tuple
    dtype: str = "int8"
    scale: float | list | None = None
    zero_point: int | list | None = None
    quantized_dimension: int = 0
    data: np.ndarray | None = None
    variable: bool = False
    name: str | None = None


@dataclass
class OpCase:
    """Everything needed to build one model; hypothesis strategies generate these."""
    op: str
    inputs: list
    outputs: list
    options: dict = field(default_factory=dict)
    version: int | None = None

    def build(self) -> bytes:
        return build_model(self.op, self.inputs, self.outputs, self.options, self.version)


def const_i32(values, shape=None) -> TensorSpec:
    """A constant int32 tensor holding `values` (axes, shapes, paddings, indices)."""
    data = np.asarray(values, dtype=np.int32)
    if shape is not None:
        data = data.reshape(shape)
    return TensorSpec(data.shape, "int32", data=data)


def reduced_shape(shape, axes, keep: bool) -> tuple:
    """The output shape of a reduction of `shape` over `axes` (negative ones count from the end)."""
    reduced = {a % len(shape) for a in axes}
    if keep:
        return tuple(1 if i in reduced else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in reduced)


def build_model(op: str, inputs: list, outputs: list, options: dict,
                version: int | None = None) -> bytes:
    """Return the bytes of a .tflite model holding one `op`.

    `inputs` may hold None for an omitted optional input (index -1 in the model).
    `options` uses the schema's snake_case field names of the op's options table,
    e.g. {"padding": "SAME", "stride_w": 2, "fused_activation_function": "RELU"}.
    """
    if op not in OPS:
        raise ValueError(f"one-op builder does not know op {op}")
    options_name, default_version = OPS[op]
    b = flatbuffers.Builder(1024)
    specs = [s for s in inputs if s is not None] + list(outputs)
    ids = {id(s): i for i, s in enumerate(specs)}
    buffers = [_buffer(b, None)] + [_buffer(b, s.data) for s in specs]
    tensors = [_tensor(b, s, i, i + 1) for i, s in enumerate(specs)]
    op_inputs = [-1 if s is None else ids[id(s)] for s in inputs]
    op_outputs = [ids[id(s)] for s in outputs]
    graph_inputs = [ids[id(s)] for s in inputs
                    if s is not None and s.data is None and not s.variable]
    operator = _operator(b, options_name, options, op_inputs, op_outputs)
    subgraph = _subgraph(b, tensors, operator, graph_inputs, op_outputs)
    opcode = _opcode(b, op, version or default_version)
    description = b.CreateString("litemicro one-op test model")
    opcodes, subgraphs = _offsets(b, [opcode]), _offsets(b, [subgraph])
    buffer_vec = _offsets(b, buffers)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, opcodes)
    tflite.ModelAddSubgraphs(b, subgraphs)
    tflite.ModelAddDescription(b, description)
    tflite.ModelAddBuffers(b, buffer_vec)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _offsets(b, items):
    b.StartVector(4, len(items), 4)
    for item in reversed(items):
        b.PrependUOffsetTRelative(item)
    return b.EndVector()


def _ints(b, values, dtype=np.int32):
    return b.CreateNumpyVector(np.asarray(values, dtype=dtype).reshape(-1))


def _buffer(b, data):
    payload = None
    if data is not None:
        raw = np.ascontiguousarray(data).tobytes()
        b.StartVector(1, len(raw), 16)        # 16-byte aligned, as the converter does
        b.head -= len(raw)
        b.Bytes[b.head:b.head + len(raw)] = raw
        b.vectorNumElems = len(raw)
        payload = b.EndVector()
    tflite.BufferStart(b)
    if payload is not None:
        tflite.BufferAddData(b, payload)
    return tflite.BufferEnd(b)


def _quantization(b, s: TensorSpec):
    scales = np.atleast_1d(np.asarray(s.scale, dtype=np.float32))
    zps = s.zero_point if s.zero_point is not None else 0
    zps = np.atleast_1d(np.asarray(zps, dtype=np.int64))
    if zps.size == 1 and scales.size > 1:
        zps = np.repeat(zps, scales.size)
    scale_vec, zp_vec = b.CreateNumpyVector(scales), b.CreateNumpyVector(zps)
    tflite.QuantizationParametersStart(b)
    tflite.QuantizationParametersAddScale(b, scale_vec)
    tflite.QuantizationParametersAddZeroPoint(b, zp_vec)
    tflite.QuantizationParametersAddQuantizedDimension(b, s.quantized_dimension)
    return tflite.QuantizationParametersEnd(b)


def _tensor(b, s: TensorSpec, index: int, buffer: int):
    if s.dtype not in DTYPES:
        raise ValueError(f"unknown tensor dtype {s.dtype}")
    if s.data is not None:
        want = (tuple(s.shape), DTYPES[s.dtype][1])
        if (s.data.shape, s.data.dtype) != want:
            raise ValueError(f"tensor {index}: data is {s.data.shape} {s.data.dtype}, "
                             f"spec says {want}")
    name = b.CreateString(s.name or f"t{index}")
    shape = _ints(b, s.shape)
    quant = _quantization(b, s) if s.scale is not None else None
    tflite.TensorStart(b)
    tflite.TensorAddShape(b, shape)
    tflite.TensorAddType(b, DTYPES[s.dtype][0])
    tflite.TensorAddBuffer(b, buffer)
    tflite.TensorAddName(b, name)
    if quant is not None:
        tflite.TensorAddQuantization(b, quant)
    if s.variable:
        tflite.TensorAddIsVariable(b, True)
    return tflite.TensorEnd(b)


def _options(b, options_name: str, options: dict):
    values = {}
    for key, value in options.items():
        if isinstance(value, (list, tuple, np.ndarray)):
            values[key] = _ints(b, value)
        elif isinstance(value, str):
            values[key] = getattr(_ENUM_FIELDS[key], value.upper())
        else:
            values[key] = value
    getattr(tflite, f"{options_name}Start")(b)
    for key, value in values.items():
        camel = "".join(part.capitalize() for part in key.split("_"))
        adder = getattr(tflite, f"{options_name}Add{camel}", None)
        if adder is None:
            raise ValueError(f"{options_name} has no field {key}")
        adder(b, value)
    return getattr(tflite, f"{options_name}End")(b)


def _operator(b, options_name, options, op_inputs, op_outputs):
    table = _options(b, options_name, options) if options_name else None
    if options and not options_name:
        raise ValueError(f"options {sorted(options)} given to an op that has none")
    ins, outs = _ints(b, op_inputs), _ints(b, op_outputs)
    tflite.OperatorStart(b)
    tflite.OperatorAddOpcodeIndex(b, 0)
    tflite.OperatorAddInputs(b, ins)
    tflite.OperatorAddOutputs(b, outs)
    if table is not None:
        tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, options_name))
        tflite.OperatorAddBuiltinOptions(b, table)
    return tflite.OperatorEnd(b)


def _subgraph(b, tensors, operator, graph_inputs, graph_outputs):
    tensor_vec, op_vec = _offsets(b, tensors), _offsets(b, [operator])
    ins, outs = _ints(b, graph_inputs), _ints(b, graph_outputs)
    name = b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tensor_vec)
    tflite.SubGraphAddInputs(b, ins)
    tflite.SubGraphAddOutputs(b, outs)
    tflite.SubGraphAddOperators(b, op_vec)
    tflite.SubGraphAddName(b, name)
    return tflite.SubGraphEnd(b)


def _opcode(b, op: str, version: int):
    code = getattr(tflite.BuiltinOperator, op)
    tflite.OperatorCodeStart(b)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
    tflite.OperatorCodeAddBuiltinCode(b, code)
    tflite.OperatorCodeAddVersion(b, version)
    return tflite.OperatorCodeEnd(b)
