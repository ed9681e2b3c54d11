/*
 * Cortex-M4 instruction classes for the cycle estimate.
 *
 * Timing model: Cortex-M4 TRM instruction timings, zero wait-state memory.
 *   ALU, MUL, MLA, long multiply, DSP/SIMD, everything unlisted   1
 *   LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX (single load)   2, or 1 when it directly
 *                                                    follows another single load
 *   STR/STRB/STRH/STREX (single store)              1
 *   LDRD/STRD                                        3
 *   LDM/STM/PUSH/POP                                 1 + number of registers
 *   TBB/TBH                                          2
 *   SDIV/UDIV                                        7 (TRM: 2..12, data dependent)
 *   any instruction after which the next executed pc != pc + size   +2 (taken branch)
 */
#ifndef LM_CYCLES_H
#define LM_CYCLES_H

#include <stddef.h>
#include <stdint.h>

enum lm_kind {
    LM_KIND_OTHER = 0,
    LM_KIND_LOAD = 1,   /* single load: may pipeline after another single load */
    LM_KIND_STORE = 2,
    LM_KIND_MULTI = 3,  /* LDM/STM/PUSH/POP: 1 + N */
    LM_KIND_DUAL = 4,   /* LDRD/STRD */
    LM_KIND_DIV = 5,
    LM_KIND_TABLE = 6   /* TBB/TBH */
};

#define LM_TAKEN_BRANCH_CYCLES 2
#define LM_PIPELINED_LOAD_CYCLES 1

/* Size in bytes (2 or 4) of the Thumb instruction starting with halfword hw1. */
unsigned lm_thumb_size(uint16_t hw1);

/*
 * Classify one Thumb/Thumb-2 instruction from its bytes (little-endian, as in
 * memory). Writes its kind and its base cycle count (before the taken-branch
 * penalty and load pipelining) and returns 0, or returns -1 on a bad size.
 */
int lm_classify(const uint8_t *bytes, size_t size, unsigned *kind, unsigned *cycles);

#endif /* LM_CYCLES_H */
