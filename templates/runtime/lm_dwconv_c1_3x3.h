/* litemicro runtime: DEPTHWISE_CONV_2D 3x3 on ONE input channel with a depth multiplier DM > 1
 * (the first layer of person_detect): two output pixels per pass, their patch loaded once and
 * shared by the output channels of a group (up to 8).
 *
 * A layer's generated source instantiates LM_DWC1_3X3_KERNEL with its whole geometry
 * (depth multiplier, channels per group, input and output sizes, strides, top and left
 * padding), its requantization mode and clamp range, and each channel's right shift as
 * constants: every offset and shift is an immediate. Pixels x and x + 1 of an output row
 * (stride S along the row) read the input columns 0 .. S + 2 of their windows; the patch is
 * held in int16 pairs:
 *     column pairs  (x[row 0][c], x[row 1][c])  for c = 0 .. S + 2 (ca_k: column k, cb_k: k + S)
 *     ra = (x[2][0], x[2][1]), rb = (x[2][S], x[2][S + 1]), sg = (x[2][2], x[2][S + 2])
 * eight registers at stride 2, seven at stride 1 (on DSP cores from one word per input row:
 * SXTB16, PKHBT, PKHTB). Per output channel a record of LM_DWC1_REC words laid out by the
 * compiler, doubled (the sums are twice the true ones, as lm_rq2_clamp wants):
 *     [0] 2 bias (the input zero-point term folded in)
 *     [1..3] (2 w[0][k], 2 w[1][k]) for the kernel columns k = 0 .. 2
 *     [4] (2 w[2][0], 2 w[2][1])      [5] (0, 2 w[2][2])
 *     [6] multiplier                  [7] 2 hi_add (rounding and output zero point)
 * Per channel and pair: eight SMLAD and two SMLAxT (18 MACs), then for each pixel
 * lm_rq2_clamp's ADD and SMMLAR, and SSAT with the right shift (MODE 3) or ASR and two
 * compares (MODE 4): 30 cycles for 18 MACs in MODE 3 on the Cortex-M4 model. A group's
 * records are copied to the stack first: the channel loop reads them at fixed offsets from
 * SP, which leaves the other fourteen registers to the patch, the output pointer and five
 * temporaries (no spill inside the loop over the pairs; checked in the disassembly).
 *
 * Border pairs (a window column or row in the padding) read the padded taps as the input zero
 * point (their term in the bias then cancels), in plain C; an odd output width recomputes the
 * pair (OW - 2, OW - 1). Conditions (the compiler checks): strides 1 or 2 along the rows, any
 * stride down the columns, OW >= 2, dilation 1, MODE 3 (clamp [-128, 127]) or 4 (clamp
 * [LO, HI]), at most LM_DWC1_MAX_GROUPS groups. Cores without DSP (and the host) run the same
 * passes in plain C.
 */
#ifndef LM_DWCONV_C1_3X3_H
#define LM_DWCONV_C1_3X3_H

#include <stdint.h>
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_dwconv.h"

/* Loops over the patch and a group's channels: unrolled (constants: their offsets become
 * immediates). */
#if defined(__GNUC__) && !defined(__clang__)
#define LM_DWC1_UNROLL _Pragma("GCC unroll 8")
#else
#define LM_DWC1_UNROLL
#endif

/* Words per channel record. */
#define LM_DWC1_REC 8

/* The patch of two pixels (see above). */
typedef struct {
    int32_t ca0, ca1, ca2, cb0, cb1, cb2, ra, rb, sg;
} lm_dwc1_patch;

/* Halfword packs: (bottom of lo, bottom of hi) PKHBT LSL 16, (top of lo, top of hi) PKHTB ASR
 * 16, (bottom of lo, top of hi) PKHBT. */
#if LM_USE_DSP && defined(__GNUC__)
#define LM_DWC1_PKH(op_, lo_, hi_)                                                               \
    __extension__({                                                                             \
        int32_t r_;                                                                             \
        __asm__(op_ : "=r"(r_) : "r"((int32_t)(lo_)), "r"((int32_t)(hi_)));                   \
        r_;                                                                                     \
    })
#define LM_DWC1_BT(lo_, hi_) LM_DWC1_PKH("pkhbt %0, %1, %2, lsl #16", (lo_), (hi_))
#define LM_DWC1_TB(hi_, lo_) LM_DWC1_PKH("pkhtb %0, %1, %2, asr #16", (hi_), (lo_))
#define LM_DWC1_BB_T(lo_, hi_) LM_DWC1_PKH("pkhbt %0, %1, %2", (lo_), (hi_))
#else
#define LM_DWC1_BT(lo_, hi_) ((int32_t)(((uint32_t)(lo_) & 0xFFFFu) | ((uint32_t)(hi_) << 16)))
#define LM_DWC1_TB(hi_, lo_) ((int32_t)(((uint32_t)(hi_) & 0xFFFF0000u) | ((uint32_t)(lo_) >> 16)))
#define LM_DWC1_BB_T(lo_, hi_) ((int32_t)(((uint32_t)(lo_) & 0xFFFFu) | ((uint32_t)(hi_) & 0xFFFF0000u)))
#endif

/* The patch from v[row][column] (3 rows, S + 3 columns). */
LM_INLINE void lm_dwc1_patch_of(lm_dwc1_patch *t, const int32_t v[3][5], const int32_t S)
{
    int32_t col[5], c;
    LM_DWC1_UNROLL
    for (c = 0; c < S + 3; ++c) {
        col[c] = LM_DWC1_BT(v[0][c], v[1][c]);
    }
    t->ca0 = col[0];
    t->ca1 = col[1];
    t->ca2 = col[2];
    t->cb0 = col[S];
    t->cb1 = col[S + 1];
    t->cb2 = col[S + 2];
    t->ra = LM_DWC1_BT(v[2][0], v[2][1]);
    t->rb = LM_DWC1_BT(v[2][S], v[2][S + 1]);
    t->sg = LM_DWC1_BT(v[2][2], v[2][S + 2]);
}

/* A pair's patch with its window at q (row pitch IW), all of it inside the input. On DSP
 * cores from one word per row (SXTB16 splits its even and odd columns, PKHBT / PKHTB pair
 * them) and, at stride 2, the fifth column's bytes. */
LM_INLINE void lm_dwc1_inner(lm_dwc1_patch *t, const int8_t *q, const int32_t IW, const int32_t S)
{
#if LM_USE_DSP
    const int32_t w0 = lm_read_word(q), w1 = lm_read_word(q + IW), w2 = lm_read_word(q + 2 * IW);
    const int32_t e0 = lm_simd_even(w0), o0 = lm_simd_odd(w0), e1 = lm_simd_even(w1), o1 = lm_simd_odd(w1);
    const int32_t e2 = lm_simd_even(w2), o2 = lm_simd_odd(w2);
    t->ca0 = LM_DWC1_BT(e0, e1);
    t->ca1 = LM_DWC1_BT(o0, o1);
    t->ca2 = LM_DWC1_TB(e1, e0);
    t->ra = LM_DWC1_BT(e2, o2);
    if (S == 1) {
        t->cb0 = t->ca1;
        t->cb1 = t->ca2;
        t->cb2 = LM_DWC1_TB(o1, o0);
        t->rb = LM_DWC1_BB_T(o2, e2);
        t->sg = LM_DWC1_TB(o2, e2);
    } else {
        t->cb0 = t->ca2;
        t->cb1 = LM_DWC1_TB(o1, o0);
        t->cb2 = LM_DWC1_BT(q[4], q[IW + 4]);
        t->rb = LM_DWC1_TB(o2, e2);
        t->sg = LM_DWC1_BT(t->rb, q[2 * IW + 4]);
    }
#else
    int32_t v[3][5], r, c;
    LM_DWC1_UNROLL
    for (r = 0; r < 3; ++r) {
        LM_DWC1_UNROLL
        for (c = 0; c < S + 3; ++c) {
            v[r][c] = q[r * IW + c];
        }
    }
    lm_dwc1_patch_of(t, v, S);
#endif
}

/* A border pair's patch: window rows from iy, columns from ix, the taps outside the input
 * read as the input zero point zp. */
LM_INLINE void lm_dwc1_border(lm_dwc1_patch *t, const int8_t *in, int32_t iy, int32_t ix, int32_t zp,
                              const int32_t IH, const int32_t IW, const int32_t S)
{
    int32_t v[3][5], r, c;
    LM_DWC1_UNROLL
    for (r = 0; r < 3; ++r) {
        LM_DWC1_UNROLL
        for (c = 0; c < S + 3; ++c) {
            const int inside = iy + r >= 0 && iy + r < IH && ix + c >= 0 && ix + c < IW;
            v[r][c] = inside ? in[(iy + r) * IW + ix + c] : zp;
        }
    }
    lm_dwc1_patch_of(t, v, S);
}

#if LM_USE_DSP && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
/* The requantized sum on register x_ (the multiply-accumulate of lm_rq2_clamp with the right
 * shift SH an immediate): clamped to [-128, 127] (MODE 3, the shift in the SSAT) or to [LO, HI]
 * (MODE 4). */
#define LM_DWC1_SAT(x_) "ssat %[" x_ "], #8, %[" x_ "], asr %[sh]\n\t"
#define LM_DWC1_CLAMP(x_)                                                                        \
    "asr %[" x_ "], %[" x_ "], %[sh]\n\t"                                                          \
    "cmp %[" x_ "], %[lo]\n\tit lt\n\tmovlt %[" x_ "], %[lo]\n\t"                                \
    "cmp %[" x_ "], %[hi]\n\tit gt\n\tmovgt %[" x_ "], %[hi]\n\t"

/* One channel of the pair: its record at rc (on the stack), outputs at o + OA and o + OB. Five
 * temporaries: the sums a, b; w, v, u for the weights, then the multiplier and hi_add twice. */
#define LM_DWC1_CHANNEL_ASM(limit_)                                                              \
    __asm__ volatile(                                                                           \
        "ldr %[a], %[r0]\n\t"                                                                   \
        "ldr %[w], %[r1]\n\t"                                                                   \
        "ldr %[v], %[r2]\n\t"                                                                   \
        "smlad %[b], %[cb0], %[w], %[a]\n\t"                                                    \
        "smlad %[a], %[ca0], %[w], %[a]\n\t"                                                    \
        "smlad %[b], %[cb1], %[v], %[b]\n\t"                                                    \
        "smlad %[a], %[ca1], %[v], %[a]\n\t"                                                    \
        "ldr %[w], %[r3]\n\t"                                                                   \
        "ldr %[v], %[r4]\n\t"                                                                   \
        "ldr %[u], %[r5]\n\t"                                                                   \
        "smlad %[a], %[ca2], %[w], %[a]\n\t"                                                    \
        "smlad %[b], %[cb2], %[w], %[b]\n\t"                                                    \
        "smlad %[a], %[ra], %[v], %[a]\n\t"                                                     \
        "smlad %[b], %[rb], %[v], %[b]\n\t"                                                     \
        "smlabt %[a], %[sg], %[u], %[a]\n\t"                                                    \
        "smlatt %[b], %[sg], %[u], %[b]\n\t"                                                    \
        "ldr %[w], %[r6]\n\t"                                                                   \
        "ldr %[v], %[r7]\n\t"                                                                   \
        "ldr %[u], %[r7]\n\t"                                                                   \
        "smmlar %[v], %[a], %[w], %[v]\n\t"                                                     \
        "add %[v], %[v], %[a], asr #31\n\t" limit_("v")                                         \
        "strb %[v], [%[o], %[oa]]\n\t"                                                          \
        "smmlar %[u], %[b], %[w], %[u]\n\t"                                                     \
        "add %[u], %[u], %[b], asr #31\n\t" limit_("u")                                         \
        "strb %[u], [%[o], %[ob]]"                                                              \
        : [a] "=&r"(a), [b] "=&r"(b), [w] "=&r"(w), [v] "=&r"(v), [u] "=&r"(u)                  \
        : [ca0] "r"(t->ca0), [ca1] "r"(t->ca1), [ca2] "r"(t->ca2), [cb0] "r"(t->cb0),           \
          [cb1] "r"(t->cb1), [cb2] "r"(t->cb2), [ra] "r"(t->ra), [rb] "r"(t->rb), [sg] "r"(t->sg), \
          [o] "r"(o), [oa] "n"(OA), [ob] "n"(OB), [sh] "n"(RS), [lo] "n"(LO), [hi] "n"(HI),       \
          [r0] "m"(rc[0]), [r1] "m"(rc[1]), [r2] "m"(rc[2]), [r3] "m"(rc[3]), [r4] "m"(rc[4]),  \
          [r5] "m"(rc[5]), [r6] "m"(rc[6]), [r7] "m"(rc[7])                                     \
        : "memory")
#endif

#if LM_USE_DSP && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define LM_DWC1_HAS_ASM 1
#else
#define LM_DWC1_HAS_ASM 0
#endif

/* One output channel of the pair: record rc, right shift RS, outputs at o + OA (pixel x) and
 * o + OB (x + 1). FAST (a constant): the assembly block where there is one (rc then on the
 * stack, RS a constant). */
LM_INLINE void lm_dwc1_channel(const lm_dwc1_patch *t, const int32_t *rc, const int32_t RS, int8_t *o,
                               const int32_t OA, const int32_t OB, const int32_t LO, const int32_t HI, const int MODE,
                               const int FAST)
{
#if LM_DWC1_HAS_ASM
    if (FAST) {
        int32_t a, b, w, v, u;
        if (MODE == 3) {
            LM_DWC1_CHANNEL_ASM(LM_DWC1_SAT);
        } else {
            LM_DWC1_CHANNEL_ASM(LM_DWC1_CLAMP);
        }
        return;
    }
#endif
    {
        int32_t a = rc[0], b = rc[0];
        a = lm_simd_mac(t->ca0, rc[1], a);
        a = lm_simd_mac(t->ca1, rc[2], a);
        a = lm_simd_mac(t->ca2, rc[3], a);
        a = lm_simd_mac(t->ra, rc[4], a);
        a = lm_wrap_add(a, (int32_t)(int16_t)t->sg * (rc[5] >> 16));
        b = lm_simd_mac(t->cb0, rc[1], b);
        b = lm_simd_mac(t->cb1, rc[2], b);
        b = lm_simd_mac(t->cb2, rc[3], b);
        b = lm_simd_mac(t->rb, rc[4], b);
        b = lm_wrap_add(b, (t->sg >> 16) * (rc[5] >> 16));
        o[OA] = (int8_t)lm_rq2_clamp(a, rc[6], rc[7], RS, LO, HI, MODE == 3);
        o[OB] = (int8_t)lm_rq2_clamp(b, rc[6], rc[7], RS, LO, HI, MODE == 3);
    }
    (void)FAST;
}

/* The G channels of a group (right shifts rs) for the pair whose first output is at o. */
LM_INLINE void lm_dwc1_group(const lm_dwc1_patch *t, const int32_t *recs, const int32_t *rs, int8_t *o,
                             const int32_t G, const int32_t DM, const int32_t LO, const int32_t HI, const int MODE,
                             const int FAST)
{
    int32_t c;
    LM_DWC1_UNROLL
    for (c = 0; c < G; ++c) {
        lm_dwc1_channel(t, recs + LM_DWC1_REC * c, rs[c], o, c, DM + c, LO, HI, MODE, FAST);
    }
}

/* Pairs j0 .. j1 - 1 of an output row whose windows may reach into the padding (window rows
 * from iy): pair j < OW / 2 at x = 2 j, pair OW / 2 (an odd width) at OW - 2, overlapping the
 * one before. Not inlined (a few pairs per row at most, and the rows in the padding): one
 * copy, in plain C, whose constants the compiler propagates from the one layer calling it. */
#if defined(__GNUC__)
__attribute__((noinline, unused))
#endif
static void lm_dwc1_border_pairs(const int8_t *in, int32_t iy, int32_t j0, int32_t j1, int8_t *o,
                                 const int32_t *recs, const int32_t *rs, int32_t zp, const int32_t G, const int32_t DM,
                                 const int32_t IH, const int32_t IW, const int32_t OW, const int32_t S,
                                 const int32_t PL, const int32_t LO, const int32_t HI, const int MODE)
{
    int32_t j;
    for (j = j0; j < j1; ++j) {
        const int32_t x = j < OW / 2 ? 2 * j : OW - 2;
        lm_dwc1_patch t;
        lm_dwc1_border(&t, in, iy, x * S - PL, zp, IH, IW, S);
        lm_dwc1_group(&t, recs, rs, o + x * DM, G, DM, LO, HI, MODE, 0);
    }
}

/* One output row of a group: window rows from iy, outputs from o. Pairs j = 0 .. NP - 1 at
 * x = 2 j (and for an odd width the pair (OW - 2, OW - 1)); those before K_LO and from K_HI on
 * (constants) reach into the padding, and all of them when a window row does. */
LM_INLINE void lm_dwc1_row(const int8_t *in, int32_t iy, int8_t *o, const int32_t *recs, const int32_t *rs,
                           int32_t zp, const int32_t G, const int32_t DM, const int32_t IH, const int32_t IW,
                           const int32_t OW, const int32_t S, const int32_t PL, const int32_t LO, const int32_t HI,
                           const int MODE)
{
    const int32_t NP = OW / 2, NJ = NP + (OW & 1), LIM = IW - S - 3 + PL;
    const int32_t K_LO = LM_MIN(NP, (PL + 2 * S - 1) / (2 * S));
    const int32_t K_HI = LM_MAX(K_LO, LIM < 0 ? 0 : LM_MIN(NP, LIM / (2 * S) + 1));
    const int8_t *q;
    int8_t *op, *end;
    if (iy < 0 || iy + 3 > IH) {
        lm_dwc1_border_pairs(in, iy, 0, NJ, o, recs, rs, zp, G, DM, IH, IW, OW, S, PL, LO, HI, MODE);
        return;
    }
    if (K_LO > 0) {
        lm_dwc1_border_pairs(in, iy, 0, K_LO, o, recs, rs, zp, G, DM, IH, IW, OW, S, PL, LO, HI, MODE);
    }
    q = in + iy * IW + 2 * K_LO * S - PL;
    op = o + 2 * K_LO * DM;
    end = o + 2 * K_HI * DM;
    for (; op != end; q += 2 * S, op += 2 * DM) {
        lm_dwc1_patch t;
        lm_dwc1_inner(&t, q, IW, S);
        lm_dwc1_group(&t, recs, rs, op, G, DM, LO, HI, MODE, 1);
    }
    if (K_HI < NJ) {
        lm_dwc1_border_pairs(in, iy, K_HI, NJ, o, recs, rs, zp, G, DM, IH, IW, OW, S, PL, LO, HI, MODE);
    }
}

/* The whole layer: per group of G channels (at most LM_DWC1_MAX_GROUPS groups, unrolled: their
 * right shifts rs[] are constants), its records copied to the stack, then the output rows (SY:
 * the stride down the columns). */
LM_INLINE void lm_dwc1_3x3(const lm_dwconv_params *p, const int8_t *in, const int32_t *rec, int8_t *out,
                           const int32_t *rs, const int32_t DM, const int32_t G, const int32_t IH, const int32_t IW,
                           const int32_t OH, const int32_t OW, const int32_t SY, const int32_t S, const int32_t PT,
                           const int32_t PL, const int MODE, const int32_t LO, const int32_t HI)
{
    int32_t recs[8 * LM_DWC1_REC];
    int32_t b, g, y;
    for (b = 0; b < p->batches; ++b, in += IH * IW, out += OH * OW * DM) {
        LM_DWC1_UNROLL
        for (g = 0; g < DM; g += G) {
            memcpy(recs, rec + LM_DWC1_REC * g, sizeof(int32_t) * LM_DWC1_REC * G);
            for (y = 0; y < OH; ++y) {
                lm_dwc1_row(in, y * SY - PT, out + y * OW * DM + g, recs, rs + g, p->in_zp, G, DM, IH, IW, OW, S,
                            PL, LO, HI, MODE);
            }
        }
    }
}

/* Groups a layer may have (the compiler checks): each is a copy of the row loop. */
#define LM_DWC1_MAX_GROUPS 4

/* An exported instance with the LM_DW_DSP_ARGS signature (wp, `usual` and scratch unused: the
 * weights are in the records): the geometry, then the DM channels' right shifts. */
#define LM_DWC1_3X3_KERNEL(name, DM, G, IH, IW, OH, OW, SY, S, PT, PL, MODE, LO, HI, ...)            \
    void name(LM_DW_DSP_ARGS)                                                                   \
    {                                                                                           \
        static const int32_t rs[(DM)] = {__VA_ARGS__};                                          \
        (void)wp;                                                                               \
        (void)usual;                                                                            \
        (void)scratch;                                                                          \
        lm_dwc1_3x3(p, in, rec, out, rs, (DM), (G), (IH), (IW), (OH), (OW), (SY), (S), (PT), (PL), (MODE), (LO), \
                    (HI));                                                                      \
    }

#endif /* LM_DWCONV_C1_3X3_H */
