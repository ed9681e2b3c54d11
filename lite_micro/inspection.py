"""`litemicro inspect`: what the model holds, what we would do with it, and what we cannot."""

from __future__ import annotations

from .api import Options, analyze, compile_model, load, rows_offered
from .errors import LiteMicroError
from .ir import Graph
from .ops.base import Layer
from .ops.custom import custom_ops_in
from .ops.mve import specialize_mve
from .ops.specialize import specialize
from .planner import plan_memory
from .planner.rows import alternatives
from .stack_usage import invoke_stack
from .targets import DEFAULT_TARGET, Target, as_target


def _shape(t) -> str:
    return "x".join(str(d) for d in t.shape) if t is not None else "-"


def inspect_model(model_path: str, target: str | Target = DEFAULT_TARGET, stack: bool = True,
                  ram_mode: str = "fast") -> dict:
    """The model's ops, memory plan and (for a Cortex-M target, unless `stack` is False: it
    compiles the model) the stack invoke needs."""
    target = as_target(target)
    graph, _, file_name = load(model_path)
    layers, problems = analyze(graph)
    by_op = {layer.op.index: layer for layer in layers}
    ops = []
    for op in graph.ops:
        layer: Layer | None = by_op.get(op.index)
        ops.append(dict(index=op.index, op=op.kind, version=op.version,
                        inputs=[_shape(t) for t in op.inputs], outputs=[_shape(t) for t in op.outputs],
                        output_name=op.outputs[0].name if op.outputs else "",
                        supported=layer is not None,
                        kernel=(layer.kernel or "alias") if layer else None,
                        macs=layer.macs if layer else None, in_place=None, tile=None, position=None))
    report = dict(model=file_name, target=target.name, ops=ops, unsupported=problems,
                  inputs=[_io(t) for t in graph.inputs], outputs=[_io(t) for t in graph.outputs],
                  macs=sum(layer.macs for layer in layers),
                  arena_bytes=None, live_lower_bound_bytes=None, peak_ram_bytes=None,
                  scratch_bytes=None, stack_bytes=None, plan=[], custom_ops=custom_ops_in(graph))
    if not problems:
        portable, layers = layers, specialize(specialize_mve(layers, target.features), target.features)
        alts = alternatives(portable, layers, target.features)
        blocks = rows_offered(target, ram_mode)
        plan = plan_memory(graph, layers, rows=blocks, fuse=blocks, ram_mode=ram_mode, alternatives=alts)
        report.update(_memory_report(graph, plan, ops))
        report["ram_mode"] = ram_mode
        if stack:
            report.update(_stack_report(model_path, target, ram_mode))
    return report


def _stack_report(model_path: str, target: Target, ram_mode: str = "fast") -> dict:
    """Bytes of stack invoke needs: the deepest call path of the compiled code (Cortex-M only)."""
    if target.is_host:
        return dict(stack_bytes=None, stack_note="not measured for the host; use a Cortex-M --target")
    try:
        usage = invoke_stack(compile_model(model_path, Options(target=target, ram_mode=ram_mode)), target)
    except LiteMicroError as exc:
        return dict(stack_bytes=None, stack_note=str(exc))
    note = "deepest call path from invoke, from the compiler's call graph (-fcallgraph-info=su)"
    if usage.uncounted:
        note += "; not counted: " + ", ".join(usage.uncounted)
    if not usage.bounded:
        note += "; some frames are dynamic or recursive: a lower bound"
    return dict(stack_bytes=usage.bytes, stack_note=note)


def _memory_report(graph: Graph, plan, ops: list[dict]) -> dict:
    """Peak RAM against the live-set bound, what each technique saved, and per layer the
    execution position and the input it overwrites in place."""
    by_index = {op["index"]: op for op in ops}
    for pos, layer in enumerate(plan.layers):
        row = by_index[layer.op.index]
        row["position"] = pos
        k = plan.in_place.get(pos)
        row["in_place"] = None if k is None else dict(input=k, tensor=layer.op.inputs[k].name, mode="pointwise")
        if pos in plan.rows:
            r = plan.rows[pos]
            row["in_place"].update(mode="rows", calls=r.calls, direction=r.direction, shift=r.shift,
                                   kernel=layer.kernel)
        if pos in plan.placed:
            row["kernel"] = "placement"
    for f in plan.fused.values():
        _fused_report(plan, f, by_index)
    scratch = [layer.scratch_bytes for layer in plan.layers]
    return dict(arena_bytes=plan.arena_bytes, peak_ram_bytes=plan.arena_bytes,
                recomputed_macs=sum(op["tile"]["recomputed_macs"] for op in ops if op["tile"]),
                scratch_bytes=max(scratch, default=0),
                live_lower_bound_bytes=plan.live_set_bound_bytes,
                plan_lower_bound_bytes=plan.lower_bound_bytes, savings=plan.savings,
                reordered=plan.order != sorted(plan.order), plan_strategy=plan.strategy,
                plan=[dict(buffer=name, offset=offset, bytes=size, first_layer=first, last_layer=last)
                      for name, offset, size, first, last in plan.table()])


def _fused_report(plan, f, by_index: dict) -> None:
    """Per layer of a residual block run fused (planner/fuse.py): its `tile` (the group, the
    blocks, the band, the bytes the bands saved against whole tensors, recomputed MACs: none,
    no row is computed twice); the ADD also writes over x in place."""
    layers = [plan.layers[p] for p in f.positions]
    t1, t2 = layers[0].outputs[0], layers[1].outputs[0]
    tile = dict(mode="fused residual block by rows", ops=[layer.op.index for layer in layers],
                blocks=len(f.blocks), rows_per_block=max(r1 - r0 for r0, r1 in f.blocks),
                band_rows=f.band_rows, band_bytes=f.band_bytes + f.t2_bytes,
                saved_bytes=t1.nbytes + t2.nbytes - f.band_bytes - f.t2_bytes, recomputed_macs=0,
                calls=len(f.calls))
    for layer in layers:
        by_index[layer.op.index]["tile"] = tile
    add = layers[2]
    k = next(k for k, t in enumerate(add.op.inputs) if t is not None and t.index == f.x)
    by_index[add.op.index]["in_place"] = dict(input=k, tensor=add.op.inputs[k].name, mode="fused")


def _io(t) -> dict:
    return dict(name=t.name, shape=list(t.shape), dtype=t.dtype, scale=t.scale, zero_point=t.zero_point)


def render_text(r: dict) -> str:
    lines = [f"{r['model']}: {len(r['ops'])} ops, {r['macs']:,} MACs"]
    for io in r["inputs"]:
        lines.append(f"  input  {io['name']} {io['shape']} {io['dtype']} scale {io['scale']:.6g} zp {io['zero_point']}")
    for io in r["outputs"]:
        lines.append(f"  output {io['name']} {io['shape']} {io['dtype']} scale {io['scale']:.6g} zp {io['zero_point']}")
    lines.append("")
    lines.append(f"  {'#':>3} {'run':>3}  {'op':<26} {'out shape':<14} {'MACs':>11}  kernel")
    for op in r["ops"]:
        macs = f"{op['macs']:,}" if op["macs"] is not None else "-"
        kernel = op["kernel"] or "UNSUPPORTED"
        run = "-" if op["position"] is None else op["position"]
        lines.append(f"  {op['index']:>3} {run:>3}  {op['op'] + ' v' + str(op['version']):<26} "
                     f"{(op['outputs'] or ['-'])[0]:<14} {macs:>11}  {kernel}")
    lines.append("")
    if r["arena_bytes"] is not None:
        lines += _memory_lines(r)
        lines.append(f"  {'offset':>8} {'bytes':>8}  {'layers':<9} buffer")
        for row in r["plan"]:
            layers = f"{row['first_layer']:>3}..{row['last_layer']:<4}"
            lines.append(f"  {row['offset']:>8} {row['bytes']:>8}  {layers} {row['buffer']}")
    for c in r["custom_ops"]:
        where = f"from {c['registered_from']}" if c["registered_from"] else f"not registered: {c['how_to_register']}"
        lines.append(f"custom op {c['name']} (ops {', '.join(map(str, c['ops']))}): {where}")
    if r["unsupported"]:
        lines.append(f"{len(r['unsupported'])} unsupported:")
        lines += [f"  - {p}" for p in r["unsupported"]]
    else:
        lines.append("everything is supported")
    return "\n".join(lines)


def _memory_lines(r: dict) -> list[str]:
    saved = ", ".join(f"{k.replace('_', '-')} {v:,}" for k, v in r["savings"].items()) or "nothing"
    in_place = [op for op in r["ops"] if op["in_place"]]
    lines = [f"peak RAM {r['peak_ram_bytes']:,} bytes = arena ({r['plan_strategy']}), scratch included "
             f"(largest {r['scratch_bytes']:,}); live-set bound {r['live_lower_bound_bytes']:,} bytes",
             f"  saved below separate buffers: {saved} bytes"
             + ("; execution order searched" if r["reordered"] else ""),
             f"stack of invoke: {r['stack_bytes'] if r['stack_bytes'] is not None else '-'} bytes "
             f"({r['stack_note']})"]
    lines += [f"  op {op['index']} ({op['op']}) writes over input {op['in_place']['input']} "
              f"'{op['in_place']['tensor']}'" + _rows_text(op['in_place']) for op in in_place]
    lines += [f"  op {op['index']} (CONCATENATION) by placement: its inputs are made in their slices"
              for op in r["ops"] if op["kernel"] == "placement"]
    seen = []
    for op in r["ops"]:
        t = op["tile"]
        if t and t not in seen:
            seen.append(t)
            lines.append(f"  ops {', '.join(map(str, t['ops']))} run fused by {t['blocks']} blocks of "
                         f"{t['rows_per_block']} rows ({t['calls']} calls): bands of {t['band_bytes']:,} bytes "
                         f"instead of whole tensors (saved {t['saved_bytes']:,}), recomputed MACs "
                         f"{t['recomputed_macs']:,}")
    return lines


def _rows_text(p: dict) -> str:
    if p["mode"] != "rows":
        return ""
    return f" by {p['calls']} blocks of rows, {p['direction']}, output {p['shift']:+d} bytes from it"
