"""Read a one-op .tflite back into a plain dict (for reports and regression notes)."""
from __future__ import annotations

import inspect

import numpy as np
import tflite

_OP_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
_TYPE_NAMES = {v: k.lower() for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
_OPTION_NAMES = {v: k for k, v in vars(tflite.BuiltinOptions).items() if not k.startswith("_")}
_ENUMS = {
    "Padding": tflite.Padding,
    "FusedActivationFunction": tflite.ActivationFunctionType,
    "OutputType": tflite.TensorType,
}


def describe_model(data: bytes) -> dict:
    """{"op", "version", "options", "tensors": [...], "inputs", "outputs", "summary"}
    for the first operator of the first subgraph."""
    model = tflite.Model.GetRootAs(data, 0)
    graph = model.Subgraphs(0)
    op = graph.Operators(0)
    code = model.OperatorCodes(op.OpcodeIndex())
    name = _OP_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?")
    tensors = [_tensor(model, graph.Tensors(i)) for i in range(graph.TensorsLength())]
    desc = {
        "op": name,
        "version": code.Version(),
        "options": _options(op),
        "tensors": tensors,
        "inputs": [int(i) for i in op.InputsAsNumpy()],
        "outputs": [int(i) for i in op.OutputsAsNumpy()],
    }
    desc["summary"] = _summary(desc)
    return desc


def _tensor(model, t) -> dict:
    q = t.Quantization()
    scale = q.ScaleAsNumpy().tolist() if q is not None and q.ScaleLength() else None
    zp = q.ZeroPointAsNumpy().tolist() if q is not None and q.ZeroPointLength() else None
    buf = model.Buffers(t.Buffer())
    return {
        "shape": [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else [],
        "dtype": _TYPE_NAMES.get(t.Type(), "?"),
        "scale": scale[0] if scale and len(scale) == 1 else scale,
        "zero_point": zp[0] if zp and len(zp) == 1 else zp,
        "quantized_dimension": q.QuantizedDimension() if q is not None else 0,
        "constant": bool(buf is not None and buf.DataLength()),
        "variable": bool(t.IsVariable()),
    }


def _options(op) -> dict:
    kind = _OPTION_NAMES.get(op.BuiltinOptionsType())
    table = op.BuiltinOptions()
    if not kind or kind == "NONE" or table is None:
        return {}
    cls = getattr(tflite, kind)
    obj = cls()
    obj.Init(table.Bytes, table.Pos)
    values = {}
    for attr, fn in inspect.getmembers(cls, inspect.isfunction):
        params = inspect.signature(fn).parameters
        if attr.startswith(("Init", "GetRootAs")) or attr.endswith(("Length", "IsNone")):
            continue
        if attr.endswith("AsNumpy"):
            values[attr[:-7]] = np.asarray(getattr(obj, attr)()).tolist()
        elif len(params) == 1 and attr + "AsNumpy" not in dir(cls):
            value = getattr(obj, attr)()
            enum = _ENUMS.get(attr)
            if enum is not None:
                value = {v: k for k, v in vars(enum).items() if not k.startswith("_")}.get(value, value)
            values[attr] = value
    return values


def _summary(desc) -> str:
    def one(i):
        t = desc["tensors"][i]
        kind = "const " if t["constant"] else ""
        q = "" if t["scale"] is None else f" s={_short(t['scale'])} zp={_short(t['zero_point'])}"
        return f"{kind}{t['dtype']}{t['shape']}{q}"
    ins = ", ".join(one(i) if i >= 0 else "none" for i in desc["inputs"])
    outs = ", ".join(one(i) for i in desc["outputs"])
    return f"{desc['op']} v{desc['version']} ({ins}) -> ({outs}) {desc['options']}"


def _short(v):
    if isinstance(v, list):
        return "[" + ",".join(_short(x) for x in v[:4]) + (",..]" if len(v) > 4 else "]")
    return f"{v:.4g}" if isinstance(v, float) else str(v)
