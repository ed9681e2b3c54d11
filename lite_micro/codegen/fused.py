"""The calls of a residual block run fused (planner/fuse.py): exactly the calls the planner
scheduled and planner/simulate.py replayed, in their order: each layer's own kernel with its
block's params and pointers, and memmove for the band rows kept from one block to the next.
Python computes every offset."""

from __future__ import annotations

from ..ir.layer import Layer, ParamsArg, TensorArg

ROLE = {"conv1": 0, "conv2": 1, "add": 2}


def fused_calls(layers: list[Layer], f, offsets: dict[int, int], arena: str, symbol, render_arg, call_lines,
                width: int) -> tuple[list[str], list[tuple[int, str, tuple]]]:
    """(C lines of the calls, [(layer position, params symbol, params fields)] of the blocks).
    symbol(position, k) names the k-th params struct of a layer; render_arg(position, arg)
    prints an argument the blocks share; call_lines(kernel, args, width) wraps a call."""
    base = {"x": offsets[f.x], "t1": offsets[f.t1], "t2": offsets[f.t2]}
    keys: dict[tuple, str] = {}
    structs: list[tuple[int, str, tuple]] = []
    lines = [f"/* residual block fused by blocks of rows: layers {f.positions[0]}..{f.positions[2]}, "
             f"{len(f.blocks)} blocks, a band of {f.band_rows} rows of t{f.t1} */"]

    def ptr(where: tuple) -> str:
        place, off = where
        return f"({arena} + {base[place] + off})"

    for call in f.calls:
        if call.kind == "move":
            lines.append(f"memmove({ptr(call.dst)}, {ptr(call.src)}, {call.nbytes});")
            continue
        key = struct_key(f, call)
        pos = key[0]
        layer = layers[pos]
        if key not in keys:
            keys[key] = symbol(pos, sum(1 for p, _, _ in structs if p == pos))
            structs.append((pos, keys[key], call.params))
        by_tensor = _pointers(layer, call, f)
        args = []
        for a in layer.args:
            if isinstance(a, ParamsArg):
                args.append("&" + keys[key])
            elif isinstance(a, TensorArg) and a.tensor.index in by_tensor:
                args.append(ptr(by_tensor[a.tensor.index]))
            else:
                args.append(render_arg(pos, a))
        lines += call_lines(layer.kernel, args, width)
    return lines, structs


def struct_key(f, call) -> tuple[int, str]:
    """(layer position, params) of a call: calls with the same key share one params struct."""
    return f.positions[ROLE[call.kind]], repr(call.params)


def fused_struct_counts(f) -> dict[int, int]:
    """{layer position: params structs its calls define} for a fused block: one per distinct
    params (as fused_calls names them); the layers' own whole-layer structs are not defined."""
    keys = {struct_key(f, c) for c in f.calls if c.kind != "move"}
    return {pos: sum(1 for p, _ in keys if p == pos) for pos in f.positions}


def _pointers(layer: Layer, call, f) -> dict[int, tuple]:
    """{tensor index: (place, offset)} of the tensors a call passes."""
    if call.kind == "add":
        return {f.x: call.src, f.t2: call.src2, f.out: call.dst}
    return {layer.op.input("input").index: call.src, layer.outputs[0].index: call.dst}
