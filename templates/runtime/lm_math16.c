/* litemicro runtime: int16 element-wise arithmetic. */
#include "lm_common.h"
#include "lm_math16.h"

void lm_abs_s16(const void *in, void *out, int32_t size, int32_t mult, int32_t shift, int32_t rescale,
                int32_t quantized)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < size; ++i) {
        int32_t v = x[i] < 0 ? -(int32_t)x[i] : x[i];
        if (!quantized) {
            y[i] = (int16_t)(uint16_t)v;           /* 32768 wraps to -32768 */
            continue;
        }
        if (rescale) {
            v = lm_requantize(v, mult, shift);
        }
        y[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
    }
}
