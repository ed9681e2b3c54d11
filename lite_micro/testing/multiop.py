"""Build a small multi-operator .tflite model in memory, without TensorFlow.

The same tensor specs as the one-op builder (`oneop.TensorSpec`), shared between operators
by identity: a spec one op writes and another reads is one tensor. Graph inputs are the specs
no op writes that have no data; graph outputs are the specs no op reads (or `outputs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import flatbuffers
import numpy as np
import tflite

from lite_micro.testing import oneop


@dataclass
class Node:
    """One operator; op "CUSTOM" with `custom_code` (the name) and `custom_options` bytes is a
    custom operator."""
    op: str
    inputs: list
    outputs: list
    options: dict = field(default_factory=dict)
    custom_code: str = ""
    custom_options: bytes = b""

    @property
    def code(self) -> tuple[str, str]:
        return self.op, self.custom_code


def build_graph(nodes: list[Node], outputs: list | None = None) -> bytes:
    b = flatbuffers.Builder(4096)
    specs: list = []
    for node in nodes:
        for s in node.inputs + node.outputs:
            if s is not None and all(s is not t for t in specs):
                specs.append(s)
    ids = {id(s): i for i, s in enumerate(specs)}
    written = {id(s) for n in nodes for s in n.outputs}
    read = {id(s) for n in nodes for s in n.inputs if s is not None}
    graph_in = [ids[id(s)] for s in specs if s.data is None and not s.variable and id(s) not in written]
    graph_out = [ids[id(s)] for s in (outputs or [s for s in specs if id(s) in written and id(s) not in read])]
    buffers = [oneop._buffer(b, None)] + [oneop._buffer(b, s.data) for s in specs]
    tensors = [oneop._tensor(b, s, i, i + 1) for i, s in enumerate(specs)]
    codes = sorted({n.code for n in nodes})
    operators = [_operator(b, n, codes.index(n.code), ids) for n in nodes]
    subgraph = _subgraph(b, tensors, operators, graph_in, graph_out)
    opcodes = [_opcode(b, op, custom) for op, custom in codes]
    description = b.CreateString("litemicro multi-op test model")
    opcode_vec, subgraph_vec = oneop._offsets(b, opcodes), oneop._offsets(b, [subgraph])
    buffer_vec = oneop._offsets(b, buffers)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, opcode_vec)
    tflite.ModelAddSubgraphs(b, subgraph_vec)
    tflite.ModelAddDescription(b, description)
    tflite.ModelAddBuffers(b, buffer_vec)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _opcode(b, op: str, custom: str):
    if op != "CUSTOM":
        return oneop._opcode(b, op, oneop.OPS[op][1])
    name = b.CreateString(custom)
    tflite.OperatorCodeStart(b)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
    tflite.OperatorCodeAddBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
    tflite.OperatorCodeAddCustomCode(b, name)
    tflite.OperatorCodeAddVersion(b, 1)
    return tflite.OperatorCodeEnd(b)


def _operator(b, node: Node, opcode_index: int, ids: dict):
    options_name = None if node.op == "CUSTOM" else oneop.OPS[node.op][0]
    table = oneop._options(b, options_name, node.options) if options_name else None
    custom = b.CreateByteVector(node.custom_options) if node.custom_options else None
    ins = oneop._ints(b, [-1 if s is None else ids[id(s)] for s in node.inputs])
    outs = oneop._ints(b, [ids[id(s)] for s in node.outputs])
    tflite.OperatorStart(b)
    if custom is not None:
        tflite.OperatorAddCustomOptions(b, custom)
    tflite.OperatorAddOpcodeIndex(b, opcode_index)
    tflite.OperatorAddInputs(b, ins)
    tflite.OperatorAddOutputs(b, outs)
    if table is not None:
        tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, options_name))
        tflite.OperatorAddBuiltinOptions(b, table)
    return tflite.OperatorEnd(b)


def _subgraph(b, tensors, operators, graph_in, graph_out):
    tensor_vec, op_vec = oneop._offsets(b, tensors), oneop._offsets(b, operators)
    ins, outs = oneop._ints(b, graph_in), oneop._ints(b, graph_out)
    name = b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tensor_vec)
    tflite.SubGraphAddInputs(b, ins)
    tflite.SubGraphAddOutputs(b, outs)
    tflite.SubGraphAddOperators(b, op_vec)
    tflite.SubGraphAddName(b, name)
    return tflite.SubGraphEnd(b)


# ---- int16 inside a model -----------------------------------------------------------------------

def int16_chain(op: str, shapes, q_in, q_out, out_shape, options=None) -> bytes:
    """int32 model inputs -> CAST to int16 (quantized q_in) -> op -> int16 (q_out) -> CAST to
    int32: int16 is never a model input or output."""
    nodes, mids = [], []
    for shape in shapes:
        x, mid = oneop.TensorSpec(shape, "int32"), oneop.TensorSpec(shape, "int16", *q_in)
        nodes.append(Node("CAST", [x], [mid]))
        mids.append(mid)
    y16, y = oneop.TensorSpec(out_shape, "int16", *q_out), oneop.TensorSpec(out_shape, "int32")
    nodes += [Node(op, mids, [y16], options or {}), Node("CAST", [y16], [y])]
    return build_graph(nodes)


# ---- the converter's dilated convolution ------------------------------------------------------

def space_paddings(size: int, k: int, d: int, same: bool) -> tuple[list[int], list[int]]:
    """TensorFlow's required_space_to_batch_paddings: (paddings, crops) for one axis."""
    total = (k - 1) * d if same else 0
    start, end = total // 2, total - total // 2
    extra = (-(size + total)) % d
    return [start, end + extra], [0, extra]


def dilated_models(kind: str, shape, k: int, d: int, same: bool, in_zp: int, seed: int = 2):
    """(three-op model as TensorFlow's converter writes a convolution with dilation d, the same
    convolution as one op with dilation d), sharing random weights."""
    rng = np.random.default_rng(seed)
    n, h, w, c = shape
    depthwise = kind == "DEPTHWISE_CONV_2D"
    cout = c * 2 if depthwise else 3
    wshape = (1, k, k, cout) if depthwise else (cout, k, k, c)
    scales = [float(s) for s in np.float32(rng.uniform(0.002, 0.02, cout))]
    weights = oneop.TensorSpec(wshape, "int8", scales, 0, 3 if depthwise else 0,
                               rng.integers(-127, 128, wshape).astype(np.int8))
    bias = oneop.TensorSpec((cout,), "int32", [float(np.float32(0.05 * s)) for s in scales], 0, 0,
                            rng.integers(-2000, 2000, (cout,)).astype(np.int32))
    (ph, ch), (pw, cw) = space_paddings(h, k, d, same), space_paddings(w, k, d, same)
    x = oneop.TensorSpec(shape, "int8", 0.05, in_zp)
    sh, sw = (h + sum(ph)) // d, (w + sum(pw)) // d
    sub = oneop.TensorSpec((n * d * d, sh, sw, c), "int8", 0.05, in_zp)
    conv_out = oneop.TensorSpec((n * d * d, sh - k + 1, sw - k + 1, cout), "int8", 0.1, -5)
    oh, ow = d * (sh - k + 1) - sum(ch), d * (sw - k + 1) - sum(cw)
    y = oneop.TensorSpec((n, oh, ow, cout), "int8", 0.1, -5)
    opts = dict(padding="VALID", stride_h=1, stride_w=1, fused_activation_function="RELU")
    if depthwise:
        opts["depth_multiplier"] = 2
    chain = build_graph([
        Node("SPACE_TO_BATCH_ND", [x, oneop.const_i32([d, d]), oneop.const_i32([ph, pw])], [sub]),
        Node(kind, [sub, weights, bias], [conv_out], opts),
        Node("BATCH_TO_SPACE_ND", [conv_out, oneop.const_i32([d, d]), oneop.const_i32([ch, cw])], [y])])
    one = dict(opts, padding="SAME" if same else "VALID", dilation_h_factor=d, dilation_w_factor=d)
    single = build_graph([Node(kind, [x, weights, bias], [y], one)])
    return chain, single
