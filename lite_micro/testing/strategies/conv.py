"""Strategies for the windowed ops: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and the pools."""
from __future__ import annotations

from hypothesis import strategies as st

from lite_micro.testing.oneop import OpCase, TensorSpec, const_i32
from lite_micro.testing.strategies.common import (
    PADDINGS,
    activation,
    bias,
    conv_out_size,
    fused_activation,
    pool_window,
    typical_accumulator,
    weighted_output,
    weights,
    window,
)


@st.composite
def conv_2d(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    groups = draw(st.sampled_from([1] * 6 + [2, 3]))
    group_in, cout = draw(st.integers(1, 8)), groups * draw(st.integers(1, 8 // groups + 1))
    cin = group_in * groups
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((cout, kh, kw, group_in), 0))
    rows = filt.data.reshape(cout, -1)
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.integers(0, 9)) > 0
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw,
                   fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    inputs = [inp, filt] + ([b] if with_bias else [])
    return OpCase("CONV_2D", inputs, [out], options, 6 if groups > 1 else 3)


@st.composite
def depthwise_conv_2d(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    # one input channel and multipliers up to 8 come up often (a first layer, lm_conv_rows.h)
    cin = draw(st.sampled_from([1, 1, 1]) | st.integers(1, 12))
    mult = draw(st.sampled_from([1, 1, 2, 3]) if cin > 1 else st.sampled_from([1, 2, 3, 4, 5, 8]))
    cout = cin * mult
    kh, kw, sh, sw, dh, dw, padding = draw(window(h, w))
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((1, kh, kw, cout), 3))
    rows = filt.data.reshape(-1, cout).T
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.integers(0, 9)) > 0
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    options = dict(padding=padding, stride_h=sh, stride_w=sw, dilation_h_factor=dh,
                   dilation_w_factor=dw, depth_multiplier=mult,
                   fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
    inputs = [inp, filt] + ([b] if with_bias else [])
    return OpCase("DEPTHWISE_CONV_2D", inputs, [out], options)


def _pool(op):
    @st.composite
    def strategy(draw):
        n, h, w, c, kh, kw, sh, sw, padding = draw(pool_window())
        inp = draw(activation((n, h, w, c)))
        oh, ow = conv_out_size(h, kh, sh, 1, padding), conv_out_size(w, kw, sw, 1, padding)
        out = TensorSpec((n, oh, ow, c), "int8", inp.scale, inp.zero_point)
        options = dict(padding=padding, stride_h=sh, stride_w=sw, filter_height=kh,
                       filter_width=kw,
                       fused_activation_function=draw(fused_activation(out.scale, out.zero_point)))
        return OpCase(op, [inp], [out], options)
    return strategy()


@st.composite
def transpose_conv(draw):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    cin, cout = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(PADDINGS))
    if padding == "SAME":
        oh, ow = h * sh, w * sw
    else:
        oh, ow = (h - 1) * sh + kh, (w - 1) * sw + kw
    inp = draw(activation((n, h, w, cin)))
    filt = draw(weights((cout, kh, kw, cin), 0))
    rows = filt.data.reshape(cout, kh, kw, cin)[:, ::sh, ::sw].reshape(cout, -1)  # one output's taps
    b = draw(bias(cout, inp.scale, filt.scale, typical_accumulator(rows)))
    with_bias = draw(st.booleans())
    out = draw(weighted_output((n, oh, ow, cout), inp, filt, rows, b if with_bias else None))
    act = draw(st.sampled_from(["NONE"]) | fused_activation(out.scale, out.zero_point))
    inputs = [const_i32([n, oh, ow, cout]), filt, inp] + ([b] if with_bias else [])
    options = dict(padding=padding, stride_h=sh, stride_w=sw, fused_activation_function=act)
    version = 4 if act != "NONE" else (3 if with_bias else 2)
    return OpCase("TRANSPOSE_CONV", inputs, [out], options, version)


STRATEGIES = {
    "CONV_2D": conv_2d(),
    "DEPTHWISE_CONV_2D": depthwise_conv_2d(),
    "AVERAGE_POOL_2D": _pool("AVERAGE_POOL_2D"),
    "MAX_POOL_2D": _pool("MAX_POOL_2D"),
    "TRANSPOSE_CONV": transpose_conv(),
}
