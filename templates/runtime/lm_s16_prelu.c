/* litemicro runtime: int16 PRELU, int8 alpha. */
#include "lm_common.h"
#include "lm_s16_prelu.h"

/* One row of n outputs; the input and alpha advance by sx and sa per element. */
static void lm_prelu_row_s16(const lm_prelu_params *p, const int16_t *x, int32_t sx,
                             const int8_t *a, int32_t sa, int16_t *out, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = x[i * sx] + p->in_offset;
        const int32_t r = v >= 0 ? lm_requantize(v, p->pos_mult, p->pos_shift)
                                 : lm_requantize(v * (a[i * sa] + p->alpha_offset), p->neg_mult, p->neg_shift);
        const int32_t o = r + p->out_zp;
        out[i] = (int16_t)(o < -32768 ? -32768 : (o > 32767 ? 32767 : o));
    }
}

void lm_prelu_s16(const lm_prelu_params *p, const void *in, const int8_t *alpha, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *y = (int16_t *)out;
    int32_t idx[LM_PRELU_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0, r;
    for (r = 0; r < p->rows; ++r) {
        lm_prelu_row_s16(p, x + off1, p->in1_inner, alpha + off2, p->in2_inner, y, p->inner);
        y += p->inner;
        LM_BROADCAST_NEXT(p, idx, off1, off2);
    }
}
