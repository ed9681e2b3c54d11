/* litemicro runtime: int8 PRELU. */
#include "lm_common.h"
#include "lm_prelu.h"

/* One row of n outputs; the input and alpha advance by sx and sa per element. */
static void lm_prelu_row(const lm_prelu_params *p, const int8_t *x, int32_t sx,
                         const int8_t *a, int32_t sa, int8_t *out, int32_t n)
{
    const int32_t in_offset = p->in_offset, alpha_offset = p->alpha_offset, zp = p->out_zp;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = x[i * sx] + in_offset;
        const int32_t r = v >= 0 ? lm_requantize(v, p->pos_mult, p->pos_shift)
                                 : lm_requantize(v * (a[i * sa] + alpha_offset), p->neg_mult, p->neg_shift);
        out[i] = lm_clamp_s8(r + zp, -128, 127);
    }
}

void lm_prelu_s8(const lm_prelu_params *p, const int8_t *in, const int8_t *alpha, int8_t *out)
{
    int32_t idx[LM_PRELU_MAX_DIMS - 1] = {0};
    int32_t off1 = 0, off2 = 0, r;
    for (r = 0; r < p->rows; ++r) {
        lm_prelu_row(p, in + off1, p->in1_inner, alpha + off2, p->in2_inner, out, p->inner);
        out += p->inner;
        LM_BROADCAST_NEXT(p, idx, off1, off2);
    }
}
