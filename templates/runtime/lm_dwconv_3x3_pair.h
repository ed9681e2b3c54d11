/* litemicro runtime: DEPTHWISE_CONV_2D 3x3, depth multiplier 1, the per-layer kernel body for
 * stride 2 and short lines (lm_dwconv_3x3.h's two passes per line cost more there than they save).
 *
 * A layer's generated source instantiates LM_DWP3X3_KERNEL with its channel count, input
 * width, stride along the walk, walk direction and requantization mode as constants, so that
 * every input offset is an immediate; layers that share those numbers share one instance.
 *
 * Walk: per channel, per line of output pixels, the pixels of the line two at a time, along
 * the rows (V = 0) or, for layers taller than wide, down the columns (V = 1; the compiler then
 * passes the params with height and width swapped and the kernel transposed). Below, "row"
 * and "column" are in that view: a kernel row is three taps along the walk. The channel's
 * weights stay in registers for all its lines: the compiler lays out each kernel row as the
 * word [w0 w1 w1 w2], whose SXTB16 is the int16 pair (w0, w1) and whose SXTB16 ROR 8 is
 * (w1, w2). Two pixels at stride S read the columns 0..2 and S..S+2:
 *     pixel 0 += SMLAD((x0, x1), (w0, w1)) + x2 * w2
 *     pixel 1 += x[S] * w0 + SMLAD((x[S+1], x[S+2]), (w1, w2))
 * Lines whose kernel rows reach into the padding read three input rows inside the input,
 * from row clamp(iy0, 0, in_h - 3), with zero weights for the padded kernel rows, whose taps'
 * zero-point term (in_zp times their weights) joins the bias. A pixel with a padded column
 * (at most one, first or last of a line: the compiler checks) reads two columns and starts
 * from the bias plus in_zp times the missing column's weights. in_h >= 3, in_w >= 3,
 * dilation 1.
 *
 * rec: four words per channel, (bias with the input zero-point term folded in, multiplier,
 * hi_add, shift_hi) for lm_requantize_rq with the output zero point folded in when MODE is
 * 1 (clamp [-128, 127]: SSAT) or 2 (clamp [act_min, act_max]); (bias, multiplier, shift, 0)
 * with the general requantization when it is 0.
 */
#ifndef LM_DWCONV_3X3_PAIR_H
#define LM_DWCONV_3X3_PAIR_H

#include <stdint.h>
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_dwconv.h"

/* (lo & 0xFFFF) | (hi << 16): PKHBT on DSP cores. */
LM_INLINE int32_t lm_dwp_pack(int32_t lo, int32_t hi)
{
#if LM_USE_DSP
    return lm_pack_bottoms(lo, hi);
#else
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
#endif
}

LM_INLINE int32_t lm_dwp_word(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* acc + the bottom int16 of a times the bottom (top: the top) int16 of b: SMLABB, SMLABT. */
#if LM_USE_DSP
#define LM_DWP_BB(acc, a, b) __smlabb((a), (b), (acc))
#define LM_DWP_BT(acc, a, b) __smlabt((a), (b), (acc))
#else
#define LM_DWP_BB(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * (int32_t)(int16_t)(b))
#define LM_DWP_BT(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * ((int32_t)(b) >> 16))
#endif

/* One channel's weights for one output row: per slot (input row) the pairs (w0, w1), (w1, w2). */
typedef struct {
    int32_t a0, b0, a1, b1, a2, b2;
} lm_dwp_w;

/* lm_requantize_rq(acc, m, h, s) (output zero point in h), saturated to int8 when `sat`:
 * on DSP cores one block of five or six instructions that touches no memory, so that the
 * compiler keeps the walk's registers across the stores. */
LM_INLINE int32_t lm_dwp_rq(int32_t acc, int32_t m, int32_t h, int32_t s, const int sat)
{
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define LM_DWP_RQ_ASM(extra_)                                                                   \
    __asm__("and %[lo], %[a], #0x80000000\n\t"                                                  \
            "orr %[lo], %[lo], #0x40000000\n\t"                                                 \
            "add %[hi], %[h], %[a], asr #31\n\t"                                                \
            "smlal %[lo], %[hi], %[a], %[m]\n\t"                                                \
            "asr %[hi], %[hi], %[s]" extra_                                                     \
            : [lo] "=&r"(lo), [hi] "=&r"(hi)                                                    \
            : [a] "r"(acc), [m] "r"(m), [h] "r"(h), [s] "r"(s))
    int32_t lo, hi;
    if (sat) {
        LM_DWP_RQ_ASM("\n\tssat %[hi], #8, %[hi]");
    } else {
        LM_DWP_RQ_ASM("");
    }
    return hi;
#else
    const int32_t v = lm_requantize_rq(acc, m, h, s);
    return sat ? LM_MIN(LM_MAX(v, -128), 127) : v;
#endif
}

/* A channel's requantization: rec's words 1..3 and the clamp range. */
typedef struct {
    int32_t m, h, s, lo, hi;
} lm_dwp_q;

LM_INLINE lm_dwp_q lm_dwp_quant(const int32_t *rec, const lm_dwconv_params *p)
{
    lm_dwp_q q;
    q.m = rec[1];
    q.h = rec[2];
    q.s = rec[3];
    q.lo = p->act_min;
    q.hi = p->act_max;
    return q;
}

/* One output (requantized, clamped, stored at *o). mode as for lm_dwp3x3; mode 0 needs the
 * output zero point (zp). */
LM_INLINE void lm_dwp_store(int32_t acc, const lm_dwp_q *q, int32_t zp, int8_t *o, const int mode)
{
    if (mode == 1) {
        *o = (int8_t)lm_dwp_rq(acc, q->m, q->h, q->s, 1);
    } else if (mode == 2) {
        const int32_t v = lm_dwp_rq(acc, q->m, q->h, q->s, 0);
        *o = (int8_t)LM_MIN(LM_MAX(v, q->lo), q->hi);
    } else {
        *o = lm_clamp_s8(lm_requantize(acc, q->m, q->h) + zp, q->lo, q->hi);
    }
}

/* Two pixels (STEP: bytes between input pixels along the walk, S: the stride): q at pixel
 * 0's window, one kernel row. */
#define LM_DWP_ROW2(q_, a_, b_)                                                                 \
    do {                                                                                        \
        const int32_t x0 = (q_)[0], x1 = (q_)[STEP], x2 = (q_)[2 * STEP];                       \
        const int32_t y0 = (q_)[S * STEP], y1 = (q_)[(S + 1) * STEP], y2 = (q_)[(S + 2) * STEP]; \
        acc0 = lm_simd_mac(lm_dwp_pack(x0, x1), (a_), acc0);                                    \
        acc0 = LM_DWP_BT(acc0, x2, (b_));                                                       \
        acc1 = LM_DWP_BB(acc1, y0, (a_));                                                       \
        acc1 = lm_simd_mac(lm_dwp_pack(y1, y2), (b_), acc1);                                    \
    } while (0)

#define LM_DWP_ROW1(q_, a_, b_)                                                                 \
    do {                                                                                        \
        acc0 = lm_simd_mac(lm_dwp_pack((q_)[0], (q_)[STEP]), (a_), acc0);                       \
        acc0 = LM_DWP_BT(acc0, (q_)[2 * STEP], (b_));                                           \
    } while (0)

/* n pixels of one output line for one channel, windows inside the input: q at the first
 * pixel's window, o at its output, ostep: bytes between outputs along the walk. STEP, ROW
 * (bytes between input rows), S: constants. */
LM_INLINE void lm_dwp_run(const int8_t *q, int8_t *o, int32_t n, int32_t ostep, lm_dwp_w w, int32_t init,
                          lm_dwp_q rq, int32_t zp, const int32_t STEP, const int32_t ROW, const int32_t S,
                          const int mode)
{
    const int8_t *const end = q + (n & ~1) * S * STEP;
    for (; q != end; q += 2 * S * STEP, o += 2 * ostep) {
        int32_t acc0 = init, acc1 = init;
        LM_DWP_ROW2(q, w.a0, w.b0);
        LM_DWP_ROW2(q + ROW, w.a1, w.b1);
        LM_DWP_ROW2(q + 2 * ROW, w.a2, w.b2);
        lm_dwp_store(acc0, &rq, zp, o, mode);
        lm_dwp_store(acc1, &rq, zp, o + ostep, mode);
    }
    if (n & 1) {
        int32_t acc0 = init;
        LM_DWP_ROW1(q, w.a0, w.b0);
        LM_DWP_ROW1(q + ROW, w.a1, w.b1);
        LM_DWP_ROW1(q + 2 * ROW, w.a2, w.b2);
        lm_dwp_store(acc0, &rq, zp, o, mode);
    }
}

/* One channel's constants for a row walk: the weights per input row, the three starting
 * sums (interior pixels; the left edge pixel, plus in_zp times the missing column's weights;
 * the right edge pixel) and the requantization. */
typedef struct {
    lm_dwp_w w;
    int32_t init, init_left, init_right, out_zp;
    lm_dwp_q rq;
} lm_dwp_ch;

LM_INLINE lm_dwp_ch lm_dwp_channel(int32_t r0, int32_t r1, int32_t r2, int32_t init, const int32_t *rec,
                                   const lm_dwconv_params *p)
{
    lm_dwp_ch ch;
    const int32_t zp = p->in_zp;
    ch.w.a0 = lm_simd_even(r0);
    ch.w.b0 = lm_simd_odd(r0);
    ch.w.a1 = lm_simd_even(r1);
    ch.w.b1 = lm_simd_odd(r1);
    ch.w.a2 = lm_simd_even(r2);
    ch.w.b2 = lm_simd_odd(r2);
    ch.init = init;
    ch.init_left = init + zp * ((int16_t)ch.w.a0 + (int16_t)ch.w.a1 + (int16_t)ch.w.a2);
    ch.init_right = init + zp * ((ch.w.b0 >> 16) + (ch.w.b1 >> 16) + (ch.w.b2 >> 16));
    ch.out_zp = p->out_zp;
    ch.rq = lm_dwp_quant(rec, p);
    return ch;
}

/* A pixel with one column in the padding: the two columns at q, weights (w1, w2) per row for
 * a missing first column (pass b), (w0, w1) for a missing last one (pass a). */
#define LM_DWP_EDGE(q_, k0_, k1_, k2_, acc_)                                                    \
    do {                                                                                        \
        (acc_) = lm_simd_mac(lm_dwp_pack((q_)[0], (q_)[STEP]), (k0_), (acc_));                  \
        (acc_) = lm_simd_mac(lm_dwp_pack((q_)[ROW], (q_)[ROW + STEP]), (k1_), (acc_));          \
        (acc_) = lm_simd_mac(lm_dwp_pack((q_)[2 * ROW], (q_)[2 * ROW + STEP]), (k2_), (acc_));  \
    } while (0)

/* The layer's geometry in the walk's view: ox_lo is 1 when a line's first pixel has a column
 * in the padding, else 0; ox_hi is out_w - 1 when its last one has, else out_w; x_lo, x_hi:
 * the input column of pixel ox_lo's and ox_hi's windows; ostep, oline: bytes between outputs
 * along the walk and between lines. */
typedef struct {
    int32_t ox_lo, ox_hi, out_w, x_lo, x_hi, ostep, oline;
} lm_dwp_cols;

/* One output line of one channel. q: the input at the first kernel row's input row, column
 * 0; o: the line's first output. */
LM_INLINE void lm_dwp_row(const int8_t *q, int8_t *o, const lm_dwp_ch *ch, const lm_dwp_cols *cols,
                          const int32_t STEP, const int32_t ROW, const int32_t S, const int mode)
{
    if (cols->ox_lo) {
        int32_t acc = ch->init_left;
        LM_DWP_EDGE(q, ch->w.b0, ch->w.b1, ch->w.b2, acc);
        lm_dwp_store(acc, &ch->rq, ch->out_zp, o, mode);
    }
    lm_dwp_run(q + cols->x_lo * STEP, o + cols->ox_lo * cols->ostep, cols->ox_hi - cols->ox_lo, cols->ostep, ch->w,
               ch->init, ch->rq, ch->out_zp, STEP, ROW, S, mode);
    if (cols->ox_hi < cols->out_w) {
        const int8_t *qe = q + cols->x_hi * STEP;
        int32_t acc = ch->init_right;
        LM_DWP_EDGE(qe, ch->w.a0, ch->w.a1, ch->w.a2, acc);
        lm_dwp_store(acc, &ch->rq, ch->out_zp, o + cols->ox_hi * cols->ostep, mode);
    }
}

/* Slot s of a channel's weights: kernel row s + shift, or zero where that is no kernel row
 * or falls in the padding (valid: bit k set when kernel row k is inside the input). */
LM_INLINE int32_t lm_dwp_slot(const int8_t *wc, int32_t s, int32_t shift, int32_t valid)
{
    const int32_t k = s + shift;
    return (k >= 0 && k < 3 && ((valid >> k) & 1)) ? lm_dwp_word(wc + 4 * k) : 0;
}

/* in_zp times the weights of the kernel rows not in `valid` (three bits). */
LM_INLINE int32_t lm_dwp_pad_rows(const int8_t *wc, int32_t valid, int32_t zp)
{
    int32_t k, sum = 0;
    for (k = 0; k < 3; ++k) {
        if (!((valid >> k) & 1)) {
            sum += wc[4 * k] + wc[4 * k + 1] + wc[4 * k + 3];
        }
    }
    return sum * zp;
}

/* A line with kernel rows in the padding, one channel: the three input rows from
 * clamp(iy0, 0, in_h - 3), zero weights for the padded kernel rows, whose zero-point terms
 * join the starting sums. in_c0: the batch's input at the channel. */
__attribute__((noinline, unused)) static void lm_dwp_border_row(const lm_dwconv_params *p, const int8_t *in_c0,
                                                               int32_t oy, const int8_t *wc, const int32_t *rec,
                                                               int8_t *o, const lm_dwp_cols *cols,
                                                               const int32_t STEP, const int32_t ROW,
                                                               const int32_t S, const int mode)
{
    const int32_t in_h = p->in_h, iy0 = oy * p->stride_h - p->pad_top;
    const int32_t base = LM_MAX(0, LM_MIN(iy0, in_h - 3)), shift = base - iy0;
    const int32_t valid = (iy0 >= 0 && iy0 < in_h ? 1 : 0) | (iy0 + 1 >= 0 && iy0 + 1 < in_h ? 2 : 0) |
                          (iy0 + 2 >= 0 && iy0 + 2 < in_h ? 4 : 0);
    const lm_dwp_ch ch = lm_dwp_channel(lm_dwp_slot(wc, 0, shift, valid), lm_dwp_slot(wc, 1, shift, valid),
                                        lm_dwp_slot(wc, 2, shift, valid),
                                        rec[0] + lm_dwp_pad_rows(wc, valid, p->in_zp), rec, p);
    lm_dwp_row(in_c0 + base * ROW, o, &ch, cols, STEP, ROW, S, mode);
}

/* The whole layer: C channels, real input width W, stride S along the walk, direction V
 * (constants); p in the walk's view. Per channel, the lines whose kernel rows all lie inside
 * the input with the channel's weights in registers, the others through lm_dwp_border_row. */
LM_INLINE void lm_dwp3x3(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                        int8_t *out, const int32_t C, const int32_t W, const int32_t S, const int V,
                        const int mode)
{
    const int32_t STEP = V ? W * C : C, ROW = V ? C : W * C;
    const int32_t in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w, pad_top = p->pad_top;
    const int32_t sh = p->stride_h, line_in = sh * ROW;
    const int32_t oy_lo = LM_MIN((pad_top + sh - 1) / sh, out_h);
    const int32_t oy_hi = LM_MAX(LM_MIN((in_h - 3 + pad_top) / sh + 1, out_h), oy_lo);
    lm_dwp_cols cols;
    int32_t b, c, oy;
    cols.out_w = out_w;
    cols.ox_lo = p->pad_left > 0 ? 1 : 0;
    cols.ox_hi = (out_w - 1) * S - p->pad_left + 2 >= in_w ? out_w - 1 : out_w;
    cols.x_lo = cols.ox_lo * S - p->pad_left;
    cols.x_hi = cols.ox_hi * S - p->pad_left;
    cols.ostep = V ? out_h * C : C;
    cols.oline = V ? C : out_w * C;
    for (b = 0; b < p->batches; ++b, in += in_h * in_w * C, out += out_h * out_w * C) {
        for (c = 0; c < C; ++c) {
            const int8_t *wc = wp + 12 * c;
            const int32_t *rc = rec + 4 * c;
            const lm_dwp_ch ch = lm_dwp_channel(lm_dwp_word(wc), lm_dwp_word(wc + 4), lm_dwp_word(wc + 8), rc[0],
                                                rc, p);
            const int8_t *q = in + c + (oy_lo * sh - pad_top) * ROW;
            int8_t *o = out + c + oy_lo * cols.oline;
            for (oy = 0; oy < oy_lo; ++oy) {
                lm_dwp_border_row(p, in + c, oy, wc, rc, out + c + oy * cols.oline, &cols, STEP, ROW, S, mode);
            }
            for (oy = oy_lo; oy < oy_hi; ++oy, q += line_in, o += cols.oline) {
                lm_dwp_row(q, o, &ch, &cols, STEP, ROW, S, mode);
            }
            for (oy = oy_hi; oy < out_h; ++oy) {
                lm_dwp_border_row(p, in + c, oy, wc, rc, out + c + oy * cols.oline, &cols, STEP, ROW, S, mode);
            }
        }
    }
}

/* An exported instance with the LM_DW_DSP_ARGS signature (`mode` and scratch unused: the
 * requantization mode is the constant MODE). C, W, S, V as for lm_dwp3x3. */
#define LM_DWP3X3_KERNEL(name, C, W, S, V, MODE)                                                     \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,     \
              int32_t mode, int8_t *scratch, int8_t *out)                                        \
    {                                                                                            \
        (void)mode;                                                                              \
        (void)scratch;                                                                           \
        lm_dwp3x3(p, in, wp, rec, out, (C), (W), (S), (V), (MODE));                               \
    }

#endif /* LM_DWCONV_3X3_PAIR_H */
