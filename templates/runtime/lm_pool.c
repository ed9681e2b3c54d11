/* litemicro runtime: AVERAGE_POOL_2D and MAX_POOL_2D, int8, portable C. */
#include "lm_common.h"
#include "lm_kernels.h"

/* One window walk for both poolings; `is_max` is a constant at each call, so the compiler
 * makes two specialized copies (no run-time dispatch). */
LM_INLINE void lm_pool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out, const int is_max)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->channels;
    int32_t b, oy, ox, c, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * ch;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int32_t y0 = LM_MAX(0, iy0), y1 = LM_MIN(in_h, iy0 + p->k_h);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                const int32_t x0 = LM_MAX(0, ix0), x1 = LM_MIN(in_w, ix0 + p->k_w);
                const int32_t count = (y1 - y0) * (x1 - x0);
                for (c = 0; c < ch; ++c) {
                    int32_t acc = is_max ? -128 : 0;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            const int32_t v = in_b[(y * in_w + x) * ch + c];
                            acc = is_max ? LM_MAX(acc, v) : acc + v;
                        }
                    }
                    if (!is_max && count > 0) {  /* round half away from zero, as TFLM */
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *out++ = lm_clamp_s8(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void lm_avgpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out)
{
    lm_pool_s8(p, in, out, 0);
}

void lm_maxpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out)
{
    lm_pool_s8(p, in, out, 1);
}
