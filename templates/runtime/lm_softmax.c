/* litemicro runtime: SOFTMAX int8 -> int8 (and int8 -> int16) in gemmlowp fixed point, as TFLM's reference. */
#include "lm_common.h"
#include "lm_kernels.h"

#define LM_SCALED_DIFF_INT_BITS 5
#define LM_ACCUM_INT_BITS 12

/* Saturating multiply by 2^exponent (gemmlowp SaturatingRoundingMultiplyByPOT). */
LM_INLINE int32_t lm_mul_pot(int32_t x, int32_t exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return (int32_t)((uint32_t)x << exponent);
    }
    return exponent < 0 ? lm_rdbpot(x, -exponent) : x;
}

/* exp(x) for x in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8. */
static int32_t lm_exp_quarter(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = lm_srdhm(x, x);
    const int32_t x3 = lm_srdhm(x2, x);
    const int32_t x4 = lm_srdhm(x2, x2);
    const int32_t x4_over_4 = lm_rdbpot(x4, 2);
    const int32_t poly = lm_rdbpot(lm_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return exp_minus_one_eighth + lm_srdhm(exp_minus_one_eighth, x + poly);
}

/* exp(a) for a <= 0, a in Q5.26, result in Q0.31 (gemmlowp exp_on_negative_values). */
static int32_t lm_exp_negative(int32_t a)
{
    static const int32_t multipliers[7] = {
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242,
    };
    const int32_t frac_bits = 31 - LM_SCALED_DIFF_INT_BITS;
    const int32_t one_quarter = 1 << (frac_bits - 2);
    const int32_t mod_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
    const int32_t remainder = mod_minus_quarter - a;
    int32_t result, k;
    if (a == 0) {
        return INT32_MAX;           /* exp(0), as gemmlowp's final select: every row's maximum */
    }
    result = lm_exp_quarter(lm_mul_pot(mod_minus_quarter, LM_SCALED_DIFF_INT_BITS));
    for (k = 0; k < 7; ++k) {
        if (remainder & (1 << (frac_bits - 2 + k))) {
            result = lm_srdhm(result, multipliers[k]);
        }
    }
    return result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out: Newton-Raphson (gemmlowp). */
static int32_t lm_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810, c_neg32_17 = -1010580540;
    const int32_t one_q2 = 1 << 29;
    int32_t x = c48_17 + lm_srdhm(half_denominator, c_neg32_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t hdx = lm_srdhm(half_denominator, x);
        const int32_t one_minus = one_q2 - hdx;
        x = x + lm_mul_pot(lm_srdhm(x, one_minus), 2);
    }
    return lm_mul_pot(x, 1);
}

/* exp(beta * (x - max)) of one element in Q0.31, or 0 below diff_min (never summed). */
LM_INLINE int32_t lm_softmax_exp(const lm_softmax_params *p, int32_t diff)
{
    if (diff < p->diff_min) {
        return 0;
    }
    return lm_exp_negative(lm_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_mult));
}

/* One row: the largest input, and the reciprocal of the exp sum with its bits over one unit. */
LM_INLINE int32_t lm_softmax_row(const lm_softmax_params *p, const int8_t *x, int32_t *max_out, int32_t *bits_out)
{
    int32_t max_v = -128, sum = 0, c;
    int headroom;
    for (c = 0; c < p->depth; ++c) {
        max_v = LM_MAX(max_v, (int32_t)x[c]);
    }
    for (c = 0; c < p->depth; ++c) {
        const int32_t diff = (int32_t)x[c] - max_v;
        if (diff >= p->diff_min) {          /* below it: nothing to add */
            sum += lm_rdbpot(lm_softmax_exp(p, diff), LM_ACCUM_INT_BITS);
        }
    }
    headroom = lm_clz32((uint32_t)sum);
    *max_out = max_v;
    *bits_out = LM_ACCUM_INT_BITS - headroom;
    return lm_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - (1u << 31)));
}

/* The probability of x[c] in `out_bits` bits, offset to the output type's range (below
 * diff_min: the lowest value). */
LM_INLINE int32_t lm_softmax_out(const lm_softmax_params *p, int32_t diff, int32_t scale, int32_t bits,
                                 int32_t out_bits)
{
    const int32_t lowest = -(1 << (out_bits - 1)), highest = (1 << (out_bits - 1)) - 1;
    int32_t v;
    if (diff < p->diff_min) {
        return lowest;
    }
    /* scale > 0 and the exp >= 0: their product, rounded, is >= 0, so v >= lowest already
     * (TFLM's lower clamp never acts) */
    v = lm_rdbpot(lm_srdhm(scale, lm_softmax_exp(p, diff)), bits + 31 - out_bits) + lowest;
    return LM_MIN(highest, v);
}

void lm_softmax_s8(const lm_softmax_params *p, const int8_t *in, int8_t *out)
{
    const int32_t depth = p->depth;
    int32_t r, c, max_v, bits;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = in + r * depth;
        int8_t *y = out + r * depth;
        const int32_t scale = lm_softmax_row(p, x, &max_v, &bits);
        for (c = 0; c < depth; ++c) {
            y[c] = (int8_t)lm_softmax_out(p, (int32_t)x[c] - max_v, scale, bits, 8);
        }
    }
}

void lm_softmax_s8_s16(const lm_softmax_params *p, const int8_t *in, void *out)
{
    int16_t *y = (int16_t *)out;
    int32_t r, c, max_v, bits;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = in + r * p->depth;
        const int32_t scale = lm_softmax_row(p, x, &max_v, &bits);
        for (c = 0; c < p->depth; ++c) {
            y[r * p->depth + c] = (int16_t)lm_softmax_out(p, (int32_t)x[c] - max_v, scale, bits, 16);
        }
    }
}
