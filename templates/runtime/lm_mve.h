/* litemicro runtime: Helium (MVE) kernels for Cortex-M55 and other ARMv8.1-M cores.
 *
 * The compiler chooses these kernels for targets with the `mve` feature and lays their
 * constants out offline (lite_micro/ops/mve.py):
 * - conv / fully connected: weights in tiles of two output rows, each row padded with zeros
 *   to a multiple of 16 bytes and interleaved per 16-byte chunk ([row/2][chunk][2][16]), so
 *   one post-incremented pointer feeds two pixels x two rows per chunk; rq: per pair of rows,
 *   bias, mult and shift each as (row 0, row 1, row 0, row 1), the lane order of the four
 *   sums (an odd last row pairs with zeros).
 * - depthwise: int8 weights [channel/16][tap pair][2][16] (channels padded with zero
 *   weights, a tap that cannot pair goes with zero weights); rq: per 16 channels, bias, mult
 *   and shift in the accumulators' channel order (0,4,8,12, 2,6,10,14, 1,5,9,13, 3,7,11,15);
 *   taps: the number of pairs P, 1 if the last pair is a lone tap (else 0), then per pair the
 *   two taps' offsets from the window base in the input (2P), in a copied window (2P), and
 *   (row << 16) | column in the window (2P), then the band mode (lm_mve_dwconv.c).
 * Inputs, outputs and the parameter structs are those of the portable kernels (lm_kernels.h,
 * lm_dwconv.h, lm_eltwise.h). Each `_rshift_s8`
 * kernel is its `_s8` twin for layers whose every requantization shift is negative (the
 * usual case), with the shorter lm_mve_requantize_rshift.
 */
#ifndef LM_MVE_H
#define LM_MVE_H

#include <arm_mve.h>
#include <stdint.h>

#include "lm_common.h"
#include "lm_dwconv.h"
#include "lm_eltwise.h"
#include "lm_kernels.h"

/* Four lanes of lm_requantize (MultiplyByQuantizedMultiplier, TFLM's double rounding).
 *
 * - left shift (shift > 0): VSHL by a register vector, wrapping as (uint32_t)x << left;
 * - VQRDMULH gives sat((2ab + 2^31) >> 32) = (ab + 2^30) >> 31: the first rounding. It
 *   saturates only for a = b = INT32_MIN, and multipliers are never negative;
 * - RoundingDivideByPOT rounds half away from zero: subtract 1 from negative lanes (a
 *   saturating add, exact because INT32_MIN is a multiple of 2^right), then VRSHL by -right
 *   adds 2^(right-1) in wide precision and shifts. Lanes with right = 0 get no correction.
 */
LM_INLINE int32x4_t lm_mve_requantize(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t left = vmaxq_s32(shift, zero);
    const int32x4_t neg_right = vminq_s32(shift, zero);
    const int32x4_t high = vqrdmulhq_s32(vshlq_s32(x, left), mult);
    /* -1 where high < 0 and right > 0, else 0 */
    const int32x4_t fix = vandq_s32(vshrq_n_s32(high, 31), vshrq_n_s32(neg_right, 31));
    return vrshlq_s32(vqaddq_s32(high, fix), neg_right);
}

/* lm_mve_requantize when every shift is negative (right >= 1, no left shift), as the compiler
 * checks per layer for the `_rshift` kernels: the VSHL and the right > 0 mask drop out. */
LM_INLINE int32x4_t lm_mve_requantize_rshift(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
    const int32x4_t high = vqrdmulhq_s32(x, mult);
    return vrshlq_s32(vqaddq_s32(high, vshrq_n_s32(high, 31)), shift);
}

/* Either of the two above: `rshift` is a constant at every call. */
LM_INLINE int32x4_t lm_mve_rescale(int32x4_t x, int32x4_t mult, int32x4_t shift, const int rshift)
{
    return rshift ? lm_mve_requantize_rshift(x, mult, shift) : lm_mve_requantize(x, mult, shift);
}

/* requantize, add the output zero point, clamp; int32 lanes holding int8 results. */
LM_INLINE int32x4_t lm_mve_requantize_s8(int32x4_t acc, const int32_t *mult, const int32_t *shift,
                                         int32_t out_zp, int32_t act_min, int32_t act_max, const int rshift)
{
    int32x4_t v = lm_mve_rescale(acc, vldrwq_s32(mult), vldrwq_s32(shift), rshift);
    v = vaddq_n_s32(v, out_zp);
    v = vmaxq_s32(v, vdupq_n_s32(act_min));
    return vminq_s32(v, vdupq_n_s32(act_max));
}

/* dst[0..n) = src[0..n) (src != NULL) or the byte v: a tail-predicated low-overhead loop (the
 * last 16 bytes' lanes past n are neither read nor written); nothing for n <= 0. */
LM_INLINE void lm_mve_fill(int8_t *dst, const int8_t *src, int32_t n, int8_t v)
{
    if (n <= 0) {
        return;
    }
    if (src != 0) {
        __asm__ volatile("dlstp.8 lr, %[n]\n"
                         "1:\n\t"
                         "vldrb.u8 q0, [%[s]], #16\n\t"
                         "vstrb.8 q0, [%[d]], #16\n\t"
                         "letp lr, 1b"
                         : [d] "+r"(dst), [s] "+r"(src)
                         : [n] "r"(n)
                         : "q0", "lr", "memory");
    } else {
        __asm__ volatile("dlstp.8 lr, %[n]\n"
                         "1:\n\t"
                         "vstrb.8 %q[f], [%[d]], #16\n\t"
                         "letp lr, 1b"
                         : [d] "+r"(dst)
                         : [n] "r"(n), [f] "w"(vdupq_n_s8(v))
                         : "lr", "memory");
    }
}

/* CONV_2D, groups 1, weights as described above. scratch: k_h * k_w * in_c bytes (one patch),
 * or NULL for a 1x1 convolution without padding (read in place). */
void lm_mve_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                    int8_t *scratch, int8_t *out);
void lm_mve_conv_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                           int8_t *scratch, int8_t *out);

/* CONV_2D, groups 1, dil_w 1, two output pixels at a time with their input vectors in Q
 * registers (lm_mve_conv_regs.c), any number of vectors or (regs1 .. regs3) exactly 1-3;
 * regs_t (4 vectors), regs1 and regs2 three pixels at a time where they can:
 * taps, weights and rq as described there; scratch: two windows of k_h rows of seg_pad bytes,
 * rounded up to 16, + 16, then 2 x (out_c + 4) int32 (3 x for the three-pixel kernels). */
void lm_mve_conv_regs_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs_t_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                           const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs_t_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                  const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs1_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs1_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                 const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs2_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs2_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                 const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs3_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_conv_regs3_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                 const int32_t *taps, int8_t *scratch, int8_t *out);

/* FULLY_CONNECTED: weights in tiles of four units ([unit/4][chunk][4][16], zero padded), rq
 * per four units: bias, mult, shift (4 each). */
void lm_mve_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *rq, int8_t *out);
void lm_mve_fc_rshift_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *rq, int8_t *out);

/* DEPTHWISE_CONV_2D, multiplier 1. taps as described above. scratch: as lm_mve_dw_run
 * describes (border offsets, a zero-point row, a border window, the band of the 3x3 kernels). */
void lm_mve_dwconv_m1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_m1_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out);
/* The same for 3x3, dilation 1, taps paired (0,1) (2,3) (4,5) (6,7) (8): interior windows unrolled. */
void lm_mve_dwconv_3x3_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_3x3_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                 const int32_t *taps, int8_t *scratch, int8_t *out);

/* DEPTHWISE_CONV_2D, 8 channels, multiplier 1, stride_w 1, two pixels per pass: the tables of
 * the multiplier-1 kernel for 16 channels that are the 8 channels twice. */
void lm_mve_dwconv_x2_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_x2_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_x2_3x3_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                             const int32_t *taps, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_x2_3x3_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                    const int32_t *taps, int8_t *scratch, int8_t *out);

/* DEPTHWISE_CONV_2D, multiplier > 1: gofs[oc] = oc / multiplier - (oc & ~15) / multiplier (padded
 * to a multiple of 16 entries), the input channel of each lane from the pass's first, read
 * by byte-offset gathers. */
void lm_mve_dwconv_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                      const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out);
void lm_mve_dwconv_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                             const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out);

/* DEPTHWISE_CONV_2D 3x3, dil_w 1, one input channel, depth multiplier a multiple of 8: w int8
 * [out_c / 8][9][8], rq per 4 channels bias, mult, shift, both in the channel order
 * lm_mve_dwconv.c gives; scratch: 3 rows of (out_w - 1) * stride_w + 3 bytes, + 16. */
void lm_mve_dw1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                   int8_t *scratch, int8_t *out);
void lm_mve_dw1_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          int8_t *scratch, int8_t *out);

/* ADD, SUB and MUL without broadcasting (one row, both inputs contiguous), four elements per
 * step. */
void lm_mve_add_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void lm_mve_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
/* ADD and SUB with each input's rescaled value read from table, as lm_add_table_s8, but each
 * half of the table in the order of the input bytes read as unsigned (0..127, -128..-1). */
void lm_mve_add_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                         int8_t *out);
void lm_mve_sub_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table,
                         int8_t *out);
/* The same for an output shift < 0 (a right shift), with the shorter rescaling. */
void lm_mve_add_table_rshift_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,
                                const int32_t *table, int8_t *out);
void lm_mve_sub_table_rshift_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,
                                const int32_t *table, int8_t *out);
void lm_mve_mul_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

/* Pooling, 16 channels per step (max) or 4 (average sums). */
void lm_mve_maxpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out);
void lm_mve_avgpool_s8(const lm_pool_params *p, const int8_t *in, int8_t *out);

#endif /* LM_MVE_H */
