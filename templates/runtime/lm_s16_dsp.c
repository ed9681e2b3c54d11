/* litemicro runtime: CONV_2D and FULLY_CONNECTED with int16 activations and int8 weights on
 * cores with the DSP extension: four output channels per pass, two int16 activations per
 * word into SMLAD against weights widened offline to int16 pairs (lm_s16.h,
 * lm_s16_dsp_params). Other cores build the same loops in portable C (lm_dot.h's helpers), so
 * that the layout is tested everywhere; they keep lm_s16_conv.c's kernels in generated code.
 *
 * Sums and requantization, by p->mode (the compiler picks it from the weights and the bias):
 *   0  int32 bias (TFLM's 32-bit accumulator): the sum wraps to 32 bits, lm_requantize;
 *   1  int64 bias, sums proven to fit int32: 32-bit sums, TFLM's 64-bit requantization as one
 *      SMMULR (mult holds m << (32 - s), for right shifts s in [16, 32]);
 *   2  as 1 with other shifts: the 64-bit requantization of lm_s16_rq.h;
 *   3  sums that may not fit int32: 32-bit partial sums of at most p->chunk pairs (each fits),
 *      widened into 64-bit accumulators, then the 64-bit requantization.
 * Every mode gives TFLM's int64 (or int32, mode 0) accumulation exactly. */
#include "lm_common.h"
#include "lm_dot.h"
#include "lm_s16.h"
#include "lm_s16_rq.h"

LM_INLINE int32_t lm_s16_read_pair(const int16_t *x)
{
    int32_t v;
    memcpy(&v, x, 4);
    return v;
}

/* (a * b + 2^31) >> 32: SMMULR. */
LM_INLINE int32_t lm_s16_smmulr(int32_t a, int32_t b)
{
#if LM_USE_DSP && defined(__GNUC__)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* v saturated to int16: SSAT. */
LM_INLINE int16_t lm_s16_sat(int32_t v)
{
#if LM_USE_DSP
    return (int16_t)__ssat(v, 16);
#else
    return (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
#endif
}

/* acc[j] += sum over n pairs of the activation pair x[2i], x[2i + 1] times channel j's weight
 * pair, the words w[4i + j]. */
typedef struct {
    int32_t a0, a1, a2, a3;
} lm_s16_acc4;

LM_INLINE lm_s16_acc4 lm_s16_quad_pairs4(const int16_t *x, const int32_t *w, int32_t n, lm_s16_acc4 acc)
{
    int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* two pairs per pass, the loads grouped so that they pipeline (one cycle each after the
     * first on the M4): 10 loads, 8 SMLAD (unoptimized builds leave too few registers: the C
     * loop below) */
    for (; n >= 2; n -= 2) {
        int32_t v0, v1, t0, t1, t2, t3;
        __asm__("ldr %[v0], [%[x]], #4\n\t"
                "ldr %[v1], [%[x]], #4\n\t"
                "ldr %[t0], [%[w]], #4\n\t"
                "ldr %[t1], [%[w]], #4\n\t"
                "ldr %[t2], [%[w]], #4\n\t"
                "ldr %[t3], [%[w]], #4\n\t"
                "smlad %[a0], %[v0], %[t0], %[a0]\n\t"
                "smlad %[a1], %[v0], %[t1], %[a1]\n\t"
                "smlad %[a2], %[v0], %[t2], %[a2]\n\t"
                "smlad %[a3], %[v0], %[t3], %[a3]\n\t"
                "ldr %[t0], [%[w]], #4\n\t"
                "ldr %[t1], [%[w]], #4\n\t"
                "ldr %[t2], [%[w]], #4\n\t"
                "ldr %[t3], [%[w]], #4\n\t"
                "smlad %[a0], %[v1], %[t0], %[a0]\n\t"
                "smlad %[a1], %[v1], %[t1], %[a1]\n\t"
                "smlad %[a2], %[v1], %[t2], %[a2]\n\t"
                "smlad %[a3], %[v1], %[t3], %[a3]"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w),
                  [v0] "=&r"(v0), [v1] "=&r"(v1), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
                : "m"(*(const int32_t(*)[8])w), "m"(*(const int32_t(*)[2])x));
    }
#else
    for (; n >= 2; n -= 2, x += 4, w += 8) {
        const int32_t v0 = lm_s16_read_pair(x), v1 = lm_s16_read_pair(x + 2);
        a0 = lm_simd_mac(v0, w[0], a0);
        a1 = lm_simd_mac(v0, w[1], a1);
        a2 = lm_simd_mac(v0, w[2], a2);
        a3 = lm_simd_mac(v0, w[3], a3);
        a0 = lm_simd_mac(v1, w[4], a0);
        a1 = lm_simd_mac(v1, w[5], a1);
        a2 = lm_simd_mac(v1, w[6], a2);
        a3 = lm_simd_mac(v1, w[7], a3);
    }
#endif
    if (n > 0) {
        const int32_t v0 = lm_s16_read_pair(x);
        a0 = lm_simd_mac(v0, w[0], a0);
        a1 = lm_simd_mac(v0, w[1], a1);
        a2 = lm_simd_mac(v0, w[2], a2);
        a3 = lm_simd_mac(v0, w[3], a3);
    }
    acc.a0 = a0;
    acc.a1 = a1;
    acc.a2 = a2;
    acc.a3 = a3;
    return acc;
}

/* The same on four sums in memory. */
LM_INLINE void lm_s16_quad_pairs(const int16_t *x, const int32_t *w, int32_t n, int32_t *acc)
{
    lm_s16_acc4 a;
    a.a0 = acc[0];
    a.a1 = acc[1];
    a.a2 = acc[2];
    a.a3 = acc[3];
    a = lm_s16_quad_pairs4(x, w, n, a);
    acc[0] = a.a0;
    acc[1] = a.a1;
    acc[2] = a.a2;
    acc[3] = a.a3;
}

/* An odd last input channel: acc[j] += x * channel j's weight (halfwords of w[0], w[1]). */
LM_INLINE void lm_s16_quad_single(int32_t x, const int32_t *w, int32_t *acc)
{
    acc[0] += x * (int32_t)(int16_t)w[0];
    acc[1] += x * (w[0] >> 16);
    acc[2] += x * (int32_t)(int16_t)w[1];
    acc[3] += x * (w[1] >> 16);
}

/* Mode 3: a run of n pairs in chunks of at most p->chunk pairs, each summed in 32 bits and
 * added to the 64-bit sums. */
static void lm_s16_quad_wide_run(const lm_s16_dsp_params *p, const int16_t *x, const int32_t *w, int32_t n,
                                 int64_t *wide)
{
    int32_t part[4], j;
    while (n > 0) {
        const int32_t m = n < p->chunk ? n : p->chunk;
        part[0] = part[1] = part[2] = part[3] = 0;
        lm_s16_quad_pairs(x, w, m, part);
        for (j = 0; j < 4; ++j) {
            wide[j] += part[j];
        }
        x += 2 * m;
        w += 4 * m;
        n -= m;
    }
}

/* The taps box = {ky0, ky1, kx0, kx1} of one output pixel (window corner iy0, ix0) for the
 * quad whose weights start at wq: 32-bit sums into acc, or (wide != NULL) 64-bit ones. */
static void lm_s16_quad_window(const lm_s16_dsp_params *p, const int16_t *img, const int32_t *box, int32_t iy0,
                               int32_t ix0, const int32_t *wq, int32_t *acc, int64_t *wide)
{
    const int32_t kx0 = box[2], kx1 = box[3], step = p->dil_w * p->in_c, tap = p->tap_words;
    int32_t ky, kx, j;
    for (ky = box[0]; ky < box[1]; ++ky) {
        const int16_t *row = img + ((iy0 + ky * p->dil_h) * p->in_w + ix0 + kx0 * p->dil_w) * p->in_c;
        const int32_t *wt = wq + (ky * p->k_w + kx0) * tap;
        if (p->merge) {                   /* even channels, no dilation: the row's taps are one run */
            if (wide) {
                lm_s16_quad_wide_run(p, row, wt, (kx1 - kx0) * p->pairs, wide);
            } else {
                lm_s16_quad_pairs(row, wt, (kx1 - kx0) * p->pairs, acc);
            }
            continue;
        }
        for (kx = kx0; kx < kx1; ++kx, row += step, wt += tap) {
            int32_t one[4] = {0, 0, 0, 0};
            if (wide) {
                lm_s16_quad_wide_run(p, row, wt, p->pairs, wide);
            } else {
                lm_s16_quad_pairs(row, wt, p->pairs, acc);
            }
            if (p->odd) {
                lm_s16_quad_single(row[2 * p->pairs], wt + 4 * p->pairs, wide ? one : acc);
            }
            for (j = 0; wide && j < 4; ++j) {
                wide[j] += one[j];
            }
        }
    }
}

/* The taps of the window at (iy0, ix0) inside the input: box = {ky0, ky1, kx0, kx1}. The same
 * clip as lm_valid_taps (lm_dwconv.c) on each axis, written out: calling a shared helper twice
 * compiles to about 7 more instructions per pixel on cortex-m4 (+0.4% on keras_conv16x8). */
static void lm_s16_window_box(const lm_s16_dsp_params *p, int32_t iy0, int32_t ix0, int32_t *box)
{
    int32_t k0 = 0, k1 = p->k_h;
    while (k0 < k1 && iy0 + k0 * p->dil_h < 0) {
        ++k0;
    }
    while (k1 > k0 && iy0 + (k1 - 1) * p->dil_h >= p->in_h) {
        --k1;
    }
    box[0] = k0;
    box[1] = k1;
    k0 = 0;
    k1 = p->k_w;
    while (k0 < k1 && ix0 + k0 * p->dil_w < 0) {
        ++k0;
    }
    while (k1 > k0 && ix0 + (k1 - 1) * p->dil_w >= p->in_w) {
        --k1;
    }
    box[2] = k0;
    box[3] = k1;
}

/* The n (<= 4) outputs of one quad, requantized by p->mode (see the top of this file): the
 * forms other than a whole quad of mode 1, out of line. */
static void lm_s16_store_some(const lm_s16_dsp_params *p, const int32_t *acc, const int64_t *wide,
                              const int64_t *bias, const int32_t *mult, const int32_t *shift, int32_t n,
                              int16_t *y)
{
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t j;
    for (j = 0; j < n; ++j) {
        if (p->mode == 1) {
            const int32_t v = lm_s16_smmulr(acc[j], mult[j]);
            y[j] = (int16_t)(v < lo ? lo : (v > hi ? hi : v));
        } else {
            y[j] = wide ? lm_s16_out(wide[j] + bias[j], 0, mult[j], shift[j], lo, hi)
                        : lm_s16_out(acc[j], p->mode == 0, mult[j], shift[j], lo, hi);
        }
    }
}

/* The n (<= 4) outputs of one quad, requantized by p->mode (see the top of this file). */
LM_INLINE void lm_s16_quad_store(const lm_s16_dsp_params *p, const int32_t *acc, const int64_t *wide,
                                 const int64_t *bias, const int32_t *mult, const int32_t *shift, int32_t n,
                                 int16_t *y)
{
    const int32_t lo = p->act_min, hi = p->act_max;
    if (p->mode == 1 && n == 4) {           /* a whole quad: no loop, the sums stay in registers */
        const int32_t v0 = lm_s16_smmulr(acc[0], mult[0]), v1 = lm_s16_smmulr(acc[1], mult[1]);
        const int32_t v2 = lm_s16_smmulr(acc[2], mult[2]), v3 = lm_s16_smmulr(acc[3], mult[3]);
        if (lo == INT16_MIN && hi == INT16_MAX) {
            y[0] = lm_s16_sat(v0);
            y[1] = lm_s16_sat(v1);
            y[2] = lm_s16_sat(v2);
            y[3] = lm_s16_sat(v3);
        } else {
            y[0] = (int16_t)LM_MIN(LM_MAX(v0, lo), hi);
            y[1] = (int16_t)LM_MIN(LM_MAX(v1, lo), hi);
            y[2] = (int16_t)LM_MIN(LM_MAX(v2, lo), hi);
            y[3] = (int16_t)LM_MIN(LM_MAX(v3, lo), hi);
        }
        return;
    }
    lm_s16_store_some(p, acc, wide, bias, mult, shift, n, y);
}

/* n int16 from src to dst, two per word (written so that the compiler keeps it inline rather
 * than calling a byte-wise memmove). */
LM_INLINE void lm_s16_copy(int16_t *dst, const int16_t *src, int32_t n)
{
    for (; n >= 2; n -= 2, src += 2, dst += 2) {
        const int32_t v = lm_s16_read_pair(src);
        dst[0] = (int16_t)v;
        dst[1] = (int16_t)(v >> 16);
    }
    if (n > 0) {
        dst[0] = src[0];
    }
}

/* A window of in_c * k_h * k_w (odd in_c) copied to patch, zeros for the taps outside the input
 * and one more zero to end on a pair (p->patch: the weights are those of one tap); box: the
 * taps inside (lm_s16_window_box). */
static void lm_s16_patch(const lm_s16_dsp_params *p, const int16_t *img, const int32_t *box, int32_t iy0,
                         int32_t ix0, int16_t *patch)
{
    const int32_t tap = p->in_c, run = (box[3] - box[2]) * tap, x_step = p->dil_w * tap;
    const int32_t whole = box[0] == 0 && box[1] == p->k_h && box[2] == 0 && box[3] == p->k_w;
    int32_t ky, kx;
    if (!whole) {
        memset(patch, 0, (size_t)(p->k_h * p->k_w * tap + 1) * sizeof(int16_t));
    }
    patch[p->k_h * p->k_w * tap] = 0;
    for (ky = box[0]; ky < box[1]; ++ky) {
        const int16_t *src = img + ((iy0 + ky * p->dil_h) * p->in_w + ix0 + box[2] * p->dil_w) * tap;
        int16_t *dst = patch + (ky * p->k_w + box[2]) * tap;
        if (p->dil_w == 1) {
            lm_s16_copy(dst, src, run);
            continue;
        }
        for (kx = box[2]; kx < box[3]; ++kx, src += x_step, dst += tap) {
            lm_s16_copy(dst, src, tap);
        }
    }
}

/* One output pixel, every quad of output channels, by the general window walk (taps one by
 * one, or mode 3's 64-bit sums). */
static void lm_s16_pixel_general(const lm_s16_dsp_params *p, const int16_t *img, const int32_t *box,
                                 int32_t iy0, int32_t ix0, const int32_t *w, const int64_t *bias,
                                 const int32_t *mult, const int32_t *shift, int16_t *y)
{
    const int32_t quad_words = (p->patch ? 1 : p->k_h * p->k_w) * p->tap_words;
    int32_t acc[4], oc, j;
    int64_t wide_sums[4];
    int64_t *wide = p->mode == 3 ? wide_sums : NULL;
    for (oc = 0; oc < p->out_c; oc += 4, w += quad_words) {
        const int32_t n = p->out_c - oc < 4 ? p->out_c - oc : 4;
        for (j = 0; j < 4; ++j) {           /* bias padded to a multiple of 4 */
            acc[j] = wide ? 0 : (int32_t)bias[oc + j];
            wide_sums[j] = 0;
        }
        lm_s16_quad_window(p, img, box, iy0, ix0, w, acc, wide);
        lm_s16_quad_store(p, acc, wide, bias + oc, mult + oc, shift + oc, n, y + oc);
    }
}

/* Where a pixel's window lies: `rows` rows x_step activations and w_step weight words apart,
 * each `taps` runs of n pairs tap_x activations and tap_w words apart. */
typedef struct {
    const int16_t *x0;
    int32_t w_first, rows, taps, n, x_step, w_step, tap_x, tap_w;
} lm_s16_span;

/* Every quad of output channels over the span (taps is a constant 1 where inlined so). */
LM_INLINE void lm_s16_quads(const lm_s16_dsp_params *p, const lm_s16_span *sp, int32_t taps, const int32_t *w,
                            int32_t quad_words, const int64_t *bias, const int32_t *mult, const int32_t *shift,
                            int16_t *y)
{
    int32_t acc[4], oc, r, t;
    for (oc = 0; oc < p->out_c; oc += 4, w += quad_words) {
        const int16_t *xr = sp->x0;
        const int32_t *wr = w + sp->w_first;
        lm_s16_acc4 a;
        a.a0 = (int32_t)bias[oc];           /* bias padded to a multiple of 4 */
        a.a1 = (int32_t)bias[oc + 1];
        a.a2 = (int32_t)bias[oc + 2];
        a.a3 = (int32_t)bias[oc + 3];
        for (r = 0; r < sp->rows; ++r, xr += sp->x_step, wr += sp->w_step) {
            for (t = 0; t < taps; ++t) {
                a = lm_s16_quad_pairs4(xr + t * sp->tap_x, wr + t * sp->tap_w, sp->n, a);
            }
        }
        acc[0] = a.a0;
        acc[1] = a.a1;
        acc[2] = a.a2;
        acc[3] = a.a3;
        lm_s16_quad_store(p, acc, NULL, bias + oc, mult + oc, shift + oc, p->out_c - oc < 4 ? p->out_c - oc : 4,
                          y + oc);
    }
}

/* One output pixel, every quad of output channels: the window (or its patch) as rows of one
 * run (a patch, or whole rows of even channels) or of one run per tap (dilation). */
static void lm_s16_pixel(const lm_s16_dsp_params *p, const int16_t *img, int32_t iy0, int32_t ix0,
                         const int32_t *w, const int64_t *bias, const int32_t *mult, const int32_t *shift,
                         int16_t *y)
{
    static const int32_t whole[4] = {0, 1, 0, 1};
    const int32_t quad_words = (p->patch ? 1 : p->k_h * p->k_w) * p->tap_words;
    int32_t box[4];
    int16_t patch[LM_S16_PATCH_MAX + 1];
    lm_s16_span sp = {patch, 0, 1, 1, 0, 0, 0, 0, 0};
    sp.n = p->pairs;
    lm_s16_window_box(p, iy0, ix0, box);
    if (p->patch) {
        lm_s16_patch(p, img, box, iy0, ix0, patch);
        if (p->mode == 3) {
            lm_s16_pixel_general(p, patch, whole, 0, 0, w, bias, mult, shift, y);
            return;
        }
        lm_s16_quads(p, &sp, 1, w, quad_words, bias, mult, shift, y);
        return;
    }
    if (p->mode == 3 || p->odd) {
        lm_s16_pixel_general(p, img, box, iy0, ix0, w, bias, mult, shift, y);
        return;
    }
    sp.x0 = img + ((iy0 + box[0] * p->dil_h) * p->in_w + ix0 + box[2] * p->dil_w) * p->in_c;
    sp.w_first = (box[0] * p->k_w + box[2]) * p->tap_words;
    sp.rows = box[1] - box[0];
    sp.x_step = p->dil_h * p->in_w * p->in_c;
    sp.w_step = p->k_w * p->tap_words;
    if (p->merge) {
        sp.n = (box[3] - box[2]) * p->pairs;
        lm_s16_quads(p, &sp, 1, w, quad_words, bias, mult, shift, y);
        return;
    }
    sp.taps = box[3] - box[2];
    sp.tap_x = p->dil_w * p->in_c;
    sp.tap_w = p->tap_words;
    lm_s16_quads(p, &sp, sp.taps, w, quad_words, bias, mult, shift, y);
}

void lm_conv_s16_dsp(const lm_s16_dsp_params *p, const void *in, const int32_t *w, const int64_t *bias,
                     const int32_t *mult, const int32_t *shift, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *img = x + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox, y += p->out_c) {
                lm_s16_pixel(p, img, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, w, bias, mult,
                             shift, y);
            }
        }
    }
}

/* ---- DEPTHWISE_CONV_2D, depth multiplier 1 or 2 -------------------------------------------
 * Weights widened to int16, per tap [k_h][k_w] the out_c channels padded to a multiple of 4
 * (2 * tap_words int16 per tap); four output channels per pass, each tap one halfword
 * multiply-accumulate per channel (SMLABB / SMLATT and, for multiplier 2, SMLABT / SMLATB,
 * which the compiler makes of these products). The sums are 32-bit (modes 1, 2: the compiler
 * proved they fit). */

LM_INLINE int32_t lm_s16_bb(int32_t x, int32_t w, int32_t acc)
{
    return acc + (int32_t)(int16_t)x * (int32_t)(int16_t)w;
}

LM_INLINE int32_t lm_s16_tt(int32_t x, int32_t w, int32_t acc)
{
    return acc + (x >> 16) * (w >> 16);
}

/* One tap of four output channels: x at the input channel of the first, w at its weight. */
LM_INLINE void lm_s16_dw_tap(const int16_t *x, const int16_t *w, int32_t dm, int32_t *a)
{
    const int32_t w01 = lm_s16_read_pair(w), w23 = lm_s16_read_pair(w + 2), x01 = lm_s16_read_pair(x);
    if (dm == 1) {
        const int32_t x23 = lm_s16_read_pair(x + 2);
        a[0] = lm_s16_bb(x01, w01, a[0]);
        a[1] = lm_s16_tt(x01, w01, a[1]);
        a[2] = lm_s16_bb(x23, w23, a[2]);
        a[3] = lm_s16_tt(x23, w23, a[3]);
    } else {                                /* channels c, c + 1 read x01's bottom, c + 2, c + 3 its top */
        a[0] = lm_s16_bb(x01, w01, a[0]);
        a[1] = lm_s16_bb(w01 >> 16, x01, a[1]);
        a[2] = lm_s16_bb(x01 >> 16, w23, a[2]);
        a[3] = lm_s16_tt(x01, w23, a[3]);
    }
}

/* Four output channels from c (input channel c / dm) over the taps of box; dm is 1 or 2 (a
 * constant after inlining). Rows of three taps unrolled. */
LM_INLINE void lm_s16_dw_quad(const lm_s16_dsp_params *p, const int16_t *img, const int32_t *box, int32_t iy0,
                              int32_t ix0, const int16_t *w, int32_t c, int32_t dm, int32_t *acc)
{
    const int32_t x_step = p->dil_w * p->in_c, w_step = 2 * p->tap_words, taps = box[3] - box[2];
    int32_t a[4], ky, kx;
    a[0] = acc[0];
    a[1] = acc[1];
    a[2] = acc[2];
    a[3] = acc[3];
    for (ky = box[0]; ky < box[1]; ++ky) {
        const int16_t *xr = img + ((iy0 + ky * p->dil_h) * p->in_w + ix0 + box[2] * p->dil_w) * p->in_c + c / dm;
        const int16_t *wr = w + (ky * p->k_w + box[2]) * w_step + c;
        if (taps == 3) {
            lm_s16_dw_tap(xr, wr, dm, a);
            lm_s16_dw_tap(xr + x_step, wr + w_step, dm, a);
            lm_s16_dw_tap(xr + 2 * x_step, wr + 2 * w_step, dm, a);
            continue;
        }
        for (kx = 0; kx < taps; ++kx, xr += x_step, wr += w_step) {
            lm_s16_dw_tap(xr, wr, dm, a);
        }
    }
    acc[0] = a[0];
    acc[1] = a[1];
    acc[2] = a[2];
    acc[3] = a[3];
}

/* One output channel c (the last ones when out_c is not a multiple of 4). */
static int32_t lm_s16_dw_one(const lm_s16_dsp_params *p, const int16_t *img, const int32_t *box, int32_t iy0,
                             int32_t ix0, const int16_t *w, int32_t c, int32_t dm, int32_t acc)
{
    int32_t ky, kx;
    for (ky = box[0]; ky < box[1]; ++ky) {
        for (kx = box[2]; kx < box[3]; ++kx) {
            const int32_t iy = iy0 + ky * p->dil_h, ix = ix0 + kx * p->dil_w;
            acc += (int32_t)img[(iy * p->in_w + ix) * p->in_c + c / dm] * w[(ky * p->k_w + kx) * 2 * p->tap_words + c];
        }
    }
    return acc;
}

/* One output pixel of the depthwise convolution, every output channel. */
LM_INLINE void lm_s16_dw_pixel(const lm_s16_dsp_params *p, const int16_t *img, int32_t iy0, int32_t ix0,
                               const int16_t *w, const int64_t *bias, const int32_t *mult, const int32_t *shift,
                               int32_t dm, int16_t *y)
{
    int32_t box[4], acc[4], c;
    lm_s16_window_box(p, iy0, ix0, box);
    for (c = 0; c + 4 <= p->out_c; c += 4) {
        acc[0] = (int32_t)bias[c];
        acc[1] = (int32_t)bias[c + 1];
        acc[2] = (int32_t)bias[c + 2];
        acc[3] = (int32_t)bias[c + 3];
        lm_s16_dw_quad(p, img, box, iy0, ix0, w, c, dm, acc);
        lm_s16_quad_store(p, acc, NULL, bias + c, mult + c, shift + c, 4, y + c);
    }
    for (; c < p->out_c; ++c) {
        acc[0] = lm_s16_dw_one(p, img, box, iy0, ix0, w, c, dm, (int32_t)bias[c]);
        lm_s16_quad_store(p, acc, NULL, bias + c, mult + c, shift + c, 1, y + c);
    }
}

void lm_dwconv_s16_dsp(const lm_s16_dsp_params *p, const void *in, const int16_t *w, const int64_t *bias,
                       const int32_t *mult, const int32_t *shift, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    const int32_t dm = p->out_c / p->in_c;
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *img = x + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox, y += p->out_c) {
                const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
                if (dm == 1) {
                    lm_s16_dw_pixel(p, img, iy0, ix0, w, bias, mult, shift, 1, y);
                } else {
                    lm_s16_dw_pixel(p, img, iy0, ix0, w, bias, mult, shift, 2, y);
                }
            }
        }
    }
}
