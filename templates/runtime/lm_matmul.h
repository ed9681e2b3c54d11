/* litemicro runtime: BATCH_MATMUL, int8. */
#ifndef LM_MATMUL_H
#define LM_MATMUL_H

#include <stdint.h>

typedef struct {
    int32_t batches, rows, cols, depth;            /* batches x [rows x depth] x [depth x cols] */
    int32_t lhs_row_stride, lhs_depth_stride;      /* element strides: they express adj_x */
    int32_t rhs_col_stride, rhs_depth_stride;      /* and adj_y */
    int32_t lhs_offset, rhs_offset;                /* minus the zero points */
    int32_t out_mult, out_shift, out_zp;
} lm_matmul_params;

/* out: batches x [rows x cols], row-major; output matrix b reads lhs + lhs_batch[b] and
 * rhs + rhs_batch[b] (broadcast batch dimensions repeat an offset). */
void lm_batch_matmul_s8(const lm_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                        const int32_t *lhs_batch, const int32_t *rhs_batch, int8_t *out);

#endif /* LM_MATMUL_H */
