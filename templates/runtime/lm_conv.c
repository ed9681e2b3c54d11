/* litemicro runtime: CONV_2D and DEPTHWISE_CONV_2D, int8, portable C. */
#include "lm_common.h"
#include "lm_kernels.h"

/* Dot product of n weights with n inputs, or with the pad value when the tap is outside. */
LM_INLINE int32_t lm_tap_s8(const int8_t *w, const int8_t *x, int32_t n, int32_t pad, int inside)
{
    int32_t acc = 0;
    int32_t i;
    if (inside) {
        for (i = 0; i < n; ++i) {
            acc += (int32_t)w[i] * (int32_t)x[i];
        }
    } else {
        for (i = 0; i < n; ++i) {
            acc += (int32_t)w[i];
        }
        acc *= pad;
    }
    return acc;
}

void lm_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_c = p->out_c, k_h = p->k_h, k_w = p->k_w;
    const int32_t group_in = in_c / p->groups, group_out = out_c / p->groups;
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (oc = 0; oc < out_c; ++oc) {
                    const int8_t *w_oc = w + oc * k_h * k_w * group_in;
                    const int32_t ch0 = (oc / group_out) * group_in;
                    int32_t acc = bias[oc];
                    for (ky = 0; ky < k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dil_h;
                        for (kx = 0; kx < k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dil_w;
                            const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                            const int8_t *x = inside ? in_b + (iy * in_w + ix) * in_c + ch0 : in_b;
                            acc += lm_tap_s8(w_oc + (ky * k_w + kx) * group_in, x, group_in, p->in_zp, inside);
                        }
                    }
                    acc = lm_requantize(acc, mult[oc], shift[oc]) + p->out_zp;
                    *out++ = lm_clamp_s8(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void lm_dwconv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_c = p->out_c, k_h = p->k_h, k_w = p->k_w, depth_mult = p->groups;
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (oc = 0; oc < out_c; ++oc) {
                    const int32_t ic = oc / depth_mult;
                    int32_t acc = bias[oc];
                    for (ky = 0; ky < k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dil_h;
                        for (kx = 0; kx < k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dil_w;
                            const int32_t wv = w[(ky * k_w + kx) * out_c + oc];
                            if (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) {
                                acc += wv * (int32_t)in_b[(iy * in_w + ix) * in_c + ic];
                            } else {
                                acc += wv * p->in_zp;
                            }
                        }
                    }
                    acc = lm_requantize(acc, mult[oc], shift[oc]) + p->out_zp;
                    *out++ = lm_clamp_s8(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
