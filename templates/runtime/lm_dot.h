/* litemicro runtime: int8 dot products, the inner loop of convolution and fully connected.
 *
 * On cores with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33) four int8 pairs
 * go through two SXTB16 unpacks and two SMLAD dual multiply-accumulates; the scalar tail
 * (and every other core) uses plain C, which host compilers vectorize.
 */
#ifndef LM_DOT_H
#define LM_DOT_H

#include <stdint.h>
#include <string.h>

#include "lm_common.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define LM_USE_DSP 1
#else
#define LM_USE_DSP 0
#endif

#if LM_USE_DSP
LM_INLINE int32_t lm_read_s8x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Rotate right by 8: the compiler folds it into SXTB16's rotate operand. */
LM_INLINE int32_t lm_ror8(int32_t v)
{
    return (int32_t)(((uint32_t)v >> 8) | ((uint32_t)v << 24));
}
#endif

/* sum(w[i] * x[i]) for i < n. */
LM_INLINE int32_t lm_dot_s8(const int8_t *w, const int8_t *x, int32_t n)
{
    int32_t sum = 0;
#if LM_USE_DSP
    for (; n >= 4; n -= 4, w += 4, x += 4) {
        const int32_t a = lm_read_s8x4(w), b = lm_read_s8x4(x);
        sum = __smlad(__sxtb16(a), __sxtb16(b), sum);
        sum = __smlad(__sxtb16(lm_ror8(a)), __sxtb16(lm_ror8(b)), sum);
    }
#endif /* LM_USE_DSP */
    for (; n > 0; --n) {
        sum += (int32_t)*w++ * (int32_t)*x++;
    }
    return sum;
}

/* Two dot products sharing x: sums[0] += w0 . x, sums[1] += w1 . x. */
LM_INLINE void lm_dot2_s8(const int8_t *w0, const int8_t *w1, const int8_t *x, int32_t n, int32_t *sums)
{
    int32_t s0 = sums[0], s1 = sums[1];
#if LM_USE_DSP
    for (; n >= 4; n -= 4, w0 += 4, w1 += 4, x += 4) {
        const int32_t b = lm_read_s8x4(x);
        const int32_t b_even = __sxtb16(b), b_odd = __sxtb16(lm_ror8(b));
        const int32_t a0 = lm_read_s8x4(w0), a1 = lm_read_s8x4(w1);
        s0 = __smlad(__sxtb16(a0), b_even, s0);
        s0 = __smlad(__sxtb16(lm_ror8(a0)), b_odd, s0);
        s1 = __smlad(__sxtb16(a1), b_even, s1);
        s1 = __smlad(__sxtb16(lm_ror8(a1)), b_odd, s1);
    }
#endif /* LM_USE_DSP */
    for (; n > 0; --n) {
        const int32_t xv = *x++;
        s0 += (int32_t)*w0++ * xv;
        s1 += (int32_t)*w1++ * xv;
    }
    sums[0] = s0;
    sums[1] = s1;
}

#endif /* LM_DOT_H */
