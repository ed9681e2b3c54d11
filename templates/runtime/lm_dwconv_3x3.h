/* litemicro runtime: DEPTHWISE_CONV_2D 3x3, depth multiplier 1, the per-layer kernel body.
 *
 * Stride 1 along the walk, lines of 16 pixels or more (lm_dwconv_3x3_pair.h takes the others).
 * A layer's generated source instantiates LM_DW3X3_KERNEL with its channel count, input
 * width, walk direction, requantization mode and output line length as constants, so that
 * every input offset is an immediate; layers that share those numbers share one instance.
 *
 * Walk: per channel, per line of output pixels, along the rows (V = 0) or, for layers taller
 * than wide, down the columns (V = 1; the compiler then passes the params with height and
 * width swapped and the kernel transposed). Below, "row" and "column" are in that view: a
 * kernel row is three taps along the walk, and a line reads three input rows.
 *
 * A line runs in two passes. The first computes every pixel's sum into a stack array. Input
 * column j gives the int16 pair V[j] = (row 0, row 1) and the single c[j] (row 2); with the
 * weight pairs K0..K2 = (w0j, w1j) (kernel rows 0 and 1 of column j), Wa = (w20, w21) and
 * Wb = (w21, w22), pixels x and x + 1 are five multiply-accumulates each:
 *     V[x] K0 + V[x+1] K1 + V[x+2] K2 + (c[x], c[x+1]) Wa + c[x+2] w22
 *     V[x+1] K0 + V[x+2] K1 + V[x+3] K2 + c[x+1] w20 + (c[x+2], c[x+3]) Wb
 * and the pass hands V[x+2], V[x+3] and the pair (c[x+2], c[x+3]) to the next one, so that a
 * pass over two pixels loads each input byte once. Weights, the starting sum and the pointers
 * stay in registers (thirteen of them on DSP cores, where the loop is written in assembly; Wb
 * and the loop's end are read from the stack). A first column in the padding is the input
 * zero point in the registers (the starting sum has in_zp times every weight taken out);
 * pixels past the last pair of full windows go one by one from the registers the loop hands
 * back (lm_dw3_line). The second pass
 * requantizes the line's sums four at a time.
 *
 * Every weight is doubled (int16 lanes hold 2 w) and so is the starting sum, so that the
 * second pass requantizes each sum a2 = 2 acc with SMMLAR:
 *     (SMMLAR(a2, m, 2 hi_add) + (a2 < 0 ? -1 : 0)) >> r,  2 hi_add = 2^(r-1) + zp 2^r
 * equals lm_requantize_rq(acc, m, hi_add, r - 1) (TFLM's double rounding, right shift r, plus
 * the output zero point): SMMLAR's rounding constant 2^31 is lm_requantize_rq's low word 2^30
 * at twice the scale, and its borrow of x's sign is the -1. Doubled, r = 1 fits as well.
 *
 * Lines whose kernel rows reach into the padding read three input rows inside the input,
 * from row clamp(iy0, 0, in_h - 3), with zero weights for the padded kernel rows, whose taps'
 * zero-point term (in_zp times their weights) joins the starting sum. in_h >= 3, in_w >= 3,
 * dilation 1, at most one padded column before a line (the compiler checks, and that the
 * offsets fit the loads' immediates).
 *
 * wp: per channel the nine weights, [kernel row][column] in the walk's view.
 * rec: four words per channel: (2 bias with the input zero-point term folded in, multiplier,
 * 2 hi_add, r) for the SMMLAR requantization, every channel when MODE is 1 (clamp
 * [-128, 127]: SSAT) or 2 (clamp [act_min, act_max]); when MODE is 0, channels whose
 * multiplier or shift does not allow it have (2 bias, multiplier, shift, 0) and the general
 * requantization, the others the SMMLAR form.
 */
#ifndef LM_DWCONV_3X3_H
#define LM_DWCONV_3X3_H

#include <stdint.h>
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_dwconv.h"

/* The assembly loops need the optimizer (constant offsets, fourteen free registers). */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(__clang__)
#define LM_DW3_ASM 1
#else
#define LM_DW3_ASM 0
#endif

/* (lo & 0xFFFF) | (hi << 16): PKHBT on DSP cores. */
LM_INLINE int32_t lm_dw3_pack(int32_t lo, int32_t hi)
{
#if LM_USE_DSP
    return lm_pack_bottoms(lo, hi);
#else
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
#endif
}

/* acc + the bottom int16 of a times the bottom (BT: the top) int16 of b: SMLABB, SMLABT; TB:
 * the top of a times the bottom of b, SMLATB. */
#if LM_USE_DSP
#define LM_DW3_BB(acc, a, b) __smlabb((a), (b), (acc))
#define LM_DW3_BT(acc, a, b) __smlabt((a), (b), (acc))
#define LM_DW3_TB(acc, a, b) __smlatb((a), (b), (acc))
#else
#define LM_DW3_BB(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * (int32_t)(int16_t)(b))
#define LM_DW3_BT(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * ((int32_t)(b) >> 16))
#define LM_DW3_TB(acc, a, b) lm_wrap_add((acc), ((int32_t)(a) >> 16) * (int32_t)(int16_t)(b))
#endif

/* One line's doubled weight pairs K0, K1, K2, Wa, Wb. */
typedef struct {
    int32_t k0, k1, k2, wa, wb;
} lm_dw3_w;

/* The pairs from three kernel rows of three weights each (slot rows 0, 1, 2 of the line). */
LM_INLINE void lm_dw3_set(lm_dw3_w *w, const int8_t *a, const int8_t *b, const int8_t *c)
{
    w->k0 = lm_dw3_pack(2 * a[0], 2 * b[0]);
    w->k1 = lm_dw3_pack(2 * a[1], 2 * b[1]);
    w->k2 = lm_dw3_pack(2 * a[2], 2 * b[2]);
    w->wa = lm_dw3_pack(2 * c[0], 2 * c[1]);
    w->wb = lm_dw3_pack(2 * c[1], 2 * c[2]);
}

/* Stride 1: acc[0..n) (n even, n > 0), two pixels per pass. q: input column 1 of the line at
 * kernel row 0 (the pass for pixels x, x + 1 reads columns x + 2, x + 3); ap, bp: V[0], V[1];
 * cp: the pair (c[0], c[1]). */
LM_INLINE void lm_dw3_macs_s1(const int8_t *q, int32_t *acc, int32_t n, const lm_dw3_w *w, int32_t init,
                              int32_t *carry, const int32_t ST, const int32_t R)
{
    int32_t ap = carry[0], bp = carry[1], cp = carry[2];
#if LM_DW3_ASM
    /* Two passes per loop, the second with V[x] in t0 instead of ap; an odd count of pairs
     * enters at the second. 13 registers: Wb and the end are read from a stack array. */
    const int32_t mem[3] = {w->wb, (int32_t)(intptr_t)(acc + n), (n >> 1) & 1};
    int32_t t0, t1, a;
    __asm__ volatile(
        "ldr %[t1], %[odd]\n\t"
        "cmp %[t1], #0\n\t"
        "itt ne\n\t"
        "movne %[t0], %[ap]\n\t"
        "bne 2f\n\t"
        "1:\n\t"
        "smlad %[a], %[ap], %[k0], %[init]\n\t"
        "ldrsb %[t0], [%[q], %[o_a2]]\n\t"
        "ldrsb %[t1], [%[q], %[o_b2]]\n\t"
        "ldrsb %[ap], [%[q], %[o_c2]]\n\t"
        "pkhbt %[t0], %[t0], %[t1], lsl #16\n\t"
        "ldr %[t1], %[wb]\n\t"
        "smlad %[a], %[bp], %[k1], %[a]\n\t"
        "smlad %[a], %[t0], %[k2], %[a]\n\t"
        "smlad %[a], %[cp], %[wa], %[a]\n\t"
        "smlabt %[a], %[ap], %[t1], %[a]\n\t"
        "str %[a], [%[acc]], #4\n\t"
        "smlad %[a], %[bp], %[k0], %[init]\n\t"
        "smlad %[a], %[t0], %[k1], %[a]\n\t"
        "smlatb %[a], %[cp], %[wa], %[a]\n\t"
        "ldrsb %[cp], [%[q], %[o_c3]]\n\t"
        "pkhbt %[cp], %[ap], %[cp], lsl #16\n\t"
        "smlad %[a], %[cp], %[t1], %[a]\n\t"
        "ldrsb %[ap], [%[q], %[o_a3]]\n\t"
        "ldrsb %[t1], [%[q], %[o_b3]]\n\t"
        "pkhbt %[bp], %[ap], %[t1], lsl #16\n\t"
        "smlad %[a], %[bp], %[k2], %[a]\n\t"
        "str %[a], [%[acc]], #4\n\t"
        "add %[q], %[q], %[o_a3]\n\t"
        "2:\n\t"
        "smlad %[a], %[t0], %[k0], %[init]\n\t"
        "ldrsb %[ap], [%[q], %[o_a2]]\n\t"
        "ldrsb %[t1], [%[q], %[o_b2]]\n\t"
        "ldrsb %[t0], [%[q], %[o_c2]]\n\t"
        "pkhbt %[ap], %[ap], %[t1], lsl #16\n\t"
        "ldr %[t1], %[wb]\n\t"
        "smlad %[a], %[bp], %[k1], %[a]\n\t"
        "smlad %[a], %[ap], %[k2], %[a]\n\t"
        "smlad %[a], %[cp], %[wa], %[a]\n\t"
        "smlabt %[a], %[t0], %[t1], %[a]\n\t"
        "str %[a], [%[acc]], #4\n\t"
        "smlad %[a], %[bp], %[k0], %[init]\n\t"
        "smlad %[a], %[ap], %[k1], %[a]\n\t"
        "smlatb %[a], %[cp], %[wa], %[a]\n\t"
        "ldrsb %[cp], [%[q], %[o_c3]]\n\t"
        "pkhbt %[cp], %[t0], %[cp], lsl #16\n\t"
        "smlad %[a], %[cp], %[t1], %[a]\n\t"
        "ldrsb %[t0], [%[q], %[o_a3]]\n\t"
        "ldrsb %[t1], [%[q], %[o_b3]]\n\t"
        "pkhbt %[bp], %[t0], %[t1], lsl #16\n\t"
        "smlad %[a], %[bp], %[k2], %[a]\n\t"
        "str %[a], [%[acc]], #4\n\t"
        "add %[q], %[q], %[o_a3]\n\t"
        "ldr %[t1], %[end]\n\t"
        "cmp %[acc], %[t1]\n\t"
        "bne 1b"
        : [q] "+r"(q), [acc] "+r"(acc), [ap] "+r"(ap), [bp] "+r"(bp), [cp] "+r"(cp), [t0] "=&r"(t0),
          [t1] "=&r"(t1), [a] "=&r"(a)
        : [k0] "r"(w->k0), [k1] "r"(w->k1), [k2] "r"(w->k2), [wa] "r"(w->wa), [init] "r"(init),
          [wb] "m"(mem[0]), [end] "m"(mem[1]), [odd] "m"(mem[2]), [o_a2] "i"(ST), [o_b2] "i"(ST + R),
          [o_c2] "i"(ST + 2 * R), [o_a3] "i"(2 * ST), [o_b3] "i"(2 * ST + R),
          [o_c3] "i"(2 * ST + 2 * R)
        : "cc", "memory");
#else
    int32_t *const end = acc + n;
    for (; acc != end; acc += 2, q += 2 * ST) {
        const int32_t v2 = lm_dw3_pack(q[ST], q[ST + R]), c2 = q[ST + 2 * R];
        int32_t a = lm_simd_mac(ap, w->k0, init);
        a = lm_simd_mac(bp, w->k1, a);
        a = lm_simd_mac(v2, w->k2, a);
        a = lm_simd_mac(cp, w->wa, a);
        acc[0] = LM_DW3_BT(a, c2, w->wb);
        a = lm_simd_mac(bp, w->k0, init);
        a = lm_simd_mac(v2, w->k1, a);
        a = LM_DW3_TB(a, cp, w->wa);
        cp = lm_dw3_pack(c2, q[2 * ST + 2 * R]);
        a = lm_simd_mac(cp, w->wb, a);
        ap = v2;
        bp = lm_dw3_pack(q[2 * ST], q[2 * ST + R]);
        acc[1] = lm_simd_mac(bp, w->k2, a);
    }
#endif
    carry[0] = ap;
    carry[1] = bp;
    carry[2] = cp;
}

/* A channel's requantization: rec's words 1..3, the clamp range and output zero point. */
typedef struct {
    int32_t m, h, s, lo, hi, zp;
} lm_dw3_q;

/* lm_requantize_rq(a2 / 2, m, h / 2, s - 1), saturated to int8 when `sat`. */
LM_INLINE int32_t lm_dw3_rq(int32_t a2, int32_t m, int32_t h, int32_t s, const int sat)
{
#if LM_DW3_ASM
    int32_t t;
    if (sat) {
        __asm__("smmlar %[t], %[a], %[m], %[h]\n\t"
                "add %[t], %[t], %[a], asr #31\n\t"
                "asr %[t], %[t], %[s]\n\t"
                "ssat %[t], #8, %[t]"
                : [t] "=&r"(t)
                : [a] "r"(a2), [m] "r"(m), [h] "r"(h), [s] "r"(s));
    } else {
        __asm__("smmlar %[t], %[a], %[m], %[h]\n\t"
                "add %[t], %[t], %[a], asr #31\n\t"
                "asr %[t], %[t], %[s]"
                : [t] "=&r"(t)
                : [a] "r"(a2), [m] "r"(m), [h] "r"(h), [s] "r"(s));
    }
    return t;
#else
    const int64_t p = (int64_t)h * ((int64_t)1 << 32) + (int64_t)a2 * m + 0x80000000LL;
    const int32_t t = ((int32_t)(p >> 32) + (a2 < 0 ? -1 : 0)) >> s;
    return sat ? LM_MIN(LM_MAX(t, -128), 127) : t;
#endif
}

LM_INLINE int8_t lm_dw3_out(int32_t a2, const lm_dw3_q *q, const int mode)
{
    if (mode == 1) {
        return (int8_t)lm_dw3_rq(a2, q->m, q->h, q->s, 1);
    }
    if (mode == 2) {
        return (int8_t)LM_MIN(LM_MAX(lm_dw3_rq(a2, q->m, q->h, q->s, 0), q->lo), q->hi);
    }
    return lm_clamp_s8(lm_requantize(a2 >> 1, q->m, q->h) + q->zp, q->lo, q->hi);
}

/* Second pass of one line: o[j * ostep] = the requantized acc[j], j < n. */
LM_INLINE void lm_dw3_store(const int32_t *acc, int32_t n, int8_t *o, int32_t ostep, const lm_dw3_q *q,
                            const int mode)
{
    const int32_t *end;
#if LM_DW3_ASM
    if (mode == 1 && n >= 4) {
        /* four sums per pass (four pipelined loads), each SMMLAR, ADD, ASR, SSAT, STRB */
        const int32_t *const end4 = acc + (n & ~3);
        int32_t a0, a1, a2, a3, t;
        __asm__ volatile(
            "1:\n\t"
            "ldr %[a0], [%[acc]], #4\n\t"
            "ldr %[a1], [%[acc]], #4\n\t"
            "ldr %[a2], [%[acc]], #4\n\t"
            "ldr %[a3], [%[acc]], #4\n\t"
            "smmlar %[t], %[a0], %[m], %[h]\n\t"
            "add %[t], %[t], %[a0], asr #31\n\t"
            "asr %[t], %[t], %[s]\n\t"
            "ssat %[t], #8, %[t]\n\t"
            "strb %[t], [%[o]]\n\t"
            "smmlar %[t], %[a1], %[m], %[h]\n\t"
            "add %[t], %[t], %[a1], asr #31\n\t"
            "asr %[t], %[t], %[s]\n\t"
            "ssat %[t], #8, %[t]\n\t"
            "strb %[t], [%[o], %[os]]\n\t"
            "add %[o], %[o], %[os], lsl #1\n\t"
            "smmlar %[t], %[a2], %[m], %[h]\n\t"
            "add %[t], %[t], %[a2], asr #31\n\t"
            "asr %[t], %[t], %[s]\n\t"
            "ssat %[t], #8, %[t]\n\t"
            "strb %[t], [%[o]]\n\t"
            "smmlar %[t], %[a3], %[m], %[h]\n\t"
            "add %[t], %[t], %[a3], asr #31\n\t"
            "asr %[t], %[t], %[s]\n\t"
            "ssat %[t], #8, %[t]\n\t"
            "strb %[t], [%[o], %[os]]\n\t"
            "add %[o], %[o], %[os], lsl #1\n\t"
            "cmp %[acc], %[end]\n\t"
            "bne 1b"
            : [acc] "+&r"(acc), [o] "+&r"(o), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
              [t] "=&r"(t)
            : [os] "r"(ostep), [m] "r"(q->m), [h] "r"(q->h), [s] "r"(q->s), [end] "r"(end4)
            : "cc", "memory");
        n &= 3;
    }
#endif
    end = acc + (n & ~1);
    for (; acc != end; acc += 2, o += 2 * ostep) {
        const int32_t a0 = acc[0], a1 = acc[1];
        o[0] = lm_dw3_out(a0, q, mode);
        o[ostep] = lm_dw3_out(a1, q, mode);
    }
    if (n & 1) {
        o[0] = lm_dw3_out(acc[0], q, mode);
    }
}

/* One instance's loop over a line's sums: lm_dw3_macs_s1 with its offsets as constants. */
typedef void (*lm_dw3_macs_fn)(const int8_t *q, int32_t *acc, int32_t n, const lm_dw3_w *w, int32_t init,
                               int32_t *carry);

/* A layer's shape: C channels, real input width W, direction V, L output pixels per line,
 * requantization mode and the instance's loop (constants of the instance, folded into
 * lm_dw3x3 once inlined). */
typedef struct {
    int32_t C, W, V, L, mode;
    lm_dw3_macs_fn macs;
} lm_dw3_shape;

/* The line geometry: pl (0 or 1) padded columns before the first window, n_loop pixels
 * through the instance's loop (the rest one by one), bytes between input columns (st),
 * input rows (row) and outputs along the line (ostep). */
typedef struct {
    int32_t pl, n_loop, in_w, st, row, ostep;
} lm_dw3_geo;

/* First pass of one line: acc[0..L) = the doubled sums. r0: input at kernel row 0, column 0.
 * After the loop's pairs, the pixels left go one by one from the registers it hands back, with
 * the input zero point for columns past the input. */
LM_INLINE void lm_dw3_line(const int8_t *r0, int32_t *acc, const lm_dw3_w *w, int32_t init, int32_t zp,
                           const lm_dw3_geo *g, const lm_dw3_shape *sh)
{
    const int32_t ST = g->st, R = g->row, zz = lm_dw3_pack(zp, zp);
    const int8_t *q = r0 + (1 - g->pl) * ST;                 /* the loop's column 1 */
    const int32_t c0 = g->pl ? zp : r0[2 * R];
    int32_t carry[3], j;
    carry[0] = g->pl ? zz : lm_dw3_pack(r0[0], r0[R]);
    carry[1] = lm_dw3_pack(q[0], q[R]);
    carry[2] = lm_dw3_pack(c0, q[2 * R]);
    if (g->n_loop > 0) {
        sh->macs(q, acc, g->n_loop, w, init, carry);
    }
    for (j = g->n_loop; j < sh->L; ++j) {
        const int32_t col = j + 2 - g->pl;                    /* the pixel's last column */
        const int8_t *p = r0 + (col < g->in_w ? col * ST : 0);
        const int32_t v2 = col < g->in_w ? lm_dw3_pack(p[0], p[R]) : zz, c2 = col < g->in_w ? p[2 * R] : zp;
        int32_t a = lm_simd_mac(carry[0], w->k0, init);
        a = lm_simd_mac(carry[1], w->k1, a);
        a = lm_simd_mac(v2, w->k2, a);
        a = lm_simd_mac(carry[2], w->wa, a);
        acc[j] = LM_DW3_BT(a, c2, w->wb);
        carry[0] = carry[1];
        carry[1] = v2;
        carry[2] = lm_dw3_pack(carry[2] >> 16, c2);
    }
}

/* A line with kernel rows in the padding: its weights (slot s holds kernel row s + base - iy0
 * when that row is inside the input, else zeros), *init plus in_zp times the doubled weights
 * of the padded rows, and base, the input row of slot 0. */
__attribute__((noinline, unused)) static int32_t lm_dw3_border(const lm_dwconv_params *p, int32_t oy,
                                                              const int8_t *wc, lm_dw3_w *w, int32_t *init)
{
    const int32_t in_h = p->in_h, iy0 = oy * p->stride_h - p->pad_top;
    const int32_t base = LM_MAX(0, LM_MIN(iy0, in_h - 3));
    const int8_t zero[3] = {0, 0, 0};
    const int8_t *rows[3];
    int32_t s, k, pad = 0;
    for (s = 0; s < 3; ++s) {
        const int32_t r = s + base - iy0;             /* kernel row in slot s */
        rows[s] = (r >= 0 && r < 3 && iy0 + r >= 0 && iy0 + r < in_h) ? wc + 3 * r : zero;
        if (iy0 + s < 0 || iy0 + s >= in_h) {         /* kernel row s in the padding */
            for (k = 0; k < 3; ++k) {
                pad += wc[3 * s + k];
            }
        }
    }
    lm_dw3_set(w, rows[0], rows[1], rows[2]);
    *init += 2 * p->in_zp * pad;
    return base;
}

/* Second pass of one line in the layer's requantization mode (mode 0: per channel, the SMMLAR
 * form where the channel's record has it). */
LM_INLINE void lm_dw3_store_line(const int32_t *acc, int32_t n, int8_t *o, int32_t ostep, const lm_dw3_q *q,
                                 int mode)
{
    if (mode == 1) {
        lm_dw3_store(acc, n, o, ostep, q, 1);
    } else if (mode == 2 || q->s != 0) {
        lm_dw3_store(acc, n, o, ostep, q, 2);
    } else {
        lm_dw3_store(acc, n, o, ostep, q, 0);
    }
}

/* The whole layer, p in the walk's view, acc: L words of stack. Per channel, per line: the
 * sums (lines with kernel rows in the padding with their own weights), then their outputs. */
LM_INLINE void lm_dw3x3(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                        int8_t *out, int32_t *acc, const lm_dw3_shape *sh)
{
    const int32_t C = sh->C, L = sh->L, V = sh->V;
    const int32_t in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, pad_top = p->pad_top, zp = p->in_zp;
    const int32_t sy = p->stride_h, oline = V ? C : L * C;
    const int32_t oy_lo = LM_MIN((pad_top + sy - 1) / sy, out_h);
    const int32_t oy_hi = LM_MAX(LM_MIN((in_h - 3 + pad_top) / sy + 1, out_h), oy_lo);
    const int32_t full = in_w - 2 + p->pad_left;      /* pixels whose windows end inside */
    lm_dw3_geo g;
    int32_t b, c, oy;
    g.pl = p->pad_left;
    g.n_loop = LM_MIN(L, full) & ~1;
    g.in_w = in_w;
    g.st = V ? sh->W * C : C;
    g.row = V ? C : sh->W * C;
    g.ostep = V ? out_h * C : C;
    for (b = 0; b < p->batches; ++b, in += in_h * in_w * C, out += out_h * L * C) {
        for (c = 0; c < C; ++c) {
            const int8_t *wc = wp + 9 * c;
            const int32_t *rc = rec + 4 * c;
            const lm_dw3_q q = {rc[1], rc[2], rc[3], p->act_min, p->act_max, p->out_zp};
            const int8_t *r0 = in + c + (oy_lo * sy - pad_top) * g.row;
            int8_t *o = out + c;
            lm_dw3_w w, wb;
            lm_dw3_set(&w, wc, wc + 3, wc + 6);
            for (oy = 0; oy < out_h; ++oy, o += oline) {
                const lm_dw3_w *wl = &w;
                const int8_t *rl = r0;
                int32_t init = rc[0];
                if (oy >= oy_lo && oy < oy_hi) {
                    r0 += sy * g.row;
                } else {
                    rl = in + c + lm_dw3_border(p, oy, wc, &wb, &init) * g.row;
                    wl = &wb;
                }
                lm_dw3_line(rl, acc, wl, init, zp, &g, sh);
                lm_dw3_store_line(acc, L, o, g.ostep, &q, sh->mode);
            }
        }
    }
}

/* An exported instance with the LM_DW_DSP_ARGS signature (`mode` and scratch unused: the
 * requantization mode is the constant MODE): its loop out of line (it needs thirteen free
 * registers), the rest inlined with the shape's constants. */
#define LM_DW3X3_KERNEL(name, C, W, V, MODE, L)                                                 \
    __attribute__((noinline)) static void name##_macs(const int8_t *q, int32_t *acc, int32_t n,       \
                                                     const lm_dw3_w *w, int32_t init, int32_t *carry) \
    {                                                                                            \
        lm_dw3_macs_s1(q, acc, n, w, init, carry, (V) ? (W) * (C) : (C), (V) ? (C) : (W) * (C));    \
    }                                                                                            \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,     \
              int32_t mode, int8_t *scratch, int8_t *out)                                        \
    {                                                                                            \
        static const lm_dw3_shape shape = {(C), (W), (V), (L), (MODE), name##_macs};               \
        int32_t acc[(L)];                                                                        \
        (void)mode;                                                                              \
        (void)scratch;                                                                           \
        lm_dw3x3(p, in, wp, rec, out, acc, &shape);                                              \
    }

#endif /* LM_DWCONV_3X3_H */
