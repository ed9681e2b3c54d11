/* litemicro runtime: the requantization of one int16x8 convolution output (see lm_s16.h). */
#ifndef LM_S16_RQ_H
#define LM_S16_RQ_H

#include <stdint.h>

#include "lm_common.h"

/* One output: the accumulator plus bias, requantized (64- or 32-bit form, see lm_s16.h) and
 * clamped. With acc32 the sum wraps to 32 bits as TFLM's int32 accumulator does. */
LM_INLINE int16_t lm_s16_out(int64_t acc, int32_t acc32, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    int32_t v;
    if (acc32) {
        v = lm_requantize((int32_t)(uint32_t)(uint64_t)acc, mult, shift);
    } else {
        /* mult: the reduced multiplier (< 2^15), shift: 15 - shift >= 1; the product wraps
         * as TFLM's int64 one does (the compiler keeps it inside int64 for sane scales) */
        const uint64_t prod = (uint64_t)acc * (uint64_t)(int64_t)mult + ((uint64_t)1 << (shift - 1));
        v = (int32_t)(uint32_t)((uint64_t)((int64_t)prod >> shift));
    }
    v = v < lo ? lo : (v > hi ? hi : v);
    return (int16_t)v;
}

#endif /* LM_S16_RQ_H */
