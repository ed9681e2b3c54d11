/* litemicro runtime: int16 QUANTIZE / DEQUANTIZE and the int16 element-wise ops ADD, SUB, MUL
 * (TFLM's reference kernels for int16), portable C. */
#include "lm_common.h"
#include "lm_s16.h"

LM_INLINE int32_t lm_s16_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void lm_quantize_f32_s16(const lm_convert_params *p, const void *in, void *out)
{
    const float *x = (const float *)in;
    int16_t *y = (int16_t *)out;
    const float scale = lm_f32_from_bits(p->scale_bits);
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t t = lm_round_f32(x[i] / scale, 131072.0f);   /* beyond, every value saturates */
        y[i] = (int16_t)lm_s16_clamp(t + p->zero_point, -32768, 32767);
    }
}

void lm_dequantize_s16_f32(const lm_convert_params *p, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    float *y = (float *)out;
    const float scale = lm_f32_from_bits(p->scale_bits);
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        /* scale * q is exact in double (24 + 17 bits), so one float multiply rounds as TFLM's double */
        y[i] = scale * (float)((int32_t)x[i] - p->zero_point);
    }
}

/* QUANTIZE between int8 and int16 (TFLM's Requantize): one loop for the three width pairs;
 * each caller passes constant widths, so the compiler folds the width tests away. */
LM_INLINE void lm_s16_requant_run(const lm_s16_requant_params *p, const void *in, int32_t in_bytes, void *out,
                                  int32_t out_bytes)
{
    const int32_t lo = out_bytes == 1 ? -128 : -32768, hi = out_bytes == 1 ? 127 : 32767;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = in_bytes == 1 ? (int32_t)((const int8_t *)in)[i] : (int32_t)((const int16_t *)in)[i];
        const int32_t v = lm_s16_clamp(lm_requantize(x - p->in_zp, p->mult, p->shift) + p->out_zp, lo, hi);
        if (out_bytes == 1) {
            ((int8_t *)out)[i] = (int8_t)v;
        } else {
            ((int16_t *)out)[i] = (int16_t)v;
        }
    }
}

void lm_requant_s8_s16(const lm_s16_requant_params *p, const int8_t *in, void *out)
{
    lm_s16_requant_run(p, in, 1, out, 2);
}

void lm_requant_s16_s8(const lm_s16_requant_params *p, const void *in, int8_t *out)
{
    lm_s16_requant_run(p, in, 2, out, 1);
}

void lm_requant_s16_s16(const lm_s16_requant_params *p, const void *in, void *out)
{
    lm_s16_requant_run(p, in, 2, out, 2);
}

void lm_leaky_relu_s16(const lm_s16_leaky_params *p, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        int32_t v;
        if (x[i] >= 0) {
            v = lm_requantize(x[i], p->id_mult, p->id_shift);
        } else {
            v = lm_requantize(x[i], p->alpha_mult, p->alpha_shift);
            v = p->alpha_negative ? (int32_t)(0u - (uint32_t)v) : v;
        }
        y[i] = (int16_t)lm_s16_clamp(v, -32768, 32767);
    }
}

/* The input in the table's units: (x * multiplier + round) >> shift. */
LM_INLINE int32_t lm_s16_table_input(const lm_s16_sigmoid_params *p, int32_t x)
{
    const int32_t round = p->input_left_shift > 0 ? (int32_t)1 << (p->input_left_shift - 1) : 0;
    return (x * p->input_multiplier + round) >> p->input_left_shift;
}

void lm_logistic_s16(const lm_s16_sigmoid_params *p, const uint16_t *table, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = lm_s16_table_input(p, x[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 9;
        uint32_t r = (uint32_t)0x7FFF << 10;
        if (hi < 255) {
            r = ((uint32_t)table[hi] << 9) + (a & 0x1FFu) * ((uint32_t)table[hi + 1] - table[hi]);
        }
        r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
        y[i] = (int16_t)(uint16_t)(r >> 10);
    }
}

void lm_tanh_s16(const lm_s16_sigmoid_params *p, const uint16_t *table, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = lm_s16_table_input(p, x[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 8;
        int32_t r = (int32_t)(0xFFFFu << 8);
        if (hi < 255) {
            r = (int32_t)(((uint32_t)table[hi] << 8) + (a & 0xFFu) * ((uint32_t)table[hi + 1] - table[hi]));
        }
        r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
        y[i] = (int16_t)(r >> 8);
    }
}

enum { LM_S16_ADD, LM_S16_SUB, LM_S16_MUL, LM_S16_MAX, LM_S16_MIN };

/* One element of ADD / SUB / MUL (int16 arithmetic of TFLM's reference kernels), or the raw
 * MAXIMUM / MINIMUM. */
LM_INLINE int32_t lm_s16_binary(const lm_eltwise_params *p, int32_t kind, int32_t a, int32_t b)
{
    int32_t raw;
    if (kind == LM_S16_MAX || kind == LM_S16_MIN) {
        return (kind == LM_S16_MAX) == (a >= b) ? a : b;
    }
    if (kind == LM_S16_MUL) {
        raw = lm_requantize((a + p->in1_offset) * (b + p->in2_offset), p->out_mult, p->out_shift);
    } else {
        const int32_t ra = lm_requantize((a + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift);
        const int32_t rb = lm_requantize((b + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift);
        const int32_t sum = (int32_t)(kind == LM_S16_ADD ? (uint32_t)ra + (uint32_t)rb : (uint32_t)ra - (uint32_t)rb);
        raw = lm_requantize(sum, p->out_mult, p->out_shift);
    }
    return lm_s16_clamp(raw + p->out_zp, p->act_min, p->act_max);
}

/* The broadcast loop nest of lm_eltwise_params (see lm_eltwise.h) over int16 tensors. */
static void lm_s16_binary_run(const lm_eltwise_params *p, int32_t kind, const int16_t *in1, const int16_t *in2,
                              int16_t *out)
{
    int32_t idx[LM_ELTWISE_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0;
    int32_t r, i;
    for (r = 0; r < p->rows; ++r) {
        const int16_t *a = in1 + off1, *b = in2 + off2;
        for (i = 0; i < p->inner; ++i) {
            *out++ = (int16_t)lm_s16_binary(p, kind, a[i * p->in1_inner], b[i * p->in2_inner]);
        }
        LM_BROADCAST_NEXT(p, idx, off1, off2);
    }
}

void lm_add_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out)
{
    lm_s16_binary_run(p, LM_S16_ADD, (const int16_t *)in1, (const int16_t *)in2, (int16_t *)out);
}

void lm_sub_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out)
{
    lm_s16_binary_run(p, LM_S16_SUB, (const int16_t *)in1, (const int16_t *)in2, (int16_t *)out);
}

void lm_mul_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out)
{
    lm_s16_binary_run(p, LM_S16_MUL, (const int16_t *)in1, (const int16_t *)in2, (int16_t *)out);
}

void lm_max_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out)
{
    lm_s16_binary_run(p, LM_S16_MAX, (const int16_t *)in1, (const int16_t *)in2, (int16_t *)out);
}

void lm_min_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out)
{
    lm_s16_binary_run(p, LM_S16_MIN, (const int16_t *)in1, (const int16_t *)in2, (int16_t *)out);
}

void lm_relu_s16(const lm_s16_relu_params *p, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = p->requant ? lm_requantize(x[i], p->mult, p->shift) : x[i];
        y[i] = (int16_t)lm_s16_clamp(v, p->act_min, p->act_max);
    }
}

/* gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent. */
LM_INLINE int32_t lm_s16_mul_pot(int32_t x, int32_t exponent)
{
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
    return x > threshold ? INT32_MAX : (x < -threshold ? INT32_MIN : (int32_t)((uint32_t)x << exponent));
}

/* GetInvSqrtQuantizedMultiplierExp for 1 < v < 2^29: 1 / sqrt(v) as a multiplier and a left
 * shift, five Newton-Raphson steps in Q3.28. */
static int32_t lm_s16_inv_sqrt(int32_t v, int32_t *left_shift)
{
    const int32_t pairs = ((int32_t)lm_clz32((uint32_t)v) - 1) / 2 - 1;
    const int32_t half_input = lm_rdbpot((v << (2 * pairs)) >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27);
    int32_t shift = 11 - pairs, x = 1 << 28, k;
    for (k = 0; k < 5; ++k) {
        const int32_t x3 = lm_s16_mul_pot(lm_srdhm(lm_srdhm(x, x), x), 6);
        x = lm_s16_mul_pot((int32_t)((uint32_t)lm_srdhm(half_three, x) - (uint32_t)lm_srdhm(half_input, x3)), 3);
    }
    x = lm_srdhm(x, 1518500250);                 /* times sqrt(2) / 2 */
    if (shift < 0) {
        x = (int32_t)((uint32_t)x << -shift);
        shift = 0;
    }
    *left_shift = -shift;
    return x;
}

void lm_rsqrt_s16(const lm_s16_rsqrt_params *p, const void *in, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = x[i];
        int32_t m = INT32_MAX, s = 0;
        if (v <= 0) {
            y[i] = 32767;
            continue;
        }
        if (v > 1) {
            m = lm_s16_inv_sqrt(v, &s);
        }
        y[i] = (int16_t)lm_s16_clamp(lm_requantize(lm_requantize(1, m, s + 20), p->mult, p->shift - 20), -32768, 32767);
    }
}
