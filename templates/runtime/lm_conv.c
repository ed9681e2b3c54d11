/* litemicro runtime: CONV_2D, int8 (DEPTHWISE_CONV_2D is in lm_dwconv.c).
 *
 * CONV_2D gathers each output pixel's receptive field into a patch (padded taps read the
 * input zero point), laid out [k_h][k_w][channels] like one output channel's weights, so
 * every output channel is one contiguous dot product (lm_dot.h, SMLAD on DSP cores). A 1x1
 * convolution without padding reads its patch straight from the input.
 */
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

/* Copy n bytes a word at a time (a C library's small-size memcpy is often a byte loop); the
 * fixed 4-byte memcpy compiles to one load and one store where unaligned access is allowed. */
LM_INLINE void lm_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4, dst += 4, src += 4) {
        uint32_t v;
        memcpy(&v, src, 4);
        memcpy(dst, &v, 4);
    }
    while (n-- > 0) {
        *dst++ = *src++;
    }
}

LM_INLINE void lm_fill(int8_t *dst, int8_t value, int32_t n)
{
    const uint32_t v = 0x01010101u * (uint8_t)value;
    for (; n >= 4; n -= 4, dst += 4) {
        memcpy(dst, &v, 4);
    }
    while (n-- > 0) {
        *dst++ = value;
    }
}

/* Copy the receptive field of the output pixel at (iy0, ix0) for channels [ch0, ch0 + n). */
static void lm_conv_patch(const lm_conv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                          int32_t ch0, int32_t n, int8_t *patch)
{
    const int32_t k_h = p->k_h, k_w = p->k_w, in_w = p->in_w, in_c = p->in_c;
    const int32_t dil_w = p->dil_w, row = k_w * n;
    const int8_t pad = (int8_t)p->in_zp;
    const int whole_rows = dil_w == 1 && n == in_c && ix0 >= 0 && ix0 + k_w <= in_w;
    int32_t ky, kx;
    for (ky = 0; ky < k_h; ++ky, patch += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            lm_fill(patch, pad, row);
        } else if (whole_rows) {
            lm_copy(patch, in_b + (iy * in_w + ix0) * in_c, row);
        } else {
            for (kx = 0; kx < k_w; ++kx) {
                const int32_t ix = ix0 + kx * dil_w;
                if (ix >= 0 && ix < in_w) {
                    lm_copy(patch + kx * n, in_b + (iy * in_w + ix) * in_c + ch0, n);
                } else {
                    lm_fill(patch + kx * n, pad, n);
                }
            }
        }
    }
}

/* Requantize one accumulator for output channel oc. */
#define LM_OUT(acc, oc) lm_clamp_s8(lm_requantize((acc), mult[(oc)], shift[(oc)]) + out_zp, act_min, act_max)

void lm_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out)
{
    const int32_t in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, groups = p->groups;
    const int32_t out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
    const int32_t out_zp = p->out_zp, act_min = p->act_min, act_max = p->act_max;
    const int32_t group_in = in_c / groups, group_out = out_c / groups;
    const int32_t patch_len = p->k_h * p->k_w * group_in;
    const int32_t batches = p->batches, in_batch = p->in_h * in_w * in_c, pixels = p->out_h * out_w;
    const int direct = scratch == NULL;
    int32_t b, pix, g, oc;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_batch;
        int32_t oy = 0, ox = 0;
        /* output pixels two at a time: each weight row is read once for both */
        for (pix = 0; pix < pixels; pix += 2) {
            const int32_t iy0 = oy * stride_h - pad_top, ix0 = ox * stride_w - pad_left;
            const int pair = pix + 1 < pixels;
            int32_t iy1, ix1;
            int8_t *out0 = out + pix * out_c;
            int8_t *out1 = out0 + out_c;
            if (++ox == out_w) {
                ox = 0;
                ++oy;
            }
            iy1 = oy * stride_h - pad_top;
            ix1 = ox * stride_w - pad_left;
            if (++ox == out_w) {
                ox = 0;
                ++oy;
            }
            for (g = 0; g < groups; ++g) {
                const int32_t oc_end = (g + 1) * group_out;
                const int8_t *x0;
                const int8_t *x1;
                if (direct) {
                    x0 = in_b + (iy0 * in_w + ix0) * in_c + g * group_in;
                    x1 = in_b + (iy1 * in_w + ix1) * in_c + g * group_in;
                } else {
                    lm_conv_patch(p, in_b, iy0, ix0, g * group_in, group_in, scratch);
                    if (pair) {
                        lm_conv_patch(p, in_b, iy1, ix1, g * group_in, group_in, scratch + patch_len);
                    }
                    x0 = scratch;
                    x1 = scratch + patch_len;
                }
                if (!pair) {
                    for (oc = g * group_out; oc < oc_end; ++oc) {
                        out0[oc] = LM_OUT(bias[oc] + lm_dot_s8(w + oc * patch_len, x0, patch_len), oc);
                    }
                    continue;
                }
                for (oc = g * group_out; oc + 1 < oc_end; oc += 2) {
                    int32_t acc[4];
                    acc[0] = acc[2] = bias[oc];
                    acc[1] = acc[3] = bias[oc + 1];
                    lm_dot2x2_s8(w + oc * patch_len, w + (oc + 1) * patch_len, x0, x1, patch_len, acc);
                    out0[oc] = LM_OUT(acc[0], oc);
                    out0[oc + 1] = LM_OUT(acc[1], oc + 1);
                    out1[oc] = LM_OUT(acc[2], oc);
                    out1[oc + 1] = LM_OUT(acc[3], oc + 1);
                }
                if (oc < oc_end) {
                    out0[oc] = LM_OUT(bias[oc] + lm_dot_s8(w + oc * patch_len, x0, patch_len), oc);
                    out1[oc] = LM_OUT(bias[oc] + lm_dot_s8(w + oc * patch_len, x1, patch_len), oc);
                }
            }
        }
        out += pixels * out_c;
    }
}

#undef LM_OUT
