/* litemicro runtime: DEPTHWISE_CONV_2D 3x3, depth multiplier 1, one pass per channel over
 * columns of the input window: small maps and short lines (the instances of
 * lm_dwconv_3x3_tiny.h whose lines the compiler unrolls whole).
 *
 * A layer's generated source instantiates LM_DWC3X3_KERNEL (or LM_DWC3X3_MAP_KERNEL) with its
 * channel count, input and output widths, stride along the rows and left padding as
 * constants, as for lm_dwconv_3x3_tiny.h; the rows' geometry from the params or built in
 * too. Every line is unrolled over its pixels (a longer line, LOOP: its columns past the edge
 * pixels in a loop, 3 LM_DWC_PASS pixels per pass): which columns of a window fall in the
 * padding, every input offset and every output offset are constants, and an input column is
 * read once per line however many windows share it.
 *
 * One input column of a line (the three input rows of the kernel at one column): the word
 * (x0, x1) of its first two rows (two loads and a PKHBT) meets the kernel column's word
 * (w0c, w1c) in one SMLAD, the third row's value meets w2c in one SMLABB/SMLABT. A line
 * with its first kernel row in the padding takes the other two rows' values one by one
 * (SMLABT against (w0c, w1c), SMLABB/T against row 2), one with its last kernel row in the
 * padding the SMLAD only. A padded kernel row's zero-point term (in_zp times its weights) joins
 * the line's starting sum, once per channel; a padded column is added to an edge pixel as a
 * column of in_zp values.
 *
 * wp: per channel 12 bytes, [w00 w01 w10 w11] [w02 w20 w12 w21] [w22 0 0 0] (w<row><column>):
 * SXTB16 of the first word gives (w00, w10) and (w01, w11) (ROR 8), of the second (w02, w12)
 * and (w20, w21). rec and MODE as for lm_dwconv_3x3_tiny.h (3, 4: the weights doubled once per
 * channel, the sums doubled).
 *
 * On DSP cores built by GCC with the optimizer (LM_DWC_ASM), an instance of stride 1, multiplier
 * 1 and mode 3 runs every channel of a call in its own assembly routine, which the compiler
 * writes from the instance's geometry (lite_micro/ops/dwc_asm.py, LINES): the same columns and
 * taps, one register per weight pair, sum, pointer and requantization constant, the starting
 * sums on its stack.
 */
#ifndef LM_DWCONV_3X3_COLS_H
#define LM_DWCONV_3X3_COLS_H

#include <stddef.h>

#include "lm_dwconv_3x3_tiny.h"

/* The instances' assembly line routines (lite_micro/ops/dwc_asm.py) need the optimizer. */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(__clang__)
#define LM_DWC_ASM 1
#else
#define LM_DWC_ASM 0
#endif

/* One channel's weights: the kernel columns' pairs of rows 0 and 1, row 2 as (w20, w21), w22 in
 * the top half of its word (the bottom half: see lm_dwc_channel). */
typedef struct {
    int32_t v[3], r2, w22;
} lm_dwc_w;

/* Row 2's weight in column kc (a constant) times the int16 bottom of x, added to acc. */
LM_INLINE int32_t lm_dwc_row2(int32_t acc, int32_t x, const lm_dwc_w *w, const int32_t kc)
{
    return kc == 0 ? LM_DWP_BB(acc, x, w->r2) : kc == 1 ? LM_DWP_BT(acc, x, w->r2) : LM_DWP_BT(acc, x, w->w22);
}

/* One input column of a line at q (kernel rows k0 .. k0 + nk - 1 inside the input, q at kernel
 * row k0's input row; ROW: bytes between input rows): its value(s) for the kernel rows 0 and 1
 * (the pair (x0, x1), or x1 alone when kernel row 0 is padding) and for kernel row 2. */
typedef struct {
    int32_t a, b;
} lm_dwc_x;

LM_INLINE lm_dwc_x lm_dwc_load(const int8_t *q, const int32_t k0, const int32_t nk, const int32_t ROW)
{
    lm_dwc_x x;
    if (k0 == 0) {
        x.a = lm_dwp_pack(q[0], q[ROW]);
        x.b = nk == 3 ? q[2 * ROW] : 0;
    } else {
        x.a = q[0];
        x.b = q[ROW];
    }
    return x;
}

/* acc plus the column x's taps in kernel column kc (a constant). */
LM_INLINE int32_t lm_dwc_mac(int32_t acc, lm_dwc_x x, const lm_dwc_w *w, const int32_t kc, const int32_t k0,
                             const int32_t nk)
{
    if (k0 == 0) {
        acc = lm_simd_mac(x.a, w->v[kc], acc);
        return nk == 3 ? lm_dwc_row2(acc, x.b, w, kc) : acc;
    }
    acc = LM_DWP_BT(acc, x.a, w->v[kc]);
    return lm_dwc_row2(acc, x.b, w, kc);
}

/* The start of one kind of line: every pixel's starting sum (mid), and the value in_zp in
 * every half of a column (zx): a padded column's taps, added to an edge pixel's sum as an input
 * column's would be (two multiply-accumulates in place of a register for its own start). */
typedef struct {
    int32_t mid;
    lm_dwc_x zx;
} lm_dwc_init;

#ifndef LM_DWC_PASS
#define LM_DWC_PASS 2
#endif

/* The geometry of one instance (constants): input and output channels, input and output width, stride and left
 * padding along the rows, whether the inner columns of a line run in a loop (else every line
 * is unrolled whole), and the requantization mode. */
typedef struct {
    int32_t C, CO, IW, OW, S, PL, loop;
    int mode;
} lm_dwc_geo;

/* The input columns [ja, jb) of one line of one channel (kernel rows k0 .. k0 + nk - 1 inside
 * the input; q at kernel row k0's input row, column 0; o at the line's first output): each
 * column read once and added to the (at most three) pixels whose windows hold it, pixel ox's
 * window starting at column ox S - PL and its sum in acc[ox % 3]; a pixel starts at its first
 * column and is stored after its last. */
LM_INLINE void lm_dwc_span(const int8_t *q, int8_t *o, int32_t *acc, const lm_dwc_w *w, const lm_dwc_init *init,
                           const lm_dwp_q *rq, int32_t zp, const int32_t k0, const int32_t nk, const int32_t ja,
                           const int32_t jb, const lm_dwc_geo *g)
{
    const int32_t S = g->S, PL = g->PL, IW = g->IW, OW = g->OW;
    int32_t j, ox;
#pragma GCC unroll 256
    for (j = ja; j < jb; ++j) {
        const int32_t first = (j + PL - 2 + S - 1 + 2 * S) / S - 2, last = (j + PL) / S;
        lm_dwc_x x;
        if (first > last || last < 0 || first >= OW) {
            continue;
        }
        x = lm_dwc_load(q + j * g->C, k0, nk, IW * g->C);
#pragma GCC unroll 3
        for (ox = LM_MAX(first, 0); ox <= LM_MIN(last, OW - 1); ++ox) {
            const int32_t x0 = ox * S - PL;
            if (j == LM_MAX(x0, 0)) {
                acc[ox % 3] = init->mid;
                if (x0 < 0) {
                    acc[ox % 3] = lm_dwc_mac(acc[ox % 3], init->zx, w, 0, k0, nk);
                }
                if (x0 + 2 >= IW) {
                    acc[ox % 3] = lm_dwc_mac(acc[ox % 3], init->zx, w, 2, k0, nk);
                }
            }
            acc[ox % 3] = lm_dwc_mac(acc[ox % 3], x, w, j - x0, k0, nk);
            if (j == LM_MIN(x0 + 2, IW - 1)) {
                lm_dwt_store(acc[ox % 3], rq, zp, o + ox * g->CO, g->mode);
            }
        }
    }
}

/* One line of one channel (q, o as for lm_dwc_span): unrolled whole, or with a loop over the
 * columns whose pixels have no padded column, three pixels (3 S columns) per pass. */
LM_INLINE void lm_dwc_line(const int8_t *q, int8_t *o, const lm_dwc_w *w, const lm_dwc_init *init,
                           const lm_dwp_q *rq, int32_t zp, const int32_t k0, const int32_t nk, const lm_dwc_geo *g)
{
    const int32_t S = g->S, PL = g->PL, IW = g->IW;
    const int32_t hi = (g->OW - 1) * S - PL + 2 >= IW ? g->OW - 1 : g->OW;     /* pixels below: no right padding */
    const int32_t a = LM_MAX((PL - 1) * S + 3 - PL, 0);                          /* columns from a: no left one */
    const int32_t P = 3 * LM_DWC_PASS * S;                                       /* columns per pass */
    const int32_t blocks = g->loop ? LM_MAX(hi * S - PL - a, 0) / P : 0;
    const int8_t *qb = q;
    int8_t *ob = o;
    int32_t acc[3] = {0, 0, 0};
    int32_t k;
    if (!blocks) {
        lm_dwc_span(q, o, acc, w, init, rq, zp, k0, nk, 0, IW, g);
        return;
    }
    lm_dwc_span(q, o, acc, w, init, rq, zp, k0, nk, 0, a, g);
#pragma GCC unroll 1
    for (k = 0; k < blocks; ++k, qb += P * g->C, ob += 3 * LM_DWC_PASS * g->CO) {
        lm_dwc_span(qb, ob, acc, w, init, rq, zp, k0, nk, a, a + P, g);
    }
    lm_dwc_span(q, o, acc, w, init, rq, zp, k0, nk, a + blocks * P, IW, g);
}

/* The starting sums of one kind of line (kernel rows k0 .. k0 + nk - 1 inside the input): the
 * channel's plus in_zp times the weights of the kernel row in the padding, if any. */
LM_INLINE lm_dwc_init lm_dwc_start(int32_t init, const lm_dwc_w *w, int32_t zp, const int32_t k0, const int32_t nk)
{
    lm_dwc_init r;
    if (k0 == 1) {
        init += zp * ((int16_t)w->v[0] + (int16_t)w->v[1] + (int16_t)w->v[2]);
    } else if (nk == 2) {
        init += zp * ((int16_t)w->r2 + (w->r2 >> 16) + (w->w22 >> 16));
    }
    r.mid = init;
    r.zx.a = lm_dwp_pack(zp, zp);
    r.zx.b = r.zx.a;
    return r;
}

/* What an instance's assembly routine (dwc_asm.py) reads, per call: the input at channel 0's
 * first line (kernel row 0, or row 1 for a top line) and the output; the weights and records
 * as lm_dwc3x3 reads them (mode 3) and their count of channels; per channel, its inner lines end
 * end_off bytes past its first line's input; a top line (kernel row 0 in the padding) when
 * `top`, then the input moves by top_adv; a bottom line (kernel row 2 in the padding) when
 * `bottom`; lines line_in and line_out bytes apart; the input zero point. The order is fixed:
 * the assembly reads the words in it. */
typedef struct {
    const int8_t *in;
    int8_t *out;
    const int8_t *wp;
    const int32_t *rec;
    int32_t channels, end_off, line_in, line_out, top, bottom, top_adv, zp;
} lm_dwc_call;

typedef void (*lm_dwc_lines_fn)(const lm_dwc_call *call);

#if LM_DWC_ASM
typedef char lm_dwc_call_layout[(offsetof(lm_dwc_call, zp) == 44) ? 1 : -1];
#endif

/* One batch of a layer through the instance's routine (depth multiplier 1, mode 3). */
LM_INLINE void lm_dwc_call_lines(lm_dwc_lines_fn lines, const lm_dwconv_params *p, const int8_t *in,
                                 const int8_t *wp, const int32_t *rec, int8_t *out, const int32_t in_h,
                                 const int32_t out_h, const int32_t sh, const int32_t pad_top, const lm_dwc_geo *g)
{
    const int32_t row = g->IW * g->C, line_in = sh * row;
    const int32_t y_hi = (out_h - 1) * sh - pad_top + 2 >= in_h ? out_h - 1 : out_h;
    lm_dwc_call call;
    call.in = in;
    call.out = out;
    call.wp = wp;
    call.rec = rec;
    call.channels = g->C;
    call.end_off = (pad_top ? line_in - row : 0) + (y_hi - (pad_top ? 1 : 0)) * line_in;
    call.line_in = line_in;
    call.line_out = g->OW * g->CO;
    call.top = pad_top != 0;
    call.bottom = y_hi < out_h;
    call.top_adv = line_in - row;
    call.zp = p->in_zp;
    lines(&call);
}

/* One channel: weights from wc (doubled for modes 3, 4), the lines as lm_dwt_channel walks them. */
LM_INLINE void lm_dwc_channel(const lm_dwconv_params *p, const int8_t *in, const int8_t *wc, const int32_t *rc,
                              int8_t *out, const int32_t in_h, const int32_t out_h, const int32_t sh,
                              const int32_t pad_top, const lm_dwc_geo *g)
{
    const int32_t row = g->IW * g->C, line_in = sh * row, line_out = g->OW * g->CO, zp = p->in_zp;
    const int32_t y_hi = (out_h - 1) * sh - pad_top + 2 >= in_h ? out_h - 1 : out_h;
    const int32_t r0 = lm_dwp_word(wc), r1 = lm_dwp_word(wc + 4);
    lm_dwp_q rq = lm_dwp_quant(rc, p);
    const int mode = g->mode;
    lm_dwc_w w;
    lm_dwc_init full;
    int32_t oy = 0;
    const int8_t *q = in;
    w.v[0] = lm_dwt_double(lm_simd_even(r0), mode);
    w.v[1] = lm_dwt_double(lm_simd_odd(r0), mode);
    w.v[2] = lm_dwt_double(lm_simd_even(r1), mode);
    w.r2 = lm_dwt_double(lm_simd_odd(r1), mode);
    w.w22 = (int32_t)((uint32_t)lm_dwt_double((int32_t)wc[8] & 0xFFFF, mode) << 16);
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* the right shift of modes 1 to 4 in w22's bottom half: their ASR takes the shift's bottom
     * byte only, and the word saves a register for the lines */
    if (mode > 0) {
        w.w22 |= rq.s & 0xFF;
        rq.s = w.w22;
    }
#endif
    full = lm_dwc_start(rc[0], &w, zp, 0, 3);
    if (pad_top) {
        const lm_dwc_init top = lm_dwc_start(rc[0], &w, zp, 1, 2);
        lm_dwc_line(in, out, &w, &top, &rq, p->out_zp, 1, 2, g);
        oy = 1;
        q += line_in - row;
    }
    for (; oy < y_hi; ++oy, q += line_in) {
        lm_dwc_line(q, out + oy * line_out, &w, &full, &rq, p->out_zp, 0, 3, g);
    }
    if (y_hi < out_h) {
        const lm_dwc_init bottom = lm_dwc_start(rc[0], &w, zp, 0, 2);
        lm_dwc_line(q, out + y_hi * line_out, &w, &bottom, &rq, p->out_zp, 0, 2, g);
    }
}

/* The whole layer (as lm_dwt3x3; C input channels, depth multiplier DM: output channel k reads
 * input channel k / DM; LOOP: lm_dwc_geo's loop). */
LM_INLINE void lm_dwc3x3(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                        int8_t *out, const int32_t C, const int32_t DM, const int32_t IW, const int32_t OW,
                        const int32_t S, const int32_t PL, const int32_t LOOP, const int mode, const int32_t IH,
                        const int32_t OH, const int32_t SH, const int32_t PT, lm_dwc_lines_fn LINES)
{
    const int32_t in_h = IH ? IH : p->in_h, out_h = IH ? OH : p->out_h;
    const int32_t sh = IH ? SH : p->stride_h, pad_top = IH ? PT : p->pad_top;
    const lm_dwc_geo g = {C, C * DM, IW, OW, S, PL, LOOP, mode};
    int32_t b, k;
    for (b = 0; b < p->batches; ++b, in += in_h * IW * C, out += out_h * OW * C * DM) {
        if (LINES) {
            lm_dwc_call_lines(LINES, p, in, wp, rec, out, in_h, out_h, sh, pad_top, &g);
            continue;
        }
        for (k = 0; k < C * DM; ++k) {
            lm_dwc_channel(p, in + k / DM, wp + 12 * k, rec + 4 * k, out + k, in_h, out_h, sh, pad_top, &g);
        }
    }
}

/* An exported instance with the LM_DW_DSP_ARGS signature, as LM_DWT3X3_MAP_KERNEL (DM: the
 * depth multiplier; LOOP: the inner columns of a line in a loop; LINES: the instance's assembly
 * routine for the inner lines, or 0). */
#define LM_DWC3X3_MAP_KERNEL(name, C, DM, IW, OW, S, PL, LOOP, MODE, IH, OH, SH, PT, LINES)           \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,    \
              int32_t mode, int8_t *scratch, int8_t *out)                                       \
    {                                                                                           \
        (void)mode;                                                                             \
        (void)scratch;                                                                          \
        lm_dwc3x3(p, in, wp, rec, out, (C), (DM), (IW), (OW), (S), (PL), (LOOP), (MODE), (IH), (OH), (SH), \
                  (PT), (LINES));                                                               \
    }

#define LM_DWC3X3_KERNEL(name, C, DM, IW, OW, S, PL, LOOP, MODE, LINES)                                 \
    LM_DWC3X3_MAP_KERNEL(name, C, DM, IW, OW, S, PL, LOOP, MODE, 0, 0, 0, 0, LINES)

#endif /* LM_DWCONV_3X3_COLS_H */
