/* litemicro runtime: FULLY_CONNECTED, int8: two output units per pass over the input. */
#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

void lm_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
              const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * in_depth;
        for (o = 0; o < out_depth; ++o) {
            const int32_t c = p->per_channel ? o : 0;
            int32_t acc[2];
            acc[0] = bias[o];
            if (o + 1 < out_depth) {
                const int32_t c1 = p->per_channel ? o + 1 : 0;
                acc[1] = bias[o + 1];
                lm_dot2_s8(w + o * in_depth, w + (o + 1) * in_depth, x, in_depth, acc);
                out[1] = lm_clamp_s8(lm_requantize(acc[1], mult[c1], shift[c1]) + p->out_zp,
                                     p->act_min, p->act_max);
            } else {
                acc[0] += lm_dot_s8(w + o * in_depth, x, in_depth);
            }
            out[0] = lm_clamp_s8(lm_requantize(acc[0], mult[c], shift[c]) + p->out_zp, p->act_min, p->act_max);
            if (o + 1 < out_depth) {
                ++o;
                ++out;
            }
            ++out;
        }
    }
}
