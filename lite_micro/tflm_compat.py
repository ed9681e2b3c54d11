"""Let the TFLM interpreter judge models holding ops it has no kernel for.

TFLM has no TILE. TensorFlow's converter emits TILE for UpSampling1D/2D/3D and RepeatVector,
always repeating axes of size one; such a TILE moves exactly the bytes a BROADCAST_TO to the
output shape moves, and TFLM has BROADCAST_TO. `for_tflm` rewrites those TILEs in a copy of
the model (the op code and the multiples constant, patched in place: the multiples vector
becomes the output shape, same length and type), so the oracle runs the same computation.
A TILE that repeats an axis longer than one cannot be rewritten this way: a one-line error.
"""

from __future__ import annotations

import numpy as np
import tflite

from .errors import LiteMicroError

TILE = tflite.BuiltinOperator.TILE
BROADCAST_TO = tflite.BuiltinOperator.BROADCAST_TO
PLACEHOLDER = 127                  # deprecated_builtin_code of every op code above 127
INT_TYPES = {tflite.TensorType.INT32: np.int32, tflite.TensorType.INT64: np.int64}
BUILTIN_CODE_SLOT, DEPRECATED_CODE_SLOT = 10, 4     # vtable offsets in OperatorCode


def _code(oc) -> int:
    return max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())


def _fail(what: str):
    raise LiteMicroError(f"the TFLM interpreter has no TILE kernel, and {what}")


def _shape_bytes(model, graph, op) -> tuple[int, bytes]:
    """(buffer index of the multiples, the bytes of the output shape in the multiples' type)."""
    inp, mult = graph.Tensors(op.Inputs(0)), graph.Tensors(op.Inputs(1))
    out = graph.Tensors(op.Outputs(0))
    dtype = INT_TYPES.get(mult.Type())
    data = model.Buffers(mult.Buffer()).DataAsNumpy() if mult.Buffer() else 0
    if dtype is None or not isinstance(data, np.ndarray) or data.size == 0:
        _fail(f"TILE '{out.Name().decode()}' has no constant int32/int64 multiples")
    multiples = data.view(dtype).tolist()
    shape = inp.ShapeAsNumpy().tolist() if inp.ShapeLength() else []
    if len(multiples) != len(shape) or any(m != 1 and d != 1 for d, m in zip(shape, multiples)):
        _fail(f"TILE '{out.Name().decode()}' repeats an axis longer than one "
              f"(input {shape}, multiples {multiples}): no TFLM op does the same")
    out_shape = out.ShapeAsNumpy().tolist() if out.ShapeLength() else []
    return mult.Buffer(), np.asarray(out_shape, dtype=dtype).tobytes()


def _buffer_users(model) -> dict[int, int]:
    users: dict[int, int] = {}
    for g in range(model.SubgraphsLength()):
        graph = model.Subgraphs(g)
        for t in range(graph.TensorsLength()):
            b = graph.Tensors(t).Buffer()
            users[b] = users.get(b, 0) + 1
    return users


def for_tflm(data: bytes) -> bytes:
    """`data` unchanged when it has no TILE, else a copy with every TILE as BROADCAST_TO."""
    model = tflite.Model.GetRootAsModel(data, 0)
    tiles = {i for i in range(model.OperatorCodesLength()) if _code(model.OperatorCodes(i)) == TILE}
    if not tiles:
        return data
    patches: dict[int, list] = {}                 # buffer index -> [new bytes, TILEs reading it]
    for g in range(model.SubgraphsLength()):
        graph = model.Subgraphs(g)
        for k in range(graph.OperatorsLength()):
            op = graph.Operators(k)
            if op.OpcodeIndex() in tiles:
                buffer, new = _shape_bytes(model, graph, op)
                entry = patches.setdefault(buffer, [new, 0])
                if entry[0] != new:
                    _fail("two TILEs share one multiples constant but need different shapes")
                entry[1] += 1
    users = _buffer_users(model)
    if any(users[b] > n for b, (_, n) in patches.items()):
        _fail("a TILE's multiples constant is also read by another tensor")
    out = bytearray(data)
    for b, (new, _) in patches.items():
        vec = model.Buffers(b)
        start = vec._tab.Vector(vec._tab.Offset(4))
        out[start:start + len(new)] = new
    for i in tiles:
        _set_code(out, model.OperatorCodes(i))
    return bytes(out)


def _set_code(out: bytearray, oc) -> None:
    slot = oc._tab.Offset(BUILTIN_CODE_SLOT)
    if not slot:
        _fail("the model's TILE op code has no 32-bit builtin_code field to rewrite")
    out[oc._tab.Pos + slot:oc._tab.Pos + slot + 4] = int(BROADCAST_TO).to_bytes(4, "little", signed=True)
    slot = oc._tab.Offset(DEPRECATED_CODE_SLOT)
    if slot:
        out[oc._tab.Pos + slot] = PLACEHOLDER
