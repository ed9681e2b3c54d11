"""`report --png`: the arena plan and the per-layer cycle (or MAC) bars as one PNG picture,
for READMEs and issues. Needs matplotlib (`pip install 'litemicro[report]'`)."""

from __future__ import annotations

from pathlib import Path

from ..errors import LiteMicroError


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise LiteMicroError("--png needs matplotlib, which is not installed: "
                             "pip install 'litemicro[report]'") from None
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    return plt


def write_png(facts: dict, path) -> Path:
    """Draw one target's arena plan (left) and per-layer cost (right) into `path`."""
    plt = _pyplot()
    fig, (ax_plan, ax_bars) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    _plan_axes(ax_plan, facts["plan"])
    _bars_axes(ax_bars, facts)
    fig.suptitle(f"{facts['model']} on {facts['target']}")
    fig.tight_layout()
    path = Path(path)
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise LiteMicroError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        plt.close(fig)
    return path


def _plan_axes(ax, plan: dict) -> None:
    for b in plan["buffers"]:
        ax.add_patch(_rect(b))
    steps = len(plan["live_bytes"])
    xs = [x for t in range(steps) for x in (t, t + 1)]
    ys = [v for v in plan["live_bytes"] for _ in (0, 1)]
    ax.plot(xs, ys, color="black", linewidth=1, label="bytes alive")
    ax.axhline(plan["arena_bytes"], color="#c00", linestyle="--",
               label=f"arena (peak) {plan['arena_bytes']:,} B")
    ax.axhline(plan["lower_bound_bytes"], color="#070", linestyle=":",
               label=f"live-set lower bound {plan['lower_bound_bytes']:,} B")
    ax.set_xlim(0, steps)
    ax.set_ylim(0, max(plan["arena_bytes"], max(plan["live_bytes"], default=0)) * 1.08 or 1)
    ax.set_xlabel("layer (time)")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title("arena plan")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)


def _rect(b: dict):
    from matplotlib.patches import Rectangle
    return Rectangle((b["first"], b["offset"]), b["last"] - b["first"] + 1, b["bytes"],
                     facecolor="#4e79a7", alpha=0.6, edgecolor="#333", linewidth=0.4)


def _bars_axes(ax, facts: dict) -> None:
    layers = facts["layers"]
    measured = facts["cycles"] is not None
    key, label = ("cycles_est", "estimated cycles") if measured else ("macs", "MACs")
    values = [r[key] or 0 for r in layers]
    ax.barh([f"{r['index']} {r['op'][:14]}" for r in layers], values, color="#4e79a7")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=6)
    ax.set_xlabel(label)
    ax.set_title(f"{label} per layer" + ("" if measured else " (no QEMU count)"))
