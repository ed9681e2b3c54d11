/* litemicro runtime: int8 PRELU with alpha broadcast, bit-exact with TFLM's reference kernel.
 *
 * The loop nest is the element-wise one (lm_eltwise.h): `rows` rows of `inner` outputs; along
 * a row the input and alpha step by in1_inner and in2_inner (1, or 0 when broadcast), between
 * rows an odometer over `outer_dims` loops moves them by in1_strides and in2_strides.
 */
#ifndef LM_PRELU_H
#define LM_PRELU_H

#include <stdint.h>

#define LM_PRELU_MAX_DIMS 6

typedef struct {
    int32_t in_offset, alpha_offset;   /* minus the zero points */
    int32_t pos_mult, pos_shift;       /* x >= zero point: in_scale / out_scale */
    int32_t neg_mult, neg_shift;       /* below: in_scale * alpha_scale / out_scale */
    int32_t out_zp;
    int32_t rows, inner, in1_inner, in2_inner, outer_dims;
    int32_t outer_shape[LM_PRELU_MAX_DIMS - 1];
    int32_t in1_strides[LM_PRELU_MAX_DIMS - 1];
    int32_t in2_strides[LM_PRELU_MAX_DIMS - 1];
} lm_prelu_params;

void lm_prelu_s8(const lm_prelu_params *p, const int8_t *in, const int8_t *alpha, int8_t *out);

#endif /* LM_PRELU_H */
