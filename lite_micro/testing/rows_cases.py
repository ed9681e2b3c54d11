"""One-op convolutions whose memory plan runs them in place by blocks of rows (planner/rows.py):
odd shapes on purpose (fewer, as many and more output than input channels, widths that leave an
odd pixel, strides, padding, depth multipliers), shared by the host and QEMU tests."""

from __future__ import annotations

import numpy as np

from .multiop import Node, build_graph
from .oneop import OpCase, TensorSpec

# (name, op, input h, w, c, output channels (CONV_2D) or multiplier, kernel h, w, stride, padding)
CASES = [
    ("pw_shrink", "CONV_2D", 7, 5, 8, 4, 1, 1, 1, "VALID"),
    ("pw_same", "CONV_2D", 6, 7, 4, 4, 1, 1, 1, "VALID"),
    ("pw_grow", "CONV_2D", 9, 3, 4, 12, 1, 1, 1, "VALID"),
    ("pw_grow_odd", "CONV_2D", 5, 5, 4, 8, 1, 1, 1, "SAME"),
    ("conv3_s2_same", "CONV_2D", 10, 8, 2, 8, 3, 3, 2, "SAME"),
    ("conv3_s1_same", "CONV_2D", 11, 4, 4, 4, 3, 3, 1, "SAME"),
    ("conv1_s2", "CONV_2D", 8, 8, 4, 8, 1, 1, 2, "VALID"),
    ("conv3_s1_valid", "CONV_2D", 9, 6, 2, 4, 3, 3, 1, "VALID"),
    ("dw3_tall", "DEPTHWISE_CONV_2D", 12, 5, 8, 1, 3, 3, 1, "SAME"),
    ("dw3_long", "DEPTHWISE_CONV_2D", 72, 66, 2, 1, 3, 3, 1, "SAME"),
    ("dw3_wide", "DEPTHWISE_CONV_2D", 6, 12, 4, 1, 3, 3, 1, "SAME"),
    ("dw3_s2", "DEPTHWISE_CONV_2D", 9, 10, 4, 1, 3, 3, 2, "VALID"),
    ("dw3_s2_same", "DEPTHWISE_CONV_2D", 10, 12, 4, 1, 3, 3, 2, "SAME"),
    ("dw_mult2", "DEPTHWISE_CONV_2D", 8, 6, 2, 2, 3, 3, 1, "SAME"),
    ("dw_c1_mult8", "DEPTHWISE_CONV_2D", 12, 8, 1, 8, 5, 4, 2, "SAME"),
    ("dw5_valid", "DEPTHWISE_CONV_2D", 9, 6, 4, 1, 5, 5, 1, "VALID"),
]


def out_size(n: int, k: int, s: int, padding: str) -> int:
    return (n + s - 1) // s if padding == "SAME" else (n - k + s) // s


def conv_node(inp: TensorSpec, op: str, n: int, kh: int, kw: int, s: int, padding: str, rng) -> tuple:
    """(the op's inputs after `inp`, its output spec, its options): per-channel weights, a bias,
    an output scale that spreads the outputs over the int8 range."""
    _, h, w, c = inp.shape
    cout = n if op == "CONV_2D" else c * n
    taps = kh * kw * (c if op == "CONV_2D" else 1)
    wshape = (cout, kh, kw, c) if op == "CONV_2D" else (1, kh, kw, cout)
    w_scales = [float(x) for x in rng.uniform(0.01, 0.03, cout)]
    weights = TensorSpec(wshape, "int8", w_scales, [0] * cout, 0 if op == "CONV_2D" else 3,
                         data=rng.integers(-127, 128, wshape).astype(np.int8))
    bias = TensorSpec((cout,), "int32", [inp.scale * x for x in w_scales], [0] * cout,
                      data=rng.integers(-3000, 3000, cout).astype(np.int32))
    spread = 3 * np.sqrt(taps) * 74 * 74 * inp.scale * 0.02 / 128
    oh, ow = out_size(h, kh, s, padding), out_size(w, kw, s, padding)
    out = TensorSpec((1, oh, ow, cout), "int8", float(spread), int(rng.integers(-10, 10)))
    options = dict(padding=padding, stride_h=s, stride_w=s, dilation_h_factor=1, dilation_w_factor=1,
                   fused_activation_function="NONE")
    if op == "DEPTHWISE_CONV_2D":
        options["depth_multiplier"] = n
    return [weights, bias], out, options


def rows_case(op: str, h: int, w: int, c: int, n: int, kh: int, kw: int, s: int, padding: str,
              seed: int = 0, act: str = "NONE") -> bytes:
    """The one-op model: int8 input [1, h, w, c]; act: its fused activation."""
    rng = np.random.default_rng(seed)
    inp = TensorSpec((1, h, w, c), "int8", 0.05, int(rng.integers(-20, 20)))
    consts, out, options = conv_node(inp, op, n, kh, kw, s, padding, rng)
    return OpCase(op, [inp, *consts], [out], dict(options, fused_activation_function=act)).build()


def random_net(seed: int) -> bytes:
    """A random chain of 1x1 and 3x3 convolutions and 3x3 depthwise convolutions (strides 1
    and 2), some of whose outputs an ADD joins with an earlier tensor of the same shape."""
    rng = np.random.default_rng(seed)
    x = TensorSpec((1, int(rng.integers(5, 15)), int(rng.integers(5, 15)), int(rng.choice([4, 8]))), "int8",
                   0.05, int(rng.integers(-20, 20)))
    nodes, made = [], [x]
    for _ in range(int(rng.integers(3, 8))):
        a = made[-1]
        kind = ("pw", "conv3", "dw3")[int(rng.integers(0, 3))]
        stride = 2 if rng.random() < 0.25 and min(a.shape[1:3]) >= 6 else 1
        op = "DEPTHWISE_CONV_2D" if kind == "dw3" else "CONV_2D"
        n = 1 if kind == "dw3" else int(rng.choice([4, 8, 12, 16]))
        k = 1 if kind == "pw" else 3
        consts, out, options = conv_node(a, op, n, k, k, stride, "SAME", rng)
        nodes.append(Node(op, [a, *consts], [out], options))
        made.append(out)
        same = [t for t in made[:-2] if t.shape == out.shape]
        if same and rng.random() < 0.5:
            total = TensorSpec(out.shape, "int8", out.scale * 1.5, int(rng.integers(-10, 10)))
            nodes.append(Node("ADD", [out, same[int(rng.integers(0, len(same)))], ], [total],
                              dict(fused_activation_function="NONE")))
            made.append(total)
    return build_graph(nodes, [made[-1]])


def models() -> dict[str, bytes]:
    return {case[0]: rows_case(*case[1:], seed=k) for k, case in enumerate(CASES)}
