/* litemicro runtime: int8 L2_NORMALIZATION and LOG_SOFTMAX. */
#include "lm_common.h"
#include "lm_norm.h"

#define LM_Q0_ONE INT32_MAX
#define LM_SQRT_HALF 1518500250           /* sqrt(1/2), Q0.31 */

/* gemmlowp SaturatingRoundingMultiplyByPOT for exponent >= 0: a saturating left shift. */
static int32_t lm_norm_shl(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (exponent == 0) {
        return x;
    }
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

static int32_t lm_norm_add(int32_t a, int32_t b)   /* wrapping, as gemmlowp's raw + */
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t lm_norm_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static int32_t lm_norm_sat(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

static int32_t lm_norm_half_sum(int32_t a, int32_t b)   /* gemmlowp RoundingHalfSum */
{
    const int64_t s = (int64_t)a + b;
    return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* GetInvSqrtQuantizedMultiplierExp with reverse shift -1: 1 / sqrt(x) = *mult * 2^*shift
 * (Q0.31 multiplier), five Newton-Raphson steps in Q3.28. */
static void lm_norm_inv_sqrt(int32_t x, int32_t *mult, int32_t *shift)
{
    const int32_t half_three = (1 << 28) + (1 << 27);
    int32_t s = 11, pairs, half_x, y = 1 << 28, i;
    if (x <= 1) {
        *mult = INT32_MAX;
        *shift = 0;
        return;
    }
    while (x >= (1 << 29)) {
        x /= 4;
        ++s;
    }
    pairs = (lm_clz32((uint32_t)x) - 1) / 2 - 1;
    s -= pairs;
    x <<= 2 * pairs;
    half_x = lm_rdbpot(x >> 1, 1);
    for (i = 0; i < 5; ++i) {
        const int32_t y3 = lm_norm_shl(lm_srdhm(lm_srdhm(y, y), y), 6);
        y = lm_norm_shl(lm_norm_sub(lm_srdhm(half_three, y), lm_srdhm(half_x, y3)), 3);
    }
    y = lm_srdhm(y, LM_SQRT_HALF);
    if (s < 0) {
        y = (int32_t)((uint32_t)y << -s);
        s = 0;
    }
    *mult = y;
    *shift = -s;
}

void lm_l2norm_s8(const lm_l2norm_params *p, const int8_t *in, int8_t *out)
{
    const int32_t depth = p->depth, zp = p->input_zp;
    int32_t r, c;
    for (r = 0; r < p->rows; ++r) {
        int32_t acc = 0, mult, shift;
        for (c = 0; c < depth; ++c) {
            const int32_t v = in[c] - zp;
            acc += v * v;
        }
        lm_norm_inv_sqrt(acc, &mult, &shift);
        for (c = 0; c < depth; ++c) {
            out[c] = lm_clamp_s8(lm_requantize(in[c] - zp, mult, shift + 7), -128, 127);
        }
        in += depth;
        out += depth;
    }
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1, Q0.31 in and out. */
static int32_t lm_norm_reciprocal(int32_t a)
{
    const int32_t half_den = lm_norm_half_sum(a, LM_Q0_ONE);
    int32_t x = lm_norm_add(1515870810, lm_srdhm(half_den, -1010580540)), i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus = lm_norm_sub(1 << 29, lm_srdhm(half_den, x));
        x = lm_norm_add(x, lm_norm_shl(lm_srdhm(x, one_minus), 2));
    }
    return lm_norm_shl(x, 1);
}

/* log_x_for_x_greater_than_or_equal_to_1<5>(x in Q12.19): log(x) in Q5.26. */
static int32_t lm_norm_log_q12(int32_t z)
{
    const int32_t accum_bits = 6, shifted_quarter = 1 << 23;           /* 1/4 in Q6.25 */
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301;
    const int32_t a_n = 117049297, a_d = 127690142, a_i = 1057819769, a_f = 638450708;
    const int32_t hz_a = lm_clz32((uint32_t)z);
    const int32_t r_a = lm_norm_shl(lm_srdhm(lm_norm_shl(z, hz_a - 1), LM_SQRT_HALF), 1);
    const int32_t pow_a = lm_norm_sat((int64_t)lm_norm_shl(12 - hz_a, 31 - accum_bits) + shifted_quarter);
    const int32_t hz_b = lm_clz32((uint32_t)lm_srdhm(z, LM_SQRT_HALF)) - 1;
    const int32_t r_b = lm_norm_shl(z, hz_b);
    const int32_t pow_b = lm_norm_sat((int64_t)lm_norm_shl(12 - hz_b, 31 - accum_bits) - shifted_quarter);
    const int32_t r = LM_MIN(r_a, r_b), z_pow = LM_MAX(pow_a, pow_b);
    const int32_t p = lm_norm_half_sum(r, sqrt_sqrt_half);
    const int32_t q = lm_norm_add(lm_norm_sub(r, sqrt_sqrt_half), lm_norm_sub(r, sqrt_sqrt_half));
    const int32_t sq = lm_srdhm(q, q);
    const int32_t num = lm_norm_add(lm_srdhm(q, r), lm_srdhm(lm_srdhm(q, sq), a_n));
    const int32_t den = lm_norm_add(lm_srdhm(p, lm_norm_add(lm_norm_add(a_i, q), lm_srdhm(a_d, sq))),
                                    lm_srdhm(a_f, q));
    const int32_t scaled = lm_rdbpot(num, accum_bits);
    return lm_norm_shl(lm_norm_add(lm_srdhm(z_pow, log_2), lm_srdhm(scaled, lm_norm_reciprocal(den))), 1);
}

void lm_log_softmax_s8(const lm_log_softmax_params *p, const int32_t *exp_q12,
                       const int32_t *diff_q5, const int8_t *in, int8_t *out)
{
    const int32_t depth = p->depth;
    int32_t r, c;
    for (r = 0; r < p->rows; ++r) {
        int32_t max = -128, sum = 0, log_sum, cutoff;
        for (c = 0; c < depth; ++c) {
            max = LM_MAX(max, in[c]);
        }
        for (c = 0; c < depth; ++c) {
            sum = lm_norm_add(sum, exp_q12[max - in[c]]);
        }
        log_sum = lm_norm_log_q12(sum);
        cutoff = LM_MAX(p->diff_min - 1, lm_requantize(lm_norm_add(log_sum, INT32_MIN), p->reverse_mult,
                                                       p->reverse_shift));
        for (c = 0; c < depth; ++c) {
            const int32_t diff = in[c] - max;
            out[c] = diff > cutoff
                ? lm_clamp_s8(lm_rdbpot(lm_norm_sub(diff_q5[-diff], log_sum), 22) + 127, -128, 127)
                : -128;
        }
        in += depth;
        out += depth;
    }
}
