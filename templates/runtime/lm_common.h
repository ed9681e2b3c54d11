/* litemicro runtime: fixed-point helpers shared by every kernel.
 *
 * The requantization arithmetic reproduces TFLM's reference kernels bit for bit
 * (the double-rounding MultiplyByQuantizedMultiplier of gemmlowp fixed point).
 */
#ifndef LM_COMMON_H
#define LM_COMMON_H

#include <stdint.h>

#if defined(__GNUC__)
#define LM_INLINE static inline __attribute__((always_inline))
#else
#define LM_INLINE static inline
#endif

#define LM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define LM_MIN(a, b) ((a) < (b) ? (a) : (b))

/* gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2) >> 32, rounded, saturated. */
LM_INLINE int32_t lm_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero. */
LM_INLINE int32_t lm_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), shift > 0 is a left shift.
 *
 * The same two roundings as lm_rdbpot(lm_srdhm(x << left, multiplier), right), in fewer
 * instructions: for a multiplier >= 0 (QuantizeMultiplier never makes a negative one) the
 * saturating case of lm_srdhm cannot happen, and its truncating division of ab + nudge by
 * 2^31 equals the arithmetic shift (ab + 2^30) >> 31; RoundingDivideByPOT is a shift of
 * x + 2^(right-1) - (x < 0), taken in 64 bits so that it cannot overflow.
 */
LM_INLINE int32_t lm_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)multiplier;
    const int32_t high = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    if (right == 0) {
        return high;
    }
    return (int32_t)(((int64_t)high + ((int64_t)1 << (right - 1)) - (high < 0 ? 1 : 0)) >> right);
}

LM_INLINE int8_t lm_clamp_s8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

#endif /* LM_COMMON_H */
