/* litemicro runtime: ADD, int8, TFLM's general rescaling path, with broadcasting. */
#include "lm_common.h"
#include "lm_kernels.h"

LM_INLINE int8_t lm_add_one(const lm_add_params *p, int32_t a, int32_t b)
{
    const int32_t x1 = (int32_t)((uint32_t)(a + p->in1_offset) << p->left_shift);
    const int32_t x2 = (int32_t)((uint32_t)(b + p->in2_offset) << p->left_shift);
    const int32_t s1 = lm_requantize(x1, p->in1_mult, p->in1_shift);
    const int32_t s2 = lm_requantize(x2, p->in2_mult, p->in2_shift);
    const int32_t sum = lm_requantize(s1 + s2, p->out_mult, p->out_shift) + p->out_zp;
    return lm_clamp_s8(sum, p->act_min, p->act_max);
}

void lm_add_s8(const lm_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, d;
    int32_t idx[LM_MAX_DIMS] = {0};
    int32_t off1 = 0, off2 = 0;
    if (p->dims == 0) {
        for (i = 0; i < p->size; ++i) {
            out[i] = lm_add_one(p, in1[i], in2[i]);
        }
        return;
    }
    for (i = 0; i < p->size; ++i) {
        out[i] = lm_add_one(p, in1[off1], in2[off2]);
        for (d = p->dims - 1; d >= 0; --d) {
            off1 += p->in1_strides[d];
            off2 += p->in2_strides[d];
            if (++idx[d] < p->out_shape[d]) {
                break;
            }
            off1 -= p->in1_strides[d] * p->out_shape[d];
            off2 -= p->in2_strides[d] * p->out_shape[d];
            idx[d] = 0;
        }
    }
}
