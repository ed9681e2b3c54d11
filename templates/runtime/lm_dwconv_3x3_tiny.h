/* litemicro runtime: DEPTHWISE_CONV_2D 3x3, depth multiplier 1, one pass per channel with the
 * row geometry built in: small maps (too short for lm_dwconv_3x3.h's walk) and stride 2 or
 * short lines (in place of lm_dwconv_3x3_pair.h's walk).
 *
 * A layer's generated source instantiates LM_DWT3X3_KERNEL with its channel count, input and
 * output widths, stride along the rows and left padding as constants: every input offset is an
 * immediate, and which columns of a window fall in the padding is known at compile time. The
 * rows' geometry (in_h, out_h, stride_h, pad_top) comes from the params, so that the layer also
 * runs by blocks of rows. A border pixel computes only its taps inside the input (no zero
 * taps, no run-time checks per pixel); the padded taps' zero-point terms (in_zp times their
 * weights) are added to the starting sums once per channel and kind of line.
 *
 * Per channel: its weights in registers as in lm_dwconv_3x3_pair.h (each kernel row the word
 * [w0 w1 w1 w2]: SXTB16 gives (w0, w1), SXTB16 ROR 8 gives (w1, w2)), then the top line
 * (kernel row 0 in the padding), the inner lines, the bottom line (kernel row 2 in the
 * padding); per line the left pixel (column 0 in the padding), the inner pixels two at a time
 * as in lm_dwconv_3x3_pair.h, the right pixel (column 2 in the padding). Conditions (the
 * compiler checks, and the planner for each block of rows): strides 1 or 2, an input of at
 * least 3x3, at most one padded row or column on each side.
 *
 * rec: as for lm_dwconv_3x3_pair.h, four words per channel, MODE 0..2 as there; or MODE 3
 * (clamp [-128, 127]) or 4 (clamp [act_min, act_max]): (2 bias, multiplier, 2 hi_add, right
 * shift) as for lm_dwconv_3x3.h, the sums doubled (the weights doubled once per channel): two
 * instructions fewer per output for the requantization.
 */
#ifndef LM_DWCONV_3X3_TINY_H
#define LM_DWCONV_3X3_TINY_H

#include "lm_dwconv_3x3_pair.h"

/* One output from the sum acc: modes 0..2 as lm_dwp_store; 3 and 4: acc is the doubled sum
 * (the weights doubled, rec's bias too), requantized by lm_rq2_clamp (ADD, SMMLAR, ASR) with
 * rec's (multiplier, 2 hi_add, right shift), then SSAT (3) or the clamp range (4). */
LM_INLINE void lm_dwt_store(int32_t acc, const lm_dwp_q *q, int32_t zp, int8_t *o, const int mode)
{
    if (mode >= 3) {
        *o = (int8_t)lm_rq2_clamp(acc, q->m, q->h, q->s, q->lo, q->hi, mode == 3);
    } else {
        lm_dwp_store(acc, q, zp, o, mode);
    }
}

/* Both int16 halves of v doubled (the weights of modes 3 and 4: |2 w| <= 256). */
LM_INLINE int32_t lm_dwt_double(int32_t v, const int mode)
{
    if (mode < 3) {
        return v;
    }
#if LM_USE_DSP
    return __sadd16(v, v);
#else
    return lm_dwp_pack(2 * (int32_t)(int16_t)v, 2 * (v >> 16));
#endif
}

/* Kernel row k's pairs (w0, w1) and (w1, w2); k a constant. */
#define LM_DWT_A(w_, k_) ((k_) == 0 ? (w_)->a0 : (k_) == 1 ? (w_)->a1 : (w_)->a2)
#define LM_DWT_B(w_, k_) ((k_) == 0 ? (w_)->b0 : (k_) == 1 ? (w_)->b1 : (w_)->b2)

/* The geometry of one instance (all constants). */
typedef struct {
    int32_t step, row, s, out_w, lo, hi, x_lo, x_hi;
} lm_dwt_geo;

/* Kernel rows k0 .. k0 + nk - 1 over the input rows from q: one pixel whose column 0 (left)
 * or column 2 (right: `right`) is padding, the two columns at q. */
#define LM_DWT_EDGE_ROW(j_)                                                                        \
    if ((j_) < nk) {                                                                            \
        const int8_t *r = q + (j_) * g->row;                                                    \
        acc = lm_simd_mac(lm_dwp_pack(r[0], r[g->step]),                                        \
                          right ? LM_DWT_A(w, k0 + (j_)) : LM_DWT_B(w, k0 + (j_)), acc);        \
    }

LM_INLINE int32_t lm_dwt_edge(const int8_t *q, const lm_dwp_w *w, int32_t acc, const int32_t k0, const int32_t nk,
                              const int right, const lm_dwt_geo *g)
{
    LM_DWT_EDGE_ROW(0)
    LM_DWT_EDGE_ROW(1)
    LM_DWT_EDGE_ROW(2)
    return acc;
}

/* The kernel rows of one line for two pixels (ROW2) or one (ROW1) at p. */
#define LM_DWT_ROWS(macro_)                                                                        \
    do {                                                                                        \
        macro_(p, LM_DWT_A(w, k0), LM_DWT_B(w, k0));                                            \
        macro_(p + g->row, LM_DWT_A(w, k0 + 1), LM_DWT_B(w, k0 + 1));                           \
        if (nk > 2) {                                                                           \
            macro_(p + 2 * g->row, LM_DWT_A(w, k0 + 2), LM_DWT_B(w, k0 + 2));                   \
        }                                                                                       \
    } while (0)

/* One line of one channel: kernel rows k0 .. k0 + nk - 1 inside the input, q at the input row
 * of kernel row k0, column 0; o at the line's first output; init: the inner pixels' starting
 * sum, init_l / init_r: the edge pixels'. */
LM_INLINE void lm_dwt_line(const int8_t *q, int8_t *o, const lm_dwp_w *w, int32_t init, int32_t init_l,
                           int32_t init_r, const lm_dwp_q *rq, int32_t zp, const int32_t k0, const int32_t nk,
                           const lm_dwt_geo *g, const int mode)
{
    const int32_t STEP = g->step, S = g->s, C = g->step;
    const int8_t *p = q + g->x_lo * STEP;
    int32_t x;
    if (g->lo) {
        lm_dwt_store(lm_dwt_edge(q, w, init_l, k0, nk, 0, g), rq, zp, o, mode);
    }
    for (x = g->lo; x + 1 < g->hi; x += 2, p += 2 * S * STEP) {
        int32_t acc0 = init, acc1 = init;
        LM_DWT_ROWS(LM_DWP_ROW2);
        lm_dwt_store(acc0, rq, zp, o + x * C, mode);
        lm_dwt_store(acc1, rq, zp, o + (x + 1) * C, mode);
    }
    if ((g->hi - g->lo) & 1) {
        int32_t acc0 = init;
        LM_DWT_ROWS(LM_DWP_ROW1);
        lm_dwt_store(acc0, rq, zp, o + (g->hi - 1) * C, mode);
    }
    if (g->hi < g->out_w) {
        lm_dwt_store(lm_dwt_edge(q + g->x_hi * STEP, w, init_r, k0, nk, 1, g), rq, zp, o + g->hi * C, mode);
    }
}

/* in_zp times per kernel row k the sum of its weights (row[k]), its column 0 (col0[k]) and
 * column 2 (col2[k]). */
typedef struct {
    int32_t row[3], col0[3], col2[3];
} lm_dwt_zp;

/* One line: kernel rows k0 .. k0 + nk - 1 inside the input (the other row's zero-point term
 * joins every pixel's sum, the edge pixels' padded column's joins theirs). */
LM_INLINE void lm_dwt_line_zp(const int8_t *q, int8_t *o, const lm_dwp_w *w, int32_t init, const lm_dwt_zp *z,
                              const lm_dwp_q *rq, int32_t out_zp, const int32_t k0, const int32_t nk,
                              const lm_dwt_geo *g, const int mode)
{
    int32_t left, right;
    if (nk == 3) {
        left = z->col0[0] + z->col0[1] + z->col0[2];
        right = z->col2[0] + z->col2[1] + z->col2[2];
    } else {
        init += z->row[k0 ? 0 : 2];
        left = z->col0[k0] + z->col0[k0 + 1];
        right = z->col2[k0] + z->col2[k0 + 1];
    }
    lm_dwt_line(q, o, w, init, init + left, init + right, rq, out_zp, k0, nk, g, mode);
}

/* z for a channel's weights w and the input zero point zp. */
#define LM_DWT_ZP_ROW(k_, a_, b_)                                                                  \
    do {                                                                                        \
        z->col0[k_] = zp * (int16_t)(a_);                                                       \
        z->col2[k_] = zp * ((b_) >> 16);                                                        \
        z->row[k_] = z->col0[k_] + z->col2[k_] + zp * ((a_) >> 16);                             \
    } while (0)

LM_INLINE void lm_dwt_zps(lm_dwt_zp *z, const lm_dwp_w *w, int32_t zp)
{
    LM_DWT_ZP_ROW(0, w->a0, w->b0);
    LM_DWT_ZP_ROW(1, w->a1, w->b1);
    LM_DWT_ZP_ROW(2, w->a2, w->b2);
}

/* One channel c: its weights in registers, then its lines (the top one with kernel row 0 in the
 * padding, the inner ones, the bottom one with kernel row 2 in the padding). */
LM_INLINE void lm_dwt_channel(const lm_dwconv_params *p, const int8_t *in, const int8_t *wc, const int32_t *rc,
                              int8_t *out, const lm_dwt_geo *g, const int32_t in_h, const int32_t out_h,
                              const int32_t sh, const int32_t pad_top, const int mode)
{
    const int32_t line_in = sh * g->row, line_out = g->out_w * g->step;
    const int32_t y_hi = (out_h - 1) * sh - pad_top + 2 >= in_h ? out_h - 1 : out_h;
    const int32_t r0 = lm_dwp_word(wc), r1 = lm_dwp_word(wc + 4), r2 = lm_dwp_word(wc + 8);
    const lm_dwp_q rq = lm_dwp_quant(rc, p);
    const int32_t init = rc[0];
    lm_dwp_w w;
    lm_dwt_zp z;
    int32_t oy = 0;
    const int8_t *q = in;
    w.a0 = lm_dwt_double(lm_simd_even(r0), mode);
    w.b0 = lm_dwt_double(lm_simd_odd(r0), mode);
    w.a1 = lm_dwt_double(lm_simd_even(r1), mode);
    w.b1 = lm_dwt_double(lm_simd_odd(r1), mode);
    w.a2 = lm_dwt_double(lm_simd_even(r2), mode);
    w.b2 = lm_dwt_double(lm_simd_odd(r2), mode);
    lm_dwt_zps(&z, &w, p->in_zp);
    if (pad_top) {
        lm_dwt_line_zp(in, out, &w, init, &z, &rq, p->out_zp, 1, 2, g, mode);
        oy = 1;
        q += line_in - g->row;
    }
    for (; oy < y_hi; ++oy, q += line_in) {
        lm_dwt_line_zp(q, out + oy * line_out, &w, init, &z, &rq, p->out_zp, 0, 3, g, mode);
    }
    if (y_hi < out_h) {
        lm_dwt_line_zp(q, out + y_hi * line_out, &w, init, &z, &rq, p->out_zp, 0, 2, g, mode);
    }
}

/* The whole layer: C channels, input width IW, output width OW, stride S and left padding PL
 * (0 or 1) along the rows (constants); input height IH, output height OH, stride SH and top
 * padding PT constants too when IH > 0, else from p. */
LM_INLINE void lm_dwt3x3(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                        int8_t *out, const int32_t C, const int32_t IW, const int32_t OW, const int32_t S,
                        const int32_t PL, const int mode, const int32_t IH, const int32_t OH, const int32_t SH,
                        const int32_t PT)
{
    const int32_t PR = (OW - 1) * S - PL + 2 >= IW;
    const int32_t in_h = IH ? IH : p->in_h, out_h = IH ? OH : p->out_h;
    const int32_t sh = IH ? SH : p->stride_h, pad_top = IH ? PT : p->pad_top;
    lm_dwt_geo g;
    int32_t b, c;
    g.step = C;
    g.row = IW * C;
    g.s = S;
    g.out_w = OW;
    g.lo = PL;
    g.hi = PR ? OW - 1 : OW;
    g.x_lo = PL * S - PL;
    g.x_hi = g.hi * S - PL;
    for (b = 0; b < p->batches; ++b, in += in_h * IW * C, out += out_h * OW * C) {
        for (c = 0; c < C; ++c) {
            lm_dwt_channel(p, in + c, wp + 12 * c, rec + 4 * c, out + c, &g, in_h, out_h, sh, pad_top, mode);
        }
    }
}

/* An exported instance with the LM_DW_DSP_ARGS signature (`mode` and scratch unused): the rows'
 * geometry from the params (LM_DWT3X3_KERNEL) or built in too (LM_DWT3X3_MAP_KERNEL, IH > 0). */
#define LM_DWT3X3_MAP_KERNEL(name, C, IW, OW, S, PL, MODE, IH, OH, SH, PT)                            \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,    \
              int32_t mode, int8_t *scratch, int8_t *out)                                       \
    {                                                                                           \
        (void)mode;                                                                             \
        (void)scratch;                                                                          \
        lm_dwt3x3(p, in, wp, rec, out, (C), (IW), (OW), (S), (PL), (MODE), (IH), (OH), (SH), (PT)); \
    }

#define LM_DWT3X3_KERNEL(name, C, IW, OW, S, PL, MODE) LM_DWT3X3_MAP_KERNEL(name, C, IW, OW, S, PL, MODE, 0, 0, 0, 0)

#endif /* LM_DWCONV_3X3_TINY_H */
