/* litemicro runtime: reductions and conversions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX,
 * QUANTIZE from float32, DEQUANTIZE to float32).
 *
 * Reductions see the input as two nested index spaces the compiler derives from the axes:
 * the kept dimensions (one output element each) and the reduced dimensions, each a list of
 * (extent, input stride in elements), outermost first.
 */
#ifndef LM_REDUCE_H
#define LM_REDUCE_H

#include <stdint.h>

#define LM_REDUCE_MAX_RANK 6

typedef struct {
    int32_t out_rank;
    int32_t out_extent[LM_REDUCE_MAX_RANK];
    int32_t out_stride[LM_REDUCE_MAX_RANK];
    int32_t red_rank;
    int32_t red_extent[LM_REDUCE_MAX_RANK];
    int32_t red_stride[LM_REDUCE_MAX_RANK];
    int32_t sum_offset;        /* -in_zp * number of reduced elements */
    int32_t mult, shift;       /* TFLM's multiplier with the 1/count folded in */
    int32_t out_zp;
} lm_mean_params;

/* MEAN and SUM int8: out = clamp(requantize(sum + sum_offset) + out_zp), TFLM's
 * QuantizedMeanOrSum (for SUM the multiplier has no 1/count in it). */
void lm_mean_s8(const lm_mean_params *p, const int8_t *in, int8_t *out);
void lm_mean_s16(const lm_mean_params *p, const void *in, void *out);     /* int16 (zero points 0) */

typedef struct {
    int32_t out_rank;
    int32_t out_extent[LM_REDUCE_MAX_RANK];
    int32_t out_stride[LM_REDUCE_MAX_RANK];
    int32_t red_rank;
    int32_t red_extent[LM_REDUCE_MAX_RANK];
    int32_t red_stride[LM_REDUCE_MAX_RANK];
    int32_t flip;              /* 0: maximum; -1: minimum, as ~max(~x) */
} lm_reduce_max_params;

/* REDUCE_MAX / REDUCE_MIN int8 (input and output share one quantization). */
void lm_reduce_max_s8(const lm_reduce_max_params *p, const int8_t *in, int8_t *out);

typedef struct {
    int32_t outer, axis_size, inner;
} lm_argmax_params;

/* ARG_MAX int8 -> int32 (the first index of the largest value). out: int32_t, 4-byte aligned. */
void lm_argmax_s8(const lm_argmax_params *p, const int8_t *in, void *out);

typedef struct {
    int32_t size;
    int32_t scale_bits;        /* the float32 scale, as its IEEE-754 bit pattern */
    int32_t zero_point;
} lm_convert_params;

/* QUANTIZE float32 -> int8: clamp(round_half_away(x / scale) + zero_point). in: float. */
void lm_quantize_f32_s8(const lm_convert_params *p, const void *in, int8_t *out);

/* DEQUANTIZE int8 -> float32: scale * (q - zero_point), rounded once to float. out: float. */
void lm_dequantize_s8_f32(const lm_convert_params *p, const int8_t *in, void *out);

#endif /* LM_REDUCE_H */
