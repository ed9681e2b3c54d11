/* litemicro runtime: MEAN, SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX, and the float32 <-> int8
 * conversions. */
#include <string.h>

#include "lm_common.h"
#include "lm_reduce.h"

/* Step the multi-index `idx` of a loop nest of `rank` (extent, stride) loops and move `*off`
 * with it; returns 0 after the last index (when idx and *off are back at the start). */
static int lm_nest_next(int32_t rank, const int32_t *extent, const int32_t *stride,
                        int32_t *idx, int32_t *off)
{
    int32_t d;
    for (d = rank - 1; d >= 0; --d) {
        *off += stride[d];
        if (++idx[d] < extent[d]) {
            return 1;
        }
        *off -= stride[d] * extent[d];
        idx[d] = 0;
    }
    return 0;
}

/* Sum of the reduced elements whose first one is in[0], for int8 and int16 elements. */
#define LM_MEAN_SUM(name, type)                                                                  \
    static int32_t name(const lm_mean_params *p, const type *in)                                \
    {                                                                                            \
        const int32_t rank = p->red_rank;                                                        \
        int32_t idx[LM_REDUCE_MAX_RANK] = {0};                                                   \
        int32_t off = 0, sum = 0, k, n, s;                                                       \
        if (rank == 0) {                                                                         \
            return in[0];                                                                        \
        }                                                                                        \
        n = p->red_extent[rank - 1];                                                             \
        s = p->red_stride[rank - 1];                                                             \
        do {                                                                                     \
            for (k = 0; k < n; ++k) {                                                            \
                sum += in[off + k * s];                                                          \
            }                                                                                    \
        } while (lm_nest_next(rank - 1, p->red_extent, p->red_stride, idx, &off));               \
        return sum;                                                                              \
    }

LM_MEAN_SUM(lm_mean_sum, int8_t)
LM_MEAN_SUM(lm_mean_sum_s16, int16_t)

void lm_mean_s8(const lm_mean_params *p, const int8_t *in, int8_t *out)
{
    int32_t idx[LM_REDUCE_MAX_RANK] = {0};
    int32_t off = 0;
    do {
        const int32_t sum = lm_mean_sum(p, in + off) + p->sum_offset;
        *out++ = lm_clamp_s8(lm_requantize(sum, p->mult, p->shift) + p->out_zp, -128, 127);
    } while (lm_nest_next(p->out_rank, p->out_extent, p->out_stride, idx, &off));
}

void lm_mean_s16(const lm_mean_params *p, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t idx[LM_REDUCE_MAX_RANK] = {0};
    int32_t off = 0;
    do {
        const int32_t v = lm_requantize(lm_mean_sum_s16(p, x + off) + p->sum_offset, p->mult, p->shift) + p->out_zp;
        *y++ = (int16_t)LM_MIN(LM_MAX(v, -32768), 32767);
    } while (lm_nest_next(p->out_rank, p->out_extent, p->out_stride, idx, &off));
}

/* The largest of (reduced element ^ flip) whose first one is in[0]. */
static int32_t lm_reduce_max_one(const lm_reduce_max_params *p, const int8_t *in)
{
    const int32_t rank = p->red_rank, flip = p->flip;
    int32_t idx[LM_REDUCE_MAX_RANK] = {0};
    int32_t off = 0, best = -128, k, n, s;
    if (rank == 0) {
        return in[0] ^ flip;
    }
    n = p->red_extent[rank - 1];
    s = p->red_stride[rank - 1];
    do {
        for (k = 0; k < n; ++k) {
            const int32_t v = in[off + k * s] ^ flip;
            best = v > best ? v : best;
        }
    } while (lm_nest_next(rank - 1, p->red_extent, p->red_stride, idx, &off));
    return best;
}

void lm_reduce_max_s8(const lm_reduce_max_params *p, const int8_t *in, int8_t *out)
{
    int32_t idx[LM_REDUCE_MAX_RANK] = {0};
    int32_t off = 0;
    do {
        *out++ = (int8_t)(lm_reduce_max_one(p, in + off) ^ p->flip);
    } while (lm_nest_next(p->out_rank, p->out_extent, p->out_stride, idx, &off));
}

void lm_argmax_s8(const lm_argmax_params *p, const int8_t *in, void *out)
{
    int32_t *dst = (int32_t *)out;
    const int32_t n = p->axis_size, inner = p->inner;
    int32_t o, i, a;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = in + o * n * inner;
        for (i = 0; i < inner; ++i) {
            int32_t best = base[i], arg = 0;
            for (a = 1; a < n; ++a) {
                if (base[a * inner + i] > best) {
                    best = base[a * inner + i];
                    arg = a;
                }
            }
            *dst++ = arg;
        }
    }
}

void lm_quantize_f32_s8(const lm_convert_params *p, const void *in, int8_t *out)
{
    const float *x = (const float *)in;
    const float scale = lm_f32_from_bits(p->scale_bits);
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t t = lm_round_f32(x[i] / scale, 256.0f);   /* beyond 256 every value saturates */
        out[i] = lm_clamp_s8(t + p->zero_point, -128, 127);
    }
}

void lm_dequantize_s8_f32(const lm_convert_params *p, const int8_t *in, void *out)
{
    float *y = (float *)out;
    const float scale = lm_f32_from_bits(p->scale_bits);
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        /* scale * q is exact in double, so one float multiply rounds it as TFLM's double does */
        y[i] = scale * (float)(in[i] - p->zero_point);
    }
}
