"""Read a .tflite flatbuffer into the IR, validating structure as it goes.

Uses the `tflite` package from PyPI: flatbuffers bindings generated from TensorFlow's
schema.fbs, so the field names match the schema and need no hand-written parser.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import re
import struct
import traceback
from pathlib import Path

import flatbuffers
import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.TensorType import TensorType

from ..errors import LiteMicroError, UnsupportedError
from ..ir import Graph, Op, QuantParams, Tensor
from . import flat
from .signatures import bind
from .validate import validate

OP_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
OPTION_NAMES = {v: k for k, v in vars(BuiltinOptions).items() if not k.startswith("_")}
TYPE_NAMES = {v: k.lower() for k, v in vars(TensorType).items() if not k.startswith("_")}
NUMPY_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32,
               "int64": np.int64, "float32": np.float32, "bool": np.bool_, "float16": np.float16}

_ENUM_FIELDS = {"padding": "Padding", "fused_activation_function": "ActivationFunctionType"}


def read_model(path: str | Path) -> Graph:
    path = Path(path)
    return read_model_bytes(read_file(path), name=path.name)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LiteMicroError(f"{path}: cannot read model file ({exc.strerror})") from None


def read_model_bytes(data: bytes, name: str = "model") -> Graph:
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise LiteMicroError(f"{name}: not a TensorFlow Lite model (no TFL3 flatbuffer identifier)")
    try:
        graph = _read(data, name)
    except FLATBUFFER_ERRORS as exc:
        if not _raised_by_bindings(exc):
            raise                                   # our own bug: the CLI reports it (exit 3)
        raise LiteMicroError(f"{name}: truncated or corrupt .tflite flatbuffer (a table points "
                             f"outside the file: {type(exc).__name__}: {exc})") from None
    for op in graph.ops:      # outside the try: an error here is the model's (exit 2) or our bug (exit 3)
        bind(op, schema_defaults(expected_options(op.kind)))
    return validate(graph)


# What the flatbuffers bindings raise on bytes that are not a well-formed model: struct and
# index errors past the end of the file, numpy's ValueError for a vector that does not fit.
FLATBUFFER_ERRORS = (struct.error, IndexError, ValueError, TypeError, OverflowError)
_BINDINGS = (*(str(Path(m.__file__).resolve().parent) for m in (flatbuffers, tflite)),
             str(Path(flat.__file__).resolve()))


def _raised_by_bindings(exc: BaseException) -> bool:
    """Whether `exc` comes from the flatbuffers bindings reading the file's bytes (a malformed
    model) rather than from our own code (a bug): its innermost Python frame is theirs."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and str(Path(frames[-1].filename).resolve()).startswith(_BINDINGS)


def _read(data: bytes, name: str) -> Graph:
    model = tflite.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() != 1:
        raise UnsupportedError(f"{name}: the model has {model.SubgraphsLength()} subgraphs; "
                               "litemicro compiles single-subgraph models only")
    sub = model.Subgraphs(0)
    root = flat.Table(data, model._tab.Pos)
    buffers = [_buffer_bytes(b, data, i) for i, b in enumerate(root.tables(12))]  # Model.buffers
    tensors = [_read_tensor(t, i, buffers, name) for i, t in enumerate(flat.Table(data, sub._tab.Pos).tables(4))]
    codes = root.positions(6)                                                    # Model.operator_codes
    ops = [_read_op(codes, o, i, tensors, name) for i, o in enumerate(flat.Table(data, sub._tab.Pos).tables(10))]
    inputs = _tensor_list(sub.InputsAsNumpy() if sub.InputsLength() else [], tensors, "model inputs")
    outputs = _tensor_list(sub.OutputsAsNumpy() if sub.OutputsLength() else [], tensors, "model outputs")
    desc = model.Description().decode("utf-8", "replace") if model.Description() else ""
    return Graph(name=name, tensors=tensors, ops=ops, inputs=inputs, outputs=outputs,
                 description=desc)


def _buffer_bytes(buf: flat.Table, data: bytes, index: int):
    """The bytes of buffer `index`: a view into the file, never a copy (a model's weights can
    be tens of megabytes). Buffer fields: data 4, offset 6, size 8."""
    offset = buf.scalar(6, flat.U64)
    if offset > 1:
        end = offset + buf.scalar(8, flat.U64)
        if end > len(data):
            raise LiteMicroError(f"buffer {index} points past the end of the file (truncated model)")
        return memoryview(data)[offset:end]
    raw = buf.numpy(4, "<u1")
    return raw if raw is not None and raw.size else None


def _read_tensor(t: flat.Table, index: int, buffers, model_name: str) -> Tensor:
    """Tensor fields (schema slots): shape 4, type 6, buffer 8, name 10, quantization 12,
    is_variable 14."""
    raw_name = t.string(10)
    tname = raw_name.decode("utf-8", "replace") if raw_name else f"tensor_{index}"
    dtype = TYPE_NAMES.get(t.scalar(6, flat.I8), f"type{t.scalar(6, flat.I8)}")
    dims = t.numpy(4, "<i4")
    shape = tuple(int(d) for d in dims) if dims is not None and dims.size else ()
    if any(d < 0 for d in shape):
        raise UnsupportedError(f"tensor {index} '{tname}': dynamic shape {shape}; litemicro needs "
                               "static shapes (re-export the model with a fixed input shape)")
    quant = _read_quant(t.table(12))
    const = None
    buffer = t.scalar(8, flat.U32)
    if not 0 <= buffer < max(len(buffers), 1):
        raise LiteMicroError(f"tensor {index} '{tname}': buffer index {buffer} is outside "
                             f"the model's {len(buffers)} buffers")
    raw = buffers[buffer] if buffer < len(buffers) else None
    if raw is not None:
        if dtype not in NUMPY_TYPES:
            raise UnsupportedError(f"tensor {index} '{tname}': constant of type {dtype}")
        itemsize = np.dtype(NUMPY_TYPES[dtype]).itemsize
        if len(raw) % itemsize:
            raise LiteMicroError(f"tensor {index} '{tname}': buffer of {len(raw)} bytes is not a "
                                 f"whole number of {dtype} values")
        arr = np.frombuffer(raw, dtype=NUMPY_TYPES[dtype])
        count = math.prod(shape)
        if arr.size != count:
            raise LiteMicroError(f"tensor {index} '{tname}': buffer holds {arr.size} values, "
                                 f"shape {shape} needs {count}")
        const = arr.reshape(shape)            # read-only: constants are never written
    return Tensor(index=index, name=tname, shape=shape, dtype=dtype, quant=quant,
                  data=const, is_variable=bool(t.scalar(14, flat.U8)))


def _read_quant(q: flat.Table | None) -> QuantParams | None:
    """QuantizationParameters fields: scale 8 (float32), zero_point 10 (int64),
    quantized_dimension 16."""
    scale = q.numpy(8, "<f4") if q is not None else None
    if scale is None or scale.size == 0:
        return None
    scales = tuple(float(s) for s in scale)
    zp = q.numpy(10, "<i8")
    zps = tuple(int(z) for z in zp) if zp is not None and zp.size else (0,) * len(scales)
    if len(zps) == 1 and len(scales) > 1:
        zps = zps * len(scales)
    return QuantParams(scales=scales, zero_points=zps, axis=int(q.scalar(16, flat.I32)))


def _read_op(codes: list[int], o: flat.Table, index: int, tensors, model_name: str) -> Op:
    """Operator fields: opcode_index 4, inputs 6, outputs 8, builtin_options_type 10,
    builtin_options 12, custom_options 14. OperatorCode: deprecated_builtin_code 4,
    custom_code 6, version 8, builtin_code 10."""
    opcode = o.scalar(4, flat.U32)
    if not 0 <= opcode < len(codes):
        raise LiteMicroError(f"op #{index}: operator code index {opcode} is outside "
                             f"the model's {len(codes)} operator codes")
    code = flat.Table(o.buf, codes[opcode])
    deprecated, wide = code.scalar(4, flat.I8), code.scalar(10, flat.I32)
    # the schema's rule (as the bindings' BuiltinCode): the int8 code unless the int32 one is larger than it can hold
    builtin = max(wide if wide >= BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES else deprecated, deprecated)
    kind = OP_NAMES.get(builtin, f"BUILTIN_{builtin}")
    if kind == "CUSTOM":
        custom = code.string(6)
        kind = f"CUSTOM({custom.decode() if custom else '?'})"
    where = f"op #{index} {kind}"
    ins = _tensor_list(_int_vector(o, 6), tensors, f"{where} inputs", optional=True)
    outs = _tensor_list(_int_vector(o, 8), tensors, f"{where} outputs")
    options = _read_options(o, kind, where)
    custom_options = o.numpy(14, "<u1")
    if kind.startswith("CUSTOM(") and custom_options is not None and custom_options.size:
        options["custom_options"] = custom_options.tobytes()   # for a custom op's Prepare
    return Op(index=index, kind=kind, version=int(code.scalar(8, flat.I32, 1)), inputs=ins, outputs=outs,
              options=options)


def _int_vector(table: flat.Table, slot: int):
    found = table.numpy(slot, "<i4")
    return [] if found is None else found


def _tensor_list(indices, tensors, where: str, optional: bool = False) -> list:
    """Tensors by index; -1 (an omitted optional input) becomes None where allowed. Any other
    index outside the tensor table is an error, never Python's indexing from the end."""
    result = []
    for i in (int(v) for v in indices):
        if optional and i == -1:
            result.append(None)
        elif 0 <= i < len(tensors):
            result.append(tensors[i])
        else:
            raise LiteMicroError(f"{where}: tensor index {i} is outside the model's "
                                 f"{len(tensors)} tensors")
    return result


# Options tables shared by several ops; any other op X_Y takes XYOptions, if the schema has it.
SHARED_OPTIONS = {"AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions",
                  "MAXIMUM": "MaximumMinimumOptions", "MINIMUM": "MaximumMinimumOptions",
                  "MEAN": "ReducerOptions", "SUM": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
                  "REDUCE_MIN": "ReducerOptions", "REDUCE_PROD": "ReducerOptions",
                  "REDUCE_ANY": "ReducerOptions", "L2_NORMALIZATION": "L2NormOptions"}
_OPTIONS_BY_KEY = {name[:-7].replace("_", "").lower(): name
                   for name in OPTION_NAMES.values() if name.endswith("Options")}


def expected_options(kind: str) -> str | None:
    """The options table the schema pairs with op `kind` (None: the op takes none)."""
    return SHARED_OPTIONS.get(kind) or _OPTIONS_BY_KEY.get(kind.replace("_", "").lower())


@functools.lru_cache(maxsize=None)
def schema_defaults(table: str | None) -> dict:
    """The default of every field of options table `table`, as the schema gives them."""
    return _options_dict(_empty_table(table)) if table else {}


def _read_options(o, kind: str, where: str) -> dict:
    """The op's options by snake_case field name. A table of another op's type is refused;
    a missing table gives the schema's defaults, as TFLite reads it; an op that takes no
    table ignores one it carries, as TFLM does."""
    expected, opt_type = expected_options(kind), o.scalar(10, flat.U8)
    if opt_type == 0 or expected is None:
        return dict(schema_defaults(expected))
    name = OPTION_NAMES.get(opt_type, f"options type {opt_type}")
    if expected and name != expected:
        raise LiteMicroError(f"{where}: its options table is {name}; {kind} takes {expected}")
    pos = o.union(12)
    if pos is None:                 # a type but no table: the defaults, as TFLM reads it
        return dict(schema_defaults(expected))
    opts = getattr(importlib.import_module(f"tflite.{name}"), name)()
    opts.Init(o.buf, pos)
    return _options_dict(opts)


def _empty_table(name: str):
    """An options object over a table with no fields: every getter returns its default."""
    b = flatbuffers.Builder(16)
    b.StartObject(0)
    b.Finish(b.EndObject())
    cls = getattr(importlib.import_module(f"tflite.{name}"), name)
    opts = cls()
    data = bytes(b.Output())
    opts.Init(data, int.from_bytes(data[:4], "little"))
    return opts


def _options_dict(opts) -> dict:
    result = {}
    for key, attr, length in _getters(type(opts)):
        if length is None:
            result[key] = getattr(opts, attr)()   # a corrupt table raises: "corrupt flatbuffer"
        elif getattr(opts, length)() == 0:
            result[key] = []
        else:
            result[key] = [int(v) for v in getattr(opts, attr)()]
    return result


@functools.lru_cache(maxsize=None)
def _getters(cls) -> tuple[tuple[str, str, str | None], ...]:
    """(field name, getter, length getter of a vector or None) for every field of an options
    class, in the order the fields are read."""
    found: dict[str, tuple[str, str, str | None]] = {}
    for attr in dir(cls):
        if (attr.startswith("_") or attr in ("Init", "GetRootAs") or attr.startswith("GetRootAs")
                or attr.endswith(("BufferHasIdentifier", "IsNone", "Length"))):
            continue
        key = _snake(attr.removesuffix("AsNumpy"))
        if attr.endswith("AsNumpy"):
            found[key] = (key, attr, attr[:-7] + "Length")
            continue
        if key in found:
            continue
        if len(inspect.signature(getattr(cls, attr)).parameters) != 1:
            continue  # vector element getters take an index; the AsNumpy form covers them
        found[key] = (key, attr, None)
    return tuple(found.values())


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
