"""Small residual blocks (conv -> conv1 -> conv2 -> ADD with conv's output) whose memory plan
runs the block fused by blocks of rows (planner/fuse.py), shared by the host and QEMU tests:
odd heights and widths, both orders of the ADD's inputs; and one random graph
(rows_cases.random_net) in which the planner finds such a block."""

from __future__ import annotations

import numpy as np

from .multiop import Node, build_graph
from .oneop import TensorSpec
from .rows_cases import conv_node, random_net

# (name, input h, w, c, block channels, conv2 kernel, x first in the ADD)
CASES = [
    ("res3x3", 13, 9, 3, 8, 3, True),
    ("res_swapped", 11, 6, 4, 4, 3, False),
    ("res_wide", 17, 12, 2, 12, 3, False),
]


def residual_block(h: int, w: int, c: int, ch: int, k2: int, x_first: bool, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    inp = TensorSpec((1, h, w, c), "int8", 0.05, int(rng.integers(-20, 20)))
    nodes, made = [], [inp]
    for n, k in ((ch, 3), (ch, 3), (ch, k2)):
        consts, out, options = conv_node(made[-1], "CONV_2D", n, k, k, 1, "SAME", rng)
        options["fused_activation_function"] = "RELU" if len(made) < 3 else "NONE"
        nodes.append(Node("CONV_2D", [made[-1], *consts], [out], options))
        made.append(out)
    x, t2 = made[1], made[3]
    total = TensorSpec(x.shape, "int8", max(x.scale, t2.scale) * 1.5, int(rng.integers(-10, 10)))
    nodes.append(Node("ADD", [x, t2] if x_first else [t2, x], [total], dict(fused_activation_function="NONE")))
    return build_graph(nodes, [total])


RANDOM_FUSED = 34          # a seed of rows_cases.random_net whose plan fuses a block (a random graph)


def models() -> dict[str, bytes]:
    found = {case[0]: residual_block(*case[1:], seed=k) for k, case in enumerate(CASES)}
    found[f"net{RANDOM_FUSED}"] = random_net(RANDOM_FUSED)
    return found
