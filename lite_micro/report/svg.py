"""Inline SVG pictures for the HTML report: strings, no files, no scripts, no network.

Every element that stands for a layer or a buffer carries a <title> (the browser shows it on
hover) and a data- attribute, so a test can find the numbers in the DOM.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
            f'font-family="sans-serif" font-size="11">' + "".join(body) + "</svg>")


def _text(x, y, s, anchor="start", extra="") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(str(s))}</text>'


def _kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"


def arena_svg(plan: dict, width: int = 720, height: int = 300) -> str:
    """Buffers as boxes over time (layer index, x) and arena offset (y); peak and bound marked."""
    left, right, top, bottom = 60, 10, 14, 26
    steps = max(len(plan["live_bytes"]), 1)
    top_bytes = max(plan["arena_bytes"], max(plan["live_bytes"], default=0), 1)
    sx = (width - left - right) / steps
    sy = (height - top - bottom) / top_bytes
    y_of = lambda b: height - bottom - b * sy  # noqa: E731 (bytes -> pixel row)
    body = [f'<rect x="{left}" y="{top}" width="{width - left - right}" '
            f'height="{height - top - bottom}" fill="#fafafa" stroke="#ccc"/>']
    for k, b in enumerate(plan["buffers"]):
        x, w = left + b["first"] * sx, (b["last"] - b["first"] + 1) * sx
        y, h = y_of(b["offset"] + b["bytes"]), max(b["bytes"] * sy, 0.5)
        body.append(f'<rect class="buffer" data-offset="{b["offset"]}" data-bytes="{b["bytes"]}" '
                    f'x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 1):.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}" fill-opacity="0.75" stroke="#333" '
                    f'stroke-width="0.4"><title>{escape(b["name"])}: {b["bytes"]:,} B at offset '
                    f'{b["offset"]:,}, layers {b["first"]}..{b["last"]}</title></rect>')
    live = " ".join(f"{left + t * sx:.1f},{y_of(v):.1f} {left + (t + 1) * sx:.1f},{y_of(v):.1f}"
                    for t, v in enumerate(plan["live_bytes"]))
    body.append(f'<polyline class="live" points="{live}" fill="none" stroke="#222" '
                f'stroke-width="1.2"><title>bytes alive at each layer</title></polyline>')
    for value, cls, color, label in ((plan["arena_bytes"], "peak", "#c00", "arena (peak)"),
                                     (plan["lower_bound_bytes"], "bound", "#070", "live-set lower bound")):
        y = y_of(value)
        body.append(f'<line class="{cls}" data-bytes="{value}" x1="{left}" x2="{width - right}" '
                    f'y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" stroke-dasharray="5,3"/>')
        anchor_y = y - 3 if cls == "peak" else y + 11
        body.append(_text(width - right - 4, anchor_y, f"{label} {value:,} B", "end", f'fill="{color}"'))
    for frac in (0, 0.5, 1):
        body.append(_text(left - 4, y_of(top_bytes * frac) + 4, _kib(int(top_bytes * frac)), "end"))
    body.append(_text(left + (width - left - right) / 2, height - 6, "layer (time) \u2192", "middle"))
    return _svg(width, height, body, "arena plan: buffers over time and offset")


def bars_svg(rows: list[dict], key: str, unit: str, width: int = 360) -> str:
    """One horizontal bar per layer for rows[i][key]; None values are drawn as 'n/a'."""
    bar_h, left, right = 14, 150, 70
    height = bar_h * len(rows) + 6
    top_value = max([r[key] or 0 for r in rows] + [1])
    body = []
    for i, r in enumerate(rows):
        y, value = 3 + i * bar_h, r[key]
        body.append(_text(left - 4, y + 10, f'{r["index"]} {r["op"][:18]}', "end"))
        if value is None:
            body.append(_text(left + 2, y + 10, "n/a", extra='fill="#888"'))
            continue
        w = (width - left - right) * value / top_value
        body.append(f'<rect class="bar" data-layer="{r["index"]}" data-value="{value}" x="{left}" '
                    f'y="{y + 1}" width="{max(w, 0.5):.1f}" height="{bar_h - 3}" fill="#4e79a7">'
                    f'<title>layer {r["index"]} {escape(r["op"])}: {value:,} {unit}</title></rect>')
        body.append(_text(left + w + 3, y + 10, f"{value:,}"))
    return _svg(width, height, body, f"{key} per layer")


def graph_svg(layers: list[dict], edges: list[tuple[int, int]], width: int = 330) -> str:
    """Layers top to bottom with their output shapes; a non-adjacent edge bends on the right."""
    box_h, gap, left = 30, 10, 10
    height = len(layers) * (box_h + gap) + gap
    box_w = width - left - 60
    body = []
    center = lambda i: gap + i * (box_h + gap) + box_h / 2  # noqa: E731
    for a, b in edges:
        if b == a + 1:
            body.append(f'<line x1="{left + box_w / 2}" x2="{left + box_w / 2}" y1="{center(a) + box_h / 2}" '
                        f'y2="{center(b) - box_h / 2}" stroke="#555"/>')
        else:
            bend = left + box_w + 10 + 8 * ((b - a) % 5)
            body.append(f'<path class="skip" d="M{left + box_w},{center(a)} C{bend},{center(a)} '
                        f'{bend},{center(b)} {left + box_w},{center(b)}" fill="none" stroke="#e15759"/>')
    for r in layers:
        y = center(r["index"]) - box_h / 2
        body.append(f'<g class="node" data-layer="{r["index"]}"><rect x="{left}" y="{y}" width="{box_w}" '
                    f'height="{box_h}" rx="4" fill="#eef3f8" stroke="#4e79a7"/>'
                    + _text(left + 6, y + 13, f'{r["index"]}  {r["op"]}', extra='font-weight="bold"')
                    + _text(left + 6, y + 25, f'{" + ".join(r["inputs"]) or "-"} \u2192 '
                            f'{" + ".join(r["outputs"])}')
                    + f'<title>{escape(r["name"])}: {escape(r["kernel"])}</title></g>')
    return _svg(width, height, body, "layer graph")
