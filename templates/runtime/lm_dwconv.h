/* litemicro runtime: DEPTHWISE_CONV_2D, int8 (NHWC), every variant in one place (lm_dwconv.c).
 *
 * Biases arrive with the input zero-point term folded in (bias[c] - in_zp * sum(w[c])), so
 * a padded tap must read the input zero point: border pixels are gathered into a patch
 * whose padded taps hold in_zp, interior pixels are read in place.
 *
 * Which kernel a layer calls is chosen by the compiler from the target's features:
 *   portable (every core): weights [k_h][k_w][out_c] as in the model;
 *   DSP (__ARM_FEATURE_DSP: M4, M7, M33): weights re-laid out offline, still one byte each,
 *     in the order the SMLAD inner loop reads them (see lm_dwconv.c).
 */
#ifndef LM_DWCONV_H
#define LM_DWCONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t depth_mult;        /* out_c = in_c * depth_mult */
    int32_t in_zp;             /* value of a padded input element */
    int32_t out_zp, act_min, act_max;
} lm_dwconv_params;

/* Portable, any depth multiplier. w: [k_h, k_w, out_c]. */
void lm_dwconv_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out);

/* Portable, depth multiplier 1: four channels per pass, pointer-stepped taps. */
void lm_dwconv_m1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int8_t *out);

/* DSP cores. wp: the SMLAD layout (lm_dwconv.c); rec: per output channel four words, the bias
 * (input zero-point term folded in) and then, when `usual` (1: clamp range [-128, 127], 2: any
 * clamp range, both with a requantization of lm_requantize_rq's short form), multiplier, hi_add
 * (rounding and output zero point), shift_hi; otherwise (0) multiplier, shift, 0. scratch:
 * k_h * k_w * in_c bytes (border patch).
 * _3x3: a 3x3 kernel (any stride, dilation, padding) with its taps unrolled at compile time.
 * _mult: depth multiplier a multiple of 4, one input channel shared by four output channels;
 * _mult2: depth multiplier 2; _3x3_mult, _3x3_mult2: 3x3 and those.
 * 3x3 with depth multiplier 1 mostly runs in per-layer instances of lm_dwconv_3x3.h. */
#define LM_DW_DSP_ARGS                                                                           \
    const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec, int32_t usual, \
        int8_t *scratch, int8_t *out
void lm_dwconv_3x3_dsp_s8(LM_DW_DSP_ARGS);
void lm_dwconv_dsp_s8(LM_DW_DSP_ARGS);
void lm_dwconv_mult_dsp_s8(LM_DW_DSP_ARGS);
void lm_dwconv_3x3_mult_dsp_s8(LM_DW_DSP_ARGS);
void lm_dwconv_mult2_dsp_s8(LM_DW_DSP_ARGS);
void lm_dwconv_3x3_mult2_dsp_s8(LM_DW_DSP_ARGS);
/* One input channel, an even depth multiplier, dilation 1 (lm_dwconv.c): wp in its own layout
 * (kernel rows padded to kw4, a multiple of 4 taps); `usual` 2: rec as for 1 with the clamp
 * range [act_min, act_max]; scratch: 2 * k_h * kw4 bytes. */
void lm_dwconv_c1_mult_dsp_s8(LM_DW_DSP_ARGS);

#endif /* LM_DWCONV_H */
