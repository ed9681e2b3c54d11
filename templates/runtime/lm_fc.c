/* litemicro runtime: FULLY_CONNECTED, int8, portable C. */
#include "lm_common.h"
#include "lm_kernels.h"

void lm_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
              const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth;
    int32_t b, o, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * in_depth;
        for (o = 0; o < out_depth; ++o) {
            const int8_t *w_o = w + o * in_depth;
            const int32_t c = p->per_channel ? o : 0;
            int32_t acc = bias[o];
            for (i = 0; i < in_depth; ++i) {
                acc += (int32_t)w_o[i] * (int32_t)x[i];
            }
            acc = lm_requantize(acc, mult[c], shift[c]) + p->out_zp;
            *out++ = lm_clamp_s8(acc, p->act_min, p->act_max);
        }
    }
}
