"""The Cortex-M55 cycle estimate: a model, not a measurement.

QEMU counts instructions exactly but has no timing. On the Cortex-M55 the bench's plugin
(templates/qemu_plugin/lm_cycles.c) prices each executed instruction as follows:

- Helium (MVE) instructions cost their beats: the M55 executes a 128-bit vector instruction
  as four 32-bit beats on a 64-bit (dual-beat) datapath, so 2 cycles each, loads, stores and
  multiply-accumulates alike (Arm Cortex-M55 Technical Reference Manual, "Helium" chapter:
  the M55 is a dual-beat implementation of the M-profile Vector Extension).
- Every other instruction costs what the Cortex-M4 TRM timing table gives (the plugin's
  Cortex-M4 model: 1 cycle ALU and multiply, single loads 2 or 1 when pipelined, taken
  branch +2, LDM/STM 1 + N, SDIV 7).

What the model leaves out, so the estimate can be off either way:
- overlap: the M55 overlaps the beats of consecutive vector instructions of different kinds
  (a VLDR with a VMLADAVA, for example), which the model charges in full: pessimistic on
  well-interleaved loops, by up to 2x on them;
- gathers and scatters (VLDRB with a vector of offsets) access memory one element at a
  time on the M55, more than the 2 cycles charged: optimistic for those (the kernels use
  them in ADD/SUB with a rescale table, depthwise with a multiplier > 1 and the stores of
  the pairs-of-rows convolution, dilated layers only; the convolution and depthwise inner
  loops of the models benchmarked load contiguously);
- low-overhead loops: LE costs a taken branch (+2) here; the M55's loop cache makes it
  nearly free after the first iteration: pessimistic;
- VCTP, VDUP and the moves between core and vector registers (VMOV lanes, VMSR P0) are
  encoded in the branch and FPU spaces the plugin cannot tell from scalar or FPU code of
  other cores: they cost 1 here;
- the M55's scalar pipeline and memory system (TCM, caches) differ from the M4's.
"""
from __future__ import annotations

MODEL = "cortex-m55-mve-beats"
NOTE = ("model: MVE 2 cycles per instruction (dual-beat), scalar as the cortex-m4 TRM, no wait states; "
        "see lite_micro/bench/cycles_m55.py")
