/* litemicro runtime: MAX_POOL_2D and AVERAGE_POOL_2D with Helium (MVE).
 *
 * The window of each output pixel is clipped to the input (TFLM counts only the inside
 * elements). Max: 16 channels per VMAX.S8 pass. Average: 8 channels per pass summed in int16
 * lanes (VLDRB.S16, VADD; exact up to 256 elements, else 4 channels in int32 lanes), then
 * each sum divided by the element count with TFLM's rounding
 * (half away from zero) in scalar code, as MVE has no integer division. The last pass of a
 * pixel is predicated (VCTP).
 */
#include "lm_mve.h"

typedef struct {
    const int8_t *base;            /* the clipped window's first element (channel 0) */
    int32_t rows, cols, row_step;  /* clipped extent; bytes from one window row to the next */
} lm_mve_pool_window;

static lm_mve_pool_window lm_mve_pool_clip(const lm_pool_params *p, const int8_t *in_b, int32_t oy, int32_t ox)
{
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int32_t y0 = LM_MAX(0, iy0), y1 = LM_MIN(p->in_h, iy0 + p->k_h);
    const int32_t x0 = LM_MAX(0, ix0), x1 = LM_MIN(p->in_w, ix0 + p->k_w);
    const lm_mve_pool_window w = {in_b + (y0 * p->in_w + x0) * p->channels, y1 - y0, x1 - x0,
                                  p->in_w * p->channels};
    return w;
}

static void lm_mve_max_pixel(const lm_pool_params *p, const lm_mve_pool_window *w, int8_t *out)
{
    const int32_t ch = p->channels;
    const int8x16_t lo = vdupq_n_s8((int8_t)p->act_min), hi = vdupq_n_s8((int8_t)p->act_max);
    int32_t c, y, x;
    for (c = 0; c < ch; c += 16) {
        const mve_pred16_t pred = vctp8q((uint32_t)(ch - c));
        int8x16_t m = vdupq_n_s8(-128);
        for (y = 0; y < w->rows; ++y) {
            const int8_t *src = w->base + y * w->row_step + c;
            for (x = 0; x < w->cols; ++x, src += ch) {
                m = vmaxq_s8(m, vldrbq_z_s8(src, pred));
            }
        }
        vstrbq_p_s8(out + c, vminq_s8(vmaxq_s8(m, lo), hi), pred);
    }
}

/* The window sums of 8 channels (at src, `pred` keeping the lanes of the channels present) in
 * int16 lanes: exact for windows of at most 256 elements (256 x 128 = 2^15). */
LM_INLINE int16x8_t lm_mve_avg_sum8(const lm_mve_pool_window *w, const int8_t *src, int32_t ch, mve_pred16_t pred,
                                    const int full)
{
    int16x8_t s = vdupq_n_s16(0);
    int32_t y, x;
    for (y = 0; y < w->rows; ++y, src += w->row_step) {
        const int8_t *px = src;
        for (x = 0; x < w->cols; ++x, px += ch) {
            s = vaddq_s16(s, full ? vldrbq_s16(px) : vldrbq_z_s16(px, pred));
        }
    }
    return s;
}

/* The window sums of 4 channels in int32 lanes, for windows of more than 256 elements. */
LM_INLINE int32x4_t lm_mve_avg_sum4(const lm_mve_pool_window *w, const int8_t *src, int32_t ch, mve_pred16_t pred)
{
    int32x4_t s = vdupq_n_s32(0);
    int32_t y, x;
    for (y = 0; y < w->rows; ++y, src += w->row_step) {
        const int8_t *px = src;
        for (x = 0; x < w->cols; ++x, px += ch) {
            s = vaddq_s32(s, vldrbq_z_s32(px, pred));
        }
    }
    return s;
}

/* Average of one output pixel: channel sums 8 at a time in int16 (4 at a time in int32 for
 * windows past 256 elements), each divided with rounding half away from zero, clamped. */
static void lm_mve_avg_pixel(const lm_pool_params *p, const lm_mve_pool_window *w, int8_t *out)
{
    const int32_t ch = p->channels, count = w->rows * w->cols, lanes = count <= 256 ? 8 : 4;
    int32_t c, j, sums[4];
    int16_t sums16[8];
    for (c = 0; c < ch; c += lanes) {
        if (lanes == 4) {
            vstrwq_s32(sums, lm_mve_avg_sum4(w, w->base + c, ch, vctp32q((uint32_t)(ch - c))));
        } else if (ch - c >= 8) {
            vstrhq_s16(sums16, lm_mve_avg_sum8(w, w->base + c, ch, 0, 1));
        } else {
            vstrhq_s16(sums16, lm_mve_avg_sum8(w, w->base + c, ch, vctp16q((uint32_t)(ch - c)), 0));
        }
        for (j = 0; j < lanes && c + j < ch; ++j) {
            int32_t a = lanes == 8 ? sums16[j] : sums[j];
            if (count > 0) {
                a = a > 0 ? (a + count / 2) / count : (a - count / 2) / count;
            }
            out[c + j] = lm_clamp_s8(a, p->act_min, p->act_max);
        }
    }
}

LM_INLINE void lm_mve_pool(const lm_pool_params *p, const int8_t *in, int8_t *out, const int is_max)
{
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->channels;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox, out += p->channels) {
                const lm_mve_pool_window w = lm_mve_pool_clip(p, in_b, oy, ox);
                if (is_max) {
                    lm_mve_max_pixel(p, &w, out);
                } else {
                    lm_mve_avg_pixel(p, &w, out);
                }
            }
        }
    }
}

void lm_mve_maxpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out)
{
    lm_mve_pool(p, in, out, 1);
}

void lm_mve_avgpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out)
{
    lm_mve_pool(p, in, out, 0);
}
