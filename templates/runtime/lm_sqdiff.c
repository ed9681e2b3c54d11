/* litemicro runtime: int8 and int16 SQUARED_DIFFERENCE. */
#include "lm_common.h"
#include "lm_sqdiff.h"

typedef void (*lm_sqdiff_row_fn)(const lm_sqdiff_params *p, const void *a, int32_t s1,
                                 const void *b, int32_t s2, void *out, int32_t n);

/* One difference squared and requantized (before the output zero point and the clamp). */
LM_INLINE int32_t lm_sqdiff_one(const lm_sqdiff_params *p, int32_t x1, int32_t x2)
{
    const int32_t v1 = lm_requantize((x1 + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift);
    const int32_t v2 = lm_requantize((x2 + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift);
    const int32_t d = v1 - v2;
    return lm_requantize(d * d, p->out_mult, p->out_shift) + p->out_zp;
}

/* One row of n outputs; the inputs advance by s1 and s2 elements per output. */
static void lm_sqdiff_row_s8(const lm_sqdiff_params *p, const void *a, int32_t s1,
                             const void *b, int32_t s2, void *out, int32_t n)
{
    const int8_t *x = (const int8_t *)a, *y = (const int8_t *)b;
    int8_t *o = (int8_t *)out;
    int32_t i;
    for (i = 0; i < n; ++i) {
        o[i] = lm_clamp_s8(lm_sqdiff_one(p, x[i * s1], y[i * s2]), -128, 127);
    }
}

static void lm_sqdiff_row_s16(const lm_sqdiff_params *p, const void *a, int32_t s1,
                              const void *b, int32_t s2, void *out, int32_t n)
{
    const int16_t *x = (const int16_t *)a, *y = (const int16_t *)b;
    int16_t *o = (int16_t *)out;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = lm_sqdiff_one(p, x[i * s1], y[i * s2]);
        o[i] = (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
    }
}

/* The broadcast walk: rows of `inner` outputs under an odometer; offsets in elements of
 * `esize` bytes. */
static void lm_sqdiff_walk(const lm_sqdiff_params *p, const int8_t *in1, const int8_t *in2, int8_t *out,
                           int32_t esize, lm_sqdiff_row_fn row)
{
    int32_t idx[LM_SQDIFF_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0, r;
    for (r = 0; r < p->rows; ++r) {
        row(p, in1 + off1 * esize, p->in1_inner, in2 + off2 * esize, p->in2_inner, out, p->inner);
        out += p->inner * esize;
        LM_BROADCAST_NEXT(p, idx, off1, off2);
    }
}

void lm_sqdiff_s8(const lm_sqdiff_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_sqdiff_walk(p, in1, in2, out, 1, lm_sqdiff_row_s8);
}

void lm_sqdiff_s16(const lm_sqdiff_params *p, const void *in1, const void *in2, void *out)
{
    lm_sqdiff_walk(p, (const int8_t *)in1, (const int8_t *)in2, (int8_t *)out, 2, lm_sqdiff_row_s16);
}
