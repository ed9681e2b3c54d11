/* litemicro runtime: BATCH_MATMUL with int16 operands and output (TFLM's BatchMatMul<int16_t,
 * int64_t>): 64-bit sums; out_mult is the reduced 16-bit multiplier and out_shift the right
 * shift 15 - shift of TFLM's 64-bit requantization; zero points 0. */
#ifndef LM_S16_MATMUL_H
#define LM_S16_MATMUL_H

#include <stdint.h>

#include "lm_matmul.h"

void lm_batch_matmul_s16(const lm_matmul_params *p, const void *lhs, const void *rhs,
                         const int32_t *lhs_batch, const int32_t *rhs_batch, void *out);

#endif /* LM_S16_MATMUL_H */
