"""`litemicro report`: the HTML page, checked in a real browser (Debian's headless chromium).

The browser tests load the page for kws_ref_model and vww_96_int8 on cortex-m4, take a
screenshot, dump the DOM after the page's script ran and check the numbers against the
compiler's own, and fail on any console message. They skip, saying why, without chromium
(`apt-get install chromium`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lite_micro.api import Options, compile_model
from lite_micro.cli import main
from lite_micro.report import collect, render_html

MODELS = Path(__file__).resolve().parent.parent / "examples" / "models"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
can_measure = shutil.which("qemu-system-arm") is not None and shutil.which("arm-none-eabi-gcc") is not None


class Elements(HTMLParser):
    """Every element of a page as (tag, attributes, text directly inside it)."""

    def __init__(self, text: str):
        super().__init__()
        self.items: list[list] = []
        self._open: list[list] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        item = [tag, dict(attrs), ""]
        self.items.append(item)
        if tag not in ("meta", "br", "line", "polyline", "img", "path"):
            self._open.append(item)

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self._open:
            self._open[-1][2] += data

    def find(self, tag=None, **attrs) -> list:
        return [i for i in self.items if (tag is None or i[0] == tag)
                and all(i[1].get(k.replace("_", "-")) == v for k, v in attrs.items())]


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _row_cells(page: Elements, key: str) -> list[str]:
    """The number cells of the summary row `key` (elements come in document order)."""
    start = next(k for k, i in enumerate(page.items) if i[0] == "tr" and i[1].get("data-key") == key)
    cells = []
    for tag, attrs, text in page.items[start + 1:]:
        if tag == "tr":
            break
        if tag == "td" and attrs.get("class") == "num":
            cells.append(text)
    return cells


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def _render(model: str, target: str, tmp_path: Path, measure: bool) -> tuple[Path, dict]:
    facts = collect(MODELS / model, target, measure=measure, clock_mhz=100)
    page = tmp_path / f"{Path(model).stem}.html"
    page.write_text(render_html([facts], command=f"litemicro report {model} --target {target}"))
    return page, facts


@needs_chromium
@pytest.mark.parametrize("model, measure", [("kws_ref_model.tflite", can_measure),
                                            ("vww_96_int8.tflite", False)])
def test_report_in_chromium(model, measure, tmp_path):
    page, facts = _render(model, "cortex-m4", tmp_path, measure)
    shot = tmp_path / "shot.png"
    run = _chromium(page, tmp_path / "profile-shot", "--window-size=1400,2400", f"--screenshot={shot}")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", run.stderr[-2000:]
    assert shot.stat().st_size > 30_000, "the screenshot looks blank"
    assert _console_lines(run.stderr) == []
    dom = _chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console_lines(dom.stderr) == []
    _check_dom(Elements(dom.stdout), facts, compile_model(MODELS / model, Options(target="cortex-m4")))


def _check_dom(page: Elements, facts: dict, gen) -> None:
    assert page.find("html")[0][1].get("data-rendered") == "1", "the page's script did not run"
    assert page.find("div", id="errors")[0][2].strip() == ""
    section = page.find("section", data_target="cortex-m4")[0][1]
    assert int(section["data-arena"]) == gen.arena_bytes
    assert int(section["data-lower-bound"]) == gen.plan.lower_bound_bytes
    assert int(section["data-macs"]) == gen.macs
    assert len(page.find("rect", **{"class": "buffer"})) == len(gen.plan.buffers)
    assert int(page.find("line", **{"class": "peak"})[0][1]["data-bytes"]) == gen.arena_bytes
    assert int(page.find("line", **{"class": "bound"})[0][1]["data-bytes"]) == gen.plan.lower_bound_bytes
    rows = [i for i in page.items if i[0] == "tr" and "data-layer" in i[1]]
    assert len(rows) == len(gen.layers)
    assert len([i for i in page.items if i[0] == "g" and "data-layer" in i[1]]) == len(gen.layers)
    macs_cells = [i[2] for i in page.items if i[0] == "td"]
    assert f"{gen.macs:,}" in macs_cells
    percent = 100.0 * (gen.arena_bytes + facts["fit"]["stack_headroom_bytes"]) / (128 * 1024)
    assert page.find("tr", data_fit="ram") and f"{percent:.1f}%" in [
        i[2] for i in page.items if i[1].get("class") == "num percent"]
    charts = {i[1]["data-chart"] for i in page.items if "data-chart" in i[1]}
    if facts["cycles"]:
        assert {"macs", "cycles_est", "instructions", "flash_bytes", "live_bytes"} <= charts
        # the second chart's bars are the measured cycles: with the invoke's own overhead,
        # they add up to the whole inference as lite_micro.bench counted it
        bars = [int(i[1]["data-value"]) for i in page.items if i[0] == "rect" and i[1].get("class") == "bar"]
        n = len(gen.layers)
        assert sum(bars[n:2 * n]) + facts["cycles"]["overhead_cycles_est"] == facts["cycles"]["cycles_est"]
        cells = _row_cells(page, "latency")
        assert cells == [f"{facts['cycles']['cycles_est'] / 1e5:,.3f} ms at 100 MHz"]
    else:
        assert charts == {"macs", "flash_bytes", "live_bytes"}
        assert _row_cells(page, "latency") == ["n/a"]  # a clock, but no cycles to turn into time


def test_page_is_self_contained(tmp_path):
    facts = collect(MODELS / "kws_ref_model.tflite", "cortex-m4", measure=False)
    two = render_html([facts, collect(MODELS / "kws_ref_model.tflite", "cortex-m55", measure=False)])
    for text in (render_html([facts]), two):
        assert not re.search(r"<(link|img|iframe)\b|\bsrc=|https?://(?!www\.w3\.org/2000/svg)", text)
        assert len(text) < 150_000
    assert two.count('<section class="target"') == 2


def test_cli_report_two_targets(tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(["report", str(MODELS / "hello_world_int8.tflite"), "--target", "cortex-m4,cortex-m55",
                 "--no-measure", "-o", str(out)])
    assert code == 0
    text = out.read_text()
    assert 'data-target="cortex-m4"' in text and 'data-target="cortex-m55"' in text
    assert str(MODELS) not in text and str(tmp_path) not in text  # no folders of the machine
    assert "litemicro report hello_world_int8.tflite --target cortex-m4,cortex-m55 --no-measure -o r.html" in text
    assert "cortex-m4, cortex-m55" in capsys.readouterr().out


def test_cli_report_bad_target(tmp_path, capsys):
    code = main(["report", str(MODELS / "hello_world_int8.tflite"), "--target", "cortex-m4,nope",
                 "-o", str(tmp_path / "r.html")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown target 'nope'" in err[0]
    assert not (tmp_path / "r.html").exists()


def test_png_without_matplotlib_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code = main(["report", str(MODELS / "hello_world_int8.tflite"), "--no-measure",
                 "-o", str(tmp_path / "r.html"), "--png", str(tmp_path / "r.png")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["litemicro: error: --png needs matplotlib, which is not installed: "
                   "pip install 'litemicro[report]'"]


def test_png_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (pip install 'litemicro[report]')")
    from lite_micro.report import write_png
    facts = collect(MODELS / "hello_world_int8.tflite", "cortex-m4", measure=False)
    path = write_png(facts, tmp_path / "plan.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_latency_from_cycles():
    from lite_micro.latency import add_to_bench, bench_line, latency_ms
    assert latency_ms(754_087, 80) == 9.426 and latency_ms(None, 80) is None and latency_ms(5, None) is None
    result = add_to_bench({"cycles_est": 2_000_000, "layers": [{"cycles_est": 500_000}]}, 100.0)
    assert result["latency_ms_est"] == 20.0 and result["layers"][0]["latency_ms_est"] == 5.0
    assert "20.000 ms at 100 MHz" in bench_line(result) and bench_line({"cycles_est": 1}) == ""


@pytest.mark.parametrize("command", ["bench", "report"])
def test_bad_clock_is_one_line(command, tmp_path, capsys):
    args = [command, str(MODELS / "hello_world_int8.tflite"), "--clock-mhz", "0"]
    assert main(args + (["-o", str(tmp_path / "r.html")] if command == "report" else [])) == 2
    assert capsys.readouterr().err.strip() == "litemicro: error: --clock-mhz must be a positive number of MHz"
