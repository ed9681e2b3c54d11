/* litemicro runtime: BATCH_MATMUL, int8, both operands with their zero points. */
#include "lm_common.h"
#include "lm_matmul.h"

void lm_batch_matmul_s8(const lm_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                        const int32_t *lhs_batch, const int32_t *rhs_batch, int8_t *out)
{
    int32_t b, i, j, k;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *a = lhs + lhs_batch[b];
        const int8_t *m = rhs + rhs_batch[b];
        for (i = 0; i < p->rows; ++i) {
            const int8_t *row = a + i * p->lhs_row_stride;
            for (j = 0; j < p->cols; ++j) {
                const int8_t *col = m + j * p->rhs_col_stride;
                int32_t acc = 0;
                for (k = 0; k < p->depth; ++k) {
                    acc = lm_wrap_add(acc, (row[k * p->lhs_depth_stride] + p->lhs_offset) *
                                               (col[k * p->rhs_depth_stride] + p->rhs_offset));
                }
                *out++ = lm_clamp_s8(lm_requantize(acc, p->out_mult, p->out_shift) + p->out_zp, -128, 127);
            }
        }
    }
}
