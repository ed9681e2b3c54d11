/* litemicro runtime: SVDF, TFLM's integer reference arithmetic (sums wrap as int32 does there). */
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_svdf.h"

/* Two's complement value of a 32-bit pattern, without an implementation-defined cast. */
LM_INLINE int32_t lm_svdf_s32(uint32_t v)
{
    return v <= 0x7FFFFFFFu ? (int32_t)v : -(int32_t)(~v) - 1;
}

/* The new state value of filter f: FC of x, requantized and clamped to the state's range. */
static int32_t lm_svdf_feature(const lm_svdf_params *p, const int8_t *x, const int8_t *feature,
                               const int32_t *feature_zp, int32_t f)
{
    const int32_t acc = lm_requantize(feature_zp[f] + lm_dot_s8(feature + f * p->input_size, x, p->input_size),
                                      p->feature_mult, p->feature_shift);
    return LM_MIN(LM_MAX(acc, p->state_min), p->state_max);
}

LM_INLINE int8_t lm_svdf_out(const lm_svdf_params *p, uint32_t total)
{
    return lm_clamp_s8(lm_requantize(lm_svdf_s32(total), p->out_mult, p->out_shift) + p->out_zp, -128, 127);
}

void lm_svdf_s8(const lm_svdf_params *p, const int8_t *in, const int8_t *feature, const int32_t *feature_zp,
                const int8_t *time, const int32_t *bias, int8_t *state, int8_t *out)
{
    const int32_t mem = p->memory, zp = p->state_zp;
    int32_t b, f, u, r, j;
    memmove(state, state + 1, (size_t)(p->batches * p->filters * mem - 1));
    for (b = 0; b < p->batches; ++b) {
        for (f = 0; f < p->filters; ++f) {
            /* stored as (s - zp): TFLM's s = zp + value wraps to int8, so this is the value */
            state[(b * p->filters + f) * mem + mem - 1] = (int8_t)lm_svdf_feature(p, in + b * p->input_size,
                                                                                  feature, feature_zp, f);
        }
        for (u = 0; u < p->units; ++u) {
            uint32_t total = (uint32_t)bias[u];
            for (r = 0; r < p->rank; ++r) {
                const int32_t fi = u * p->rank + r;
                const int8_t *s = state + (b * p->filters + fi) * mem;
                const int8_t *w = time + fi * mem;
                for (j = 0; j < mem; ++j) {
                    /* TFLM's s - zp, with s the int8 it stored */
                    const int32_t v = (((s[j] + zp + 128) & 255) - 128) - zp;
                    total += (uint32_t)(w[j] * v);
                }
            }
            *out++ = lm_svdf_out(p, total);
        }
    }
}

void lm_svdf_s8_s16(const lm_svdf_params *p, const int8_t *in, const int8_t *feature, const int32_t *feature_zp,
                    const int16_t *time, const int32_t *bias, int8_t *state_raw, int8_t *out)
{
    int16_t *state = (int16_t *)(void *)state_raw;
    const int32_t mem = p->memory;
    int32_t b, f, u, r, j;
    memmove(state, state + 1, (size_t)(p->batches * p->filters * mem - 1) * sizeof(int16_t));
    for (b = 0; b < p->batches; ++b) {
        for (f = 0; f < p->filters; ++f) {
            state[(b * p->filters + f) * mem + mem - 1] = (int16_t)lm_svdf_feature(p, in + b * p->input_size,
                                                                                   feature, feature_zp, f);
        }
        for (u = 0; u < p->units; ++u) {
            uint32_t total = (uint32_t)bias[u];
            for (r = 0; r < p->rank; ++r) {
                const int32_t fi = u * p->rank + r;
                const int16_t *s = state + (b * p->filters + fi) * mem;
                const int16_t *w = time + fi * mem;
                for (j = 0; j < mem; ++j) {
                    total += (uint32_t)(w[j] * s[j]);
                }
            }
            *out++ = lm_svdf_out(p, total);
        }
    }
}
