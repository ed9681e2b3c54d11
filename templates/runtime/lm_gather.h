/* litemicro runtime: GATHER with indices known only at run time (an int32 model input or
 * activation), bytes moved as they are.
 *
 * params is [outer][axis_size][inner_bytes]; for every outer slice and every index k < count,
 * output slice k is params slice idx[k]. An index outside [0, axis_size), where TFLM stops
 * the invoke with an error, gives a slice of zero bytes.
 */
#ifndef LM_GATHER_H
#define LM_GATHER_H

#include <stdint.h>

typedef struct {
    int32_t outer, axis_size, inner_bytes, count;
} lm_gather_params;

void lm_gather(const lm_gather_params *p, const void *params, const void *indices, void *out);

/* GATHER_ND with run-time indices: `count` index tuples of `depth` int32 values; tuple k
 * selects the slice of `slice_bytes` at byte offset sum(tuple[d] * strides[d]) of params.
 * A tuple with a value outside [0, dims[d]) gives a slice of zero bytes. */
typedef struct {
    int32_t count, depth, slice_bytes;
} lm_gather_nd_params;

void lm_gather_nd(const lm_gather_nd_params *p, const int32_t *dims, const int32_t *strides,
                  const void *params, const void *indices, void *out);

#endif /* LM_GATHER_H */
