"""The calls of a layer run in place by blocks of rows (planner/rows.py): the layer's own
kernel once per block, with the block's params, input rows and output rows; runs of blocks
that share their params and step evenly become one loop. Python computes every offset."""

from __future__ import annotations

from ..ir.layer import Layer, ParamsArg, TensorArg
from ..planner.rows import Rows, block_params

LOOP_MIN = 3                # runs of fewer blocks are written out call by call


def _key(b) -> tuple:
    return (b.rows, b.r1 - b.r0, b.pad)


def block_structs(rows: Rows) -> int:
    """How many params structs the blocks of a layer in place by rows define (one per key)."""
    return len({_key(b) for b in rows.blocks})


def _runs(rows: Rows) -> list[list]:
    """Blocks in execution order cut into runs of one params key and even steps."""
    runs: list[list] = []
    for b in rows.blocks:
        run = runs[-1] if runs else None
        if run and _key(run[-1]) == _key(b) and (len(run) < 2 or (
                b.start - run[-1].start == run[1].start - run[0].start and b.r0 - run[-1].r0 == run[1].r0 - run[0].r0)):
            run.append(b)
        else:
            runs.append([b])
    out = []
    for run in runs:            # short runs: one call each
        out += [run] if len(run) >= LOOP_MIN else [[b] for b in run]
    return out


def _offset(base: int, step: int) -> str:
    """`base + k * step` as C (`k` the loop counter)."""
    if step == 0:
        return str(base)
    return f"{base} {'+' if step > 0 else '-'} k * {abs(step)}"


def row_calls(layer: Layer, rows: Rows, symbol: str, arena: str, in_off: int, out_off: int, render_arg,
              call_lines, width: int) -> tuple[list[str], list[tuple[str, list]]]:
    """(C lines of the calls, [(params symbol, params fields)] of the blocks). render_arg(arg)
    prints an argument the blocks share; call_lines(kernel, args, width) wraps a call."""
    keys: dict[tuple, str] = {}
    structs: list[tuple[str, list]] = []
    lines: list[str] = [f"/* in place by blocks of rows, {rows.direction}: output {rows.shift:+d} bytes from "
                        f"the input, {rows.calls} calls */"]
    inp, out = layer.op.input("input"), layer.outputs[0]
    v = rows.view
    for run in _runs(rows):
        b = run[0]
        if _key(b) not in keys:
            keys[_key(b)] = f"{symbol}_rows{len(keys)}"
            structs.append((keys[_key(b)], block_params(layer, v, b)))
        step_in = (run[1].start - b.start) * v.in_row if len(run) > 1 else 0
        step_out = (run[1].r0 - b.r0) * v.out_row if len(run) > 1 else 0
        args = []
        for a in layer.args:
            if isinstance(a, ParamsArg):
                args.append("&" + keys[_key(b)])
            elif isinstance(a, TensorArg) and a.tensor is inp:
                args.append(f"({arena} + {_offset(in_off + b.start * v.in_row, step_in)})")
            elif isinstance(a, TensorArg) and a.tensor is out:
                args.append(f"({arena} + {_offset(out_off + b.r0 * v.out_row, step_out)})")
            else:
                args.append(render_arg(a))
        if len(run) == 1:
            lines += call_lines(layer.kernel, args, width)
        else:
            lines.append(f"for (int32_t k = 0; k < {len(run)}; k++) {{")
            lines += ["    " + line for line in call_lines(layer.kernel, args, width - 4)]
            lines.append("}")
    return lines, structs
