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

/* SXTB16 of v rotated right by 8: bytes 1 and 3 sign-extended to two int16 lanes. */
LM_INLINE int32_t lm_sxtb16_odd(int32_t v)
{
#if defined(__GNUC__)
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return __sxtb16((int32_t)(((uint32_t)v >> 8) | ((uint32_t)v << 24)));
#endif
}

/* (lo & 0xFFFF) | (hi << 16): PKHBT. */
LM_INLINE int32_t lm_pack_bottoms(int32_t lo, int32_t hi)
{
#if defined(__GNUC__)
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
#else
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
#endif
}

/* (lo >> 16) | (hi & 0xFFFF0000): PKHTB. */
LM_INLINE int32_t lm_pack_tops(int32_t lo, int32_t hi)
{
#if defined(__GNUC__)
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
#else
    return (int32_t)(((uint32_t)lo >> 16) | ((uint32_t)hi & 0xFFFF0000u));
#endif
}
#endif /* LM_USE_DSP */

/* SIMD helpers that also exist in portable C, so that kernels written with them run (and are
 * tested) everywhere: lm_simd_even/odd are SXTB16 of a word and of the word rotated by 8
 * (bytes 0, 2 and bytes 1, 3 as two int16 lanes), lm_simd_mac is SMLAD (wrapping modulo 2^32). */
#if LM_USE_DSP
#define lm_simd_even(v) __sxtb16(v)
#define lm_simd_odd(v) lm_sxtb16_odd(v)
#define lm_simd_mac(a, b, acc) __smlad((a), (b), (acc))
#else
LM_INLINE int32_t lm_simd_even(int32_t v)
{
    return (int32_t)(((uint32_t)(int32_t)(int8_t)v & 0xFFFFu) | ((uint32_t)(int32_t)(int8_t)(v >> 16) << 16));
}

LM_INLINE int32_t lm_simd_odd(int32_t v)
{
    return lm_simd_even(v >> 8);
}

LM_INLINE int32_t lm_simd_mac(int32_t a, int32_t b, int32_t acc)
{
    const int32_t lo = (int32_t)(int16_t)a * (int16_t)b, hi = (a >> 16) * (b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
#endif /* LM_USE_DSP */

LM_INLINE int32_t lm_read_word(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* sum(w[i] * x[i]) for i < n. The portable sums here wrap modulo 2^32 (lm_wrap_mla), as
 * SMLAD does: they start at a bias, which may be any int32. This one sums in uint32_t from 0
 * (the caller adds the bias): a sum kept in int32_t through lm_wrap_add cost a register copy
 * per tap on cortex-m3 when inlined into the conv and FC kernels. */
LM_INLINE int32_t lm_dot_s8(const int8_t *w, const int8_t *x, int32_t n)
{
    uint32_t sum = 0;
#if LM_USE_DSP
    for (; n >= 4; n -= 4, w += 4, x += 4) {
        const int32_t a = lm_read_s8x4(w), b = lm_read_s8x4(x);
        sum = (uint32_t)__smlad(__sxtb16(a), __sxtb16(b), (int32_t)sum);
        sum = (uint32_t)__smlad(lm_sxtb16_odd(a), lm_sxtb16_odd(b), (int32_t)sum);
    }
#endif /* LM_USE_DSP */
    for (; n > 0; --n) {
        sum += (uint32_t)(*w++ * *x++);
    }
    return (int32_t)sum;
}

/* Two dot products sharing x: sums[0] += w0 . x, sums[1] += w1 . x. */
LM_INLINE void lm_dot2_s8(const int8_t *w0, const int8_t *w1, const int8_t *x, int32_t n, int32_t *sums)
{
    int32_t s0 = sums[0], s1 = sums[1];
#if LM_USE_DSP
    for (; n >= 4; n -= 4, w0 += 4, w1 += 4, x += 4) {
        const int32_t b = lm_read_s8x4(x);
        const int32_t b_even = __sxtb16(b), b_odd = lm_sxtb16_odd(b);
        const int32_t a0 = lm_read_s8x4(w0), a1 = lm_read_s8x4(w1);
        s0 = __smlad(__sxtb16(a0), b_even, s0);
        s0 = __smlad(lm_sxtb16_odd(a0), b_odd, s0);
        s1 = __smlad(__sxtb16(a1), b_even, s1);
        s1 = __smlad(lm_sxtb16_odd(a1), b_odd, s1);
    }
#endif /* LM_USE_DSP */
    for (; n > 0; --n) {
        const int32_t xv = *x++;
        s0 = lm_wrap_mla(s0, *w0++, xv);
        s1 = lm_wrap_mla(s1, *w1++, xv);
    }
    sums[0] = s0;
    sums[1] = s1;
}

/* Two weight rows against two inputs: sums[0..3] += w0.x0, w1.x0, w0.x1, w1.x1. */
LM_INLINE void lm_dot2x2_s8(const int8_t *w0, const int8_t *w1, const int8_t *x0, const int8_t *x1,
                            int32_t n, int32_t *sums)
{
    int32_t s00 = sums[0], s10 = sums[1], s01 = sums[2], s11 = sums[3];
#if LM_USE_DSP
    for (; n >= 4; n -= 4, w0 += 4, w1 += 4, x0 += 4, x1 += 4) {
        const int32_t a0 = lm_read_s8x4(w0), a1 = lm_read_s8x4(w1);
        const int32_t b0 = lm_read_s8x4(x0), b1 = lm_read_s8x4(x1);
        const int32_t a0e = __sxtb16(a0), a0o = lm_sxtb16_odd(a0);
        const int32_t a1e = __sxtb16(a1), a1o = lm_sxtb16_odd(a1);
        const int32_t b0e = __sxtb16(b0), b0o = lm_sxtb16_odd(b0);
        const int32_t b1e = __sxtb16(b1), b1o = lm_sxtb16_odd(b1);
        s00 = __smlad(a0e, b0e, __smlad(a0o, b0o, s00));
        s10 = __smlad(a1e, b0e, __smlad(a1o, b0o, s10));
        s01 = __smlad(a0e, b1e, __smlad(a0o, b1o, s01));
        s11 = __smlad(a1e, b1e, __smlad(a1o, b1o, s11));
    }
#endif /* LM_USE_DSP */
    for (; n > 0; --n) {
        const int32_t wa = *w0++, wb = *w1++, xa = *x0++, xb = *x1++;
        s00 = lm_wrap_mla(s00, wa, xa);
        s10 = lm_wrap_mla(s10, wb, xa);
        s01 = lm_wrap_mla(s01, wa, xb);
        s11 = lm_wrap_mla(s11, wb, xb);
    }
    sums[0] = s00;
    sums[1] = s10;
    sums[2] = s01;
    sums[3] = s11;
}

/* Channel pairs in halfwords: a weight word holds, for channels (c, c+1) and two taps, the
 * int16 halfwords H = 256 * w[c+1] + w[c]. SMLAD of the word with the taps' int16 inputs adds
 * 256 * (w[c+1] . x) + w[c] . x to one sum; SXTB16 of the word gives back w[c] of both taps,
 * whose SMLAD adds w[c] . x to another. Channel c+1's sum is their difference / 256 (the
 * compiler checks that it stays inside int32), so a word costs one unpack for 4 MACs per
 * input vector instead of two. */
/* acc + the two lanes' products: SMLAD (wrapping modulo 2^32, as the difference needs). */
LM_INLINE int32_t lm_wrap_mac(int32_t a, int32_t b, int32_t acc)
{
    return lm_simd_mac(a, b, acc);
}

/* The second channel of a pair from its two sums: (s1 - s0) / 256, exact. */
LM_INLINE int32_t lm_pair_hi(int32_t s0, int32_t s1)
{
    return (int32_t)((uint32_t)s1 - (uint32_t)s0) >> 8;
}

#endif /* LM_DOT_H */
