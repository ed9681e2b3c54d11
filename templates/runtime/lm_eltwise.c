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

/* MultiplyByQuantizedMultiplier for a multiplier >= 0, its shift split in advance into
 * left, right and the rounding mask (1 << right) - 1. With the multiplier non-negative the
 * doubling high multiply never saturates, and its rounding is (a * b + 2^30) >> 31. */
typedef struct {
    int32_t mult, left, right, mask;
} lm_eltwise_rq;

LM_INLINE lm_eltwise_rq lm_eltwise_rq_make(int32_t mult, int32_t shift)
{
    lm_eltwise_rq q;
    q.mult = mult;
    q.left = shift > 0 ? shift : 0;
    q.right = shift > 0 ? 0 : -shift;
    q.mask = (int32_t)((1u << q.right) - 1u);
    return q;
}

LM_INLINE int32_t lm_eltwise_requantize(int32_t x, const lm_eltwise_rq *q)
{
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << q->left) * q->mult;
    const int32_t high = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    const int32_t threshold = (q->mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> q->right) + ((high & q->mask) > threshold ? 1 : 0);
}

/* Each row kernel is written once as an always-inline span over constant strides and
 * instantiated for the three stride pairs a row can have (an inner loop both inputs
 * broadcast along does not exist): both contiguous, or one input fixed along the row. */
#define LM_ELTWISE_ROW(name, span)                                                        \
    static void name(const lm_eltwise_params *p, const int8_t *a, int32_t sa,             \
                     const int8_t *b, int32_t sb, int8_t *out, int32_t n)                 \
    {                                                                                     \
        if (sa == sb) {                                                                   \
            span(p, a, 1, b, 1, out, n);                                                  \
        } else if (sb == 0) {                                                             \
            span(p, a, 1, b, 0, out, n);                                                  \
        } else {                                                                          \
            span(p, a, 0, b, 1, out, n);                                                  \
        }                                                                                 \
    }

LM_INLINE void lm_sub_span(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                           const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset, left_shift = p->left_shift;
    const lm_eltwise_rq q1 = lm_eltwise_rq_make(p->in1_mult, p->in1_shift);
    const lm_eltwise_rq q2 = lm_eltwise_rq_make(p->in2_mult, p->in2_shift);
    const lm_eltwise_rq qo = lm_eltwise_rq_make(p->out_mult, p->out_shift);
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v1 = (int32_t)((uint32_t)(a[i * sa] + off1) << left_shift);
        const int32_t v2 = (int32_t)((uint32_t)(b[i * sb] + off2) << left_shift);
        const int32_t x1 = lm_eltwise_requantize(v1, &q1);
        const int32_t x2 = lm_eltwise_requantize(v2, &q2);
        const int32_t diff = (int32_t)((uint32_t)x1 - (uint32_t)x2);
        out[i] = lm_clamp_s8(lm_eltwise_requantize(diff, &qo) + zp, lo, hi);
    }
}

LM_INLINE void lm_mul_span(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                           const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset;
    const lm_eltwise_rq qo = lm_eltwise_rq_make(p->out_mult, p->out_shift);
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t prod = (a[i * sa] + off1) * (b[i * sb] + off2);
        out[i] = lm_clamp_s8(lm_eltwise_requantize(prod, &qo) + zp, lo, hi);
    }
}

LM_INLINE void lm_max_span(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                           const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    int32_t i;
    (void)p;
    for (i = 0; i < n; ++i) {
        out[i] = LM_MAX(a[i * sa], b[i * sb]);
    }
}

LM_INLINE void lm_min_span(const lm_eltwise_params *p, const int8_t *a, int32_t sa,
                           const int8_t *b, int32_t sb, int8_t *out, int32_t n)
{
    int32_t i;
    (void)p;
    for (i = 0; i < n; ++i) {
        out[i] = LM_MIN(a[i * sa], b[i * sb]);
    }
}

LM_ELTWISE_ROW(lm_sub_row, lm_sub_span)
LM_ELTWISE_ROW(lm_mul_row, lm_mul_span)
LM_ELTWISE_ROW(lm_max_row, lm_max_span)
LM_ELTWISE_ROW(lm_min_row, lm_min_span)

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
