"""benchmarks/run.py's per-kernel table: conv rows split by input-channel class, so that the
conv target (>= 16 input channels) is stated only on the rows it applies to."""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(HERE))
spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def _row(kernel, category, in_channels, macs, cycles):
    return {"kernel": kernel, "category": category, "in_channels": in_channels, "macs": macs,
            "cycles_est": cycles}


def test_conv_rows_split_by_input_channels():
    layers = [_row("lm_conv_quad16_ssat_s8", "conv 1x1", 64, 1000, 1100),
              _row("lm_conv_quad16_ssat_s8", "conv 1x1", 16, 1000, 1500),
              _row("lm_conv_quad_ssat_s8", "conv 1x1", 8, 100, 300),
              _row("lm_dw3x3_c64_w5", "depthwise", None, 100, 300),
              _row("lm_fc_hex_s8", "FC", None, 100, 150)]
    rows = run.kernel_table({"m": {"layers": layers}})
    assert rows[0].startswith("| kernel | op type | input channels |")
    body = {tuple(c.strip() for c in r.split("|")[1:4]): r for r in rows[2:]}
    wide = body[("lm_conv_quad16_ssat_s8", "conv 1x1", ">= 16")]
    assert "| 2 | 2,000 | 2,600 | 1.30 |" in wide and wide.endswith("| <= 1.2 |")
    assert body[("lm_conv_quad_ssat_s8", "conv 1x1", "< 16")].endswith(f"| {run.NARROW} |")
    assert body[("lm_dw3x3", "depthwise", "-")].endswith("| <= 2.5 for 3x3 |")
    assert body[("lm_fc_hex_s8", "FC", "-")].endswith("| - |")


def test_a_conv_row_without_channels_gets_no_target():
    assert run.channel_class({"category": "conv kxk"}) == "-"
    assert run.row_target("conv kxk", "-") == run.NARROW


def test_int16_rows_get_no_int8_target():
    rows = run.kernel_table({"m": {"layers": [_row("lm_conv_s16", "conv 1x1", 32, 100, 2000)]}})
    assert rows[2].endswith(f"| {run.INT16} |")
    for kernel in ("lm_conv_s16_dsp", "lm_dwconv_s16_dsp"):
        row = run.kernel_table({"m": {"layers": [_row(kernel, "depthwise", None, 100, 2000)]}})[2]
        assert row.endswith(f"| {run.INT16} |"), row
