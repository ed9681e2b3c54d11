/* litemicro runtime: FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D with int16 activations and
 * int8 weights (TFLM's reference_integer_ops for int16 input), portable C. */
#include "lm_common.h"
#include "lm_s16.h"
#include "lm_s16_rq.h"

void lm_fc_s16(const lm_s16_fc_params *p, const void *in, const int8_t *w, const int64_t *bias,
               const int32_t *mult, const int32_t *shift, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    const int32_t batches = p->batches, depth = p->in_depth, units = p->out_depth;
    int32_t b, o, i;
    for (b = 0; b < batches; ++b) {
        for (o = 0; o < units; ++o) {
            const int8_t *row = w + (int32_t)o * depth;
            int64_t acc = bias[o];
            for (i = 0; i < depth; ++i) {
                acc += (int32_t)x[i] * (int32_t)row[i];
            }
            y[o] = lm_s16_out(acc, p->acc32, mult[o], shift[o], p->act_min, p->act_max);
        }
        x += depth;
        y += units;
    }
}

/* The sum over one window of input channels [c0, c0 + n) against n weights per tap
 * (weights of tap t at w + t * w_step), taps outside the input skipped. */
static int64_t lm_s16_window(const lm_s16_conv_params *p, const int16_t *img, int32_t iy0, int32_t ix0,
                             int32_t c0, int32_t n, const int8_t *w, int32_t w_step)
{
    int64_t acc = 0;
    int32_t ky, kx, c;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            continue;
        }
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx * p->dil_w;
            const int16_t *px;
            const int8_t *wt = w + (ky * p->k_w + kx) * w_step;
            if (ix < 0 || ix >= p->in_w) {
                continue;
            }
            px = img + ((int32_t)iy * p->in_w + ix) * p->in_c + c0;
            for (c = 0; c < n; ++c) {
                acc += (int32_t)px[c] * (int32_t)wt[c];
            }
        }
    }
    return acc;
}

/* Both convolutions: output channel oc sums a window of `group_in` input channels from
 * channel (oc / per_group) * group_in, its weights at w + oc * w_size with taps w_step apart. */
static void lm_s16_conv_run(const lm_s16_conv_params *p, const int16_t *x, const int8_t *w, int32_t w_size,
                            int32_t w_step, const int64_t *bias, const int32_t *mult, const int32_t *shift,
                            int16_t *y)
{
    const int32_t group_in = p->in_c / p->groups, per_group = p->out_c / p->groups;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *img = x + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int64_t acc = lm_s16_window(p, img, iy0, ix0, (oc / per_group) * group_in, group_in,
                                                      w + (int32_t)oc * w_size, w_step);
                    *y++ = lm_s16_out(acc + bias[oc], p->acc32, mult[oc], shift[oc], p->act_min, p->act_max);
                }
            }
        }
    }
}

void lm_conv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                 const int32_t *mult, const int32_t *shift, void *out)
{
    const int32_t group_in = p->in_c / p->groups;
    lm_s16_conv_run(p, (const int16_t *)in, w, p->k_h * p->k_w * group_in, group_in, bias, mult, shift,
                    (int16_t *)out);
}

void lm_dwconv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                   const int32_t *mult, const int32_t *shift, void *out)
{
    lm_s16_conv_run(p, (const int16_t *)in, w, 1, p->out_c, bias, mult, shift, (int16_t *)out);
}

/* One output of TRANSPOSE_CONV in the gather form: the taps (fy, fx) whose scattered input pixel
 * ((oy + pad_top - fy) / stride_h, ...) exists, summed over the input channels. */
static int64_t lm_s16_tconv_one(const lm_s16_conv_params *p, const int16_t *img, int32_t oy, int32_t ox,
                                const int8_t *w_oc)
{
    int64_t acc = 0;
    int32_t fy, fx, c;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t ty = oy + p->pad_top - fy, iy = ty / p->stride_h;
        if (ty < 0 || ty % p->stride_h != 0 || iy >= p->in_h) {
            continue;
        }
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t tx = ox + p->pad_left - fx, ix = tx / p->stride_w;
            const int16_t *px;
            const int8_t *wt;
            if (tx < 0 || tx % p->stride_w != 0 || ix >= p->in_w) {
                continue;
            }
            px = img + (iy * p->in_w + ix) * p->in_c;
            wt = w_oc + (fy * p->k_w + fx) * p->in_c;
            for (c = 0; c < p->in_c; ++c) {
                acc += (int32_t)px[c] * (int32_t)wt[c];
            }
        }
    }
    return acc;
}

void lm_tconv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                  const int32_t *mult, const int32_t *shift, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    const int32_t w_size = p->k_h * p->k_w * p->in_c;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *img = x + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int64_t acc = lm_s16_tconv_one(p, img, oy, ox, w + (int32_t)oc * w_size);
                    *y++ = lm_s16_out(acc + bias[oc], 0, mult[oc], shift[oc], p->act_min, p->act_max);
                }
            }
        }
    }
}
