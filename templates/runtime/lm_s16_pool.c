/* litemicro runtime: AVERAGE_POOL_2D and MAX_POOL_2D on int16 (TFLM's reference_integer_ops
 * pooling for int16), portable C. */
#include "lm_common.h"
#include "lm_s16.h"

/* One output of the window at (iy0, ix0), channel c: the average (avg != 0) or the maximum
 * over the taps inside the input, clamped. */
static int16_t lm_s16_pool_one(const lm_pool_params *p, const int16_t *img, int32_t iy0, int32_t ix0, int32_t c,
                               int32_t avg)
{
    const int32_t y0 = LM_MAX(0, -iy0), y1 = LM_MIN(p->k_h, p->in_h - iy0);
    const int32_t x0 = LM_MAX(0, -ix0), x1 = LM_MIN(p->k_w, p->in_w - ix0);
    int32_t acc = avg ? 0 : -32768, count = 0, ky, kx;
    for (ky = y0; ky < y1; ++ky) {
        const int16_t *row = img + ((iy0 + ky) * p->in_w + ix0) * p->channels + c;
        for (kx = x0; kx < x1; ++kx) {
            const int32_t v = row[kx * p->channels];
            acc = avg ? acc + v : LM_MAX(acc, v);
            ++count;
        }
    }
    if (avg && count > 0) {
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
    acc = LM_MAX(acc, p->act_min);
    return (int16_t)LM_MIN(acc, p->act_max);
}

static void lm_s16_pool(const lm_pool_params *p, const int16_t *x, int16_t *y, int32_t avg)
{
    int32_t b, oy, ox, c;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *img = x + (int32_t)b * p->in_h * p->in_w * p->channels;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (c = 0; c < p->channels; ++c) {
                    *y++ = lm_s16_pool_one(p, img, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left,
                                           c, avg);
                }
            }
        }
    }
}

void lm_avgpool_s16(const lm_pool_params *p, const void *in, void *out)
{
    lm_s16_pool(p, (const int16_t *)in, (int16_t *)out, 1);
}

void lm_maxpool_s16(const lm_pool_params *p, const void *in, void *out)
{
    lm_s16_pool(p, (const int16_t *)in, (int16_t *)out, 0);
}
