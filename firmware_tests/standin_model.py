"""A hand-written stand-in for a generated model, following the generated C API.

Two int8 inputs (1x3x4 and 5); output 0 is int8 1x12 = saturate(input0 + 1), output 1 is
float32 [sum of all inputs, max of input 1]. The body of invoke (and the lines before
it) can be replaced to make models that fault, hang, fail or do not compile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class IOInfo:
    name: str
    shape: tuple
    dtype: str
    scale: float
    zero_point: int
    nbytes: int


@dataclass
class StandinGen:
    prefix: str
    files: dict
    inputs: list
    outputs: list
    arena_bytes: int
    extra: dict = field(default_factory=dict)


HEADER = """\
#ifndef STANDIN_H
#define STANDIN_H
#include <stdint.h>
#define STANDIN_ARENA_SIZE 48
#define STANDIN_NUM_INPUTS 2
#define STANDIN_NUM_OUTPUTS 2
#define STANDIN_INPUT0_SIZE 12
#define STANDIN_INPUT1_SIZE 5
#define STANDIN_OUTPUT0_SIZE 12
#define STANDIN_OUTPUT1_SIZE 8
int standin_invoke(void);
int8_t *standin_input(int index);
const int8_t *standin_output(int index);
#endif
"""

DEFAULT_BODY = """\
    const int8_t *in0 = arena + 0;
    const int8_t *in1 = arena + 12;
    int8_t *out0 = arena + 20;
    float *out1 = (float *)(void *)(arena + 32);
    LM_LAYER_HOOK(0);
    for (int i = 0; i < 12; i++) {
        int v = in0[i] + 1;
        out0[i] = (int8_t)(v > 127 ? 127 : v);
    }
    LM_LAYER_HOOK(1);
    int32_t sum = 0;
    int8_t top = -128;
    for (int i = 0; i < 12; i++) sum += in0[i];
    for (int i = 0; i < 5; i++) {
        sum += in1[i];
        top = in1[i] > top ? in1[i] : top;
    }
    out1[0] = (float)sum;
    out1[1] = (float)top;
    LM_LAYER_HOOK(2);
    return 0;
"""

SOURCE = """\
#include "standin.h"
%s
#ifndef LM_LAYER_HOOK
#define LM_LAYER_HOOK(i)
#endif
static int8_t arena[STANDIN_ARENA_SIZE] __attribute__((aligned(16)));
static const int input_offsets[2] = {0, 12};
static const int output_offsets[2] = {20, 32};
int8_t *standin_input(int index) { return arena + input_offsets[index]; }
const int8_t *standin_output(int index) { return arena + output_offsets[index]; }
int standin_invoke(void)
{
%s}
"""


def standin_gen(body: str = DEFAULT_BODY, preamble: str = "") -> StandinGen:
    int8 = dict(dtype="int8", scale=0.5, zero_point=-3)
    return StandinGen(
        prefix="standin",
        files={"standin.h": HEADER, "standin.c": SOURCE % (preamble, body)},
        inputs=[IOInfo("in0", (1, 3, 4), nbytes=12, **int8), IOInfo("in1", (5,), nbytes=5, **int8)],
        outputs=[IOInfo("out0", (1, 12), nbytes=12, **int8),
                 IOInfo("out1", (2,), "float32", 0.0, 0, 8)],
        arena_bytes=48,
    )


def reference(inputs: list[np.ndarray]) -> list[np.ndarray]:
    """What the stand-in computes, in numpy."""
    in0, in1 = (x.astype(np.int32) for x in inputs)
    out0 = np.minimum(in0 + 1, 127).astype(np.int8).reshape(1, 12)
    out1 = np.array([in0.sum() + in1.sum(), in1.max()], dtype=np.float32)
    return [out0, out1]


def input_sets(seed: int = 0, random_sets: int = 2) -> list[list[np.ndarray]]:
    """A few random sets plus all -128 and all 127."""
    rng = np.random.default_rng(seed)
    shapes = [(1, 3, 4), (5,)]
    sets = [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(random_sets)]
    sets += [[np.full(s, v, dtype=np.int8) for s in shapes] for v in (-128, 127)]
    return sets
