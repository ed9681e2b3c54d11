/* litemicro runtime: CONV_2D and DEPTHWISE_CONV_2D, int8.
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

/* Copy the receptive field of the output pixel at (iy0, ix0) for channels [ch0, ch0 + n). */
static void lm_conv_patch(const lm_conv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                          int32_t ch0, int32_t n, int8_t *patch)
{
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx * p->dil_w;
            if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
                memcpy(patch, in_b + (iy * p->in_w + ix) * p->in_c + ch0, (size_t)n);
            } else {
                memset(patch, p->in_zp, (size_t)n);
            }
            patch += n;
        }
    }
}

void lm_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out)
{
    const int32_t in_c = p->in_c, out_c = p->out_c;
    const int32_t group_in = in_c / p->groups, group_out = out_c / p->groups;
    const int32_t patch_len = p->k_h * p->k_w * group_in;
    const int direct = scratch == NULL;
    int32_t b, oy, ox, g, oc;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (g = 0; g < p->groups; ++g) {
                    const int8_t *patch;
                    const int32_t oc_end = (g + 1) * group_out;
                    if (direct) {
                        patch = in_b + (iy0 * p->in_w + ix0) * in_c + g * group_in;
                    } else {
                        lm_conv_patch(p, in_b, iy0, ix0, g * group_in, group_in, scratch);
                        patch = scratch;
                    }
                    for (oc = g * group_out; oc + 1 < oc_end; oc += 2) {
                        int32_t acc[2];
                        acc[0] = bias[oc];
                        acc[1] = bias[oc + 1];
                        lm_dot2_s8(w + oc * patch_len, w + (oc + 1) * patch_len, patch, patch_len, acc);
                        out[oc] = lm_clamp_s8(lm_requantize(acc[0], mult[oc], shift[oc]) + p->out_zp,
                                              p->act_min, p->act_max);
                        out[oc + 1] = lm_clamp_s8(lm_requantize(acc[1], mult[oc + 1], shift[oc + 1]) + p->out_zp,
                                                  p->act_min, p->act_max);
                    }
                    if (oc < oc_end) {
                        const int32_t acc = bias[oc] + lm_dot_s8(w + oc * patch_len, patch, patch_len);
                        out[oc] = lm_clamp_s8(lm_requantize(acc, mult[oc], shift[oc]) + p->out_zp,
                                              p->act_min, p->act_max);
                    }
                }
                out += out_c;
            }
        }
    }
}

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
static int32_t lm_dw_channel(const lm_conv_params *p, const int8_t *in_b, const int8_t *w, int32_t oc,
                             int32_t ic, int32_t iy0, int32_t ix0, int32_t acc)
{
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx * p->dil_w;
            const int32_t wv = w[(ky * p->k_w + kx) * p->out_c + oc];
            if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
                acc += wv * (int32_t)in_b[(iy * p->in_w + ix) * p->in_c + ic];
            } else {
                acc += wv * p->in_zp;
            }
        }
    }
    return acc;
}

void lm_dwconv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, k_w = p->k_w;
    const int32_t depth_mult = p->groups;
    int32_t b, oy, ox, oc, ky, kx, j;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int32_t ky0, ky1;
            lm_valid_taps(iy0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                int32_t kx0, kx1;
                lm_valid_taps(ix0, p->dil_w, k_w, in_w, &kx0, &kx1);
                oc = 0;
                if (depth_mult == 1) {
                    const int border = !(ky0 == 0 && ky1 == p->k_h && kx0 == 0 && kx1 == k_w);
                    /* four channels at a time over the valid taps; padded taps read the zero point */
                    for (; oc + 3 < out_c; oc += 4) {
                        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int8_t *xr = in_b + ((iy0 + ky * p->dil_h) * in_w + ix0) * in_c + oc;
                            const int8_t *wr = w + ky * k_w * out_c + oc;
                            for (kx = kx0; kx < kx1; ++kx) {
                                const int8_t *x = xr + kx * p->dil_w * in_c;
                                const int8_t *wt = wr + kx * out_c;
                                a0 += (int32_t)wt[0] * x[0];
                                a1 += (int32_t)wt[1] * x[1];
                                a2 += (int32_t)wt[2] * x[2];
                                a3 += (int32_t)wt[3] * x[3];
                            }
                        }
                        if (border) {
                            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                            for (ky = 0; ky < p->k_h; ++ky) {
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
                            a0 += s0 * p->in_zp;
                            a1 += s1 * p->in_zp;
                            a2 += s2 * p->in_zp;
                            a3 += s3 * p->in_zp;
                        }
                        {
                            const int32_t accs[4] = {a0, a1, a2, a3};
                            for (j = 0; j < 4; ++j) {
                                out[oc + j] = lm_clamp_s8(lm_requantize(accs[j], mult[oc + j], shift[oc + j]) + p->out_zp,
                                                          p->act_min, p->act_max);
                            }
                        }
                    }
                }
                for (; oc < out_c; ++oc) {
                    const int32_t acc = lm_dw_channel(p, in_b, w, oc, oc / depth_mult, iy0, ix0, bias[oc]);
                    out[oc] = lm_clamp_s8(lm_requantize(acc, mult[oc], shift[oc]) + p->out_zp,
                                          p->act_min, p->act_max);
                }
                out += out_c;
            }
        }
    }
}
