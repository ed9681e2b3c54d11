/* litemicro runtime: fixed-point helpers shared by every kernel.
 *
 * The requantization arithmetic reproduces TFLM's reference kernels bit for bit
 * (the double-rounding MultiplyByQuantizedMultiplier of gemmlowp fixed point).
 */
#ifndef LM_COMMON_H
#define LM_COMMON_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define LM_INLINE static inline __attribute__((always_inline))
#else
#define LM_INLINE static inline
#endif

#define LM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define LM_MIN(a, b) ((a) < (b) ? (a) : (b))

/* a + b modulo 2^32, as every core's ADD (and SMLAD) computes it: the sums of the kernels
 * start at a bias (any int32) and wrap as TFLM's do on a device, without C's undefined
 * behaviour on signed overflow. One ADD, as the plain sum. */
LM_INLINE int32_t lm_wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* acc + a * b modulo 2^32 (one MLA): the product too is taken in uint32_t, where it has the
 * same low 32 bits as the int32 one, so that the compiler fuses the two as it does for a plain
 * int32 multiply-add. */
LM_INLINE int32_t lm_wrap_mla(int32_t acc, int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)acc + (uint32_t)a * (uint32_t)b);
}

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
 *
 * The usual case (a multiplier of QuantizeMultiplier, in [2^30, 2^31), and right >= 2) takes
 * lm_requantize_rq's single multiply-accumulate; the others keep the general sequence.
 */
LM_INLINE int32_t lm_requantize_rq(int32_t x, int32_t multiplier, int32_t hi_add, int32_t shift_hi);

/* The general sequence (any shift, any multiplier >= 0). */
LM_INLINE int32_t lm_requantize_double(int32_t x, int32_t multiplier, int32_t left, int32_t right)
{
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)multiplier;
    const int32_t high = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    if (right == 0) {
        return high;
    }
    return (int32_t)(((int64_t)high + ((int64_t)1 << (right - 1)) - (high < 0 ? 1 : 0)) >> right);
}

/* The general sequence out of line: only left shifts, right shifts of 0, 1 or above 31 and
 * multipliers below 2^30 take it, and keeping it out of the callers' loops spares them
 * registers. */
#if defined(__GNUC__)
__attribute__((noinline, unused))
#endif
static int32_t lm_requantize_general(int32_t x, int32_t multiplier, int32_t left, int32_t right)
{
    return lm_requantize_double(x, multiplier, left, right);
}

LM_INLINE int32_t lm_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
#if defined(__ARM_ARCH_6M__)
    /* ARMv6-M has no 64-bit multiply instruction, and the one multiply-accumulate form below
     * costs some callers' loops registers there (micro_speech's depthwise): keep this one. */
    return lm_requantize_double(x, multiplier, left, right);
#else
    if (right >= 2 && right <= 31 && multiplier >= (1 << 30)) {
        return lm_requantize_rq(x, multiplier, (int32_t)1 << (right - 2), right - 1);
    }
    return lm_requantize_general(x, multiplier, left, right);
#endif
}

/* The double rounding of MultiplyByQuantizedMultiplier as one 64-bit multiply-accumulate.
 *
 * For a right shift r >= 2 and P = x * m + 2^30, TFLM computes high = P >> 31 and then
 * (high + 2^(r-1) - (high < 0)) >> r. Both floors merge into one:
 *     result = (P + 2^(30+r) - (P < 0) * 2^31) >> (31 + r),
 * and, m being 0 or in [2^30, 2^31), P < 0 exactly when x < 0 (x = -1 with m = 2^30 gives
 * P = 0, where both forms give 0). The constant splits into a low word 2^30 - (x < 0) * 2^31
 * (0x40000000 with x's sign bit, borrowing one from the high word) and a high word
 * hi_add = 2^(r-2) (+ zp * 2^(r-1) to add an output zero point for free, as the compiler
 * does when |zp| * 2^(r-1) leaves room); the result is the high word shifted right by
 * shift_hi = r - 1. On ARMv7E-M: AND, ORR, ADD, SMLAL, ASR.
 */
LM_INLINE int32_t lm_requantize_rq(int32_t x, int32_t multiplier, int32_t hi_add, int32_t shift_hi)
{
    const uint32_t lo = 0x40000000u | ((uint32_t)x & 0x80000000u);
    const int32_t hi = hi_add + (x >> 31);
    const int64_t acc = (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo) + (int64_t)x * multiplier;
    return (int32_t)(acc >> 32) >> shift_hi;
}

/* A float32 from its IEEE-754 bit pattern (how the compiler passes float scales). */
LM_INLINE float lm_f32_from_bits(int32_t bits)
{
    const uint32_t u = (uint32_t)bits;
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

/* TfLiteRound (halves away from zero) of q as an int32, q first clamped to [-limit, limit]
 * (NaN to -limit): callers pick a limit beyond their output range, so that the clamp keeps the
 * conversion defined and changes no result. */
LM_INLINE int32_t lm_round_f32(float q, float limit)
{
    float frac;
    int32_t t;
    if (!(q >= -limit)) {
        q = -limit;
    }
    if (q > limit) {
        q = limit;
    }
    t = (int32_t)q;                    /* truncates; q - t is exact */
    frac = q - (float)t;
    if (frac >= 0.5f) {
        ++t;
    } else if (frac <= -0.5f) {
        --t;
    }
    return t;
}

/* Leading zero bits of x (32 for 0): the headroom of a fixed-point value. */
LM_INLINE int32_t lm_clz32(uint32_t x)
{
#if defined(__GNUC__) && (defined(__ARM_FEATURE_CLZ) || !defined(__arm__))
    return x == 0 ? 32 : (int32_t)__builtin_clz(x);     /* one CLZ instruction where there is one */
#else
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

LM_INLINE int8_t lm_clamp_s8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* One output of a layer whose requantization the compiler prepared as lm_requantize_rq's
 * (multiplier, hi_add with the output zero point, shift_hi) triple. */
LM_INLINE int8_t lm_requantize_out(int32_t acc, const int32_t *rq, int32_t act_min, int32_t act_max)
{
    return lm_clamp_s8(lm_requantize_rq(acc, rq[0], rq[1], rq[2]), act_min, act_max);
}

/* *out++ = the clamped lm_requantize_rq(sum, m, hi_add, shift_hi) (+ zp when `post`, for the
 * layers whose zero point does not fit in hi_add). `full` (the clamp range is [-128, 127], as
 * in most layers) clamps with one SSAT. On ARMv7E-M one block of 8 to 14 instructions with
 * every operand in a register (the compiler would otherwise reload the clamp bounds around
 * each int8 store, which may alias them). `post` and `full` must be constants. */
/* The blocks below need the optimizer's register allocation: an unoptimized (-O0) build
 * takes the C forms, which compute the same values. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define LM_RQ_ASM_CORE                                                                         \
    "and %[lo], %[a], #0x80000000\n\t"                                                         \
    "orr %[lo], %[lo], #0x40000000\n\t"                                                        \
    "add %[hi], %[h], %[a], asr #31\n\t"                                                       \
    "smlal %[lo], %[hi], %[a], %[m]\n\t"                                                       \
    "asr %[hi], %[hi], %[s]\n\t"
#define LM_RQ_ASM_ZP "add %[hi], %[hi], %[zp]\n\t"
#define LM_RQ_ASM_SSAT_STORE                                                                   \
    "ssat %[hi], #8, %[hi]\n\t"                                                                \
    "strb %[hi], [%[o]], #1"
#define LM_RQ_ASM_CLAMP_STORE                                                                  \
    "cmp %[hi], %[lo_lim]\n\t"                                                                 \
    "it lt\n\t"                                                                                \
    "movlt %[hi], %[lo_lim]\n\t"                                                               \
    "cmp %[hi], %[hi_lim]\n\t"                                                                 \
    "it gt\n\t"                                                                                \
    "movgt %[hi], %[hi_lim]\n\t"                                                               \
    "strb %[hi], [%[o]], #1"
#define LM_RQ_ASM_OPERANDS(sum_, mul_, add_, shr_, zp_, min_, max_, out_)                       \
    : [o] "+r"(out_), [lo] "=&r"(lo_), [hi] "=&r"(hi_)                                         \
    : [a] "r"(sum_), [m] "r"(mul_), [h] "r"(add_), [s] "r"(shr_), [zp] "r"(zp_),               \
      [lo_lim] "r"(min_), [hi_lim] "r"(max_)                                                   \
    : "cc", "memory"
/* the SSAT forms read no clamp bounds: no registers held for them */
#define LM_RQ_ASM_OPERANDS_SSAT(sum_, mul_, add_, shr_, zp_, out_)                              \
    : [o] "+r"(out_), [lo] "=&r"(lo_), [hi] "=&r"(hi_)                                         \
    : [a] "r"(sum_), [m] "r"(mul_), [h] "r"(add_), [s] "r"(shr_), [zp] "r"(zp_)                \
    : "cc", "memory"
/* ... and the forms without a zero point read none (a register the caller keeps) */
#define LM_RQ_ASM_OPERANDS_CLAMP(sum_, mul_, add_, shr_, min_, max_, out_)                      \
    : [o] "+r"(out_), [lo] "=&r"(lo_), [hi] "=&r"(hi_)                                         \
    : [a] "r"(sum_), [m] "r"(mul_), [h] "r"(add_), [s] "r"(shr_), [lo_lim] "r"(min_),          \
      [hi_lim] "r"(max_)                                                                       \
    : "cc", "memory"
#define LM_RQ_ASM_OPERANDS_BARE(sum_, mul_, add_, shr_, out_)                                   \
    : [o] "+r"(out_), [lo] "=&r"(lo_), [hi] "=&r"(hi_)                                         \
    : [a] "r"(sum_), [m] "r"(mul_), [h] "r"(add_), [s] "r"(shr_)                               \
    : "cc", "memory"
#define LM_REQUANTIZE_STORE(sum_, mul_, add_, shr_, zp_, post_, full_, min_, max_, out_)       \
    do {                                                                                       \
        int32_t lo_, hi_;                                                                      \
        if ((post_) && (full_)) {                                                              \
            __asm__ volatile(LM_RQ_ASM_CORE LM_RQ_ASM_ZP LM_RQ_ASM_SSAT_STORE                  \
                             LM_RQ_ASM_OPERANDS_SSAT(sum_, mul_, add_, shr_, zp_, out_));      \
        } else if (full_) {                                                                    \
            __asm__ volatile(LM_RQ_ASM_CORE LM_RQ_ASM_SSAT_STORE                               \
                             LM_RQ_ASM_OPERANDS_BARE(sum_, mul_, add_, shr_, out_));           \
        } else if (post_) {                                                                    \
            __asm__ volatile(LM_RQ_ASM_CORE LM_RQ_ASM_ZP LM_RQ_ASM_CLAMP_STORE                 \
                             LM_RQ_ASM_OPERANDS(sum_, mul_, add_, shr_, zp_, min_, max_, out_)); \
        } else {                                                                               \
            __asm__ volatile(LM_RQ_ASM_CORE LM_RQ_ASM_CLAMP_STORE                              \
                             LM_RQ_ASM_OPERANDS_CLAMP(sum_, mul_, add_, shr_, min_, max_, out_)); \
        }                                                                                      \
    } while (0)
#else
#define LM_REQUANTIZE_STORE(sum_, mul_, add_, shr_, zp_, post_, full_, min_, max_, out_)       \
    do {                                                                                       \
        const int32_t v_ = lm_requantize_rq((sum_), (mul_), (add_), (shr_)) + ((post_) ? (zp_) : 0); \
        *(out_)++ = (int8_t)LM_MIN(LM_MAX(v_, (min_)), (max_));                                 \
    } while (0)
#endif

/* lm_requantize_rq from the doubled sum x2 = 2 * x (|x| < 2^30) and the triple (multiplier,
 * h2 = 2 * hi_add, s2 = shift_hi + 1). TFLM's high = SaturatingRoundingDoublingHighMul(x, m)
 * is (2x * m + 2^31) >> 32, the rounding SMMLAR adds; its RoundingDivideByPOT by r = s2 adds
 * 2^(r-1) - (high < 0) before the shift, and high < 0 exactly when x < 0 wherever it matters
 * (x = -1 with m = 2^30 gives high 0, where both give the zero point). So one SMMLAR with the
 * accumulator h2 + (x2 >> 31), one shift. The compiler checks that 2x and h2 + high stay in
 * int32 (ops/requant.py, rq2_table). */
LM_INLINE int32_t lm_requantize_x2(int32_t x2, int32_t multiplier, int32_t h2, int32_t s2)
{
    const int64_t acc = (int64_t)x2 * multiplier + (int64_t)0x80000000u;
    return (int32_t)((int32_t)(acc >> 32) + h2 + (x2 >> 31)) >> s2;
}

/* lm_requantize_x2 clamped to [act_min, act_max]; `full` (a constant): the range is
 * [-128, 127], one SSAT. On ARMv7E-M: ADD, SMMLAR, ASR, then SSAT (or two compares). No
 * memory operand: the caller's store goes where the compiler wants it, and no value it keeps
 * in a register is reloaded around it. */
LM_INLINE int32_t lm_rq2_clamp(int32_t x2, int32_t multiplier, int32_t h2, int32_t s2, int32_t act_min,
                               int32_t act_max, const int full)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    int32_t t;
    __asm__("add %[t], %[h], %[x], asr #31\n\t"
            "smmlar %[t], %[x], %[m], %[t]\n\t"
            "asr %[t], %[t], %[s]"
            : [t] "=&r"(t)
            : [x] "r"(x2), [m] "r"(multiplier), [h] "r"(h2), [s] "r"(s2));
    if (full) {
        __asm__("ssat %0, #8, %0" : "+r"(t));
        return t;
    }
#else
    const int32_t t = lm_requantize_x2(x2, multiplier, h2, s2);
    (void)full;
#endif
    return LM_MIN(LM_MAX(t, act_min), act_max);
}

/* The doubled sums of a channel pair packed in halfwords (lm_dot.h): 2 * s0 and
 * 2 * (s1 - s0) / 256, exact (the compiler bounds both sums). */
LM_INLINE int32_t lm_x2_lo(int32_t s0)
{
    return (int32_t)((uint32_t)s0 << 1);
}

LM_INLINE int32_t lm_x2_hi(int32_t s0, int32_t s1)
{
    return (int32_t)((uint32_t)s1 - (uint32_t)s0) >> 7;
}

/* The broadcast odometer of the binary element-wise kernels (ADD/SUB/MUL/MAX/MIN, PRELU,
 * SQUARED_DIFFERENCE): `p` is their params struct (outer_dims, outer_shape[], in1_strides[],
 * in2_strides[]), `idx` its zeroed counters. After a row of outputs it moves off1 and off2 to
 * the first input element of the next row. */
#define LM_BROADCAST_NEXT(p, idx, off1, off2)                                                 \
    do {                                                                                       \
        int32_t d_;                                                                            \
        for (d_ = (p)->outer_dims - 1; d_ >= 0; --d_) {                                        \
            (off1) += (p)->in1_strides[d_];                                                    \
            (off2) += (p)->in2_strides[d_];                                                    \
            if (++(idx)[d_] < (p)->outer_shape[d_]) {                                          \
                break;                                                                         \
            }                                                                                  \
            (off1) -= (p)->in1_strides[d_] * (p)->outer_shape[d_];                             \
            (off2) -= (p)->in2_strides[d_] * (p)->outer_shape[d_];                             \
            (idx)[d_] = 0;                                                                     \
        }                                                                                      \
    } while (0)

#endif /* LM_COMMON_H */
