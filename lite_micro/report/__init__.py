"""`litemicro report`: what a person looks at to judge a model on a target.

    facts = [collect("model.tflite", t) for t in ("cortex-m4", "cortex-m55")]
    page = render_html(facts)          # one self-contained HTML file, as text
    write_png(facts[0], "report.png")  # arena plan and cycle bars (needs matplotlib)
"""

from __future__ import annotations

from .data import collect
from .html import render_html
from .png import write_png

__all__ = ["collect", "render_html", "write_png"]
