/* litemicro runtime: int8 L2_NORMALIZATION and LOG_SOFTMAX along the last axis,
 * bit-exact with TFLM's reference kernels (gemmlowp fixed point).
 *
 * Both walk `rows` rows of `depth` elements. L2 normalization divides each row by the
 * integer inverse square root of its sum of squares (output scale 1/128, zero point 0).
 * LOG_SOFTMAX takes from two tables the compiler filled, indexed by max - x (0 .. 255):
 * exp(x - max) in Q12.19 (0 where TFLM skips the term) and x - max in Q5.26.
 */
#ifndef LM_NORM_H
#define LM_NORM_H

#include <stdint.h>

typedef struct {
    int32_t rows, depth;
    int32_t input_zp;
} lm_l2norm_params;

typedef struct {
    int32_t rows, depth;
    int32_t diff_min;                  /* below it an input contributes nothing */
    int32_t reverse_mult, reverse_shift;
} lm_log_softmax_params;

void lm_l2norm_s8(const lm_l2norm_params *p, const int8_t *in, int8_t *out);
void lm_log_softmax_s8(const lm_log_softmax_params *p, const int32_t *exp_q12,
                       const int32_t *diff_q5, const int8_t *in, int8_t *out);

#endif /* LM_NORM_H */
