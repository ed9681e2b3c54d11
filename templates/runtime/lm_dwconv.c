/* litemicro runtime: DEPTHWISE_CONV_2D, int8, every variant (declared in lm_dwconv.h).
 *
 * Portable kernels for every core, and on DSP cores SMLAD kernels over tap pairs whose
 * weights the compiler lays out offline at one byte per weight. Kernels whose shape is a
 * constant at the call (3x3) are instances of one always-inline walk, so the tap offsets fold
 * to constants and no offset table is read.
 */
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_dwconv.h"

/* First tap index k in [0, k_n) with origin + k * dil inside [0, size), and one past the last. */
static void lm_valid_taps(int32_t origin, int32_t dil, int32_t k_n, int32_t size, int32_t *k0, int32_t *k1)
{
    int32_t lo = 0, hi = k_n;
    while (lo < k_n && origin + lo * dil < 0) {
        ++lo;
    }
    while (hi > lo && origin + (hi - 1) * dil >= size) {
        --hi;
    }
    *k0 = lo;
    *k1 = hi;
}

/* Depthwise, one output channel: the valid taps, plus the zero point for padded taps. */
static int32_t lm_dw_channel(const lm_dwconv_params *p, const int8_t *in_b, const int8_t *w, int32_t oc,
                             int32_t ic, int32_t iy0, int32_t ix0, int32_t acc)
{
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx * p->dil_w;
            const int32_t wv = w[(ky * p->k_w + kx) * p->out_c + oc];
            if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
                acc = lm_wrap_add(acc, wv * (int32_t)in_b[(iy * p->in_w + ix) * p->in_c + ic]);
            } else {
                acc = lm_wrap_add(acc, wv * p->in_zp);
            }
        }
    }
    return acc;
}

void lm_dwconv_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c, out_c = p->out_c;
    const int32_t k_h = p->k_h, k_w = p->k_w, dil_h = p->dil_h, dil_w = p->dil_w;
    const int32_t out_h = p->out_h, out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_top = p->pad_top, pad_left = p->pad_left, in_zp = p->in_zp;
    const int32_t out_zp = p->out_zp, act_min = p->act_min, act_max = p->act_max;
    const int32_t depth_mult = p->depth_mult, batches = p->batches;
    int32_t b, oy, ox, oc, ky, kx, j;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * stride_h - pad_top;
            int32_t ky0, ky1;
            lm_valid_taps(iy0, dil_h, k_h, in_h, &ky0, &ky1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * stride_w - pad_left;
                int32_t kx0, kx1;
                lm_valid_taps(ix0, dil_w, k_w, in_w, &kx0, &kx1);
                oc = 0;
                {
                    const int border = !(ky0 == 0 && ky1 == k_h && kx0 == 0 && kx1 == k_w);
                    /* four output channels at a time over the valid taps; padded taps add the zero point */
                    for (; oc + 3 < out_c; oc += 4) {
                        /* input channel of each of the four output channels */
                        const int32_t i0 = oc / depth_mult, i1 = (oc + 1) / depth_mult;
                        const int32_t i2 = (oc + 2) / depth_mult, i3 = (oc + 3) / depth_mult;
                        /* sums in uint32_t from the bias: they wrap modulo 2^32 (lm_dwconv_m1_s8) */
                        uint32_t a0 = (uint32_t)bias[oc], a1 = (uint32_t)bias[oc + 1];
                        uint32_t a2 = (uint32_t)bias[oc + 2], a3 = (uint32_t)bias[oc + 3];
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int8_t *xr = in_b + ((iy0 + ky * dil_h) * in_w + ix0) * in_c;
                            const int8_t *wr = w + ky * k_w * out_c + oc;
                            for (kx = kx0; kx < kx1; ++kx) {
                                const int8_t *x = xr + kx * dil_w * in_c;
                                const int8_t *wt = wr + kx * out_c;
                                a0 += (uint32_t)(wt[0] * x[i0]);
                                a1 += (uint32_t)(wt[1] * x[i1]);
                                a2 += (uint32_t)(wt[2] * x[i2]);
                                a3 += (uint32_t)(wt[3] * x[i3]);
                            }
                        }
                        if (border) {
                            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                            for (ky = 0; ky < k_h; ++ky) {
                                for (kx = 0; kx < k_w; ++kx) {
                                    if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1) {
                                        continue;
                                    }
                                    {
                                        const int8_t *wt = w + (ky * k_w + kx) * out_c + oc;
                                        s0 += wt[0];
                                        s1 += wt[1];
                                        s2 += wt[2];
                                        s3 += wt[3];
                                    }
                                }
                            }
                            a0 += (uint32_t)s0 * (uint32_t)in_zp;
                            a1 += (uint32_t)s1 * (uint32_t)in_zp;
                            a2 += (uint32_t)s2 * (uint32_t)in_zp;
                            a3 += (uint32_t)s3 * (uint32_t)in_zp;
                        }
                        {
                            const int32_t accs[4] = {(int32_t)a0, (int32_t)a1, (int32_t)a2, (int32_t)a3};
                            for (j = 0; j < 4; ++j) {
                                out[oc + j] = lm_clamp_s8(lm_requantize(accs[j], mult[oc + j], shift[oc + j]) + out_zp,
                                                          act_min, act_max);
                            }
                        }
                    }
                }
                for (; oc < out_c; ++oc) {
                    const int32_t acc = lm_dw_channel(p, in_b, w, oc, oc / depth_mult, iy0, ix0, bias[oc]);
                    out[oc] = lm_clamp_s8(lm_requantize(acc, mult[oc], shift[oc]) + out_zp, act_min, act_max);
                }
                out += out_c;
            }
        }
    }
}

/* Sum of the weights of the taps outside [ky0, ky1) x [kx0, kx1), for four channels. */
static void lm_dw_pad_sums(const int8_t *w, int32_t k_h, int32_t k_w, int32_t out_c, int32_t ky0,
                           int32_t ky1, int32_t kx0, int32_t kx1, int32_t *sums)
{
    int32_t ky, kx;
    sums[0] = sums[1] = sums[2] = sums[3] = 0;
    for (ky = 0; ky < k_h; ++ky) {
        for (kx = 0; kx < k_w; ++kx) {
            if (ky < ky0 || ky >= ky1 || kx < kx0 || kx >= kx1) {
                const int8_t *wt = w + (ky * k_w + kx) * out_c;
                sums[0] += wt[0];
                sums[1] += wt[1];
                sums[2] += wt[2];
                sums[3] += wt[3];
            }
        }
    }
}

void lm_dwconv_m1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->out_c;
    const int32_t k_h = p->k_h, k_w = p->k_w, dil_h = p->dil_h, dil_w = p->dil_w;
    const int32_t out_h = p->out_h, out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_top = p->pad_top, pad_left = p->pad_left, in_zp = p->in_zp;
    const int32_t out_zp = p->out_zp, act_min = p->act_min, act_max = p->act_max, batches = p->batches;
    const int32_t x_step = dil_w * ch, row_step = dil_h * in_w * ch, w_row = k_w * ch;
    int32_t b, oy, ox, c, ky;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * stride_h - pad_top;
            int32_t ky0, ky1;
            lm_valid_taps(iy0, dil_h, k_h, in_h, &ky0, &ky1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * stride_w - pad_left;
                int32_t kx0, kx1;
                lm_valid_taps(ix0, dil_w, k_w, in_w, &kx0, &kx1);
                c = 0;
                if (ch > 3) {   /* the taps' loops end on the weight pointer: no tap counter */
                    const int32_t border = ky0 != 0 || ky1 != k_h || kx0 != 0 || kx1 != k_w;
                    const int8_t *x_first = in_b + ((iy0 + ky0 * dil_h) * in_w + ix0 + kx0 * dil_w) * ch;
                    const int8_t *w_first = w + (ky0 * k_w + kx0) * ch;
                    const int32_t kx_len = (kx1 - kx0) * ch;
                    for (; c + 3 < ch; c += 4) {
                        /* sums in uint32_t from the bias: they wrap modulo 2^32 as TFLM's, with no
                         * signed overflow, and the compiler keeps its MLAs (with int32_t sums
                         * added through lm_wrap_add, the border's multiply and add were two) */
                        uint32_t a0 = (uint32_t)bias[c], a1 = (uint32_t)bias[c + 1];
                        uint32_t a2 = (uint32_t)bias[c + 2], a3 = (uint32_t)bias[c + 3];
                        const int8_t *xr = x_first + c;
                        const int8_t *wr = w_first + c;
                        for (ky = ky0; ky < ky1; ++ky, xr += row_step, wr += w_row) {
                            const int8_t *x = xr;
                            const int8_t *wt = wr;
                            for (; wt != wr + kx_len; x += x_step, wt += ch) {
                                a0 += (uint32_t)(wt[0] * x[0]);
                                a1 += (uint32_t)(wt[1] * x[1]);
                                a2 += (uint32_t)(wt[2] * x[2]);
                                a3 += (uint32_t)(wt[3] * x[3]);
                            }
                        }
                        if (border) {
                            int32_t sums[4];
                            lm_dw_pad_sums(w + c, k_h, k_w, ch, ky0, ky1, kx0, kx1, sums);
                            a0 += (uint32_t)sums[0] * (uint32_t)in_zp;
                            a1 += (uint32_t)sums[1] * (uint32_t)in_zp;
                            a2 += (uint32_t)sums[2] * (uint32_t)in_zp;
                            a3 += (uint32_t)sums[3] * (uint32_t)in_zp;
                        }
                        out[c] = lm_clamp_s8(lm_requantize((int32_t)a0, mult[c], shift[c]) + out_zp, act_min,
                                             act_max);
                        out[c + 1] = lm_clamp_s8(lm_requantize((int32_t)a1, mult[c + 1], shift[c + 1]) + out_zp,
                                                 act_min, act_max);
                        out[c + 2] = lm_clamp_s8(lm_requantize((int32_t)a2, mult[c + 2], shift[c + 2]) + out_zp,
                                                 act_min, act_max);
                        out[c + 3] = lm_clamp_s8(lm_requantize((int32_t)a3, mult[c + 3], shift[c + 3]) + out_zp,
                                                 act_min, act_max);
                    }
                }
                for (; c < ch; ++c) {
                    const int32_t acc = lm_dw_channel(p, in_b, w, c, c, iy0, ix0, bias[c]);
                    out[c] = lm_clamp_s8(lm_requantize(acc, mult[c], shift[c]) + out_zp, act_min, act_max);
                }
                out += ch;
            }
        }
    }
}


/* ---- SMLAD on tap pairs, weights at one byte each (DSP cores; plain C elsewhere) ----
 *
 * Layout of wp (made by the compiler): for each block of four output channels c..c+3, for
 * each pair of taps (t, t + 1) in row-major tap order, two words
 *     [w(t,c) w(t,c+1) w(t+1,c) w(t+1,c+1)]  [w(t,c+2) w(t,c+3) w(t+1,c+2) w(t+1,c+3)]
 * so that SXTB16 (and SXTB16 ROR 8) of a word gives one channel's (tap t, tap t + 1) int16
 * pair; an odd tap count ends the block with one word [w(t,c) .. w(t,c+3)]. The last
 * out_c % 4 channels follow as [tap][channel], read by the scalar tail.
 *
 * The input side gets the same pairs from the two taps' words with one PKHBT and one PKHTB
 * (channels sharing a tap pair), or, when four output channels share an input channel
 * (depth multiplier a multiple of 4), from two byte loads packed once for four SMLADs, or
 * two output channels share one (multiplier 2), two such packs.
 * Other cores compile the same walk in plain C over the same layout.
 */

/* Copy n bytes four words at a time (a small C-library memcpy is often a byte loop). */
LM_INLINE void lm_dw_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 16; n -= 16, dst += 16, src += 16) {
        uint32_t w0, w1, w2, w3;
        memcpy(&w0, src, 4);
        memcpy(&w1, src + 4, 4);
        memcpy(&w2, src + 8, 4);
        memcpy(&w3, src + 12, 4);
        memcpy(dst, &w0, 4);
        memcpy(dst + 4, &w1, 4);
        memcpy(dst + 8, &w2, 4);
        memcpy(dst + 12, &w3, 4);
    }
    if (n >= 8) {
        uint32_t w0, w1;
        memcpy(&w0, src, 4);
        memcpy(&w1, src + 4, 4);
        memcpy(dst, &w0, 4);
        memcpy(dst + 4, &w1, 4);
        n -= 8;
        dst += 8;
        src += 8;
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
}

LM_INLINE void lm_dw_fill(int8_t *dst, int32_t value, int32_t n)
{
    const uint32_t v = 0x01010101u * (uint8_t)value;
    for (; n >= 8; n -= 8, dst += 8) {
        memcpy(dst, &v, 4);
        memcpy(dst + 4, &v, 4);
    }
    for (; n > 0; --n) {
        *dst++ = (int8_t)value;
    }
}

/* Gather the taps of the output pixel at (iy0, ix0) into patch [k_h][k_w][in_c]; taps in the
 * padding hold the input zero point. Along a kernel row the taps inside the input [kx0, kx1)
 * are one contiguous copy when the kernel is not dilated along the width. */
static void lm_dw_patch(const lm_dwconv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0, int8_t *patch)
{
    const int32_t in_c = p->in_c, in_w = p->in_w, in_h = p->in_h, k_w = p->k_w, dil_w = p->dil_w;
    const int32_t row = k_w * in_c;
    int32_t ky, kx, kx0, kx1;
    lm_valid_taps(ix0, dil_w, k_w, in_w, &kx0, &kx1);
    for (ky = 0; ky < p->k_h; ++ky, patch += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        const int8_t *src = in_b + (iy * in_w + ix0) * in_c;
        if (iy < 0 || iy >= in_h || kx0 >= kx1) {
            lm_dw_fill(patch, p->in_zp, row);
            continue;
        }
        lm_dw_fill(patch, p->in_zp, kx0 * in_c);
        if (dil_w == 1) {
            lm_dw_copy(patch + kx0 * in_c, src + kx0 * in_c, (kx1 - kx0) * in_c);
        } else {
            for (kx = kx0; kx < kx1; ++kx) {
                lm_dw_copy(patch + kx * in_c, src + kx * dil_w * in_c, in_c);
            }
        }
        lm_dw_fill(patch + kx1 * in_c, p->in_zp, (k_w - kx1) * in_c);
    }
}

/* Four output channels' accumulators, passed by value so that they stay in registers. */
typedef struct {
    int32_t a0, a1, a2, a3;
} lm_dw_acc;

/* acc += one tap pair (xa: tap t, xb: tap t + 1) of four output channels; w: the pair's two
 * weight words. share: how many of the four output channels read one input channel (1, 2 or
 * 4: depth multiplier 1, 2 or a multiple of 4); xa and xb point at the first one's. */
LM_INLINE lm_dw_acc lm_dw_pair(const int8_t *xa, const int8_t *xb, const int8_t *w, const int32_t share,
                               lm_dw_acc acc)
{
#if LM_USE_DSP
    const int32_t w01 = lm_read_s8x4(w), w23 = lm_read_s8x4(w + 4);
    if (share == 4) {
        const int32_t pair = lm_pack_bottoms(*xa, *xb);
        acc.a0 = __smlad(pair, __sxtb16(w01), acc.a0);
        acc.a1 = __smlad(pair, lm_sxtb16_odd(w01), acc.a1);
        acc.a2 = __smlad(pair, __sxtb16(w23), acc.a2);
        acc.a3 = __smlad(pair, lm_sxtb16_odd(w23), acc.a3);
    } else if (share == 2) {
        const int32_t p01 = lm_pack_bottoms(xa[0], xb[0]), p23 = lm_pack_bottoms(xa[1], xb[1]);
        acc.a0 = __smlad(p01, __sxtb16(w01), acc.a0);
        acc.a1 = __smlad(p01, lm_sxtb16_odd(w01), acc.a1);
        acc.a2 = __smlad(p23, __sxtb16(w23), acc.a2);
        acc.a3 = __smlad(p23, lm_sxtb16_odd(w23), acc.a3);
    } else {
        const int32_t va = lm_read_s8x4(xa), vb = lm_read_s8x4(xb);
        const int32_t lo = lm_pack_bottoms(va, vb), hi = lm_pack_tops(va, vb);
        acc.a0 = __smlad(__sxtb16(lo), __sxtb16(w01), acc.a0);
        acc.a1 = __smlad(lm_sxtb16_odd(lo), lm_sxtb16_odd(w01), acc.a1);
        acc.a2 = __smlad(__sxtb16(hi), __sxtb16(w23), acc.a2);
        acc.a3 = __smlad(lm_sxtb16_odd(hi), lm_sxtb16_odd(w23), acc.a3);
    }
#else
    acc.a0 = lm_wrap_add(acc.a0, xa[0] * w[0] + xb[0] * w[2]);
    acc.a1 = lm_wrap_add(acc.a1, xa[1 / share] * w[1] + xb[1 / share] * w[3]);
    acc.a2 = lm_wrap_add(acc.a2, xa[2 / share] * w[4] + xb[2 / share] * w[6]);
    acc.a3 = lm_wrap_add(acc.a3, xa[3 / share] * w[5] + xb[3 / share] * w[7]);
#endif /* LM_USE_DSP */
    return acc;
}

/* acc += the last tap of an odd tap count, one 16x16 multiply-accumulate per channel. */
LM_INLINE lm_dw_acc lm_dw_last(const int8_t *x, const int8_t *w, const int32_t share, lm_dw_acc acc)
{
#if LM_USE_DSP
    const int32_t wv = lm_read_s8x4(w);
    const int32_t we = __sxtb16(wv), wo = lm_sxtb16_odd(wv);
    if (share > 1) {
        const int32_t v01 = x[0], v23 = x[share == 2 ? 1 : 0];
        acc.a0 = __smlabb(v01, we, acc.a0);
        acc.a1 = __smlabb(v01, wo, acc.a1);
        acc.a2 = __smlabt(v23, we, acc.a2);
        acc.a3 = __smlabt(v23, wo, acc.a3);
    } else {
        const int32_t v = lm_read_s8x4(x);
        const int32_t ve = __sxtb16(v), vo = lm_sxtb16_odd(v);
        acc.a0 = __smlabb(ve, we, acc.a0);
        acc.a1 = __smlabb(vo, wo, acc.a1);
        acc.a2 = __smlatt(ve, we, acc.a2);
        acc.a3 = __smlatt(vo, wo, acc.a3);
    }
#else
    acc.a0 = lm_wrap_add(acc.a0, x[0] * w[0]);
    acc.a1 = lm_wrap_add(acc.a1, x[1 / share] * w[1]);
    acc.a2 = lm_wrap_add(acc.a2, x[2 / share] * w[2]);
    acc.a3 = lm_wrap_add(acc.a3, x[3 / share] * w[3]);
#endif /* LM_USE_DSP */
    return acc;
}

/* acc += every tap of four output channels. x: the pixel's first tap at the block's first
 * input channel (share as for lm_dw_pair); taps step by col within a kernel row and
 * by row between rows; w: the block's weights. fixed3x3 (a constant at every call): a 3x3
 * kernel, unrolled with constant offsets. An even k_w pairs taps within rows; an odd one
 * pairs across rows too (row-major order), as the weights are laid out. */
LM_INLINE lm_dw_acc lm_dw_block4(const int8_t *x, int32_t row, int32_t col, const int8_t *w, const int32_t k_h,
                                 const int32_t k_w, const int32_t share, const int fixed3x3, lm_dw_acc acc)
{
    const int32_t taps = k_h * k_w;
    int32_t t, ky, kx;
    if (fixed3x3) {
        acc = lm_dw_pair(x, x + col, w, share, acc);
        acc = lm_dw_pair(x + 2 * col, x + row, w + 8, share, acc);
        acc = lm_dw_pair(x + row + col, x + row + 2 * col, w + 16, share, acc);
        acc = lm_dw_pair(x + 2 * row, x + 2 * row + col, w + 24, share, acc);
        return lm_dw_last(x + 2 * row + 2 * col, w + 32, share, acc);
    }
    if ((k_w & 1) == 0) {
        for (ky = 0; ky < k_h; ++ky, x += row) {
            const int8_t *xp = x;
            for (kx = 0; kx < k_w; kx += 2, xp += 2 * col, w += 8) {
                acc = lm_dw_pair(xp, xp + col, w, share, acc);
            }
        }
        return acc;
    }
    for (t = 0, kx = 0; t + 1 < taps; t += 2, w += 8) {
        const int8_t *xa = x + kx * col;
        const int8_t *xb;
        if (++kx == k_w) {
            kx = 0;
            x += row;
        }
        xb = x + kx * col;
        if (++kx == k_w) {
            kx = 0;
            x += row;
        }
        acc = lm_dw_pair(xa, xb, w, share, acc);
    }
    return (taps & 1) ? lm_dw_last(x + kx * col, w, share, acc) : acc;
}

/* The four outputs of a block. `usual` (a constant) 1: the records hold (bias, multiplier,
 * hi_add, shift_hi) for lm_requantize_rq with the output zero point folded in, and the clamp
 * range is [-128, 127]: one multiply-accumulate, one SSAT; 2: the same records, any clamp range
 * (two compares); 0: they hold (bias, multiplier, shift, 0) and the general requantization, zero
 * point and clamp follow. */
LM_INLINE int8_t *lm_dw_store4(lm_dw_acc acc, const int32_t *rec, const lm_dwconv_params *p, int8_t *out,
                               const int usual)
{
    if (usual == 1) {
        LM_REQUANTIZE_STORE(acc.a0, rec[1], rec[2], rec[3], 0, 0, 1, -128, 127, out);
        LM_REQUANTIZE_STORE(acc.a1, rec[5], rec[6], rec[7], 0, 0, 1, -128, 127, out);
        LM_REQUANTIZE_STORE(acc.a2, rec[9], rec[10], rec[11], 0, 0, 1, -128, 127, out);
        LM_REQUANTIZE_STORE(acc.a3, rec[13], rec[14], rec[15], 0, 0, 1, -128, 127, out);
    } else if (usual == 2) {
        const int32_t lo = p->act_min, hi = p->act_max;
        LM_REQUANTIZE_STORE(acc.a0, rec[1], rec[2], rec[3], 0, 0, 0, lo, hi, out);
        LM_REQUANTIZE_STORE(acc.a1, rec[5], rec[6], rec[7], 0, 0, 0, lo, hi, out);
        LM_REQUANTIZE_STORE(acc.a2, rec[9], rec[10], rec[11], 0, 0, 0, lo, hi, out);
        LM_REQUANTIZE_STORE(acc.a3, rec[13], rec[14], rec[15], 0, 0, 0, lo, hi, out);
    } else {
        const int32_t out_zp = p->out_zp, act_min = p->act_min, act_max = p->act_max;
        out[0] = lm_clamp_s8(lm_requantize(acc.a0, rec[1], rec[2]) + out_zp, act_min, act_max);
        out[1] = lm_clamp_s8(lm_requantize(acc.a1, rec[5], rec[6]) + out_zp, act_min, act_max);
        out[2] = lm_clamp_s8(lm_requantize(acc.a2, rec[9], rec[10]) + out_zp, act_min, act_max);
        out[3] = lm_clamp_s8(lm_requantize(acc.a3, rec[13], rec[14]) + out_zp, act_min, act_max);
        out += 4;
    }
    return out;
}

/* Two consecutive outputs (channels c, c+1 of one pixel) at o; rec at channel c's record;
 * usual as for lm_dw_store4. */
LM_INLINE void lm_dw_store2(int32_t a0, int32_t a1, const int32_t *rec, const lm_dwconv_params *p, int8_t *o,
                            const int usual)
{
    if (usual == 1) {
        LM_REQUANTIZE_STORE(a0, rec[1], rec[2], rec[3], 0, 0, 1, -128, 127, o);
        LM_REQUANTIZE_STORE(a1, rec[5], rec[6], rec[7], 0, 0, 1, -128, 127, o);
    } else if (usual == 2) {
        const int32_t lo = p->act_min, hi = p->act_max;
        LM_REQUANTIZE_STORE(a0, rec[1], rec[2], rec[3], 0, 0, 0, lo, hi, o);
        LM_REQUANTIZE_STORE(a1, rec[5], rec[6], rec[7], 0, 0, 0, lo, hi, o);
    } else {
        o[0] = lm_clamp_s8(lm_requantize(a0, rec[1], rec[2]) + p->out_zp, p->act_min, p->act_max);
        o[1] = lm_clamp_s8(lm_requantize(a1, rec[5], rec[6]) + p->out_zp, p->act_min, p->act_max);
    }
}

/* Every output channel of one pixel: blocks of four through lm_dw_block4, then a scalar
 * tail. x, row, col as for lm_dw_block4, at channel 0; rec: four words per channel. */
LM_INLINE void lm_dw_pixel(const lm_dwconv_params *p, const int8_t *x, int32_t row, int32_t col,
                           const int8_t *wp, const int32_t *rec, int8_t *out,
                           const int32_t k_h, const int32_t k_w, const int32_t share, const int fixed3x3,
                           const int usual)
{
    const int32_t out_c = p->out_c, full_c = out_c & ~3, tail = out_c - full_c, taps = k_h * k_w;
    const int32_t dm = p->depth_mult, act_min = p->act_min, act_max = p->act_max;
    int32_t c, j, ky, kx;
    for (c = 0; c < full_c; c += 4, wp += 4 * taps, rec += 16) {
        lm_dw_acc acc;
        acc.a0 = rec[0];
        acc.a1 = rec[4];
        acc.a2 = rec[8];
        acc.a3 = rec[12];
        acc = lm_dw_block4(x + (share == 1 ? c : c / dm), row, col, wp, k_h, k_w, share, fixed3x3, acc);
        out = lm_dw_store4(acc, rec, p, out, usual);
    }
    for (j = 0; j < tail; ++j, ++c, rec += 4) {
        const int8_t *xc = x + (share == 1 ? c : c / dm);
        const int8_t *wt = wp + j;
        int32_t acc = rec[0];
        for (ky = 0; ky < k_h; ++ky) {
            for (kx = 0; kx < k_w; ++kx, wt += tail) {
                acc = lm_wrap_add(acc, (int32_t)*wt * xc[ky * row + kx * col]);
            }
        }
        acc = usual ? lm_requantize_rq(acc, rec[1], rec[2], rec[3])
                    : lm_requantize(acc, rec[1], rec[2]) + p->out_zp;
        *out++ = lm_clamp_s8(acc, act_min, act_max);
    }
}

/* The pixel walk: interior pixels read the input in place, border pixels a patch. */
LM_INLINE void lm_dwconv_dsp(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                             int8_t *scratch, int8_t *out, const int32_t share,
                             const int fixed3x3, const int usual)
{
    const int32_t k_h = fixed3x3 ? 3 : p->k_h, k_w = fixed3x3 ? 3 : p->k_w;
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c, out_c = p->out_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
    const int32_t row = p->dil_h * in_w * in_c, col = p->dil_w * in_c;
    const int32_t span_h = (k_h - 1) * p->dil_h, span_w = (k_w - 1) * p->dil_w;
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * stride_h - pad_top;
            const int inside_y = iy0 >= 0 && iy0 + span_h < in_h;
            for (ox = 0; ox < out_w; ++ox, out += out_c) {
                const int32_t ix0 = ox * stride_w - pad_left;
                const int8_t *x = in_b + (iy0 * in_w + ix0) * in_c;
                int32_t r = row, cl = col;
                if (!(inside_y && ix0 >= 0 && ix0 + span_w < in_w)) {
                    lm_dw_patch(p, in_b, iy0, ix0, scratch);
                    x = scratch;
                    r = k_w * in_c;
                    cl = in_c;
                }
                lm_dw_pixel(p, x, r, cl, wp, rec, out, k_h, k_w, share, fixed3x3, usual);
            }
        }
    }
}

/* One exported kernel: three instances of the walk, one per form of `usual` (lm_dw_store4). */
#define LM_DW_KERNEL(name, share, fixed3x3)                                                          \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,     \
              int32_t usual, int8_t *scratch, int8_t *out)                                           \
    {                                                                                                \
        if (usual == 1) {                                                                            \
            lm_dwconv_dsp(p, in, wp, rec, scratch, out, share, fixed3x3, 1);                         \
        } else if (usual == 2) {                                                                     \
            lm_dwconv_dsp(p, in, wp, rec, scratch, out, share, fixed3x3, 2);                         \
        } else {                                                                                     \
            lm_dwconv_dsp(p, in, wp, rec, scratch, out, share, fixed3x3, 0);                         \
        }                                                                                            \
    }

LM_DW_KERNEL(lm_dwconv_3x3_dsp_s8, 1, 1)
LM_DW_KERNEL(lm_dwconv_dsp_s8, 1, 0)
LM_DW_KERNEL(lm_dwconv_mult_dsp_s8, 4, 0)
LM_DW_KERNEL(lm_dwconv_3x3_mult_dsp_s8, 4, 1)
LM_DW_KERNEL(lm_dwconv_mult2_dsp_s8, 2, 0)
LM_DW_KERNEL(lm_dwconv_3x3_mult2_dsp_s8, 2, 1)

/* ---- One input channel, depth multiplier even (micro_speech's first layer) ----
 *
 * Every output channel reads the same taps, four consecutive bytes of a kernel row at a time:
 * one word load, and its SXTB16 and SXTB16 ROR 8 give the int16 pairs (x0, x2) and (x1, x3).
 * Two pixels per pass share each unpacked weight pair, two output channels at a time. Kernel
 * rows are padded to kw4, a multiple of 4 taps, with zero weights. Layout of wp (made by the
 * compiler, one byte per weight): per pair of output channels c, c+1, per kernel row, per group
 * of taps t..t+3, two words
 *     [w(t,c) w(t,c+1) w(t+2,c) w(t+2,c+1)]  [w(t+1,c) w(t+1,c+1) w(t+3,c) w(t+3,c+1)]
 * whose SXTB16 (ROR 8) pair with (x0, x2) and (x1, x3). When either window of a pixel pair
 * leaves the input both are read from patches (scratch, 2 * k_h * kw4 bytes) with the zero
 * point in the padding. */

LM_INLINE int32_t lm_dw_word(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* acc (a0, a1: pixel 0's channels c, c+1; a2, a3: pixel 1's) += four taps at x (pixel 0)
 * and x + d (pixel 1) of two channels (w: the group's two words). */
LM_INLINE lm_dw_acc lm_dw_c1_group(const int8_t *x, int32_t d, const int8_t *w, lm_dw_acc acc)
{
    const int32_t v0 = lm_dw_word(x), v1 = lm_dw_word(x + d);
    const int32_t e0 = lm_simd_even(v0), o0 = lm_simd_odd(v0), e1 = lm_simd_even(v1), o1 = lm_simd_odd(v1);
    const int32_t wa = lm_dw_word(w), wb = lm_dw_word(w + 4);
    const int32_t ae = lm_simd_even(wa), ao = lm_simd_odd(wa), be = lm_simd_even(wb), bo = lm_simd_odd(wb);
    acc.a0 = lm_simd_mac(o0, be, lm_simd_mac(e0, ae, acc.a0));
    acc.a1 = lm_simd_mac(o0, bo, lm_simd_mac(e0, ao, acc.a1));
    acc.a2 = lm_simd_mac(o1, be, lm_simd_mac(e1, ae, acc.a2));
    acc.a3 = lm_simd_mac(o1, bo, lm_simd_mac(e1, ao, acc.a3));
    return acc;
}

/* The k_h x kw4 window at (iy0, ix0) of a one-channel input, the zero point outside it. */
static void lm_dw_c1_patch(const lm_dwconv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0, int32_t kw4,
                           int8_t *patch)
{
    const int32_t in_w = p->in_w, kx0 = LM_MIN(kw4, LM_MAX(0, -ix0)), kx1 = LM_MAX(kx0, LM_MIN(kw4, in_w - ix0));
    int32_t ky;
    for (ky = 0; ky < p->k_h; ++ky, patch += kw4) {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= p->in_h) {
            lm_dw_fill(patch, p->in_zp, kw4);
            continue;
        }
        lm_dw_fill(patch, p->in_zp, kx0);
        lm_dw_copy(patch + kx0, in_b + iy * in_w + ix0 + kx0, kx1 - kx0);
        lm_dw_fill(patch + kx1, p->in_zp, kw4 - kx1);
    }
}

/* Every output channel of a pixel pair: x at pixel 0's window, x + d at pixel 1's (rows `row`
 * bytes apart); `two`: store pixel 1 (at out + out_c) too. groups: a constant at the call. */
LM_INLINE void lm_dw_c1_pair(const lm_dwconv_params *p, const int8_t *x, int32_t d, int32_t row, int two,
                             const int32_t groups, const int8_t *wp, const int32_t *rec, int8_t *out,
                             const int usual)
{
    const int32_t k_h = p->k_h, out_c = p->out_c;
    int32_t c, ky, g;
    for (c = 0; c < out_c; c += 2, rec += 8) {
        const int8_t *xr = x;
        lm_dw_acc acc;
        int8_t *o = out + c;
        acc.a0 = acc.a2 = rec[0];
        acc.a1 = acc.a3 = rec[4];
        for (ky = 0; ky < k_h; ++ky, xr += row) {
            for (g = 0; g < groups; ++g, wp += 8) {
                acc = lm_dw_c1_group(xr + 4 * g, d, wp, acc);
            }
        }
        lm_dw_store2(acc.a0, acc.a1, rec, p, o, usual);
        if (two) {
            lm_dw_store2(acc.a2, acc.a3, rec, p, o + out_c, usual);
        }
    }
}

LM_INLINE void lm_dwconv_c1(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                            int8_t *scratch, int8_t *out, const int32_t groups, const int usual)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, kw4 = 4 * groups, sw = p->stride_w, out_w = p->out_w;
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b, in += in_h * in_w) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int inside_y = iy0 >= 0 && iy0 + p->k_h <= in_h;
            for (ox = 0; ox < out_w; ox += 2) {
                const int two = ox + 1 < out_w;
                const int32_t ix0 = ox * sw - p->pad_left, ix1 = two ? ix0 + sw : ix0;
                if (inside_y && ix0 >= 0 && ix1 + kw4 <= in_w) {
                    lm_dw_c1_pair(p, in + iy0 * in_w + ix0, ix1 - ix0, in_w, two, groups, wp, rec, out, usual);
                } else {
                    lm_dw_c1_patch(p, in, iy0, ix0, kw4, scratch);
                    lm_dw_c1_patch(p, in, iy0, ix1, kw4, scratch + p->k_h * kw4);
                    lm_dw_c1_pair(p, scratch, p->k_h * kw4, kw4, two, groups, wp, rec, out, usual);
                }
                out += (two ? 2 : 1) * p->out_c;
            }
        }
    }
}

void lm_dwconv_c1_mult_dsp_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                              int32_t usual, int8_t *scratch, int8_t *out)
{
    const int32_t groups = (p->k_w + 3) >> 2;
    if (usual == 1 && groups == 2) {
        lm_dwconv_c1(p, in, wp, rec, scratch, out, 2, 1);
    } else if (usual == 1) {
        lm_dwconv_c1(p, in, wp, rec, scratch, out, groups, 1);
    } else if (usual == 2) {
        lm_dwconv_c1(p, in, wp, rec, scratch, out, groups, 2);
    } else {
        lm_dwconv_c1(p, in, wp, rec, scratch, out, groups, 0);
    }
}
