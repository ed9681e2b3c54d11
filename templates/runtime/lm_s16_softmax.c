/* litemicro runtime: SOFTMAX int16 -> int16 (TFLM's SoftmaxInt16): exp and 1 / (1 + x) through
 * 513-entry interpolated tables the compiler computes as TFLM's Prepare does. */
#include "lm_common.h"
#include "lm_s16.h"

/* LUTLookup: lut[256 + (v >> 7)] plus the slope to the next entry times the low 7 bits. */
LM_INLINE int16_t lm_s16_lut(int32_t v, const int16_t *lut)
{
    const int32_t index = 256 + (v >> 7);
    const int32_t offset = v & 0x7F;
    const int32_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(lut[index] + ((slope * offset + 64) >> 7));
}

LM_INLINE int32_t lm_s16_sat(int32_t v)
{
    return v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
}

void lm_softmax_s16(const lm_s16_softmax_params *p, const int16_t *exp_lut, const int16_t *recip_lut,
                    const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    const int32_t depth = p->depth;
    int32_t r, c;
    for (r = 0; r < p->outer; ++r, x += depth, y += depth) {
        int32_t max = -32768, sum = 0, head, shifted, right;
        int16_t recip;
        for (c = 0; c < depth; ++c) {
            max = LM_MAX(max, (int32_t)x[c]);
        }
        for (c = 0; c < depth; ++c) {     /* exp(x - max) in Q0.15, kept in the output row */
            const int32_t diff = lm_requantize(x[c] - max, p->input_multiplier, p->input_shift);
            y[c] = lm_s16_lut(lm_s16_sat(diff + 32767), exp_lut);
            sum += y[c];
        }
        head = lm_clz32((uint32_t)sum);
        shifted = (int32_t)((((int64_t)sum << (head - 1)) + (1 << 13)) >> 14);
        recip = lm_s16_lut(lm_s16_sat(shifted - ((1 << 15) + (1 << 16))), recip_lut);
        right = 31 - head;
        for (c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)(((int64_t)y[c] * recip + ((int64_t)1 << (right - 1))) >> right);
            y[c] = (int16_t)LM_MIN(LM_MAX(v, 0), 32767);
        }
    }
}
