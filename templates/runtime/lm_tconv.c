/* litemicro runtime: TRANSPOSE_CONV, int8, gathered per output pixel (no output-sized scratch). */
#include "lm_common.h"
#include "lm_dot.h"
#include "lm_tconv.h"

/* The input index whose tap `k` lands on output position `o`, or -1 if none does. */
LM_INLINE int32_t lm_tconv_source(int32_t o, int32_t pad, int32_t k, int32_t stride, int32_t size)
{
    const int32_t t = o + pad - k;
    if (t < 0 || t % stride != 0 || t / stride >= size) {
        return -1;
    }
    return t / stride;
}

static int32_t lm_tconv_acc(const lm_tconv_params *p, const int8_t *in, const int8_t *w, const int32_t *taps,
                            int32_t oy, int32_t ox, int32_t oc)
{
    const int32_t in_c = p->in_c;
    int32_t acc = 0, ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = lm_tconv_source(oy, p->pad_top, ky, p->stride_h, p->in_h);
        if (iy < 0) {
            continue;
        }
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = lm_tconv_source(ox, p->pad_left, kx, p->stride_w, p->in_w);
            const int8_t *x, *wk;
            if (ix < 0) {
                continue;
            }
            x = in + (iy * p->in_w + ix) * in_c;
            wk = w + ((oc * p->k_h + ky) * p->k_w + kx) * in_c;
            acc = lm_wrap_add(acc, lm_wrap_add(taps[(ky * p->k_w + kx) * p->out_c + oc], lm_dot_s8(wk, x, in_c)));
        }
    }
    return acc;
}

void lm_tconv_s8(const lm_tconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                 const int32_t *taps, const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_size = p->in_h * p->in_w * p->in_c;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b, in += in_size) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t acc = lm_wrap_add(bias[oc], lm_tconv_acc(p, in, w, taps, oy, ox, oc));
                    *out++ = lm_clamp_s8(lm_requantize(acc, mult[oc], shift[oc]) + p->out_zp, p->act_min, p->act_max);
                }
            }
        }
    }
}
