/* litemicro runtime: CONV_2D, int8 (DEPTHWISE_CONV_2D is in lm_dwconv.c).
 *
 * CONV_2D gathers each output pixel's receptive field into a patch (padded taps read the
 * input zero point), laid out [k_h][k_w][channels] like one output channel's weights, so
 * every output channel is one contiguous dot product (lm_dot.h, SMLAD on DSP cores). A 1x1
 * convolution without padding reads its patch straight from the input.
 */
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

/* Copy n bytes a word at a time (a C library's small-size memcpy is often a byte loop); the
 * fixed-size memcpy calls compile to one load and one store where unaligned access is allowed.
 * On DSP cores the last 0-3 bytes take a halfword and a byte, not a loop: the compiler turns
 * a byte loop into a library call, costly for the few bytes of a patch row (the cores without
 * unaligned access keep the loop). */
LM_INLINE void lm_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4, dst += 4, src += 4) {
        uint32_t v;
        memcpy(&v, src, 4);
        memcpy(dst, &v, 4);
    }
#if LM_USE_DSP
    if (n > 0) {
        if (n & 2) {
            uint16_t h;
            memcpy(&h, src, 2);
            memcpy(dst, &h, 2);
            dst += 2;
            src += 2;
        }
        if (n & 1) {
            *dst = *src;
        }
    }
#else
    while (n-- > 0) {
        *dst++ = *src++;
    }
#endif
}

LM_INLINE void lm_fill(int8_t *dst, int8_t value, int32_t n)
{
    const uint32_t v = 0x01010101u * (uint8_t)value;
    for (; n >= 4; n -= 4, dst += 4) {
        memcpy(dst, &v, 4);
    }
#if LM_USE_DSP
    if (n > 0) {
        if (n & 2) {
            memcpy(dst, &v, 2);
            dst += 2;
        }
        if (n & 1) {
            *dst = value;
        }
    }
#else
    while (n-- > 0) {
        *dst++ = value;
    }
#endif
}

/* Copy the receptive field of the output pixel at (iy0, ix0) for channels [ch0, ch0 + n). */
static void lm_conv_patch(const lm_conv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                          int32_t ch0, int32_t n, int8_t *patch)
{
    const int32_t k_h = p->k_h, k_w = p->k_w, in_w = p->in_w, in_c = p->in_c;
    const int32_t dil_w = p->dil_w, row = k_w * n;
    const int8_t pad = (int8_t)p->in_zp;
    const int whole_rows = dil_w == 1 && n == in_c && ix0 >= 0 && ix0 + k_w <= in_w;
    int32_t ky, kx;
    for (ky = 0; ky < k_h; ++ky, patch += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            lm_fill(patch, pad, row);
        } else if (whole_rows) {
            lm_copy(patch, in_b + (iy * in_w + ix0) * in_c, row);
        } else {
            for (kx = 0; kx < k_w; ++kx) {
                const int32_t ix = ix0 + kx * dil_w;
                if (ix >= 0 && ix < in_w) {
                    lm_copy(patch + kx * n, in_b + (iy * in_w + ix) * in_c + ch0, n);
                } else {
                    lm_fill(patch + kx * n, pad, n);
                }
            }
        }
    }
}

/* Requantize one accumulator for output channel oc. */
#define LM_OUT(acc, oc) lm_clamp_s8(lm_requantize((acc), mult[(oc)], shift[(oc)]) + out_zp, act_min, act_max)

void lm_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out)
{
    const int32_t in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, groups = p->groups;
    const int32_t out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
    const int32_t out_zp = p->out_zp, act_min = p->act_min, act_max = p->act_max;
    const int32_t group_in = in_c / groups, group_out = out_c / groups;
    const int32_t patch_len = p->k_h * p->k_w * group_in;
    const int32_t batches = p->batches, in_batch = p->in_h * in_w * in_c, pixels = p->out_h * out_w;
    const int direct = scratch == NULL;
    int32_t b, pix, g, oc;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_batch;
        int32_t oy = 0, ox = 0;
        /* output pixels two at a time: each weight row is read once for both */
        for (pix = 0; pix < pixels; pix += 2) {
            const int32_t iy0 = oy * stride_h - pad_top, ix0 = ox * stride_w - pad_left;
            const int pair = pix + 1 < pixels;
            int32_t iy1, ix1;
            int8_t *out0 = out + pix * out_c;
            int8_t *out1 = out0 + out_c;
            if (++ox == out_w) {
                ox = 0;
                ++oy;
            }
            iy1 = oy * stride_h - pad_top;
            ix1 = ox * stride_w - pad_left;
            if (++ox == out_w) {
                ox = 0;
                ++oy;
            }
            for (g = 0; g < groups; ++g) {
                const int32_t oc_end = (g + 1) * group_out;
                const int8_t *x0;
                const int8_t *x1;
                if (direct) {
                    x0 = in_b + (iy0 * in_w + ix0) * in_c + g * group_in;
                    x1 = in_b + (iy1 * in_w + ix1) * in_c + g * group_in;
                } else {
                    lm_conv_patch(p, in_b, iy0, ix0, g * group_in, group_in, scratch);
                    if (pair) {
                        lm_conv_patch(p, in_b, iy1, ix1, g * group_in, group_in, scratch + patch_len);
                    }
                    x0 = scratch;
                    x1 = scratch + patch_len;
                }
                if (!pair) {
                    for (oc = g * group_out; oc < oc_end; ++oc) {
                        out0[oc] = LM_OUT(lm_wrap_add(bias[oc], lm_dot_s8(w + oc * patch_len, x0, patch_len)), oc);
                    }
                    continue;
                }
                for (oc = g * group_out; oc + 1 < oc_end; oc += 2) {
                    int32_t acc[4];
                    acc[0] = acc[2] = bias[oc];
                    acc[1] = acc[3] = bias[oc + 1];
                    lm_dot2x2_s8(w + oc * patch_len, w + (oc + 1) * patch_len, x0, x1, patch_len, acc);
                    out0[oc] = LM_OUT(acc[0], oc);
                    out0[oc + 1] = LM_OUT(acc[1], oc + 1);
                    out1[oc] = LM_OUT(acc[2], oc);
                    out1[oc + 1] = LM_OUT(acc[3], oc + 1);
                }
                if (oc < oc_end) {
                    out0[oc] = LM_OUT(lm_wrap_add(bias[oc], lm_dot_s8(w + oc * patch_len, x0, patch_len)), oc);
                    out1[oc] = LM_OUT(lm_wrap_add(bias[oc], lm_dot_s8(w + oc * patch_len, x1, patch_len)), oc);
                }
            }
        }
        out += pixels * out_c;
    }
}

#undef LM_OUT

/* Widen two pixels' patches (groups of 4 int8 taps) into int16 lanes: per group the even taps
 * (SXTB16) and the odd taps of each pixel, in the order the tile reads them: even(x0),
 * odd(x0), even(x1), odd(x1) for lm_conv_tile; even(x0), even(x1), odd(x0), odd(x1) for
 * lm_conv_quad (`quad`, a constant). */
LM_INLINE void lm_widen_pair(const int8_t *x0, const int8_t *x1, int32_t groups, int32_t *dst, const int quad)
{
    for (; groups > 0; --groups, x0 += 4, x1 += 4, dst += 4) {
        const int32_t v0 = lm_read_word(x0), v1 = lm_read_word(x1);
        dst[0] = lm_simd_even(v0);
        dst[quad ? 2 : 1] = lm_simd_odd(v0);
        dst[quad ? 1 : 2] = lm_simd_even(v1);
        dst[3] = lm_simd_odd(v1);
    }
}

/* acc[0..3] += (w0.x0, w1.x0, w0.x1, w1.x1): w holds the int8 weights of two output channels
 * interleaved per group of 4 taps (w0's word, then w1's), xw the widened pixel pair (even x0,
 * odd x0, even x1, odd x1 per group); returns w advanced past the channel pair. */
LM_INLINE const int32_t *lm_conv_tile(const int32_t *w, const int32_t *xw, int32_t groups, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
/* inline assembly only in optimized builds: at -O0 its operands do not fit the registers */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* The whole loop in registers: four sums, three pointers/counters, six loaded words and one
     * unpacked weight (14 registers). The six loads of a group issue back to back, so they
     * pipeline (7 cycles on Cortex-M4); then 4 SXTB16 and 8 SMLAD; two groups per iteration. */
    int32_t w0, w1, x0e, x0o, x1e, x1o, t, n = groups >> 1;
#define LM_TILE_GROUP_ASM                                                                      \
    "ldr %[w0], [%[w]], #4\n\t"                                                                \
    "ldr %[w1], [%[w]], #4\n\t"                                                                \
    "ldr %[x0e], [%[x]], #4\n\t"                                                               \
    "ldr %[x0o], [%[x]], #4\n\t"                                                               \
    "ldr %[x1e], [%[x]], #4\n\t"                                                               \
    "ldr %[x1o], [%[x]], #4\n\t"                                                               \
    "sxtb16 %[t], %[w0]\n\t"                                                                   \
    "smlad %[a00], %[t], %[x0e], %[a00]\n\t"                                                   \
    "smlad %[a10], %[t], %[x1e], %[a10]\n\t"                                                   \
    "sxtb16 %[t], %[w1]\n\t"                                                                   \
    "smlad %[a01], %[t], %[x0e], %[a01]\n\t"                                                   \
    "smlad %[a11], %[t], %[x1e], %[a11]\n\t"                                                   \
    "sxtb16 %[w0], %[w0], ror #8\n\t"                                                          \
    "smlad %[a00], %[w0], %[x0o], %[a00]\n\t"                                                  \
    "smlad %[a10], %[w0], %[x1o], %[a10]\n\t"                                                  \
    "sxtb16 %[w1], %[w1], ror #8\n\t"                                                          \
    "smlad %[a01], %[w1], %[x0o], %[a01]\n\t"                                                  \
    "smlad %[a11], %[w1], %[x1o], %[a11]\n\t"
#define LM_TILE_OPERANDS                                                                       \
    : [w] "+r"(w), [x] "+r"(xw), [n] "+r"(n), [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), \
      [a11] "+r"(a11), [w0] "=&r"(w0), [w1] "=&r"(w1), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o),       \
      [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [t] "=&r"(t)                                           \
    :                                                                                          \
    : "cc", "memory"
    if (groups & 1) {
        __asm__(LM_TILE_GROUP_ASM LM_TILE_OPERANDS);
    }
    if (n > 0) {
        __asm__("1:\n\t" LM_TILE_GROUP_ASM LM_TILE_GROUP_ASM "subs %[n], %[n], #1\n\t"
                "bne 1b" LM_TILE_OPERANDS);
    }
#undef LM_TILE_GROUP_ASM
#undef LM_TILE_OPERANDS
#else
    for (; groups > 0; --groups, w += 2, xw += 4) {
        const int32_t w0e = lm_simd_even(w[0]), w0o = lm_simd_odd(w[0]);
        const int32_t w1e = lm_simd_even(w[1]), w1o = lm_simd_odd(w[1]);
        a00 = lm_simd_mac(w0o, xw[1], lm_simd_mac(w0e, xw[0], a00));
        a01 = lm_simd_mac(w1o, xw[1], lm_simd_mac(w1e, xw[0], a01));
        a10 = lm_simd_mac(w0o, xw[3], lm_simd_mac(w0e, xw[2], a10));
        a11 = lm_simd_mac(w1o, xw[3], lm_simd_mac(w1e, xw[2], a11));
    }
#endif /* LM_USE_DSP */
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
    return w;
}

/* The patch of the pixel at (iy0, ix0) for dil_w 1: each kernel row's taps are contiguous in
 * the input, so a row is one copy of its valid span between two zero-point fills (KWS's 10x4
 * first layer has padded rows and columns at every border). */
static void lm_gather_rows(const lm_conv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                           int8_t *patch)
{
    const int32_t in_c = p->in_c, row = p->k_w * in_c, in_w = p->in_w;
    const int32_t x0 = LM_MAX(ix0, 0), x1 = LM_MIN(ix0 + p->k_w, in_w);
    const int32_t before = (x0 - ix0) * in_c, span = LM_MAX(x1 - x0, 0) * in_c;
    const int8_t pad = (int8_t)p->in_zp;
    int32_t ky;
    for (ky = 0; ky < p->k_h; ++ky, patch += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h || span == 0) {
            lm_fill(patch, pad, row);
            continue;
        }
        if (span != row) {  /* a border pixel: the row's padded taps read the zero point */
            lm_fill(patch, pad, row);
        }
        lm_copy(patch + before, in_b + (iy * in_w + x0) * in_c, span);
    }
}

/* The patch of output pixel `pix` (int8, kp bytes), gathered into `patch`. */
static const int8_t *lm_pixel_patch(const lm_conv_params *p, const int8_t *in_b, int32_t pix, int8_t *patch)
{
    const int32_t oy = pix / p->out_w, ox = pix - oy * p->out_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    if (p->dil_w == 1) {
        lm_gather_rows(p, in_b, iy0, ix0, patch);
    } else {
        lm_conv_patch(p, in_b, iy0, ix0, 0, p->in_c, patch);
    }
    return patch;
}

/* requantize and clamp */
LM_INLINE int32_t lm_conv_rq(int32_t acc, int32_t m, int32_t hi_add, int32_t shift_hi, int32_t act_min,
                             int32_t act_max)
{
    const int32_t v = lm_requantize_rq(acc, m, hi_add, shift_hi);
    return LM_MIN(LM_MAX(v, act_min), act_max);
}

/* One channel's outputs for both pixels of a tile: *o0++ and *o1++ from sums a and b, the
 * record's (multiplier, hi_add, shift_hi) loaded once for both. */
#define LM_CHANNEL_OUT2(a, b, rec, zp, post, full, act_min, act_max, o0, o1)                   \
    do {                                                                                       \
        const int32_t m_ = (rec)[1], h_ = (rec)[2], s_ = (rec)[3];                             \
        LM_REQUANTIZE_STORE(a, m_, h_, s_, zp, post, full, act_min, act_max, o0);              \
        LM_REQUANTIZE_STORE(b, m_, h_, s_, zp, post, full, act_min, act_max, o1);              \
    } while (0)

/* One output from a tile sum, its channel record (bias, multiplier, hi_add, shift_hi) and the
 * zero point added after the shift (0 when folded into hi_add). */
LM_INLINE int8_t lm_conv_out(int32_t acc, const int32_t *rec, int32_t zp_post, int32_t act_min, int32_t act_max)
{
    return (int8_t)lm_conv_rq(acc, rec[1], rec[2], rec[3], act_min - zp_post, act_max - zp_post) + zp_post;
}

/* All output channels of two pixels (o1 == o0 for a lone last pixel) from their widened pair;
 * `post` (a constant) adds zp_post after the shift, `full` (a constant) says the clamp range
 * is [-128, 127]. Two instances (full or not), both adding zp_post (0 when it is folded):
 * one cycle per output spent to keep the kernel code small. */
LM_INLINE void lm_conv_pixel_pair_(const lm_conv_params *p, const int32_t *w, const int32_t *rec,
                                   const int32_t *xw, int32_t groups, int8_t *o0, int8_t *o1,
                                   int32_t zp_post, const int post, const int full)
{
    const int32_t act_min = p->act_min, act_max = p->act_max;
    int32_t n, acc[4];
    (void)full;  /* only the DSP path clamps differently */
    for (n = p->out_c >> 1; n > 0; --n, rec += 8) {
        acc[0] = acc[2] = rec[0];
        acc[1] = acc[3] = rec[4];
        w = lm_conv_tile(w, xw, groups, acc);
        LM_CHANNEL_OUT2(acc[0], acc[2], rec, zp_post, post, full, act_min, act_max, o0, o1);
        LM_CHANNEL_OUT2(acc[1], acc[3], rec + 4, zp_post, post, full, act_min, act_max, o0, o1);
    }
    if (p->out_c & 1) {  /* the last channel's partner row is zeros */
        acc[0] = acc[2] = rec[0];
        acc[1] = acc[3] = 0;
        lm_conv_tile(w, xw, groups, acc);
        o0[0] = lm_conv_out(acc[0], rec, zp_post, act_min, act_max);
        o1[0] = lm_conv_out(acc[2], rec, zp_post, act_min, act_max);
    }
}

static void lm_conv_pixel_pair(const lm_conv_params *p, const int32_t *w, const int32_t *rec,
                               const int32_t *xw, int32_t groups, int8_t *o0, int8_t *o1, int32_t zp_post)
{
    if (p->act_min > -128 || p->act_max < 127) {
        lm_conv_pixel_pair_(p, w, rec, xw, groups, o0, o1, zp_post, 1, 0);
    } else {
        lm_conv_pixel_pair_(p, w, rec, xw, groups, o0, o1, zp_post, 1, 1);
    }
}

/* ---- Four channels x two pixels: channel pairs packed in halfwords (lm_conv_quad_s8) ----
 * (the packing: lm_dot.h, lm_wrap_mac) */

#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define LM_QUAD_WORD_ASM(wr, s1p0, s1p1, s0p0, s0p1)                                           \
    "smlad %[" s1p0 "], %[" wr "], %[x0], %[" s1p0 "]\n\t"                                     \
    "smlad %[" s1p1 "], %[" wr "], %[x1], %[" s1p1 "]\n\t"                                     \
    "sxtb16 %[" wr "], %[" wr "]\n\t"                                                          \
    "smlad %[" s0p0 "], %[" wr "], %[x0], %[" s0p0 "]\n\t"                                     \
    "smlad %[" s0p1 "], %[" wr "], %[x1], %[" s0p1 "]\n\t"
#define LM_QUAD_HALF_ASM                                                                       \
    "ldr %[x0], [%[x]], #4\n\t"                                                                \
    "ldr %[x1], [%[x]], #4\n\t"                                                                \
    "ldr %[wv], [%[w]], #4\n\t"                                                                \
    LM_QUAD_WORD_ASM("wv", "a1", "b1", "a0", "b0")                                             \
    "ldr %[wv], [%[w]], #4\n\t"                                                                \
    LM_QUAD_WORD_ASM("wv", "a3", "b3", "a2", "b2")
/* the starting sums, then the groups: bit 0 of the count, bit 1, then four per iteration */
#define LM_QUAD_LOOP_ASM                                                                       \
    "ldr %[a0], [%[w]], #4\n\t"                                                                \
    "ldr %[a1], [%[w]], #4\n\t"                                                                \
    "ldr %[a2], [%[w]], #4\n\t"                                                                \
    "ldr %[a3], [%[w]], #4\n\t"                                                                \
    "mov %[b0], %[a0]\n\t"                                                                     \
    "mov %[b1], %[a1]\n\t"                                                                     \
    "mov %[b2], %[a2]\n\t"                                                                     \
    "mov %[b3], %[a3]\n\t"                                                                     \
    "lsrs %[n], %[n], #1\n\t"                                                                  \
    "bcc 2f\n\t" LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM "2:\n\t"                                    \
    "lsrs %[n], %[n], #1\n\t"                                                                  \
    "bcc 4f\n\t" LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM "4:\n\t"    \
    "cmp %[n], #0\n\t"                                                                         \
    "beq 3f\n"                                                                                 \
    "1:\n\t" LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM                 \
    LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM LM_QUAD_HALF_ASM                        \
    "subs %[n], %[n], #1\n\t"                                                                  \
    "bne 1b\n"                                                                                 \
    "3:"
#define LM_QUAD_MAC_OPERANDS                                                                   \
    [w] "+r"(w), [x] "+r"(xw), [n] "+r"(groups), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), \
        [a3] "=&r"(a3), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3),        \
        [x0] "=&r"(x0), [x1] "=&r"(x1), [wv] "=&r"(wv)
#endif

/* acc[0..7] = per pixel, the two (raw) sums of channel pair (0, 1), then of pair (2, 3), over one
 * block of w (its 4 starting sums, then per group of 4 taps its 4 words) and the widened
 * pixel pair; returns w advanced past the block. */
LM_INLINE const int32_t *lm_conv_quad(const int32_t *w, const int32_t *xw, int32_t groups, int32_t *acc)
{
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* 14 registers: eight sums, two taps words, one weight word, three pointers/counters; the
     * starting sums are loaded inside, so that no input has to be copied into two of them. Per
     * half group: three loads back to back, then for each weight word 2 SMLAD, SXTB16 in
     * place, 2 SMLAD: 32 MACs in 32 cycles per group of 4 taps, four groups per iteration. */
    int32_t a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, wv;
    __asm__(LM_QUAD_LOOP_ASM
            : LM_QUAD_MAC_OPERANDS
            :
            : "cc", "memory");
#else
    int32_t a0 = w[0], a1 = w[1], a2 = w[2], a3 = w[3];
    int32_t b0 = a0, b1 = a1, b2 = a2, b3 = a3, half;
    for (w += 4, groups *= 2, half = 0; half < groups; ++half, w += 2, xw += 2) {
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
    acc[0] = a0;  /* the raw pair sums: each epilogue takes the pairs' second channels */
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = b0;
    acc[5] = b1;
    acc[6] = b2;
    acc[7] = b3;
    return w;
}

/* The 8 outputs of a block from its raw sums; rq: 4 (multiplier, hi_add, shift_hi) triples. */
#define LM_QUAD_OUT(acc, rq, zp, post, full, act_min, act_max, o0, o1)                         \
    do {                                                                                       \
        (acc)[1] = lm_pair_hi((acc)[0], (acc)[1]);                                             \
        (acc)[3] = lm_pair_hi((acc)[2], (acc)[3]);                                             \
        (acc)[5] = lm_pair_hi((acc)[4], (acc)[5]);                                             \
        (acc)[7] = lm_pair_hi((acc)[6], (acc)[7]);                                             \
        LM_CHANNEL_OUT2((acc)[0], (acc)[4], (rq) - 1, zp, post, full, act_min, act_max, o0, o1); \
        LM_CHANNEL_OUT2((acc)[1], (acc)[5], (rq) + 2, zp, post, full, act_min, act_max, o0, o1); \
        LM_CHANNEL_OUT2((acc)[2], (acc)[6], (rq) + 5, zp, post, full, act_min, act_max, o0, o1); \
        LM_CHANNEL_OUT2((acc)[3], (acc)[7], (rq) + 8, zp, post, full, act_min, act_max, o0, o1); \
    } while (0)

/* lm_conv_quad_ssat_s8's 8 outputs of a block from its raw sums, in C: rq holds 4 (multiplier,
 * h2, s2) triples for the doubled sums (lm_requantize_x2), the clamp range is [-128, 127]. */
#define LM_QUAD_X2_OUT1(a, b, r, o0, o1)                                                       \
    do {                                                                                       \
        *(o0)++ = (int8_t)lm_rq2_clamp(a, (r)[0], (r)[1], (r)[2], -128, 127, 1);               \
        *(o1)++ = (int8_t)lm_rq2_clamp(b, (r)[0], (r)[1], (r)[2], -128, 127, 1);               \
    } while (0)
#define LM_QUAD_X2_OUT(acc, rq, o0, o1)                                                        \
    do {                                                                                       \
        LM_QUAD_X2_OUT1(lm_x2_lo((acc)[0]), lm_x2_lo((acc)[4]), (rq), o0, o1);                 \
        LM_QUAD_X2_OUT1(lm_x2_hi((acc)[0], (acc)[1]), lm_x2_hi((acc)[4], (acc)[5]), (rq) + 3, o0, o1); \
        LM_QUAD_X2_OUT1(lm_x2_lo((acc)[2]), lm_x2_lo((acc)[6]), (rq) + 6, o0, o1);             \
        LM_QUAD_X2_OUT1(lm_x2_hi((acc)[2], (acc)[3]), lm_x2_hi((acc)[6], (acc)[7]), (rq) + 9, o0, o1); \
    } while (0)

/* lm_conv_quad_ssat_s8's whole block in one block of assembly (DSP cores): lm_conv_quad's loop,
 * then the 8 outputs from the doubled sums, made in place. The loop's 14 registers are free
 * again after it but for the sums and w: the triples' and outputs' pointers come from c on
 * the stack, and per channel (multiplier, h2, s2) are loaded once (the first channel, short
 * of registers, loads h2 twice); per pixel ADD, SMMLAR, ASR, SSAT, STRB, each result in its
 * spent sum: 78 cycles for 8 outputs, no register shuffling between the loop and the
 * outputs. c's pointers advance. */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define LM_CONV_FUSED 1
typedef struct {
    const int32_t *rq;
    int8_t *o0, *o1;
} lm_conv_fused_ctx;

#define LM_QUAD_FUSED_X2_ASM(a, b)                                                             \
    "sub %[" b "], %[" b "], %[" a "]\n\t"                                                     \
    "asr %[" b "], %[" b "], #7\n\t"                                                           \
    "lsl %[" a "], %[" a "], #1\n\t"
/* registers: x = the triples, n = o0, x0 = o1, x1 = the multiplier, wv = h2 then s2 */
#define LM_QUAD_FUSED_CHANNEL_ASM(a, b)                                                        \
    "ldr %[x1], [%[x]], #4\n\t"                                                                \
    "ldr %[wv], [%[x]]\n\t"                                                                    \
    "add %[wv], %[wv], %[" a "], asr #31\n\t"                                                  \
    "smmlar %[" a "], %[" a "], %[x1], %[wv]\n\t"                                              \
    "ldr %[wv], [%[x]], #4\n\t"                                                                \
    "add %[wv], %[wv], %[" b "], asr #31\n\t"                                                  \
    "smmlar %[" b "], %[" b "], %[x1], %[wv]\n\t"                                              \
    "ldr %[wv], [%[x]], #4\n\t"                                                                \
    "asr %[" a "], %[" a "], %[wv]\n\t"                                                        \
    "asr %[" b "], %[" b "], %[wv]\n\t"                                                        \
    "ssat %[" a "], #8, %[" a "]\n\t"                                                          \
    "ssat %[" b "], #8, %[" b "]\n\t"                                                          \
    "strb %[" a "], [%[n]], #1\n\t"                                                            \
    "strb %[" b "], [%[x0]], #1\n\t"
/* channels 1 to 3: channel 0's spent sums (s, u) hold s2 and the second pixel's h2 + sign, so
 * that the three loads (from ptr, the triples) issue back to back; store(a, b) stores both */
#define LM_QUAD_FUSED_CHANNEL2_ASM(a, b, s, u, ptr, store)                                     \
    "ldr %[x1], [%[" ptr "]], #4\n\t"                                                           \
    "ldr %[wv], [%[" ptr "]], #4\n\t"                                                           \
    "ldr %[" s "], [%[" ptr "]], #4\n\t"                                                        \
    "add %[" u "], %[wv], %[" b "], asr #31\n\t"                                               \
    "add %[wv], %[wv], %[" a "], asr #31\n\t"                                                  \
    "smmlar %[" a "], %[" a "], %[x1], %[wv]\n\t"                                              \
    "smmlar %[" b "], %[" b "], %[x1], %[" u "]\n\t"                                           \
    "asr %[" a "], %[" a "], %[" s "]\n\t"                                                     \
    "asr %[" b "], %[" b "], %[" s "]\n\t"                                                     \
    "ssat %[" a "], #8, %[" a "]\n\t"                                                          \
    "ssat %[" b "], #8, %[" b "]\n\t" store(a, b)
/* the stores through o0 (n) and o1 (x0) */
#define LM_QUAD_FUSED_STORE(a, b)                                                              \
    "strb %[" a "], [%[n]], #1\n\t"                                                            \
    "strb %[" b "], [%[x0]], #1\n\t"
LM_INLINE const int32_t *lm_conv_quad_fused(const int32_t *w, const int32_t *xw, int32_t groups,
                                            lm_conv_fused_ctx *c)
{
    int32_t a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, wv;
    __asm__ volatile(LM_QUAD_LOOP_ASM "\n\t"
                     "ldr %[x], %[rq]\n\t"
                     "ldr %[n], %[o0]\n\t"
                     "ldr %[x0], %[o1]\n\t"
                     LM_QUAD_FUSED_X2_ASM("a0", "a1") LM_QUAD_FUSED_X2_ASM("a2", "a3")
                     LM_QUAD_FUSED_X2_ASM("b0", "b1") LM_QUAD_FUSED_X2_ASM("b2", "b3")
                     LM_QUAD_FUSED_CHANNEL_ASM("a0", "b0")
                     LM_QUAD_FUSED_CHANNEL2_ASM("a1", "b1", "a0", "b0", "x", LM_QUAD_FUSED_STORE)
                     LM_QUAD_FUSED_CHANNEL2_ASM("a2", "b2", "a0", "b0", "x", LM_QUAD_FUSED_STORE)
                     LM_QUAD_FUSED_CHANNEL2_ASM("a3", "b3", "a0", "b0", "x", LM_QUAD_FUSED_STORE)
                     "str %[x], %[rq]\n\t"
                     "str %[n], %[o0]\n\t"
                     "str %[x0], %[o1]"
                     : LM_QUAD_MAC_OPERANDS, [rq] "+m"(c->rq), [o0] "+m"(c->o0), [o1] "+m"(c->o1)
                     :
                     : "cc", "memory");
    return w;
}

/* lm_conv_quad16_ssat_s8 (taps a multiple of 16): every block of `pairs` pixel pairs in one
 * block of assembly, the loops over blocks and pairs inside it, so that nothing is kept in C
 * between two blocks. With no remainder of groups to decode, the loop counter gives way to a
 * second weight register: per half group the four loads (two taps words, two weight words)
 * issue back to back, 15 cycles for 16 MACs; the loop ends when x reaches the pair's end (xend,
 * in memory). Each block's triples follow its weights in w, so that the outputs (as in
 * lm_conv_quad_fused) read them through w; the second pixel's outputs are stored at o0 + step
 * (x), which frees x0 for channel 0. The blocks start at w0 and end at w_end. Per pair, when
 * wide (the count of 8-tap steps) is not 0, the assembly first widens the pair's taps into xw
 * itself from `in` (pixel 0) and in + inc (pixel 1), 25 cycles per 8 taps, and moves `in` on
 * by two pixels; after the pair o0 moves on by step (a pair's second row of outputs). */
typedef struct {
    const int32_t *xw, *xend, *w0, *w_end;
    int8_t *o0;
    int32_t step;
    const int8_t *in;
    int32_t inc, wide, pairs;
} lm_conv_run_ctx;

#define LM_RUN_HALF_ASM                                                                        \
    "ldr %[x0], [%[x]], #4\n\t"                                                                \
    "ldr %[x1], [%[x]], #4\n\t"                                                                \
    "ldr %[wv], [%[w]], #4\n\t"                                                                \
    "ldr %[n], [%[w]], #4\n\t"                                                                 \
    LM_QUAD_WORD_ASM("wv", "a1", "b1", "a0", "b0") LM_QUAD_WORD_ASM("n", "a3", "b3", "a2", "b2")
#define LM_RUN_STORE(a, b)                                                                     \
    "strb %[" b "], [%[n], %[x]]\n\t"                                                          \
    "strb %[" a "], [%[n]], #1\n\t"
/* channel 0: x0 holds the second pixel's h2 + sign, s2 loaded after */
#define LM_RUN_CHANNEL0_ASM(a, b)                                                              \
    "ldr %[x1], [%[w]], #4\n\t"                                                                \
    "ldr %[wv], [%[w]], #4\n\t"                                                                \
    "add %[x0], %[wv], %[" b "], asr #31\n\t"                                                  \
    "add %[wv], %[wv], %[" a "], asr #31\n\t"                                                  \
    "smmlar %[" a "], %[" a "], %[x1], %[wv]\n\t"                                              \
    "smmlar %[" b "], %[" b "], %[x1], %[x0]\n\t"                                              \
    "ldr %[wv], [%[w]], #4\n\t"                                                                \
    "asr %[" a "], %[" a "], %[wv]\n\t"                                                        \
    "asr %[" b "], %[" b "], %[wv]\n\t"                                                        \
    "ssat %[" a "], #8, %[" a "]\n\t"                                                          \
    "ssat %[" b "], #8, %[" b "]\n\t" LM_RUN_STORE(a, b)
/* 4 taps of two pixels widened (words p0, p1 of pixel 0 and 1; e0, e1 free): even(p0), even(p1),
 * odd(p0), odd(p1) stored at x */
#define LM_RUN_WIDEN_ASM(p0, p1, e0, e1)                                                       \
    "sxtb16 %[" e0 "], %[" p0 "]\n\t"                                                          \
    "sxtb16 %[" e1 "], %[" p1 "]\n\t"                                                          \
    "sxtb16 %[" p0 "], %[" p0 "], ror #8\n\t"                                                  \
    "sxtb16 %[" p1 "], %[" p1 "], ror #8\n\t"                                                  \
    "str %[" e0 "], [%[x]], #4\n\t"                                                            \
    "str %[" e1 "], [%[x]], #4\n\t"                                                            \
    "str %[" p0 "], [%[x]], #4\n\t"                                                            \
    "str %[" p1 "], [%[x]], #4\n\t"
LM_INLINE const int32_t *lm_conv_quad_run(lm_conv_run_ctx *c)
{
    int32_t a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, wv, n;
    const int32_t *xw, *w;
    __asm__ volatile("8:\n\t"
                     "ldr %[x0], %[wide]\n\t"
                     "cmp %[x0], #0\n\t"
                     "beq 7f\n\t"
                     "ldr %[x1], %[in]\n\t"
                     "ldr %[wv], %[inc]\n\t"
                     "ldr %[x], %[xw]\n"
                     "9:\n\t"
                     "ldr %[a1], [%[x1], %[wv]]\n\t"
                     "ldr %[a0], [%[x1]], #4\n\t"
                     "ldr %[a3], [%[x1], %[wv]]\n\t"
                     "ldr %[a2], [%[x1]], #4\n\t"
                     LM_RUN_WIDEN_ASM("a0", "a1", "b0", "b1") LM_RUN_WIDEN_ASM("a2", "a3", "b2", "b3")
                     "subs %[x0], %[x0], #1\n\t"
                     "bne 9b\n\t"
                     "add %[x1], %[x1], %[wv]\n\t"
                     "str %[x1], %[in]\n"
                     "7:\n\t"
                     "ldr %[w], %[w0]\n"
                     "5:\n\t"
                     "ldr %[a0], [%[w]], #4\n\t"
                     "ldr %[a1], [%[w]], #4\n\t"
                     "ldr %[a2], [%[w]], #4\n\t"
                     "ldr %[a3], [%[w]], #4\n\t"
                     "ldr %[x], %[xw]\n\t"
                     "mov %[b0], %[a0]\n\t"
                     "mov %[b1], %[a1]\n\t"
                     "mov %[b2], %[a2]\n\t"
                     "mov %[b3], %[a3]\n"
                     "6:\n\t" LM_RUN_HALF_ASM LM_RUN_HALF_ASM LM_RUN_HALF_ASM LM_RUN_HALF_ASM
                     LM_RUN_HALF_ASM LM_RUN_HALF_ASM LM_RUN_HALF_ASM LM_RUN_HALF_ASM
                     "ldr %[x0], %[xend]\n\t"
                     "cmp %[x], %[x0]\n\t"
                     "bne 6b\n\t"
                     "ldr %[n], %[o0]\n\t"
                     "ldr %[x], %[step]\n\t"
                     LM_QUAD_FUSED_X2_ASM("a0", "a1") LM_QUAD_FUSED_X2_ASM("a2", "a3")
                     LM_QUAD_FUSED_X2_ASM("b0", "b1") LM_QUAD_FUSED_X2_ASM("b2", "b3")
                     LM_RUN_CHANNEL0_ASM("a0", "b0")
                     LM_QUAD_FUSED_CHANNEL2_ASM("a1", "b1", "a0", "b0", "w", LM_RUN_STORE)
                     LM_QUAD_FUSED_CHANNEL2_ASM("a2", "b2", "a0", "b0", "w", LM_RUN_STORE)
                     LM_QUAD_FUSED_CHANNEL2_ASM("a3", "b3", "a0", "b0", "w", LM_RUN_STORE)
                     "str %[n], %[o0]\n\t"
                     "ldr %[x1], %[w_end]\n\t"
                     "cmp %[w], %[x1]\n\t"
                     "bne 5b\n\t"
                     "add %[n], %[n], %[x]\n\t"
                     "str %[n], %[o0]\n\t"
                     "ldr %[x0], %[pairs]\n\t"
                     "subs %[x0], %[x0], #1\n\t"
                     "str %[x0], %[pairs]\n\t"
                     "bne 8b"
                     : [w] "=&r"(w), [x] "=&r"(xw), [n] "=&r"(n), [a0] "=&r"(a0), [a1] "=&r"(a1),
                       [a2] "=&r"(a2), [a3] "=&r"(a3), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2),
                       [b3] "=&r"(b3), [x0] "=&r"(x0), [x1] "=&r"(x1), [wv] "=&r"(wv), [o0] "+m"(c->o0),
                       [in] "+m"(c->in), [pairs] "+m"(c->pairs)
                     : [xw] "m"(c->xw), [xend] "m"(c->xend), [w_end] "m"(c->w_end), [step] "m"(c->step),
                       [w0] "m"(c->w0), [inc] "m"(c->inc), [wide] "m"(c->wide)
                     : "cc", "memory");
    return w;
}
#undef LM_RUN_WIDEN_ASM
#undef LM_RUN_HALF_ASM
#undef LM_RUN_STORE
#undef LM_RUN_CHANNEL0_ASM
#undef LM_QUAD_FUSED_STORE
#undef LM_QUAD_FUSED_X2_ASM
#undef LM_QUAD_FUSED_CHANNEL_ASM
#undef LM_QUAD_FUSED_CHANNEL2_ASM
#else
#define LM_CONV_FUSED 0
#endif

/* All output channels of two pixels (o1 == o0 for a lone last pixel); rq: per channel (out_c
 * rounded up to 4) a triple. `post` and `full` constants as above; `ssat` (a constant): the
 * triples are for the doubled sums (lm_conv_quad_ssat_s8). */
LM_INLINE void lm_conv_quad_pair_(const lm_conv_params *p, const int32_t *w, const int32_t *rq,
                                  const int32_t *xw, int32_t groups, int8_t *o0, int8_t *o1,
                                  int32_t zp_post, const int post, const int full, const int ssat)
{
    const int32_t act_min = p->act_min, act_max = p->act_max, tail = p->out_c & 3;
    int32_t n = (p->out_c + 3) >> 2, acc[8];
    (void)full;
#if LM_CONV_FUSED
    if (ssat) {  /* every block in one block of assembly; the last one's zero channels dropped */
        int8_t t0[4], t1[4];
        lm_conv_fused_ctx c;
        int32_t j;
        c.rq = rq, c.o0 = o0, c.o1 = o1;
        for (; n > 0; --n) {
            if (n == 1 && tail) {
                o0 = c.o0, o1 = c.o1, c.o0 = t0, c.o1 = t1;
            }
            w = lm_conv_quad_fused(w, xw, groups, &c);
        }
        for (j = 0; j < tail; ++j) {
            o0[j] = t0[j];
            o1[j] = t1[j];
        }
        return;
    }
#endif
    for (; n > 0; --n, rq += 12) {
        w = lm_conv_quad(w, xw, groups, acc);
        if (ssat == 2) {  /* lm_conv_quad16_ssat_s8: the block's triples follow its weights */
            rq = w;
            w += 12;
        }
        if (n > 1 || tail == 0) {
            if (ssat) {
                LM_QUAD_X2_OUT(acc, rq, o0, o1);
            } else {
                LM_QUAD_OUT(acc, rq, zp_post, post, full, act_min, act_max, o0, o1);
            }
        } else {  /* the last block's zero channels are computed into t and dropped */
            int8_t t0[4], t1[4], *q0 = t0, *q1 = t1;
            int32_t j;
            if (ssat) {
                LM_QUAD_X2_OUT(acc, rq, q0, q1);
            } else {
                LM_QUAD_OUT(acc, rq, zp_post, post, full, act_min, act_max, q0, q1);
            }
            for (j = 0; j < tail; ++j) {
                o0[j] = t0[j];
                o1[j] = t1[j];
            }
        }
    }
}

#undef LM_QUAD_OUT
#undef LM_QUAD_X2_OUT1
#undef LM_QUAD_X2_OUT
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#undef LM_QUAD_WORD_ASM
#undef LM_QUAD_HALF_ASM
#undef LM_QUAD_LOOP_ASM
#undef LM_QUAD_MAC_OPERANDS
#endif

/* The input pixel under the next output pixel of a 1x1 unpadded convolution: *next, then one
 * step along the output row (or to the next row's start, *row + step_y). */
LM_INLINE const int8_t *lm_direct_next(const int8_t **row, const int8_t **next, int32_t *ox, int32_t out_w,
                                       int32_t step_x, int32_t step_y)
{
    const int8_t *x = *next;
    if (++*ox == out_w) {
        *ox = 0;
        *row += step_y;
        *next = *row;
    } else {
        *next += step_x;
    }
    return x;
}

/* A pixel pair (one pixel if not `pair`) whose receptive fields lie inside the input, for kernel
 * rows of whole groups of taps (dil_w 1): *x0, *x1 = their first kernel rows in the input, and
 * the number of kernel rows; 0 if a field reaches the padding. */
static int32_t lm_inside_pair(const lm_conv_params *p, const int8_t *in_b, int32_t pix, int pair,
                              const int8_t **x0, const int8_t **x1)
{
    const int32_t out_w = p->out_w, oy = pix / out_w, ox = pix - oy * out_w;
    const int32_t wrap = pair && ox + 1 == out_w, oy1 = oy + wrap, ox1 = wrap ? 0 : ox + pair;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, iy1 = oy1 * p->stride_h - p->pad_top;
    const int32_t ix0 = ox * p->stride_w - p->pad_left, ix1 = ox1 * p->stride_w - p->pad_left;
    const int32_t last_y = iy1 + (p->k_h - 1) * p->dil_h, x_end = p->in_w - p->k_w;
    if (iy0 < 0 || last_y >= p->in_h || ix0 < 0 || ix1 < 0 || ix0 > x_end || ix1 > x_end) {
        return 0;
    }
    *x0 = in_b + (iy0 * p->in_w + ix0) * p->in_c;
    *x1 = in_b + (iy1 * p->in_w + ix1) * p->in_c;
    return p->k_h;
}

/* The pixel pairs of every batch: patches, widened, then every channel (lm_conv_quad_s8's
 * blocks when `quad`, else lm_conv_fast_s8's channel pairs); `quad`, `post` and `full` are
 * constants. */
LM_INLINE void lm_conv_pixels_(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                               int32_t zp_post, int8_t *scratch, int8_t *out, const int quad, const int post,
                               const int full, const int ssat)
{
    const int32_t out_c = p->out_c;
    const int32_t kp = (p->k_h * p->k_w * p->in_c + 3) & ~3, groups = kp / 4;
    const int32_t pixels = p->out_h * p->out_w, in_batch = p->in_h * p->in_w * p->in_c;
    /* a 1x1 unpadded convolution whose channels are a multiple of 4 reads its patches from the
     * input itself: the pixels are walked with pointer steps, no call or division per pixel */
    const int direct = p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0 && kp == p->in_c;
    const int32_t step_x = p->stride_w * p->in_c, step_y = p->stride_h * p->in_w * p->in_c;
    /* kernel rows of whole groups of 4 taps: a pixel pair inside the input is widened in place */
    const int in_rows = !direct && p->dil_w == 1 && (p->k_w * p->in_c & 3) == 0;
    const int32_t row_groups = p->k_w * p->in_c >> 2, row_step = p->dil_h * p->in_w * p->in_c;
    int32_t *xw = (int32_t *)(void *)scratch;
    int8_t *patch = scratch + 4 * kp;
    int32_t b, pix, r;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_batch;
        const int8_t *row = in_b, *next = in_b;
        int32_t ox = 0;
        for (pix = 0; pix < pixels; pix += 2) {
            const int pair = pix + 1 < pixels;
            int8_t *out0 = out + (b * pixels + pix) * out_c;
            int8_t *out1 = pair ? out0 + out_c : out0;
            const int8_t *x0, *x1;
            int32_t rows = 1;
            if (direct) {
                x0 = x1 = lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y);
                if (pair) {
                    x1 = lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y);
                }
            } else if (!in_rows || (rows = lm_inside_pair(p, in_b, pix, pair, &x0, &x1)) == 0) {
                rows = 1;
                x0 = lm_pixel_patch(p, in_b, pix, patch);
                x1 = pair ? lm_pixel_patch(p, in_b, pix + 1, patch + kp) : x0;
            }
            for (r = 0; r < rows; ++r) {  /* one run of groups, or one per kernel row */
                const int32_t n = rows == 1 ? groups : row_groups;
                lm_widen_pair(x0 + r * row_step, x1 + r * row_step, n, xw + r * 4 * n, quad);
            }
            if (quad) {
                lm_conv_quad_pair_(p, w, rec, xw, groups, out0, out1, zp_post, post, full, ssat);
            } else {
                lm_conv_pixel_pair(p, w, rec, xw, groups, out0, out1, zp_post);
            }
        }
    }
}

void lm_conv_fast_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                     int32_t zp_post, int8_t *scratch, int8_t *out)
{
    lm_conv_pixels_(p, in, w, rec, zp_post, scratch, out, 0, 1, 0, 0);
}

/* Any layer: the zero point added after the shift (0 when folded), clamped to [act_min, act_max]. */
void lm_conv_quad_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                     int32_t zp_post, int8_t *scratch, int8_t *out)
{
    lm_conv_pixels_(p, in, w, rq, zp_post, scratch, out, 1, 1, 0, 0);
}

/* The usual layer: clamp range [-128, 127], rq's triples for the doubled sums (zp_post 0,
 * the zero point folded into h2). */
void lm_conv_quad_ssat_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                          int32_t zp_post, int8_t *scratch, int8_t *out)
{
    lm_conv_pixels_(p, in, w, rq, zp_post, scratch, out, 1, 0, 1, 1);
}

/* ---- lm_conv_quad16_ssat_s8: taps (kp) a multiple of 16, each block's triples after its
 * weights, the blocks of a pixel pair in one run ---- */

/* lm_widen_pair's quad order, two groups per iteration (half the loop's overhead). */
LM_INLINE void lm_widen_quad(const int8_t *x0, const int8_t *x1, int32_t groups, int32_t *dst)
{
    if (groups & 1) {
        lm_widen_pair(x0, x1, 1, dst, 1);
        x0 += 4, x1 += 4, dst += 4;
    }
    for (groups >>= 1; groups > 0; --groups, x0 += 8, x1 += 8, dst += 8) {
        const int32_t v0 = lm_read_word(x0), v1 = lm_read_word(x1);
        const int32_t u0 = lm_read_word(x0 + 4), u1 = lm_read_word(x1 + 4);
        dst[0] = lm_simd_even(v0);
        dst[1] = lm_simd_even(v1);
        dst[2] = lm_simd_odd(v0);
        dst[3] = lm_simd_odd(v1);
        dst[4] = lm_simd_even(u0);
        dst[5] = lm_simd_even(u1);
        dst[6] = lm_simd_odd(u0);
        dst[7] = lm_simd_odd(u1);
    }
}

/* The widened taps of pixel pix and (if `pair`) pix + 1 of a padded or kxk convolution: kernel
 * rows read from the input where both receptive fields lie inside it, else gathered patches. */
static void lm_quad16_taps(const lm_conv_params *p, const int8_t *in_b, int32_t pix, int pair, int8_t *patch,
                           int32_t *xw)
{
    const int32_t kp = p->k_h * p->k_w * p->in_c;
    const int8_t *x0, *x1;
    int32_t r, rows = 0, n = p->k_w * p->in_c >> 2, step = p->dil_h * p->in_w * p->in_c;
    if (p->dil_w == 1 && (p->k_w * p->in_c & 3) == 0) {
        rows = lm_inside_pair(p, in_b, pix, pair, &x0, &x1);
    }
    if (rows == 0) {
        x0 = lm_pixel_patch(p, in_b, pix, patch);
        x1 = pair ? lm_pixel_patch(p, in_b, pix + 1, patch + kp) : x0;
        rows = 1, n = kp >> 2;
    }
    for (r = 0; r < rows; ++r, xw += 4 * n) {
        lm_widen_quad(x0 + r * step, x1 + r * step, n, xw);
    }
}

#if LM_CONV_FUSED
/* The runs of one job (the pairs set up in c, or one widened pair): run 0 the whole blocks
 * into o (step: the second pixel's offset, 0 for a lone last pixel), run 1 the last block when
 * out_c is not a multiple of 4 into t (8 bytes of scratch the pair no longer needs), its zero
 * channels dropped after (only for jobs of one pair). One call site, one instance of the
 * assembly (inlined even in -Og builds, which inline no function called once: its asm needs the
 * context on the stack, not behind a pointer). */
LM_INLINE void lm_quad16_job(lm_conv_run_ctx *c, const int32_t *w, int32_t out_c, int8_t *o, int32_t step, int8_t *t)
{
    const int32_t whole = out_c >> 2, tail = out_c & 3, block = (int32_t)(c->xend - c->xw) + 16;
    int32_t r, j;
    for (r = whole > 0 ? 0 : 1; r < (tail ? 2 : 1); ++r) {
        if (r == 0) {
            c->o0 = o, c->step = step, c->w0 = w, c->w_end = w + whole * block;
        } else {
            c->o0 = t, c->step = 4, c->w0 = w + whole * block, c->w_end = c->w0 + block;
        }
        lm_conv_quad_run(c);
        c->wide = 0, c->pairs = 1;  /* a second run: the pair is widened */
    }
    for (j = 0, o += out_c - tail; j < tail; ++j) {
        o[j] = t[j];
        o[step + j] = t[4 + j];
    }
}
#endif

void lm_conv_quad16_ssat_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, int8_t *scratch,
                            int8_t *out)
{
    const int32_t out_c = p->out_c, in_c = p->in_c, groups = p->k_h * p->k_w * in_c >> 2;
    const int32_t pixels = p->out_h * p->out_w, in_batch = p->in_h * p->in_w * in_c;
    /* a 1x1 unpadded convolution reads its pixels from the input, walked with pointer steps */
    const int direct = p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0;
    const int32_t step_x = p->stride_w * in_c, step_y = p->stride_h * p->in_w * in_c;
    /* ... and when they follow each other in the input, every pair but a lone last pixel is
     * widened and convolved in one run of the assembly */
    const int run = LM_CONV_FUSED && direct && step_x == in_c && step_y == p->out_w * in_c && (out_c & 3) == 0;
    int32_t *xw = (int32_t *)(void *)scratch;
    int8_t *patch = scratch + 16 * groups;
    int32_t b, pix, n;
    (void)run;  /* only the DSP cores' assembly runs pairs */
#if LM_CONV_FUSED
    lm_conv_run_ctx c;
    c.xw = xw, c.xend = xw + 4 * groups;
#endif
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_batch, *row = in_b, *next = in_b;
        int8_t *o = out + b * pixels * out_c;
        int32_t ox = 0;
        for (pix = 0; pix < pixels; pix += n, o += n * out_c) {
            const int pair = pix + 1 < pixels;
            n = 2;
#if LM_CONV_FUSED
            c.wide = 0, c.pairs = 1;
            if (direct) {  /* the assembly widens the pair (or, in a run, every pair left) itself */
                const int8_t *x0 = run ? next : lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y);
                const int8_t *x1 = !pair ? x0 : run ? x0 + in_c
                                                    : lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y);
                if (run && pair) {
                    n = (pixels - pix) & ~1;
                    c.pairs = n >> 1;
                    next += n * in_c;
                }
                c.in = x0, c.inc = (int32_t)(x1 - x0), c.wide = groups >> 1;
            } else {
                lm_quad16_taps(p, in_b, pix, pair, patch, xw);
            }
            lm_quad16_job(&c, w, out_c, o, pair ? out_c : 0, patch);
#else
            if (direct) {
                const int8_t *x0 = lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y);
                lm_widen_quad(x0, pair ? lm_direct_next(&row, &next, &ox, p->out_w, step_x, step_y) : x0,
                              groups, xw);
            } else {
                lm_quad16_taps(p, in_b, pix, pair, patch, xw);
            }
            lm_conv_quad_pair_(p, w, NULL, xw, groups, o, pair ? o + out_c : o, 0, 0, 1, 2);
#endif
        }
    }
}

#undef LM_CONV_FUSED

/* Zero point folded into hi_add (zp_post 0), any clamp range. */
void lm_conv_quad_clamp_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                           int32_t zp_post, int8_t *scratch, int8_t *out)
{
    lm_conv_pixels_(p, in, w, rq, zp_post, scratch, out, 1, 0, 0, 0);
}
