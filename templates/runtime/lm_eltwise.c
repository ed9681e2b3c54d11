/* litemicro runtime: int8 ADD, SUB, MUL, MAXIMUM, MINIMUM with broadcasting. */
#include <stddef.h>

#include "lm_common.h"
#include "lm_eltwise.h"

#if defined(__GNUC__) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LM_RESTRICT __restrict
#else
#define LM_RESTRICT
#endif

/* One row: n outputs; a and b advance by (steps & 1) and (steps >> 1) per element. table: the
 * rescaled inputs of the table variants of ADD/SUB, NULL otherwise. */
typedef void (*lm_eltwise_row)(const lm_eltwise_params *p, const int8_t *a, const int8_t *b, int32_t steps,
                               const int32_t *table, int8_t *out, int32_t n);

static void lm_eltwise_run(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,
                           const int32_t *table, int8_t *out, lm_eltwise_row row)
{
    int32_t idx[LM_ELTWISE_MAX_DIMS - 1] = {0};
    const int32_t steps = p->in1_inner | (p->in2_inner << 1);
    int32_t off1 = 0, off2 = 0;
    int32_t r;
    for (r = 0; r < p->rows; ++r) {
        row(p, in1 + off1, in2 + off2, steps, table, out, p->inner);
        out += p->inner;
        LM_BROADCAST_NEXT(p, idx, off1, off2);
    }
}

/* MultiplyByQuantizedMultiplier (as lm_requantize) with its shift split once per row into
 * left, right and the rounding mask (1 << right) - 1: the one requantization of this family.
 * With the multiplier non-negative the doubling high multiply never saturates, and its
 * rounding is (a * b + 2^30) >> 31. */
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
 * broadcast along does not exist): both contiguous, or one input fixed along the row.
 * Spans read every parameter into a local first: the int8 stores cannot then make the
 * compiler reload them (the output may be one of the inputs, so those are not restrict). */
#define LM_ELTWISE_ROW(name, span, ...)                                                           \
    static void name(const lm_eltwise_params *p, const int8_t *a, const int8_t *b, int32_t steps,  \
                     const int32_t *table, int8_t *out, int32_t n)                                \
    {                                                                                            \
        if (steps == 3) {                                                                        \
            span(p, a, 1, b, 1, table, out, n, __VA_ARGS__);                                     \
        } else if (steps == 1) {                                                                 \
            span(p, a, 1, b, 0, table, out, n, __VA_ARGS__);                                     \
        } else {                                                                                 \
            span(p, a, 0, b, 1, table, out, n, __VA_ARGS__);                                     \
        }                                                                                        \
    }

/* ADD and SUB: both inputs rescaled (computed, or read from the table), added or subtracted,
 * the sum requantized. `negate` and `tabled` are constants at every call. */
LM_INLINE void lm_addsub_span(const lm_eltwise_params *LM_RESTRICT p, const int8_t *a, int32_t sa, const int8_t *b,
                              int32_t sb, const int32_t *LM_RESTRICT table, int8_t *out, int32_t n,
                              const int negate, const int tabled)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset, left_shift = p->left_shift;
    const lm_eltwise_rq q1 = lm_eltwise_rq_make(p->in1_mult, p->in1_shift);
    const lm_eltwise_rq q2 = lm_eltwise_rq_make(p->in2_mult, p->in2_shift);
    const lm_eltwise_rq qo = lm_eltwise_rq_make(p->out_mult, p->out_shift);
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int32_t *LM_RESTRICT t1 = tabled ? table + 128 : NULL;        /* indexed by x, -128 .. 127 */
    const int32_t *LM_RESTRICT t2 = tabled ? table + 256 + 128 : NULL;
    int32_t i;
    for (i = 0; i < n; ++i) {
        int32_t x1, x2;
        if (tabled) {
            x1 = t1[a[i * sa]];
            x2 = t2[b[i * sb]];
        } else {
            x1 = lm_eltwise_requantize((int32_t)((uint32_t)(a[i * sa] + off1) << left_shift), &q1);
            x2 = lm_eltwise_requantize((int32_t)((uint32_t)(b[i * sb] + off2) << left_shift), &q2);
        }
        x1 = (int32_t)(negate ? (uint32_t)x1 - (uint32_t)x2 : (uint32_t)x1 + (uint32_t)x2);
        out[i] = lm_clamp_s8(lm_eltwise_requantize(x1, &qo) + zp, lo, hi);
    }
}

LM_INLINE void lm_mul_span(const lm_eltwise_params *LM_RESTRICT p, const int8_t *a, int32_t sa, const int8_t *b,
                           int32_t sb, const int32_t *table, int8_t *out, int32_t n, const int unused)
{
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset;
    const lm_eltwise_rq qo = lm_eltwise_rq_make(p->out_mult, p->out_shift);
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    int32_t i;
    (void)table;
    (void)unused;
    for (i = 0; i < n; ++i) {
        const int32_t prod = (a[i * sa] + off1) * (b[i * sb] + off2);
        out[i] = lm_clamp_s8(lm_eltwise_requantize(prod, &qo) + zp, lo, hi);
    }
}

/* MAXIMUM (is_max) and MINIMUM of the raw values. */
LM_INLINE void lm_minmax_span(const lm_eltwise_params *p, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
                              const int32_t *table, int8_t *out, int32_t n, const int is_max)
{
    int32_t i;
    (void)p;
    (void)table;
    for (i = 0; i < n; ++i) {
        out[i] = is_max ? LM_MAX(a[i * sa], b[i * sb]) : LM_MIN(a[i * sa], b[i * sb]);
    }
}

LM_ELTWISE_ROW(lm_add_row, lm_addsub_span, 0, 0)
LM_ELTWISE_ROW(lm_sub_row, lm_addsub_span, 1, 0)
LM_ELTWISE_ROW(lm_add_table_row, lm_addsub_span, 0, 1)
LM_ELTWISE_ROW(lm_sub_table_row, lm_addsub_span, 1, 1)
LM_ELTWISE_ROW(lm_mul_row, lm_mul_span, 0)
LM_ELTWISE_ROW(lm_max_row, lm_minmax_span, 1)
LM_ELTWISE_ROW(lm_min_row, lm_minmax_span, 0)

void lm_add_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, NULL, out, lm_add_row);
}

void lm_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, NULL, out, lm_sub_row);
}

void lm_add_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                     int8_t *out)
{
    lm_eltwise_run(p, in1, in2, table, out, lm_add_table_row);
}

void lm_sub_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                     int8_t *out)
{
    lm_eltwise_run(p, in1, in2, table, out, lm_sub_table_row);
}

void lm_mul_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, NULL, out, lm_mul_row);
}

void lm_max_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, NULL, out, lm_max_row);
}

void lm_min_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_eltwise_run(p, in1, in2, NULL, out, lm_min_row);
}

/* ADD and SUB with the rescaled inputs from the table and the output requantization as
 * lm_requantize_rq's triple (table[512..514]: multiplier, hi_add with the output zero point,
 * shift_hi): one multiply-accumulate per element. `negate` and `full` (the clamp range is
 * [-128, 127]) are constants at every call. */
LM_INLINE void lm_addsub_rq_span(const lm_eltwise_params *LM_RESTRICT p, const int8_t *a, int32_t sa,
                                 const int8_t *b, int32_t sb, const int32_t *LM_RESTRICT table, int8_t *out,
                                 int32_t n, const int negate, const int full)
{
    const int32_t *LM_RESTRICT t1 = table + 128;        /* indexed by x, -128 .. 127 */
    const int32_t *LM_RESTRICT t2 = table + 256 + 128;
    const int32_t m = table[512], h = table[513], s = table[514];
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t i;
    (void)full;  /* only the DSP path clamps differently */
#if defined(__GNUC__)
    /* keep the two table bases in registers: folded into the table address, the compiler
     * spends a multiply-accumulate per load on the index */
    __asm__("" : "+r"(t1), "+r"(t2));
#endif
    for (i = 0; i < n; ++i) {
        const uint32_t x1 = (uint32_t)t1[a[i * sa]], x2 = (uint32_t)t2[b[i * sb]];
        const int32_t x = (int32_t)(negate ? x1 - x2 : x1 + x2);
        LM_REQUANTIZE_STORE(x, m, h, s, 0, 0, full, lo, hi, out);
    }
}

LM_ELTWISE_ROW(lm_add_rq_row, lm_addsub_rq_span, 0, 0)
LM_ELTWISE_ROW(lm_add_rq_full_row, lm_addsub_rq_span, 0, 1)
LM_ELTWISE_ROW(lm_sub_rq_row, lm_addsub_rq_span, 1, 0)
LM_ELTWISE_ROW(lm_sub_rq_full_row, lm_addsub_rq_span, 1, 1)

void lm_add_table_rq_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                        int8_t *out)
{
    const int full = p->act_min == -128 && p->act_max == 127;
    lm_eltwise_run(p, in1, in2, table, out, full ? lm_add_rq_full_row : lm_add_rq_row);
}

void lm_sub_table_rq_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                        int8_t *out)
{
    const int full = p->act_min == -128 && p->act_max == 127;
    lm_eltwise_run(p, in1, in2, table, out, full ? lm_sub_rq_full_row : lm_sub_rq_row);
}
