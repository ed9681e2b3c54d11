/* litemicro runtime: int16 activations (int16x8: int16 activations, int8 weights), bit-exact
 * with TFLM's reference kernels. Tensors are NHWC; int16 tensors are passed as void pointers
 * into the arena (2-byte aligned).
 *
 * Requantization of the convolutions (the compiler prepares each channel's pair):
 * - 64-bit accumulation (int64 bias): TFLM's MultiplyByQuantizedMultiplier for int64 values,
 *   (acc * m + 2^(s - 1)) >> s with m the 16-bit reduced multiplier and s = 15 - shift;
 * - 32-bit accumulation (int32 bias): the sum wraps to 32 bits and takes the usual
 *   double-rounding requantization (m, shift as QuantizeMultiplier gives them).
 */
#ifndef LM_S16_H
#define LM_S16_H

#include <stdint.h>

#include "lm_eltwise.h"
#include "lm_kernels.h"
#include "lm_reduce.h"

typedef struct {
    int32_t batches, in_depth, out_depth;  /* input [batches, in_depth], weights [out_depth, in_depth] */
    int32_t act_min, act_max;              /* int16 clamp of the fused activation */
    int32_t acc32;                         /* 1: 32-bit accumulation (int32 bias), 0: 64-bit */
} lm_s16_fc_params;

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t groups;                        /* input channel groups (depthwise: in_c, one channel each) */
    int32_t depth_mult;                    /* depthwise: out_c / in_c (CONV_2D: 1) */
    int32_t act_min, act_max;              /* int16 clamp of the fused activation */
    int32_t acc32;                         /* 1: 32-bit accumulation (int32 bias), 0: 64-bit */
} lm_s16_conv_params;

/* lm_conv_s16_dsp (lm_s16_dsp.c): CONV_2D with one group, and FULLY_CONNECTED as a 1x1
 * convolution over a 1 x batches image. Weights per quad of output channels (zeros pad the
 * last), per tap [k_h][k_w]: the in_c / 2 pairs, each as 4 words (one per channel: channel
 * c's weights of input channels 2i, 2i + 1 as int16 halves), then for an odd in_c the last
 * input channel's 4 weights as 2 words of int16 halves; tap_words words per tap. */
typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t act_min, act_max;              /* int16 clamp of the fused activation */
    int32_t mode;                          /* sums and requantization: see lm_s16_dsp.c */
    int32_t pairs, odd, tap_words;         /* in_c / 2, in_c % 2, 4 * pairs + 2 * odd */
    int32_t merge;                         /* 1: even in_c, no dilation (a row's taps are one run) */
    int32_t chunk;                         /* mode 3: pairs per 32-bit partial sum */
    int32_t patch;                         /* 1: odd in_c, each window copied to a patch of at most
                                              LM_S16_PATCH_MAX int16 (zeros outside the input, one
                                              zero more to end on a pair), the weights laid out as
                                              one tap of that many channels */
} lm_s16_dsp_params;

#define LM_S16_PATCH_MAX 128

typedef struct {
    int32_t size;                          /* elements */
    int32_t in_zp, out_zp;                 /* zero points */
    int32_t mult, shift;                   /* QuantizeMultiplier of in_scale / out_scale */
} lm_s16_requant_params;

typedef struct {
    int32_t size;                          /* elements */
    int32_t id_mult, id_shift;             /* x >= 0: QuantizeMultiplier of in_scale / out_scale */
    int32_t alpha_mult, alpha_shift;       /* x < 0: of |alpha| * in_scale / out_scale */
    int32_t alpha_negative;                /* 1: negate the x < 0 branch (alpha < 0) */
} lm_s16_leaky_params;

typedef struct {
    int32_t size;                          /* elements */
    int32_t input_multiplier;              /* x * input_multiplier >> input_left_shift, rounded: */
    int32_t input_left_shift;              /* the input in the table's units */
} lm_s16_sigmoid_params;

typedef struct {
    int32_t size;                          /* elements */
    int32_t mult, shift;                   /* requant: QuantizeMultiplier of in_scale / out_scale */
    int32_t act_min, act_max;              /* the clamp (RELU6: of the raw input) */
    int32_t requant;                       /* 1: requantize before the clamp (RELU), 0: clamp only (RELU6) */
} lm_s16_relu_params;

typedef struct {
    int32_t size;                          /* elements */
    int32_t mult, shift;                   /* QuantizeMultiplier of 1 / (sqrt(in_scale) * out_scale) */
} lm_s16_rsqrt_params;

typedef struct {
    int32_t outer, depth;                  /* rows, and the softmax axis (the last one) */
    int32_t input_multiplier, input_shift; /* x - max to the exp table's units: [-65535, 0] is [-10, 0] */
} lm_s16_softmax_params;

/* FULLY_CONNECTED: out[b][o] = clamp(rq_o(sum_i in[b][i] * w[o][i] + bias[o])). */
void lm_fc_s16(const lm_s16_fc_params *p, const void *in, const int8_t *w, const int64_t *bias,
               const int32_t *mult, const int32_t *shift, void *out);

/* CONV_2D: weights [out_c][k_h][k_w][in_c / groups], zero padding. */
void lm_conv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                 const int32_t *mult, const int32_t *shift, void *out);

/* DEPTHWISE_CONV_2D: weights [k_h][k_w][out_c], out channel c reads input channel c / depth_mult
 * (a grouped convolution with one input channel per group). */
void lm_dwconv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                   const int32_t *mult, const int32_t *shift, void *out);

/* CONV_2D (one group) and FULLY_CONNECTED with weights widened to int16 pairs, four output
 * channels per pass (DSP cores); bias padded to a multiple of 4. */
void lm_conv_s16_dsp(const lm_s16_dsp_params *p, const void *in, const int32_t *w, const int64_t *bias,
                     const int32_t *mult, const int32_t *shift, void *out);

/* DEPTHWISE_CONV_2D with depth multiplier 1 or 2 on DSP cores: weights widened to int16,
 * [k_h][k_w][out_c padded to a multiple of 4] (tap_words = that / 2), bias padded likewise;
 * modes 1 and 2 of lm_s16_dsp.c only (32-bit sums). */
void lm_dwconv_s16_dsp(const lm_s16_dsp_params *p, const void *in, const int16_t *w, const int64_t *bias,
                       const int32_t *mult, const int32_t *shift, void *out);

/* TRANSPOSE_CONV: weights [out_c][k_h][k_w][in_c], int64 bias (64-bit sums); the fields of
 * lm_s16_conv_params are those of a convolution from the output back to the input (no
 * dilation, one group). */
void lm_tconv_s16(const lm_s16_conv_params *p, const void *in, const int8_t *w, const int64_t *bias,
                  const int32_t *mult, const int32_t *shift, void *out);

/* AVERAGE_POOL_2D (sum over the window's taps inside the input, divided rounding half away from
 * zero) and MAX_POOL_2D, then the clamp; NHWC int16. */
void lm_avgpool_s16(const lm_pool_params *p, const void *in, void *out);
void lm_maxpool_s16(const lm_pool_params *p, const void *in, void *out);

/* QUANTIZE between int8 and int16 (TFLM's Requantize): clamp(rq(x - in_zp) + out_zp). */
void lm_requant_s8_s16(const lm_s16_requant_params *p, const int8_t *in, void *out);
void lm_requant_s16_s8(const lm_s16_requant_params *p, const void *in, int8_t *out);
void lm_requant_s16_s16(const lm_s16_requant_params *p, const void *in, void *out);

/* QUANTIZE float32 -> int16: clamp(round_half_away(x / scale) + zero_point). in: float. */
void lm_quantize_f32_s16(const lm_convert_params *p, const void *in, void *out);

/* DEQUANTIZE int16 -> float32: scale * (q - zero_point), rounded once to float. out: float. */
void lm_dequantize_s16_f32(const lm_convert_params *p, const void *in, void *out);

/* LEAKY_RELU (TFLM's QuantizeLeakyRelu, zero points 0): x >= 0 and x < 0 requantized apart. */
void lm_leaky_relu_s16(const lm_s16_leaky_params *p, const void *in, void *out);

/* LOGISTIC and TANH on int16 (output scale 2^-15): TFLM's interpolation in the 256-entry table of
 * sigmoid(i / 24) in unsigned 0.16 fixed point (tanh(x) = 2 sigmoid(2x) - 1). */
void lm_logistic_s16(const lm_s16_sigmoid_params *p, const uint16_t *table, const void *in, void *out);
void lm_tanh_s16(const lm_s16_sigmoid_params *p, const uint16_t *table, const void *in, void *out);

/* SOFTMAX int16 -> int16 (output scale 2^-15): exp_lut and recip_lut are TFLM's 513-entry tables
 * of exp on [-10, 0] and of 1 / (1 + x) on [0, 1]. */
void lm_softmax_s16(const lm_s16_softmax_params *p, const int16_t *exp_lut, const int16_t *recip_lut,
                    const void *in, void *out);

/* ADD, SUB (TFLM's int16 path: inputs shifted left by 15, rescaled, summed, requantized) and
 * MUL, with the broadcast loop nest of lm_eltwise_params; int16 tensors. */
void lm_add_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out);
void lm_sub_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out);
void lm_mul_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out);

/* MAXIMUM, MINIMUM: the larger / smaller raw int16 value (TFLM reads no quantization). */
void lm_max_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out);
void lm_min_s16(const lm_eltwise_params *p, const void *in1, const void *in2, void *out);

/* RELU (requantized to the output scale, clamped at its zero) and RELU6 (a clamp of the raw
 * input to [0, six]) on int16, zero points 0. */
void lm_relu_s16(const lm_s16_relu_params *p, const void *in, void *out);

/* RSQRT on int16 (zero points 0): TFLM's integer inverse square root (GetInvSqrtQuantizedMultiplierExp),
 * requantized. x <= 0 gives 32767 (TFLM gives it at 0 and stops the invoke below). */
void lm_rsqrt_s16(const lm_s16_rsqrt_params *p, const void *in, void *out);

#endif /* LM_S16_H */
