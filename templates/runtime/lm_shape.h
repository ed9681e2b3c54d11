/* litemicro runtime: data movement (CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, PAD, PADV2,
 * TRANSPOSE, STRIDED_SLICE, QUANTIZE int8 -> int8) and RESIZE_NEAREST_NEIGHBOR.
 *
 * Every data-movement op is a list of strided block copies computed by the compiler. A block
 * table is a sequence of int32 words; each block is
 *
 *     mode, rank, src_offset, dst_offset, run,     header (offsets and run in bytes)
 *     mode extras                                  LM_BLOCK_FILL: 1 word, the fill byte
 *                                                  LM_BLOCK_REQUANT: in_zp, mult, shift, out_zp
 *     rank x (extent, src_stride, dst_stride)      outermost first, strides in bytes (may be < 0)
 *
 * and moves `run` contiguous bytes for every index of the `rank` outer loops: copies them,
 * fills them with a byte, or requantizes them as int8 (TFLM's Requantize arithmetic).
 */
#ifndef LM_SHAPE_H
#define LM_SHAPE_H

#include <stdint.h>

#define LM_BLOCK_COPY 0
#define LM_BLOCK_FILL 1
#define LM_BLOCK_REQUANT 2
#define LM_BLOCK_MAX_RANK 6

/* Run `blocks` blocks of `table`. The variadic arguments are two pointers per block, in
 * table order: the source (`const int8_t *`; ignored by a fill block) and the destination
 * (`int8_t *`). */
void lm_copy_blocks(const int32_t *table, int32_t blocks, ...);

typedef struct {
    int32_t batches, out_h, out_w;
    int32_t pixel_bytes;       /* channels * element size */
    int32_t batch_bytes;       /* input bytes per batch */
} lm_resize_params;

/* RESIZE_NEAREST_NEIGHBOR, NHWC. rows[y]: byte offset of the input row read for output row y;
 * cols[x]: byte offset of the input pixel read for output column x (both within a batch). */
void lm_resize_nearest(const lm_resize_params *p, const int32_t *rows, const int32_t *cols,
                       const int8_t *in, int8_t *out);

#endif /* LM_SHAPE_H */
