/* litemicro runtime: convolutions whose kernel rows are a few contiguous input bytes (DSP cores).
 *
 * A CONV_2D with 1 to 3 input channels (a first layer), and a DEPTHWISE_CONV_2D with one input
 * channel (a convolution of in_c 1 with depth_mult output channels), read each kernel row,
 * k_w * in_c contiguous bytes, without gathering a patch per pixel. The input rows an output row's
 * windows cover are copied once into a band (the zero point in the padding and in the rows
 * outside the input), so that every window, at a border or not, reads its rows in place.
 * A row is read as rg groups of 4 bytes (r4 = 4 * rg; the compiler pads each weight row to r4
 * taps with zero weights, so the bytes read past a row are multiplied by zero).
 *
 * Per pair of output pixels, both pixels' rows are widened once into int16 lanes (per group of
 * 4 taps the words even(x0), even(x1), odd(x0), odd(x1)), then every block of 4 output channels
 * runs over them in the channel-pair halfword form of lm_dot.h (lm_wrap_mac): G = k_h * rg
 * groups, a constant of each instance, so the loop is unrolled whole and its 14 registers hold
 * 8 sums, 2 taps words, 2 weight words and 2 pointers.
 *
 * Each layer calls an instance: LM_CONV_ROWS_KERNEL(name, G, RG, post, full) in a generated
 * file, shared by the layers with the same (G, RG = rg, post, full). w: per block of 4 output channels its 4
 * starting sums (bias[c], bias[c] + 256 * bias[c + 1] per channel pair), then per group the
 * words of pair (0, 1) and (2, 3) of the even taps, then of the odd taps (lm_conv_quad_s8's
 * stream over the padded rows). rq: per channel (out_c rounded up to 4) the triple (m, ra, r)
 * of lm_conv_rows_rq; zp_post: the output zero point added after the shift
 * (`post` instances; else folded in ra), `full`: the clamp range is [-128, 127]. scratch:
 * 16 * G + rows * wp bytes (the widened taps, the band:
 * lm_conv_rows_band_rows, lm_conv_rows_band_width),
 * 4-aligned. dil_w must be 1.
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

/* The band from output row oy: `rows` input rows from oy * stride_h - pad_top, each wp bytes:
 * input column c at byte (pad_left + c) * in_c, the zero point in the padding and in the rows
 * outside the input (lm_conv_rows.c). */
void lm_conv_rows_band(const lm_conv_params *p, const int8_t *in_b, int32_t oy, int32_t rows, int32_t wp,
                       int8_t *band);

/* Both pixels' rows (windows at a and b, kernel rows `down` bytes apart), widened into xw: per group of 4
 * taps even(a), even(b), odd(a), odd(b). groups and rg (groups per row) are constants. */
LM_INLINE void lm_conv_rows_widen(const int8_t *a, const int8_t *b, int32_t down, int32_t *xw, const int32_t groups,
                                   const int32_t rg)
{
    int32_t ky, g;
    for (ky = 0; ky < groups / rg; ++ky, a += down, b += down) {
        for (g = 0; g < rg; ++g, xw += 4) {
            const int32_t va = lm_read_word(a + 4 * g), vb = lm_read_word(b + 4 * g);
            xw[0] = lm_simd_even(va);
            xw[1] = lm_simd_even(vb);
            xw[2] = lm_simd_odd(va);
            xw[3] = lm_simd_odd(vb);
        }
    }
}

/* lm_conv_rows_block in portable C (cores without the DSP extension, host builds). */
LM_INLINE const int32_t *lm_conv_rows_block_c(const int32_t *w, const int32_t *xw, const int32_t groups,
                                              int32_t *s)
{
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
    s[0] = 2 * a0;
    s[1] = 2 * b0;
    s[2] = 2 * lm_pair_hi(a0, a1);
    s[3] = 2 * lm_pair_hi(b0, b1);
    s[4] = 2 * a2;
    s[5] = 2 * b2;
    s[6] = 2 * lm_pair_hi(a2, a3);
    s[7] = 2 * lm_pair_hi(b2, b3);
    return w;
}

/* Twice the sums of one block of w over the widened pair xw, stored in s[8] (a local array of
 * the caller: stack-relative stores, no register): per channel 0..3, pixel 0's then pixel 1's;
 * returns w advanced past the block. */
LM_INLINE const int32_t *lm_conv_rows_block(const int32_t *w, const int32_t *xw, const int32_t groups, int32_t *s)
{
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* Per half group: four loads back to back (5 cycles), then per weight word 2 SMLAD, SXTB16
     * in place, 2 SMLAD: 16 MACs in 15 cycles. The sums leave through the stack (s), so that
     * the requantization after it runs with free registers. */
    int32_t a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, wa, wb;
    const int32_t *x = xw;
    __asm__ volatile(
            "ldr %[a0], [%[w]], #4\n\t"
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
            ".endr\n\t"
            /* twice the sums (lm_conv_rows_rq): the second channel of each pair is (pair sum -
             * first sum) >> 8 (lm_pair_hi), so twice it is the difference >> 7 */
            "sub %[a1], %[a1], %[a0]\n\t"
            "sub %[a3], %[a3], %[a2]\n\t"
            "sub %[b1], %[b1], %[b0]\n\t"
            "sub %[b3], %[b3], %[b2]\n\t"
            "asr %[a1], %[a1], #7\n\t"
            "asr %[a3], %[a3], #7\n\t"
            "asr %[b1], %[b1], #7\n\t"
            "asr %[b3], %[b3], #7\n\t"
            "lsl %[a0], %[a0], #1\n\t"
            "lsl %[a2], %[a2], #1\n\t"
            "lsl %[b0], %[b0], #1\n\t"
            "lsl %[b2], %[b2], #1\n\t"
            "str %[a0], %[s0]\n\t"
            "str %[b0], %[s1]\n\t"
            "str %[a1], %[s2]\n\t"
            "str %[b1], %[s3]\n\t"
            "str %[a2], %[s4]\n\t"
            "str %[b2], %[s5]\n\t"
            "str %[a3], %[s6]\n\t"
            "str %[b3], %[s7]"
            : [w] "+r"(w), [x] "+r"(x), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
              [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [wa] "=&r"(wa), [wb] "=&r"(wb), [s0] "=m"(s[0]), [s1] "=m"(s[1]), [s2] "=m"(s[2]),
              [s3] "=m"(s[3]), [s4] "=m"(s[4]), [s5] "=m"(s[5]), [s6] "=m"(s[6]), [s7] "=m"(s[7])
            : [halves] "i"(2 * groups)
            : "memory");
#else
    w = lm_conv_rows_block_c(w, xw, groups, s);
#endif /* LM_USE_DSP */
    return w;
}

/* TFLM's MultiplyByQuantizedMultiplier (double rounding) of a sum x from d = 2x and the triple
 * (m, ra, r): m in [2^30, 2^31) or 0, r >= 2 the right shift, ra = 2^(r-1) (+ zp * 2^r to add
 * an output zero point). SMMLAR(d, m, ra) = ra + ((x * m + 2^30) >> 31), the rounded doubling
 * high half; adding x's sign (-1 below zero: it is the high half's sign, see lm_requantize_rq)
 * and shifting by r rounds it half away from zero. The compiler keeps |x| < 2^29 and
 * |ra| < 2^30, so nothing overflows. On ARMv7E-M: SMMLAR, ADD, ASR. */
LM_INLINE int32_t lm_conv_rows_rq(int32_t d, int32_t m, int32_t ra, int32_t r)
{
    const int32_t t = (int32_t)((((int64_t)ra << 32) + (int64_t)d * m + ((int64_t)1 << 31)) >> 32);
    return (t + (d >> 31)) >> r;
}

#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
/* One output: *o++ = the requantized sum d, + zp (ZP), clamped by SSAT or to [lo, hi]. */
#define LM_ROWS_RQ_ASM(d, o, after)                                                            \
    "smmlar %[t], %[" d "], %[m], %[ra]\n\t"                                                   \
    "add %[t], %[t], %[" d "], asr #31\n\t"                                                    \
    "asr %[t], %[t], %[r]\n\t"                                                                 \
    after                                                                                      \
    "strb %[t], [%[" o "]], #1\n\t"
#define LM_ROWS_ZP "add %[t], %[t], %[zp]\n\t"
#define LM_ROWS_SSAT "ssat %[t], #8, %[t]\n\t"
#define LM_ROWS_CLAMP                                                                          \
    "cmp %[t], %[lo]\n\t"                                                                      \
    "it lt\n\t"                                                                                \
    "movlt %[t], %[lo]\n\t"                                                                    \
    "cmp %[t], %[hi]\n\t"                                                                      \
    "it gt\n\t"                                                                                \
    "movgt %[t], %[hi]\n\t"
#define LM_ROWS_CHANNEL_ASM(after)                                                             \
    "ldr %[m], [%[rq]], #4\n\t"                                                                \
    "ldr %[ra], [%[rq]], #4\n\t"                                                               \
    "ldr %[r], [%[rq]], #4\n\t"                                                                \
    "ldr %[d0], [%[s]], #4\n\t"                                                                \
    "ldr %[d1], [%[s]], #4\n\t"                                                                \
    LM_ROWS_RQ_ASM("d0", "q0", after) LM_ROWS_RQ_ASM("d1", "q1", after)
/* The 8 outputs of a block: 4 channels, both pixels; every operand in a register. */
#define LM_ROWS_BLOCK_OUT(after)                                                               \
    __asm__ volatile(LM_ROWS_CHANNEL_ASM(after) LM_ROWS_CHANNEL_ASM(after)                     \
                     LM_ROWS_CHANNEL_ASM(after) LM_ROWS_CHANNEL_ASM(after)                     \
                     : [rq] "+r"(rq), [s] "+r"(s), [q0] "+r"(q0), [q1] "+r"(q1), [m] "=&r"(m),   \
                       [ra] "=&r"(ra), [r] "=&r"(r), [d0] "=&r"(d0), [d1] "=&r"(d1), [t] "=&r"(t) \
                     : [zp] "r"(zp), [lo] "r"(lo), [hi] "r"(hi)                                  \
                     : "cc", "memory")

LM_INLINE const int32_t *lm_conv_rows_out(const int32_t *rq, const int32_t *s, int8_t *q0, int8_t *q1, int32_t zp,
                                          int32_t lo, int32_t hi, const int post, const int full)
{
    int32_t m, ra, r, d0, d1, t;
    if (post && full) {
        LM_ROWS_BLOCK_OUT(LM_ROWS_ZP LM_ROWS_SSAT);
    } else if (full) {
        LM_ROWS_BLOCK_OUT(LM_ROWS_SSAT);
    } else if (post) {
        LM_ROWS_BLOCK_OUT(LM_ROWS_ZP LM_ROWS_CLAMP);
    } else {
        LM_ROWS_BLOCK_OUT(LM_ROWS_CLAMP);
    }
    return rq;
}
#else
LM_INLINE const int32_t *lm_conv_rows_out(const int32_t *rq, const int32_t *s, int8_t *q0, int8_t *q1, int32_t zp,
                                          int32_t lo, int32_t hi, const int post, const int full)
{
    int32_t j;
    (void)full;
    for (j = 0; j < 4; ++j, rq += 3, s += 2) {
        const int32_t v0 = lm_conv_rows_rq(s[0], rq[0], rq[1], rq[2]) + (post ? zp : 0);
        const int32_t v1 = lm_conv_rows_rq(s[1], rq[0], rq[1], rq[2]) + (post ? zp : 0);
        q0[j] = (int8_t)LM_MIN(LM_MAX(v0, lo), hi);
        q1[j] = (int8_t)LM_MIN(LM_MAX(v1, lo), hi);
    }
    return rq;
}
#endif /* LM_USE_DSP */

/* Every output channel of the pixel pair whose windows are at a and b (kernel rows `down` bytes
 * apart; o1 == o0 for a lone last pixel): its taps widened into xw, then per block of 4 channels
 * its sums (lm_conv_rows_block) and both pixels' outputs, the triples loaded once; the last
 * block's channels past out_c go to t and are dropped. Each instance keeps one copy of it (the
 * run below calls it from two places), out of line: its registers are then its own. */
LM_INLINE void lm_conv_rows_pair(const lm_conv_params *p, const int32_t *w, const int32_t *rq, const int8_t *a,
                                 const int8_t *b, int32_t down, int32_t *xw, int8_t *o0, int8_t *o1, int32_t zp_post,
                                 const int32_t groups, const int32_t rg, const int post, const int full)
{
    const int32_t lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    int32_t c, j, s[8];
    lm_conv_rows_widen(a, b, down, xw, groups, rg);
    for (c = 0; c < out_c; c += 4) {
        int8_t t0[4], t1[4];
        const int whole = c + 4 <= out_c;
        w = lm_conv_rows_block(w, xw, groups, s);
        rq = lm_conv_rows_out(rq, s, whole ? o0 + c : t0, whole ? o1 + c : t1, zp_post, lo, hi,
                              post, full);
        if (!whole) {
            for (j = 0; c + j < out_c; ++j) {
                o0[c + j] = t0[j];
                o1[c + j] = t1[j];
            }
        }
    }
}

#if defined(__GNUC__)
#define LM_CONV_ROWS_NOINLINE __attribute__((noinline))
#else
#define LM_CONV_ROWS_NOINLINE
#endif

typedef void (*lm_conv_rows_pair_fn)(const lm_conv_params *p, const int32_t *w, const int32_t *rq, const int8_t *a,
                                     const int8_t *b, int32_t down, int32_t *xw, int8_t *o0, int8_t *o1,
                                     int32_t zp_post);

/* The bytes of a band row: the output row's windows and the r4 - k_w * in_c bytes read past
 * the last one, rounded up to 4. */
LM_INLINE int32_t lm_conv_rows_band_width(const lm_conv_params *p, const int32_t rg)
{
    return (((p->out_w - 1) * p->stride_w * p->in_c + 4 * rg) + 3) & ~3;
}

/* The rows of a band: one output row's windows, and the next output row's too when the output
 * width is odd (a pixel pair may span two rows). */
LM_INLINE int32_t lm_conv_rows_band_rows(const lm_conv_params *p)
{
    return (p->k_h - 1) * p->dil_h + 1 + (p->out_w & 1) * p->stride_h;
}

/* Every pixel pair of every batch. An even output width: per output row its band, then its
 * pixel pairs. An odd one: pairs in raster order, a band (of two output rows) from the pair's
 * first row, rebuilt when the pair leaves it. */
LM_INLINE void lm_conv_rows_run(LM_CONV_ROWS_ARGS, const int32_t rg, const lm_conv_rows_pair_fn pair_fn)
{
    const int32_t out_c = p->out_c, out_w = p->out_w, out_h = p->out_h, pixels = out_h * out_w;
    const int32_t in_batch = p->in_h * p->in_w * p->in_c, step = p->stride_w * p->in_c;
    const int32_t wp = lm_conv_rows_band_width(p, rg), rows = lm_conv_rows_band_rows(p);
    const int32_t down = p->stride_h * wp, kdown = p->dil_h * wp;
    int32_t *xw = (int32_t *)(void *)scratch;
    int8_t *band = scratch + 16 * (p->k_h * rg);
    int32_t b, oy, ox, pix;
    for (b = 0; b < p->batches; ++b, in += in_batch) {
        int32_t base = -1;
        if (!(out_w & 1)) {
            for (oy = 0; oy < out_h; ++oy) {
                lm_conv_rows_band(p, in, oy, rows, wp, band);
                for (ox = 0; ox < out_w; ox += 2, out += 2 * out_c) {
                    pair_fn(p, w, rq, band + ox * step, band + (ox + 1) * step, kdown, xw, out, out + out_c, zp_post);
                }
            }
            continue;
        }
        for (pix = 0, oy = 0, ox = 0; pix < pixels; pix += 2, out += 2 * out_c) {
            const int pair = pix + 1 < pixels;
            const int32_t oy1 = !pair ? oy : ox + 1 < out_w ? oy : oy + 1;
            const int32_t ox1 = !pair ? ox : ox + 1 < out_w ? ox + 1 : 0;
            if (base < 0 || oy1 > base + 1) {
                base = oy;
                lm_conv_rows_band(p, in, base, rows, wp, band);
            }
            pair_fn(p, w, rq, band + (oy - base) * down + ox * step, band + (oy1 - base) * down + ox1 * step, kdown,
                    xw, out, pair ? out + out_c : out, zp_post);
            oy = ox1 + 1 < out_w ? oy1 : oy1 + 1;
            ox = ox1 + 1 < out_w ? ox1 + 1 : 0;
        }
        out -= (pixels & 1) * out_c;   /* a lone last pixel filled one pixel, not two */
    }
}

/* One instance: G groups of which RG per kernel row, `post` and `full` as above (constants). */
#define LM_CONV_ROWS_KERNEL(name, G, RG, post, full)                                             \
    static LM_CONV_ROWS_NOINLINE void name##_pair(const lm_conv_params *p, const int32_t *w, const int32_t *rq, \
                                                  const int8_t *a, const int8_t *b, int32_t down, int32_t *xw,   \
                                                  int8_t *o0, int8_t *o1, int32_t zp_post)                       \
    {                                                                                            \
        lm_conv_rows_pair(p, w, rq, a, b, down, xw, o0, o1, zp_post, G, RG, post, full);         \
    }                                                                                            \
    void name(LM_CONV_ROWS_ARGS)                                                                 \
    {                                                                                            \
        lm_conv_rows_run(p, in, w, rq, zp_post, scratch, out, RG, name##_pair);                  \
    }

#endif /* LM_CONV_ROWS_H */
