"""`litemicro inspect`: what the model holds, what we would do with it, and what we cannot."""

from __future__ import annotations

from .api import analyze, load
from .ir import Graph
from .ops.base import Layer
from .ops.specialize import specialize
from .planner import plan_memory
from .targets import load_target


def _shape(t) -> str:
    return "x".join(str(d) for d in t.shape) if t is not None else "-"


def inspect_model(model_path: str, target: str = "host") -> dict:
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
                        macs=layer.macs if layer else None))
    report = dict(model=file_name, target=target, ops=ops, unsupported=problems,
                  inputs=[_io(t) for t in graph.inputs], outputs=[_io(t) for t in graph.outputs],
                  macs=sum(layer.macs for layer in layers),
                  arena_bytes=None, live_lower_bound_bytes=None, plan=[])
    if not problems:
        layers = specialize(layers, load_target(target).features)
        plan = plan_memory(graph, layers)
        report.update(arena_bytes=plan.arena_bytes, live_lower_bound_bytes=plan.lower_bound_bytes,
                      plan_strategy=plan.strategy,
                      plan=[dict(buffer=n, offset=o, bytes=s, first_layer=f, last_layer=l)
                            for n, o, s, f, l in plan.table()])
    return report


def _io(t) -> dict:
    return dict(name=t.name, shape=list(t.shape), dtype=t.dtype, scale=t.scale, zero_point=t.zero_point)


def render_text(r: dict) -> str:
    lines = [f"{r['model']}: {len(r['ops'])} ops, {r['macs']:,} MACs"]
    for io in r["inputs"]:
        lines.append(f"  input  {io['name']} {io['shape']} {io['dtype']} scale {io['scale']:.6g} zp {io['zero_point']}")
    for io in r["outputs"]:
        lines.append(f"  output {io['name']} {io['shape']} {io['dtype']} scale {io['scale']:.6g} zp {io['zero_point']}")
    lines.append("")
    lines.append(f"  {'#':>3}  {'op':<26} {'out shape':<14} {'MACs':>11}  kernel")
    for op in r["ops"]:
        macs = f"{op['macs']:,}" if op["macs"] is not None else "-"
        kernel = op["kernel"] or "UNSUPPORTED"
        lines.append(f"  {op['index']:>3}  {op['op'] + ' v' + str(op['version']):<26} "
                     f"{(op['outputs'] or ['-'])[0]:<14} {macs:>11}  {kernel}")
    lines.append("")
    if r["arena_bytes"] is not None:
        lines.append(f"arena {r['arena_bytes']:,} bytes ({r['plan_strategy']}), "
                     f"live-set lower bound {r['live_lower_bound_bytes']:,} bytes")
        lines.append(f"  {'offset':>8} {'bytes':>8}  {'layers':<9} buffer")
        for row in r["plan"]:
            lines.append(f"  {row['offset']:>8} {row['bytes']:>8}  {row['first_layer']:>3}..{row['last_layer']:<4} {row['buffer']}")
    if r["unsupported"]:
        lines.append(f"{len(r['unsupported'])} unsupported:")
        lines += [f"  - {p}" for p in r["unsupported"]]
    else:
        lines.append("everything is supported")
    return "\n".join(lines)
