/* litemicro runtime: BATCH_MATMUL, int16. */
#include "lm_common.h"
#include "lm_s16_matmul.h"

void lm_batch_matmul_s16(const lm_matmul_params *p, const void *lhs, const void *rhs,
                         const int32_t *lhs_batch, const int32_t *rhs_batch, void *out)
{
    const int16_t *l = (const int16_t *)lhs, *r = (const int16_t *)rhs;
    int16_t *y = (int16_t *)out;
    const int32_t s = p->out_shift;
    int32_t b, i, j, k;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *a = l + lhs_batch[b];
        const int16_t *m = r + rhs_batch[b];
        for (i = 0; i < p->rows; ++i) {
            const int16_t *row = a + i * p->lhs_row_stride;
            for (j = 0; j < p->cols; ++j) {
                const int16_t *col = m + j * p->rhs_col_stride;
                int64_t acc = 0;
                int32_t v;
                for (k = 0; k < p->depth; ++k) {
                    acc += (int32_t)row[k * p->lhs_depth_stride] * (int32_t)col[k * p->rhs_depth_stride];
                }
                /* (acc * m + 2^(s - 1)) >> s, wrapping as TFLM's int64 product does */
                v = (int32_t)(uint32_t)((uint64_t)((int64_t)((uint64_t)acc * (uint64_t)(int64_t)p->out_mult +
                                                             ((uint64_t)1 << (s - 1))) >> s));
                *y++ = (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
            }
        }
    }
}
