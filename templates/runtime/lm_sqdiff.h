/* litemicro runtime: int8 and int16 SQUARED_DIFFERENCE with broadcasting, bit-exact with TFLM.
 *
 * Each input is offset, shifted left (7 for int8, 0 for int16) and scaled to half the larger
 * input scale; the
 * difference is squared and requantized to the output. The loop nest is the element-wise
 * one (lm_eltwise.h): `rows` rows of `inner` outputs, inputs stepping in1_inner / in2_inner
 * along a row and by in1_strides / in2_strides under an odometer of `outer_dims` loops.
 */
#ifndef LM_SQDIFF_H
#define LM_SQDIFF_H

#include <stdint.h>

#define LM_SQDIFF_MAX_DIMS 6

typedef struct {
    int32_t in1_offset, in2_offset;    /* minus the zero points */
    int32_t left_shift;
    int32_t in1_mult, in1_shift;       /* input scale / (2 * larger input scale) */
    int32_t in2_mult, in2_shift;
    int32_t out_mult, out_shift;       /* (2 * larger scale)^2 / (2^(2 left_shift) * output scale) */
    int32_t out_zp;
    int32_t rows, inner, in1_inner, in2_inner, outer_dims;
    int32_t outer_shape[LM_SQDIFF_MAX_DIMS - 1];
    int32_t in1_strides[LM_SQDIFF_MAX_DIMS - 1];
    int32_t in2_strides[LM_SQDIFF_MAX_DIMS - 1];
} lm_sqdiff_params;

void lm_sqdiff_s8(const lm_sqdiff_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void lm_sqdiff_s16(const lm_sqdiff_params *p, const void *in1, const void *in2, void *out);

#endif /* LM_SQDIFF_H */
