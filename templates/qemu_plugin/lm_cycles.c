/* Decode table for the Cortex-M4 cycle estimate: see lm_cycles.h. */
#include "lm_cycles.h"

/*
 * One row: an instruction matches when (key & mask) == match, where key is
 * the halfword of a 16-bit instruction or (hw1 << 16 | hw2) of a 32-bit one.
 * cycles = base + popcount(key & reglist). The first matching row wins;
 * no match means LM_KIND_OTHER, 1 cycle.
 */
struct lm_row {
    uint32_t mask, match;
    uint8_t kind, base;
    uint32_t reglist;
};

static const struct lm_row rows16[] = {
    {0xF800, 0x4800, LM_KIND_LOAD, 2, 0},        /* LDR (literal) */
    {0xFE00, 0x5000, LM_KIND_STORE, 1, 0},       /* STR (register) */
    {0xFE00, 0x5200, LM_KIND_STORE, 1, 0},       /* STRH (register) */
    {0xFE00, 0x5400, LM_KIND_STORE, 1, 0},       /* STRB (register) */
    {0xF000, 0x5000, LM_KIND_LOAD, 2, 0},        /* LDRSB/LDR/LDRH/LDRB/LDRSH (register) */
    {0xF800, 0x6000, LM_KIND_STORE, 1, 0},       /* STR (immediate) */
    {0xF800, 0x6800, LM_KIND_LOAD, 2, 0},        /* LDR (immediate) */
    {0xF800, 0x7000, LM_KIND_STORE, 1, 0},       /* STRB (immediate) */
    {0xF800, 0x7800, LM_KIND_LOAD, 2, 0},        /* LDRB (immediate) */
    {0xF800, 0x8000, LM_KIND_STORE, 1, 0},       /* STRH (immediate) */
    {0xF800, 0x8800, LM_KIND_LOAD, 2, 0},        /* LDRH (immediate) */
    {0xF800, 0x9000, LM_KIND_STORE, 1, 0},       /* STR (SP relative) */
    {0xF800, 0x9800, LM_KIND_LOAD, 2, 0},        /* LDR (SP relative) */
    {0xFE00, 0xB400, LM_KIND_MULTI, 1, 0x01FF},  /* PUSH {rlist, lr} */
    {0xFE00, 0xBC00, LM_KIND_MULTI, 1, 0x01FF},  /* POP {rlist, pc} */
    {0xF800, 0xC000, LM_KIND_MULTI, 1, 0x00FF},  /* STM */
    {0xF800, 0xC800, LM_KIND_MULTI, 1, 0x00FF},  /* LDM */
};

static const struct lm_row rows32[] = {
    /* Helium (MVE), the cortex-m55 beat model (lite_micro/bench/cycles_m55.py): 2 cycles. These
     * encodings (coprocessor 14/15 space, the 0xEF/0xFF vector space) occur in no code built
     * for cores without MVE, so the Cortex-M4 estimate is unchanged. */
    {0xEE000E00, 0xEC000E00, LM_KIND_OTHER, 2, 0},       /* VLDR / VSTR (contiguous, gather, scatter) */
    {0xEF000E00, 0xEE000E00, LM_KIND_OTHER, 2, 0},       /* vector ops in the 0xEE / 0xFE space, VPST */
    {0xEF000000, 0xEF000000, LM_KIND_OTHER, 2, 0},       /* vector ops in the 0xEF / 0xFF space */
    {0xFE400000, 0xE8000000, LM_KIND_MULTI, 1, 0xFFFF},  /* LDM/STM(DB), PUSH.W/POP.W */
    {0xFF400000, 0xE9400000, LM_KIND_DUAL, 3, 0},        /* LDRD/STRD, P=1 */
    {0xFE600000, 0xE8600000, LM_KIND_DUAL, 3, 0},        /* LDRD/STRD, W=1 */
    {0xFFF0FFE0, 0xE8D0F000, LM_KIND_TABLE, 2, 0},       /* TBB/TBH */
    {0xFFF00000, 0xE8500000, LM_KIND_LOAD, 2, 0},        /* LDREX */
    {0xFFF000E0, 0xE8D00040, LM_KIND_LOAD, 2, 0},        /* LDREXB/LDREXH */
    {0xFE100000, 0xF8100000, LM_KIND_LOAD, 2, 0},        /* LDR{,B,H,SB,SH}.W, PLD/PLI */
    {0xFF100000, 0xF8000000, LM_KIND_STORE, 1, 0},       /* STR{,B,H}.W */
    {0xFFF000F0, 0xFB9000F0, LM_KIND_DIV, 7, 0},         /* SDIV */
    {0xFFF000F0, 0xFBB000F0, LM_KIND_DIV, 7, 0},         /* UDIV */
};

unsigned lm_thumb_size(uint16_t hw1)
{
    unsigned top5 = hw1 >> 11;
    return (top5 == 0x1D || top5 == 0x1E || top5 == 0x1F) ? 4 : 2;
}

static unsigned popcount32(uint32_t x)
{
    unsigned n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static void lookup(const struct lm_row *rows, size_t n, uint32_t key,
                   unsigned *kind, unsigned *cycles)
{
    for (size_t i = 0; i < n; i++) {
        if ((key & rows[i].mask) == rows[i].match) {
            *kind = rows[i].kind;
            *cycles = rows[i].base + popcount32(key & rows[i].reglist);
            return;
        }
    }
    *kind = LM_KIND_OTHER;
    *cycles = 1;
}

int lm_classify(const uint8_t *bytes, size_t size, unsigned *kind, unsigned *cycles)
{
    uint16_t hw1 = (uint16_t)(bytes[0] | bytes[1] << 8);
    if (size != lm_thumb_size(hw1))
        return -1;
    if (size == 2) {
        lookup(rows16, sizeof rows16 / sizeof rows16[0], hw1, kind, cycles);
    } else {
        uint32_t key = (uint32_t)hw1 << 16 | (uint32_t)(bytes[2] | bytes[3] << 8);
        lookup(rows32, sizeof rows32 / sizeof rows32[0], key, kind, cycles);
    }
    return 0;
}
