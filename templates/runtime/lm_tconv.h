/* litemicro runtime: TRANSPOSE_CONV, int8 (NHWC). */
#ifndef LM_TCONV_H
#define LM_TCONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
    int32_t out_zp, act_min, act_max;
} lm_tconv_params;

/* in: [b, in_h, in_w, in_c], w: [out_c, k_h, k_w, in_c], bias: [out_c],
 * taps: [k_h][k_w][out_c] input zero-point terms (-in_zp * sum of the tap's weights),
 * out: [b, out_h, out_w, out_c]. Input pixel (iy, ix) reaches output row
 * iy * stride_h - pad_top + ky (likewise for columns). */
void lm_tconv_s8(const lm_tconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                 const int32_t *taps, const int32_t *mult, const int32_t *shift, int8_t *out);

#endif /* LM_TCONV_H */
