/* litemicro runtime: int8 element-wise binary ops (ADD, SUB, MUL, MAXIMUM, MINIMUM) with
 * broadcasting, bit-exact with TFLM's reference kernels.
 *
 * Broadcasting is a loop nest computed by the compiler: the output is `rows` rows of
 * `inner` elements; along a row input k steps by ink_inner (1, or 0 when broadcast); between
 * rows an odometer over `outer_dims` loops (extents outer_shape, outermost first) moves each
 * input by its ink_strides (0 along broadcast loops). No broadcasting: one row.
 */
#ifndef LM_ELTWISE_H
#define LM_ELTWISE_H

#include <stdint.h>

#define LM_ELTWISE_MAX_DIMS 6

typedef struct {
    /* arithmetic (unused fields are 0) */
    int32_t in1_offset, in2_offset;    /* minus the input zero points */
    int32_t left_shift;                /* ADD/SUB: headroom shift before rescaling the inputs */
    int32_t in1_mult, in1_shift, in2_mult, in2_shift;
    int32_t out_mult, out_shift, out_zp, act_min, act_max;
    /* loop nest */
    int32_t rows, inner, in1_inner, in2_inner, outer_dims;
    int32_t outer_shape[LM_ELTWISE_MAX_DIMS - 1];
    int32_t in1_strides[LM_ELTWISE_MAX_DIMS - 1];
    int32_t in2_strides[LM_ELTWISE_MAX_DIMS - 1];
} lm_eltwise_params;

/* out = in1 + in2 / in1 - in2, TFLM's int8 rescaling path: each input shifted left by 20 and
 * rescaled to a common scale, added (subtracted), the result requantized. */
void lm_add_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void lm_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

/* The same with the rescaled inputs read from table: table[x + 128] is input 1's rescaled value
 * of x, table[256 + x + 128] input 2's (computed by the compiler; for large tensors). */
void lm_add_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                     int8_t *out);
void lm_sub_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                     int8_t *out);

/* The same with table[512..514] the output requantization as a (multiplier, hi_add, shift_hi)
 * triple of lm_requantize_rq, output zero point folded in (DSP cores, where it applies). */
void lm_add_table_rq_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                        int8_t *out);
void lm_sub_table_rq_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                        int8_t *out);

/* out = requantize((in1 - zp1) * (in2 - zp2)). */
void lm_mul_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

/* out = max / min of the raw int8 values (TFLM ignores the quantization of these ops). */
void lm_max_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void lm_min_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* LM_ELTWISE_H */
