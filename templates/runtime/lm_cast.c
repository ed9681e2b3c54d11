/* litemicro runtime: CAST. */
#include "lm_cast.h"

typedef int8_t lm_s8;
typedef int16_t lm_s16;
typedef int32_t lm_s32;
typedef float lm_f32;

/* Integer to integer: through int32, keeping the low bits of the destination type. */
#define LM_CAST_DEFINE(from, to) \
    void lm_cast_##from##_##to(const void *in, void *out, int32_t size) \
    { \
        const lm_##from *src = (const lm_##from *)in; \
        lm_##to *dst = (lm_##to *)out; \
        int32_t i; \
        for (i = 0; i < size; ++i) { \
            dst[i] = (lm_##to)(lm_s32)src[i]; \
        } \
    }

LM_CAST_DEFINE(s8, s16)
LM_CAST_DEFINE(s8, s32)
LM_CAST_DEFINE(s16, s8)
LM_CAST_DEFINE(s16, s32)
LM_CAST_DEFINE(s32, s8)
LM_CAST_DEFINE(s32, s16)

/* Float to integer: truncation toward zero, saturated to the destination's range (TFLM's
 * static_cast is undefined beyond it; its host build saturates too); NaN becomes 0. */
#define LM_CAST_FROM_FLOAT(to, lo, hi) \
    void lm_cast_f32_##to(const void *in, void *out, int32_t size) \
    { \
        const float *src = (const float *)in; \
        lm_##to *dst = (lm_##to *)out; \
        int32_t i; \
        for (i = 0; i < size; ++i) { \
            const float v = src[i]; \
            dst[i] = v != v ? 0 : (v <= (float)(lo) ? (lo) : (v >= (float)(hi) ? (hi) : (lm_##to)v)); \
        } \
    }

LM_CAST_FROM_FLOAT(s8, INT8_MIN, INT8_MAX)
LM_CAST_FROM_FLOAT(s16, INT16_MIN, INT16_MAX)
LM_CAST_FROM_FLOAT(s32, INT32_MIN, INT32_MAX)

/* Integers to float: exact below 2^24, else rounded to nearest, as static_cast<float>. */
#define LM_CAST_TO_FLOAT(from) \
    void lm_cast_##from##_f32(const void *in, void *out, int32_t size) \
    { \
        const lm_##from *src = (const lm_##from *)in; \
        float *dst = (float *)out; \
        int32_t i; \
        for (i = 0; i < size; ++i) { \
            dst[i] = (float)src[i]; \
        } \
    }

LM_CAST_TO_FLOAT(s8)
LM_CAST_TO_FLOAT(s16)
LM_CAST_TO_FLOAT(s32)
