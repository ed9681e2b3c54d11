/* litemicro runtime: GATHER with run-time indices. */
#include <string.h>

#include "lm_gather.h"

void lm_gather(const lm_gather_params *p, const void *params, const void *indices, void *out)
{
    const int8_t *src = (const int8_t *)params;
    const int32_t *idx = (const int32_t *)indices;
    int8_t *dst = (int8_t *)out;
    const size_t row = (size_t)p->inner_bytes;
    int32_t o, k;
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->count; ++k) {
            const int32_t i = idx[k];
            if (i >= 0 && i < p->axis_size) {
                memcpy(dst, src + (size_t)i * row, row);
            } else {
                memset(dst, 0, row);
            }
            dst += row;
        }
        src += (size_t)p->axis_size * row;
    }
}

void lm_gather_nd(const lm_gather_nd_params *p, const int32_t *dims, const int32_t *strides,
                  const void *params, const void *indices, void *out)
{
    const int8_t *src = (const int8_t *)params;
    const int32_t *idx = (const int32_t *)indices;
    int8_t *dst = (int8_t *)out;
    const size_t slice = (size_t)p->slice_bytes;
    int32_t k, d;
    for (k = 0; k < p->count; ++k, idx += p->depth, dst += slice) {
        int32_t offset = 0, inside = 1;
        for (d = 0; d < p->depth && inside; ++d) {
            inside = idx[d] >= 0 && idx[d] < dims[d];
            offset += inside ? idx[d] * strides[d] : 0;
        }
        if (inside) {
            memcpy(dst, src + offset, slice);
        } else {
            memset(dst, 0, slice);
        }
    }
}
