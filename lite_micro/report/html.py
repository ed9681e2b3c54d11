"""The report as one self-contained HTML page: inline CSS, inline SVG, a few lines of script.

    page = render_html([collect(model, "cortex-m4"), collect(model, "cortex-m55")])

Python formats every number; the template only places them.
"""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from .. import __version__
from ..resources import templates_dir
from . import svg


def render_html(facts_list: list[dict], command: str = "") -> str:
    first = facts_list[0]
    targets = [_target_view(f) for f in facts_list]
    return _environment().get_template("report.html.j2").render(
        version=__version__, title=f"{first['model']}: litemicro report",
        subtitle=f"{len(first['layers'])} layers, {first['macs']:,} MACs"
                 + (f" \u2014 {command}" if command else ""),
        targets=targets, summary=_summary(facts_list))


def _n(value, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:,}{unit}"


def _summary(facts_list: list[dict]) -> list[dict]:
    def row(key, label, get):
        return dict(key=key, label=label, cells=[get(f) for f in facts_list])
    return [
        row("macs", "MACs", lambda f: _n(f["macs"])),
        row("cycles", "est. cycles (QEMU count)", lambda f: _n((f["cycles"] or {}).get("cycles_est"))),
        row("instructions", "instructions (QEMU count)",
            lambda f: _n((f["cycles"] or {}).get("instructions"))),
        row("latency", "est. latency", _latency),
        row("arena", "arena (RAM)", lambda f: _n(f["plan"]["arena_bytes"], " B")),
        row("bound", "live-set lower bound", lambda f: _n(f["plan"]["lower_bound_bytes"], " B")),
        row("consts", "constant tables (flash)", lambda f: _n(f["const_bytes"], " B")),
        row("code", "code (flash, whole firmware)", lambda f: _n((f["code"] or {}).get("total_bytes"), " B")),
        row("ram_fit", "RAM used of the part", lambda f: _percent(f["fit"]["ram_percent"])),
        row("flash_fit", "flash used of the part", lambda f: _percent(f["fit"]["flash_percent"])),
    ]


def _latency(f: dict) -> str:
    if f["latency_ms_est"] is None:
        return "n/a" if f["clock_mhz"] else "n/a (--clock-mhz)"
    return f"{f['latency_ms_est']:,.3f} ms at {f['clock_mhz']:g} MHz"


def _percent(p) -> str:
    return "n/a" if p is None else f"{p:.1f}%"


def _target_view(f: dict) -> dict:
    plan = f["plan"]
    return dict(
        name=f["target"], description=f["description"], part=f["part"], macs=f["macs"],
        arena_bytes=plan["arena_bytes"], lower_bound_bytes=plan["lower_bound_bytes"],
        fit=_fit_view(f["fit"], f), notes=f["notes"],
        plan_caption=(f"{len(plan['buffers'])} buffers, placement '{plan['strategy']}': arena "
                      f"{plan['arena_bytes']:,} B, live-set lower bound {plan['lower_bound_bytes']:,} B "
                      f"({_over(plan)}). Black line: bytes alive at each layer."),
        arena_svg=Markup(svg.arena_svg(plan)),
        charts=_charts(f), rows=[_row(r) for r in f["layers"]],
        graph_svg=Markup(svg.graph_svg(f["layers"], f["edges"])))


def _over(plan: dict) -> str:
    extra = plan["arena_bytes"] - plan["lower_bound_bytes"]
    if extra <= 0:
        return "the plan meets the bound" if extra == 0 else f"{-extra:,} B below the bound"
    return f"{extra:,} B above the bound, {100.0 * extra / max(plan['lower_bound_bytes'], 1):.1f}%"


def _fit_view(fit: dict, f: dict) -> list[dict]:
    ram = dict(key="ram", label=f"RAM: arena + {fit['stack_headroom_bytes']:,} B stack",
               need=_n(fit["ram_need_bytes"], " B"), have=_n(fit["ram_bytes"], " B"),
               percent=_percent(fit["ram_percent"]))
    flash_label = "flash: code + constants (linked firmware)" if fit["flash_need_bytes"] is not None \
        else f"flash: not linked (constants alone {f['const_bytes']:,} B)"
    flash = dict(key="flash", label=flash_label, need=_n(fit["flash_need_bytes"], " B"),
                 have=_n(fit["flash_bytes"], " B"), percent=_percent(fit["flash_percent"]))
    for m, p in ((ram, fit["ram_percent"]), (flash, fit["flash_percent"])):
        m["width"] = 0 if p is None else min(p, 100.0)
        m["css"] = "over" if p is not None and p > 100 else ""
    return [ram, flash]


def _charts(f: dict) -> list[dict]:
    rows = [dict(r, flash_bytes=None if r["code_bytes"] is None and not r["const_bytes"]
                 else r["const_bytes"] + (r["code_bytes"] or 0)) for r in f["layers"]]
    charts = [("macs", "MACs", "MACs")]
    if f["cycles"]:
        charts += [("cycles_est", f"estimated cycles ({f['cycles']['model']})", "cycles"),
                   ("instructions", "instructions (exact, QEMU)", "instructions")]
    charts += [("flash_bytes", "flash: constants + share of kernel code (bytes)", "B"),
               ("live_bytes", "RAM: bytes alive during the layer", "B")]
    return [dict(key=key, title=title, svg=Markup(svg.bars_svg(rows, key, unit)))
            for key, title, unit in charts]


def _row(r: dict) -> dict:
    flash = f"{r['const_bytes']:,}" + (f" + {r['code_bytes']:,}" if r["code_bytes"] is not None else "")
    return dict(index=r["index"], op=r["op"], output=" + ".join(r["outputs"]), kernel=r["kernel"],
                note=r["note"], macs=_n(r["macs"]), cycles=_n(r["cycles_est"]), flash=flash,
                ram=_n(r["live_bytes"]))


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "report"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
