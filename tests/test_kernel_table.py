"""benchmarks/run.py's per-kernel table: conv rows split by input-channel class and depthwise
rows by kernel size, so that the conv target (>= 16 input channels) and the depthwise one (3x3)
are stated only on the rows they apply to."""
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
    assert body[("lm_dw3x3", "depthwise", "-")].endswith("| <= 2.5 for 3x3 |")     # no kernel size given
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


def test_depthwise_rows_split_by_kernel_size():
    """The depthwise target (<= 2.5 cycles/MAC) is for 3x3: a 1x3 or 10x8 depthwise layer of the
    same kernel family gets a row of its own without it."""
    layers = [dict(_row("lm_dwconv_3x3_mult_dsp_s8", "depthwise", None, 1000, 2000), kernel_size="3x3"),
              dict(_row("lm_dwconv_3x3_mult_dsp_s8", "depthwise", None, 500, 1000), kernel_size="3x3"),
              dict(_row("lm_dwconv_dsp_s8", "depthwise", None, 300, 2400), kernel_size="1x3"),
              dict(_row("lm_dwconv_dsp_s8", "depthwise", None, 100, 900), kernel_size="10x8"),
              dict(_row("lm_conv_rows_g20_r2_ssat", "depthwise", None, 100, 400), kernel_size="10x8")]
    rows = run.kernel_table({"m": {"layers": layers}})
    body = {tuple(c.strip() for c in r.split("|")[1:3]): r for r in rows[2:]}
    assert len(body) == 3
    assert body[("lm_dwconv_3x3_mult_dsp_s8", "depthwise 3x3")].endswith("| 2 | 1,500 | 3,000 | 2.00 | 4.0 | <= 2.5 |")
    other = body[("lm_dwconv_dsp_s8", "depthwise other")]
    assert "| 2 | 400 | 3,300 | 8.25 |" in other and "<= 2.5" not in other
    assert "<= 2.5" not in body[("lm_conv_rows", "depthwise other")]


def test_bench_rows_carry_the_kernel_size():
    """bench's layer rows say the kernel size of convolutions (from the weights), nothing for
    other ops: what the kernel table splits depthwise rows by."""
    import numpy as np

    from lite_micro.api import Options, compile_model
    from lite_micro.bench import _kernel_size
    from lite_micro.testing.oneop import OpCase, TensorSpec

    w = TensorSpec((1, 1, 3, 4), "int8", 0.01, 0, 3, np.ones((1, 1, 3, 4), np.int8))
    case = OpCase("DEPTHWISE_CONV_2D", [TensorSpec((1, 4, 6, 4), "int8", 0.05, 0), w],
                  [TensorSpec((1, 4, 6, 4), "int8", 0.1, 0)], dict(padding="SAME", stride_h=1, stride_w=1,
                                                                  depth_multiplier=1))
    layers = compile_model(case.build(), Options(target="cortex-m4", prefix="k")).layers
    assert [_kernel_size(layer) for layer in layers] == ["1x3"]
    x = TensorSpec((1, 2, 3, 4), "int8", 0.05, 0)
    add = OpCase("ADD", [x, x], [TensorSpec((1, 2, 3, 4), "int8", 0.1, 0)], dict(fused_activation_function="NONE"))
    layers = compile_model(add.build(), Options(target="cortex-m4", prefix="k")).layers
    assert [_kernel_size(layer) for layer in layers] == [None]
