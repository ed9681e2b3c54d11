/* litemicro runtime: convolutions whose kernel rows are a few contiguous input bytes (DSP cores).
 *
 * A CONV_2D with 1 to 3 input channels (a first layer), and a DEPTHWISE_CONV_2D with one input
 * channel (a convolution of in_c 1 with depth_mult output channels), read each kernel row,
 * k_w * in_c bytes, straight from the input: no patch is gathered. A row is taken as rg groups
 * of 4 bytes (r4 = 4 * rg; the compiler pads each weight row to r4 taps with zero weights, so
 * the bytes read past a row are multiplied by zero). Rows in the padding, rows clipped at a
 * border and the last row of the input (whose r4 bytes could pass its end) go through a small
 * row buffer holding the input zero point where there is no input.
 *
 * Per pair of output pixels, both pixels' rows are widened once into int16 lanes (per group of
 * 4 taps the words even(x0), even(x1), odd(x0), odd(x1)), then every block of 4 output channels
 * runs over them in the channel-pair halfword form of lm_dot.h (lm_wrap_mac): G = k_h * rg
 * groups, a constant of each instance, so the loop is unrolled whole and its 14 registers hold
 * 8 sums, 2 taps words, 2 weight words and 2 pointers.
 *
 * Each layer calls an instance: LM_CONV_ROWS_KERNEL(name, G, post, full) in a generated file,
 * shared by the layers with the same (G, post, full). w: per block of 4 output channels its 4
 * starting sums (bias[c], bias[c] + 256 * bias[c + 1] per channel pair), then per group the
 * words of pair (0, 1) and (2, 3) of the even taps, then of the odd taps (lm_conv_quad_s8's
 * stream over the padded rows). rq: per channel (out_c rounded up to 4) the triple (multiplier,
 * hi_add, shift_hi) of lm_requantize_rq; zp_post: the output zero point added after the shift
 * (`post` instances; else folded in hi_add), `full`: the clamp range is [-128, 127]. scratch:
 * 16 * G + r4 bytes, 4-aligned. dil_w must be 1.
 */
#ifndef LM_CONV_ROWS_H
#define LM_CONV_ROWS_H

#include <stdint.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

#define LM_CONV_ROWS_ARGS                                                                        \
    const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rq, int32_t zp_post, \
        int8_t *scratch, int8_t *out

/* The rows of output pixels pix and pix + 1 (of pix twice unless `two`), widened into xw; row:
 * the r4-byte row buffer (lm_conv_rows.c). */
void lm_conv_rows_widen(const lm_conv_params *p, const int8_t *in_b, int32_t pix, int32_t two, int32_t *xw,
                        int8_t *row);

/* s[0..7] = pixel 0's sums of channels 0..3, then pixel 1's, of one block of w over the widened
 * pair xw; returns w advanced past the block. */
LM_INLINE const int32_t *lm_conv_rows_block(const int32_t *w, const int32_t *xw, const int32_t groups, int32_t *s)
{
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* Per half group: four loads back to back (5 cycles), then per weight word 2 SMLAD, SXTB16
     * in place, 2 SMLAD: 16 MACs in 15 cycles. */
    int32_t a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, wa, wb;
    const int32_t *x = xw;
    __asm__("ldr %[a0], [%[w]], #4\n\t"
            "ldr %[a1], [%[w]], #4\n\t"
            "ldr %[a2], [%[w]], #4\n\t"
            "ldr %[a3], [%[w]], #4\n\t"
            "mov %[b0], %[a0]\n\t"
            "mov %[b1], %[a1]\n\t"
            "mov %[b2], %[a2]\n\t"
            "mov %[b3], %[a3]\n\t"
            ".rept %c[halves]\n\t"
            "ldr %[x0], [%[x]], #4\n\t"
            "ldr %[x1], [%[x]], #4\n\t"
            "ldr %[wa], [%[w]], #4\n\t"
            "ldr %[wb], [%[w]], #4\n\t"
            "smlad %[a1], %[wa], %[x0], %[a1]\n\t"
            "smlad %[b1], %[wa], %[x1], %[b1]\n\t"
            "sxtb16 %[wa], %[wa]\n\t"
            "smlad %[a0], %[wa], %[x0], %[a0]\n\t"
            "smlad %[b0], %[wa], %[x1], %[b0]\n\t"
            "smlad %[a3], %[wb], %[x0], %[a3]\n\t"
            "smlad %[b3], %[wb], %[x1], %[b3]\n\t"
            "sxtb16 %[wb], %[wb]\n\t"
            "smlad %[a2], %[wb], %[x0], %[a2]\n\t"
            "smlad %[b2], %[wb], %[x1], %[b2]\n\t"
            ".endr"
            : [w] "+r"(w), [x] "+r"(x), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
              [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [wa] "=&r"(wa), [wb] "=&r"(wb)
            : [halves] "i"(2 * groups)
            : "memory");
#else
    int32_t a0 = w[0], a1 = w[1], a2 = w[2], a3 = w[3];
    int32_t b0 = a0, b1 = a1, b2 = a2, b3 = a3, half;
    for (w += 4, half = 0; half < 2 * groups; ++half, w += 2, xw += 2) {
        const int32_t x0 = xw[0], x1 = xw[1], wa = w[0], wb = w[1];
        const int32_t wa0 = lm_simd_even(wa), wb0 = lm_simd_even(wb);
        a1 = lm_wrap_mac(wa, x0, a1);
        b1 = lm_wrap_mac(wa, x1, b1);
        a0 = lm_wrap_mac(wa0, x0, a0);
        b0 = lm_wrap_mac(wa0, x1, b0);
        a3 = lm_wrap_mac(wb, x0, a3);
        b3 = lm_wrap_mac(wb, x1, b3);
        a2 = lm_wrap_mac(wb0, x0, a2);
        b2 = lm_wrap_mac(wb0, x1, b2);
    }
#endif /* LM_USE_DSP */
    s[0] = a0;
    s[1] = lm_pair_hi(a0, a1);
    s[2] = a2;
    s[3] = lm_pair_hi(a2, a3);
    s[4] = b0;
    s[5] = lm_pair_hi(b0, b1);
    s[6] = b2;
    s[7] = lm_pair_hi(b2, b3);
    return w;
}

/* Channel j of a block: its outputs for pixel 0 (*o0++) and pixel 1 (*o1++). */
#define LM_CONV_ROWS_OUT(s, j, rq, zp, post, full, lo, hi, o0, o1)                              \
    do {                                                                                       \
        const int32_t m_ = (rq)[3 * (j)], h_ = (rq)[3 * (j) + 1], r_ = (rq)[3 * (j) + 2];      \
        LM_REQUANTIZE_STORE((s)[j], m_, h_, r_, zp, post, full, lo, hi, o0);                   \
        LM_REQUANTIZE_STORE((s)[(j) + 4], m_, h_, r_, zp, post, full, lo, hi, o1);             \
    } while (0)

/* Every output channel of a pixel pair (o1 == o0 for a lone last pixel). */
LM_INLINE void lm_conv_rows_pair(const lm_conv_params *p, const int32_t *w, const int32_t *rq, const int32_t *xw,
                                 int8_t *o0, int8_t *o1, int32_t zp_post, const int32_t groups, const int post,
                                 const int full)
{
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t n = p->out_c, s[8];
    (void)full;
    for (; n >= 4; n -= 4, rq += 12) {
        w = lm_conv_rows_block(w, xw, groups, s);
        LM_CONV_ROWS_OUT(s, 0, rq, zp_post, post, full, lo, hi, o0, o1);
        LM_CONV_ROWS_OUT(s, 1, rq, zp_post, post, full, lo, hi, o0, o1);
        LM_CONV_ROWS_OUT(s, 2, rq, zp_post, post, full, lo, hi, o0, o1);
        LM_CONV_ROWS_OUT(s, 3, rq, zp_post, post, full, lo, hi, o0, o1);
    }
    if (n > 0) {  /* the last block's zero channels are computed into t and dropped */
        int8_t t0[4], t1[4], *q0 = t0, *q1 = t1;
        int32_t j;
        lm_conv_rows_block(w, xw, groups, s);
        LM_CONV_ROWS_OUT(s, 0, rq, zp_post, post, full, lo, hi, q0, q1);
        LM_CONV_ROWS_OUT(s, 1, rq, zp_post, post, full, lo, hi, q0, q1);
        LM_CONV_ROWS_OUT(s, 2, rq, zp_post, post, full, lo, hi, q0, q1);
        for (j = 0; j < n; ++j) {
            o0[j] = t0[j];
            o1[j] = t1[j];
        }
    }
}

/* Every pixel pair of every batch. */
LM_INLINE void lm_conv_rows_run(LM_CONV_ROWS_ARGS, const int32_t groups, const int post, const int full)
{
    const int32_t out_c = p->out_c, pixels = p->out_h * p->out_w, in_batch = p->in_h * p->in_w * p->in_c;
    int32_t *xw = (int32_t *)(void *)scratch;
    int8_t *row = scratch + 16 * groups;
    int32_t b, pix;
    for (b = 0; b < p->batches; ++b, in += in_batch) {
        for (pix = 0; pix < pixels; pix += 2, out += 2 * out_c) {
            const int pair = pix + 1 < pixels;
            lm_conv_rows_widen(p, in, pix, pair, xw, row);
            lm_conv_rows_pair(p, w, rq, xw, out, pair ? out + out_c : out, zp_post, groups, post, full);
        }
        out -= (pixels & 1) * out_c;   /* a lone last pixel filled one pixel, not two */
    }
}

/* One instance: G groups, `post` and `full` as above (constants). */
#define LM_CONV_ROWS_KERNEL(name, G, post, full)                                                 \
    void name(LM_CONV_ROWS_ARGS)                                                                 \
    {                                                                                            \
        lm_conv_rows_run(p, in, w, rq, zp_post, scratch, out, G, post, full);                    \
    }

#endif /* LM_CONV_ROWS_H */
