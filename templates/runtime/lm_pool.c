/* litemicro runtime: AVERAGE_POOL_2D and MAX_POOL_2D, int8. */
#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

/* The input rows (or columns) [lo, hi) of output row (or column) o's window: its start
 * o * stride - pad, cut to the input. */
LM_INLINE void lm_pool_span(int32_t o, int32_t stride, int32_t pad, int32_t k, int32_t size, int32_t *lo,
                            int32_t *hi)
{
    const int32_t i0 = o * stride - pad;
    *lo = LM_MAX(0, i0);
    *hi = LM_MIN(size, i0 + k);
}

/* One window walk for both poolings; `is_max` is a constant at each call, so the compiler
 * makes two specialized copies (no run-time dispatch). */
LM_INLINE void lm_pool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out, const int is_max)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->channels;
    int32_t b, oy, ox, c, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * ch;
        for (oy = 0; oy < p->out_h; ++oy) {
            int32_t y0, y1, x0, x1;
            lm_pool_span(oy, p->stride_h, p->pad_top, p->k_h, in_h, &y0, &y1);
            for (ox = 0; ox < p->out_w; ++ox) {
                lm_pool_span(ox, p->stride_w, p->pad_left, p->k_w, in_w, &x0, &x1);
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

/* ---- AVERAGE_POOL_2D as column sums of int16 lanes (lm_avgpool_simd_s8, DSP cores) ----
 * A window's channels are summed 4 per word: SXTAB16 adds a word's bytes 0 and 2 (its even
 * channels) to two int16 lanes of one sum, the same with ROR #8 its bytes 1 and 3 to another.
 * The compiler takes this kernel only for windows of at most 256 pixels, whose sums (at most
 * 256 * 128 in magnitude) fit the lanes. Portable C elsewhere (and the same sums). */

/* acc's int16 lanes += the sign-extended bytes 0 and 2 (`odd` 0) or 1 and 3 (`odd` 1) of v. */
#if LM_USE_DSP && defined(__GNUC__)
#define lm_lanes_add_even(acc, v) __sxtab16((acc), (v))
LM_INLINE int32_t lm_lanes_add_odd(int32_t acc, int32_t v)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(v));
    return r;
}
#else
LM_INLINE int32_t lm_lanes_add_even(int32_t acc, int32_t v)
{
    const int32_t lo = (int16_t)acc + (int8_t)v, hi = (acc >> 16) + (int8_t)(v >> 16);
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}

LM_INLINE int32_t lm_lanes_add_odd(int32_t acc, int32_t v)
{
    return lm_lanes_add_even(acc, v >> 8);
}
#endif

/* TFLM's average of a sum over count pixels (rounded half away from zero), clamped. */
LM_INLINE int8_t lm_pool_average(int32_t sum, int32_t count, int32_t act_min, int32_t act_max)
{
    sum = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return lm_clamp_s8(sum, act_min, act_max);
}

/* The four averages of one word's lane sums e (channels 0, 2) and o (channels 1, 3): out of
 * line, one division sequence for every lane. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int8_t *lm_pool_out4(int32_t e, int32_t o, int32_t count, int32_t act_min, int32_t act_max, int8_t *out)
{
    const int32_t sums[4] = {(int16_t)e, (int16_t)o, e >> 16, o >> 16};
    int32_t k;
    for (k = 0; k < 4; ++k) {
        out[k] = lm_pool_average(sums[k], count, act_min, act_max);
    }
    return out + 4;
}

/* Channels [c, c + 16) of one window (rows of cols pixels, pixel stride ch, row stride row). */
static int8_t *lm_pool_sum16(const int8_t *x, int32_t rows, int32_t cols, int32_t ch, int32_t row, int32_t count,
                             int32_t act_min, int32_t act_max, int8_t *out)
{
    int32_t e0 = 0, o0 = 0, e1 = 0, o1 = 0, e2 = 0, o2 = 0, e3 = 0, o3 = 0, n;
    for (; rows > 0; --rows, x += row) {
        const int8_t *px = x;
        for (n = cols; n > 0; --n, px += ch) {
            const int32_t v0 = lm_read_word(px), v1 = lm_read_word(px + 4);
            const int32_t v2 = lm_read_word(px + 8), v3 = lm_read_word(px + 12);
            e0 = lm_lanes_add_even(e0, v0);
            o0 = lm_lanes_add_odd(o0, v0);
            e1 = lm_lanes_add_even(e1, v1);
            o1 = lm_lanes_add_odd(o1, v1);
            e2 = lm_lanes_add_even(e2, v2);
            o2 = lm_lanes_add_odd(o2, v2);
            e3 = lm_lanes_add_even(e3, v3);
            o3 = lm_lanes_add_odd(o3, v3);
        }
    }
    out = lm_pool_out4(e0, o0, count, act_min, act_max, out);
    out = lm_pool_out4(e1, o1, count, act_min, act_max, out);
    out = lm_pool_out4(e2, o2, count, act_min, act_max, out);
    return lm_pool_out4(e3, o3, count, act_min, act_max, out);
}

/* Channels [c, c + 4) of one window, as lm_pool_sum16. */
static int8_t *lm_pool_sum4(const int8_t *x, int32_t rows, int32_t cols, int32_t ch, int32_t row, int32_t count,
                            int32_t act_min, int32_t act_max, int8_t *out)
{
    int32_t e = 0, o = 0, n;
    for (; rows > 0; --rows, x += row) {
        const int8_t *px = x;
        for (n = cols; n > 0; --n, px += ch) {
            const int32_t v = lm_read_word(px);
            e = lm_lanes_add_even(e, v);
            o = lm_lanes_add_odd(o, v);
        }
    }
    return lm_pool_out4(e, o, count, act_min, act_max, out);
}

void lm_avgpool_simd_s8(const lm_pool_params *p, const int8_t *in, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->channels, act_min = p->act_min, act_max = p->act_max;
    int32_t b, oy, ox, c, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * ch;
        for (oy = 0; oy < p->out_h; ++oy) {
            int32_t y0, y1, x0, x1;
            lm_pool_span(oy, p->stride_h, p->pad_top, p->k_h, in_h, &y0, &y1);
            for (ox = 0; ox < p->out_w; ++ox) {
                lm_pool_span(ox, p->stride_w, p->pad_left, p->k_w, in_w, &x0, &x1);
                const int8_t *win = in_b + (y0 * in_w + x0) * ch;
                int32_t rows = y1 - y0, cols = x1 - x0;
                const int32_t count = rows * cols;
                if (cols == in_w) {  /* whole rows: one run of pixels */
                    cols *= rows;
                    rows = 1;
                }
                for (c = 0; c + 16 <= ch; c += 16) {
                    out = lm_pool_sum16(win + c, rows, cols, ch, in_w * ch, count, act_min, act_max, out);
                }
                for (; c + 4 <= ch; c += 4) {
                    out = lm_pool_sum4(win + c, rows, cols, ch, in_w * ch, count, act_min, act_max, out);
                }
                for (; c < ch; ++c) {  /* the last channels one by one */
                    int32_t sum = 0;
                    for (y = y0; y < y1; ++y) {
                        for (x = x0; x < x1; ++x) {
                            sum += in_b[(y * in_w + x) * ch + c];
                        }
                    }
                    *out++ = lm_pool_average(sum, count, act_min, act_max);
                }
            }
        }
    }
}
