/* litemicro runtime: int8 SUB, MUL, MAXIMUM, MINIMUM with broadcasting. */
#include "lm_common.h"
#include "lm_eltwise.h"

/* One row: n outputs; a and b advance by sa and sb (0 or 1) per element. */
typedef void (*lm_eltwise_row)(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                               const int8_t *b, int32_t sb, int8_t *out, int32_t n);

static void lm_eltwise_run(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,
                           int8_t *out, lm_eltwise_row row)
{
    int32_t idx[LM_ELTWISE_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0;
    int32_t r, d;
    for (r = 0; r < p->rows; ++r) {
        row(p, in1 + off1, p->in1_inner, in2 + off2, p->in2_inner, out, p->inner);
        out += p->inner;
        for (d = p->outer_dims - 1; d >= 0; --d) {
            off1 += p->in1_strides[d];
            off2 += p->in2_strides[d];
            if (++idx[d] < p->outer_shape[d]) {
                break;
            }
            off1 -= p->in1_strides[d] * p->outer_shape[d];
            off2 -= p->in2_strides[d] * p->outer_shape[d];
            idx[d] = 0;
        }
    }
}

static void lm_sub_row(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                       const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset, left_shift = p->left_shift;
    const int32_t m1 = p->in1_mult, s1 = p->in1_shift, m2 = p->in2_mult, s2 = p->in2_shift;
    const int32_t mo = p->out_mult, so = p->out_shift, zp = p->out_zp;
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t i;
    for (i = 0; i < n; ++i, a += sa, b += sb) {
        const int32_t x1 = lm_requantize((int32_t)((uint32_t)(*a + off1) << left_shift), m1, s1);
        const int32_t x2 = lm_requantize((int32_t)((uint32_t)(*b + off2) << left_shift), m2, s2);
        const int32_t diff = (int32_t)((uint32_t)x1 - (uint32_t)x2);
        out[i] = lm_clamp_s8(lm_requantize(diff, mo, so) + zp, lo, hi);
    }
}

static void lm_mul_row(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                       const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset;
    const int32_t mo = p->out_mult, so = p->out_shift, zp = p->out_zp;
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t i;
    for (i = 0; i < n; ++i, a += sa, b += sb) {
        const int32_t prod = (*a + off1) * (*b + off2);
        out[i] = lm_clamp_s8(lm_requantize(prod, mo, so) + zp, lo, hi);
    }
}

static void lm_max_row(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                       const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    int32_t i;
    (void)p;
    for (i = 0; i < n; ++i, a += sa, b += sb) {
        out[i] = *a > *b ? *a : *b;
    }
}

static void lm_min_row(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                       const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    int32_t i;
    (void)p;
    for (i = 0; i < n; ++i, a += sa, b += sb) {
        out[i] = *a < *b ? *a : *b;
    }
}

void lm_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, out, lm_sub_row);
}

void lm_mul_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, out, lm_mul_row);
}

void lm_max_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, out, lm_max_row);
}

void lm_min_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, out, lm_min_row);
}
