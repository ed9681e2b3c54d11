/* litemicro runtime: int8 SQUARED_DIFFERENCE. */
#include "lm_common.h"
#include "lm_sqdiff.h"

#define LM_SQDIFF_LEFT_SHIFT 7

/* One row of n outputs; the inputs advance by s1 and s2 per element. */
static void lm_sqdiff_row(const lm_sqdiff_params *p, const int8_t *a, int32_t s1,
                          const int8_t *b, int32_t s2, int8_t *out, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v1 = lm_requantize((a[i * s1] + p->in1_offset) * (1 << LM_SQDIFF_LEFT_SHIFT),
                                         p->in1_mult, p->in1_shift);
        const int32_t v2 = lm_requantize((b[i * s2] + p->in2_offset) * (1 << LM_SQDIFF_LEFT_SHIFT),
                                         p->in2_mult, p->in2_shift);
        const int32_t d = v1 - v2;
        out[i] = lm_clamp_s8(lm_requantize(d * d, p->out_mult, p->out_shift) + p->out_zp, -128, 127);
    }
}

void lm_sqdiff_s8(const lm_sqdiff_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t idx[LM_SQDIFF_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0, r, d;
    for (r = 0; r < p->rows; ++r) {
        lm_sqdiff_row(p, in1 + off1, p->in1_inner, in2 + off2, p->in2_inner, out, p->inner);
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
