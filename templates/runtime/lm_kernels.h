/* litemicro runtime: int8 kernels (NHWC activations).
 *
 * Every layer's parameters are a `static const` struct computed by the compiler, so the
 * kernels read them and never compute a scale, a padding or a clamp at run time.
 * Convolution-like kernels take biases with the input zero-point term folded in
 * (bias[c] - in_zp * sum(weights[c])); taps that fall in the padding therefore read the
 * input zero point instead of being skipped, which gives exactly TFLM's sums.
 */
#ifndef LM_KERNELS_H
#define LM_KERNELS_H

#include <stdint.h>

/* 2: models check LM_RUNTIME_ID (lm_version.h) instead; a model generated before checks this
 * number for 1, so it refuses to build against this runtime. */
#define LM_RUNTIME_VERSION 2

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t groups;            /* in_c / groups channels per group */
    int32_t in_zp;             /* value of a padded input element */
    int32_t out_zp, act_min, act_max;
} lm_conv_params;

/* CONV_2D. in: [b, in_h, in_w, in_c], w: [out_c, k_h, k_w, in_c / groups], out: [b, out_h, out_w, out_c]. */
/* scratch: 2 * k_h * k_w * in_c / groups bytes for two patches, or NULL for a 1x1 unpadded convolution. */
void lm_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out);

/* CONV_2D with groups 1, two output channels x two pixels per pass (DSP cores). K =
 * k_h * k_w * in_c taps padded to kp, a multiple of 4. w: int8 weights as words, per pair of
 * output channels and per group of 4 taps the word of the first channel then of the second
 * (zero taps and an odd last channel's zero partner pad it); rec: per channel (folded bias,
 * multiplier, hi_add, shift_hi), the requantization of lm_requantize_rq with the output zero
 * point folded in, or, where it does not fit (large shifts), zp_post = the zero point added
 * after the shift (0 otherwise); scratch: 6 * kp bytes, 4-aligned. */
void lm_conv_fast_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                     int32_t zp_post, int8_t *scratch, int8_t *out);

/* CONV_2D with groups 1, four output channels x two pixels per pass (DSP cores). K as for
 * lm_conv_fast_s8. w: per block of 4 output channels its 4 starting sums (bias[c] and
 * bias[c] + 256 * bias[c + 1] per channel pair), then per group of 4 taps four words: for
 * channel pair (0, 1), then (2, 3), of the even taps, then the same of the odd taps; each word
 * holds per tap the int16 256 * w[c + 1] + w[c] (zero channels pad the last block). rec: per
 * channel (out_c rounded up to 4) the triple (multiplier, hi_add, shift_hi); zp_post and
 * scratch as for lm_conv_fast_s8. */
void lm_conv_quad_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                     int32_t zp_post, int8_t *scratch, int8_t *out);
/* The same for zp_post 0 with rec's triples for the doubled sums (multiplier, h2, s2:
 * lm_requantize_x2) and the clamp range [-128, 127] (one SSAT per output). */
void lm_conv_quad_ssat_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                          int32_t zp_post, int8_t *scratch, int8_t *out);
/* lm_conv_quad_ssat_s8 where kp is a multiple of 16 (no remainder of groups of taps), each
 * block's 4 triples (12 words) in w after its weights. */
void lm_conv_quad16_ssat_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, int8_t *scratch,
                            int8_t *out);
/* The same for zp_post 0 and any clamp range. */
void lm_conv_quad_clamp_s8(const lm_conv_params *p, const int8_t *in, const int32_t *w, const int32_t *rec,
                           int32_t zp_post, int8_t *scratch, int8_t *out);

/* DEPTHWISE_CONV_2D: lm_dwconv.h. */

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t out_zp, act_min, act_max;
    int32_t per_channel;       /* 0: mult[0]/shift[0] for every output */
} lm_fc_params;

/* FULLY_CONNECTED. in: [batches, in_depth], w: [out_depth, in_depth], out: [batches, out_depth]. */
void lm_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
              const int32_t *mult, const int32_t *shift, int8_t *out);

/* FULLY_CONNECTED, four units per pass (DSP cores). w: int8 weights as words, per block of 4
 * units and per group of 4 inputs the four units' words (zero inputs and units pad it); bias:
 * out_depth rounded up to 4; rq: triples as for lm_conv_fast_s8, one per unit if per_channel. */
void lm_fc_fast_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *bias,
                   const int32_t *rq, int8_t *out);

/* FULLY_CONNECTED with unit pairs in halfwords (DSP cores, lm_dot.h): `hex` blocks of 6
 * units, then blocks of 4. w: per block its starting sums (bias[u] and bias[u] + 256 *
 * bias[u + 1] per pair), then per group of 4 inputs one word per pair for inputs 0 and 2,
 * then one per pair for inputs 1 and 3 (zero inputs and units pad it); rq: one (multiplier,
 * h2, s2) triple per unit of every block (lm_requantize_x2). */
#define LM_FC_HEX_DECLARE(name) \
    void name(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq, int32_t hex, int8_t *out)
LM_FC_HEX_DECLARE(lm_fc_hex_s8);
/* The same with one triple for every unit (per_channel 0), kept in registers (_tensor); the
 * _ssat forms for the clamp range [-128, 127] (one SSAT per output); the hex6 forms for layers
 * with no four-unit block (that loop left out). */
LM_FC_HEX_DECLARE(lm_fc_hex_tensor_s8);
LM_FC_HEX_DECLARE(lm_fc_hex_ssat_s8);
LM_FC_HEX_DECLARE(lm_fc_hex_tensor_ssat_s8);
LM_FC_HEX_DECLARE(lm_fc_hex6_s8);
LM_FC_HEX_DECLARE(lm_fc_hex6_tensor_s8);
LM_FC_HEX_DECLARE(lm_fc_hex6_ssat_s8);
LM_FC_HEX_DECLARE(lm_fc_hex6_tensor_ssat_s8);
#undef LM_FC_HEX_DECLARE

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} lm_pool_params;

void lm_avgpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out);
void lm_maxpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out);
/* AVERAGE_POOL_2D summing 4 channels per word in int16 lanes (DSP cores; windows of at most
 * 256 pixels). */
void lm_avgpool_simd_s8(const lm_pool_params *p, const int8_t *in, int8_t *out);

/* ADD: lm_eltwise.h. */

typedef struct {
    int32_t rows, depth;
    int32_t input_mult, input_left_shift, diff_min;
} lm_softmax_params;

/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128), gemmlowp fixed point. */
void lm_softmax_s8(const lm_softmax_params *p, const int8_t *in, int8_t *out);
/* SOFTMAX int8 -> int16 (output scale 1/65536, zero point -32768), the same arithmetic. */
void lm_softmax_s8_s16(const lm_softmax_params *p, const int8_t *in, void *out);

#endif /* LM_KERNELS_H */
