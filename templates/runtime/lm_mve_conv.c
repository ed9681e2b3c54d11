/* litemicro runtime: CONV_2D (1x1 and k x k) and FULLY_CONNECTED with Helium (MVE).
 *
 * One output pixel (or batch row) is a vector x of n bytes; every output channel is the dot
 * product of x with one weight row. Weight rows come in tiles of four, interleaved per
 * 16-byte chunk (lm_mve.h), so each chunk of x is one load and four VMLADAVA, the last chunk
 * predicated (VCTP: the lanes past n read as zero). A tile of four rows keeps the four
 * accumulators in even registers (VMLADAVA's RdaLo must be even, which rules out 4 x 2).
 */
#include "lm_mve.h"

/* The four accumulators of a tile as one vector, plus the bias. */
LM_INLINE int32x4_t lm_mve_lanes(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *bias)
{
    int32x4_t v = vdupq_n_s32(a0);
    v = vsetq_lane_s32(a1, v, 1);
    v = vsetq_lane_s32(a2, v, 2);
    v = vsetq_lane_s32(a3, v, 3);
    return vaddq_s32(v, vldrwq_s32(bias));
}

/* One weight tile (four rows) against x: the four dot products plus bias. Full 16-byte chunks
 * first, then one predicated chunk for the last n % 16 bytes (lanes past n read as zero). */
LM_INLINE int32x4_t lm_mve_tile1(const int8_t *x, const int8_t *wt, int32_t n, const int32_t *bias)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i;
    for (i = n >> 4; i > 0; --i) {
        const int8x16_t xv = vldrbq_s8(x);
        a0 = vmladavaq_s8(a0, vldrbq_s8(wt), xv);
        a1 = vmladavaq_s8(a1, vldrbq_s8(wt + 16), xv);
        a2 = vmladavaq_s8(a2, vldrbq_s8(wt + 32), xv);
        a3 = vmladavaq_s8(a3, vldrbq_s8(wt + 48), xv);
        x += 16;
        wt += 64;
    }
    if (n & 15) {
        const int8x16_t xv = vldrbq_z_s8(x, vctp8q((uint32_t)(n & 15)));
        a0 = vmladavaq_s8(a0, vldrbq_s8(wt), xv);
        a1 = vmladavaq_s8(a1, vldrbq_s8(wt + 16), xv);
        a2 = vmladavaq_s8(a2, vldrbq_s8(wt + 32), xv);
        a3 = vmladavaq_s8(a3, vldrbq_s8(wt + 48), xv);
    }
    return lm_mve_lanes(a0, a1, a2, a3, bias);
}

typedef struct {
    int32_t n, rows;               /* bytes per input vector, output channels */
    int32_t out_zp, act_min, act_max;
} lm_mve_rows_cfg;

/* All output channels of one input vector x. */
LM_INLINE void lm_mve_rows(const lm_mve_rows_cfg *c, const int8_t *x, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *out, const int rshift)
{
    const int32_t n = c->n, rows = c->rows, tile = 4 * ((n + 15) & ~15);
    const int32_t out_zp = c->out_zp, act_min = c->act_min, act_max = c->act_max;
    int32_t o;
    for (o = 0; o < rows; o += 4, w += tile) {
        const int32x4_t r = lm_mve_requantize_s8(lm_mve_tile1(x, w, n, bias + o), mult + o, shift + o, out_zp,
                                                 act_min, act_max, rshift);
        vstrbq_p_s32(out + o, r, vctp32q((uint32_t)(rows - o)));
    }
}

/* dst[0..n) = src[0..n) (src != NULL) or the byte v. */
LM_INLINE void lm_mve_fill(int8_t *dst, const int8_t *src, int32_t n, int8_t v)
{
    const int8x16_t fill = vdupq_n_s8(v);
    for (; n > 0; n -= 16, dst += 16) {
        const mve_pred16_t pred = vctp8q((uint32_t)n);
        if (src != 0) {
            vstrbq_p_s8(dst, vldrbq_z_s8(src, pred), pred);
            src += 16;
        } else {
            vstrbq_p_s8(dst, fill, pred);
        }
    }
}

/* The receptive field of output pixel (oy, ox) as one patch [k_h][k_w][in_c], padding = in_zp. */
static void lm_mve_patch(const lm_conv_params *p, const int8_t *in, int32_t oy, int32_t ox, int8_t *dst)
{
    const int32_t in_c = p->in_c, k_w = p->k_w, iy0 = oy * p->stride_h - p->pad_top;
    const int32_t ix0 = ox * p->stride_w - p->pad_left;
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        const int8_t *row = in + iy * p->in_w * in_c;
        if (iy < 0 || iy >= p->in_h) {
            lm_mve_fill(dst, 0, k_w * in_c, (int8_t)p->in_zp);
            dst += k_w * in_c;
            continue;
        }
        for (kx = 0; kx < k_w; ++kx, dst += in_c) {
            const int32_t ix = ix0 + kx * p->dil_w;
            if (p->dil_w == 1 && ix >= 0 && ix + (k_w - kx) <= p->in_w) {   /* rest of the row inside */
                lm_mve_fill(dst, row + ix * in_c, (k_w - kx) * in_c, 0);
                dst += (k_w - kx) * in_c;
                break;
            }
            lm_mve_fill(dst, (ix >= 0 && ix < p->in_w) ? row + ix * in_c : 0, in_c, (int8_t)p->in_zp);
        }
    }
}

/* Where output pixel `pix` reads its n bytes: in place (1x1, no padding) or a built patch. */
static const int8_t *lm_mve_pixel(const lm_conv_params *p, const int8_t *in, int32_t pix, int8_t *patch)
{
    const int32_t oy = pix / p->out_w, ox = pix % p->out_w;
    if (patch == 0) {
        return in + ((oy * p->stride_h) * p->in_w + ox * p->stride_w) * p->in_c;
    }
    lm_mve_patch(p, in, oy, ox, patch);
    return patch;
}

LM_INLINE void lm_mve_conv(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out, const int rshift)
{
    const int32_t pixels = p->out_h * p->out_w, out_c = p->out_c;
    const lm_mve_rows_cfg c = {p->k_h * p->k_w * p->in_c, out_c, p->out_zp, p->act_min, p->act_max};
    int32_t b, pix;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
        for (pix = 0; pix < pixels; ++pix, out += out_c) {
            lm_mve_rows(&c, lm_mve_pixel(p, in_b, pix, scratch), w, bias, mult, shift, out, rshift);
        }
    }
}

LM_INLINE void lm_mve_fc(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int8_t *out, const int rshift)
{
    const int32_t n = p->in_depth, rows = p->out_depth;
    const lm_mve_rows_cfg c = {n, rows, p->out_zp, p->act_min, p->act_max};
    int32_t b;
    for (b = 0; b < p->batches; ++b) {
        lm_mve_rows(&c, in + b * n, w, bias, mult, shift, out + b * rows, rshift);
    }
}

void lm_mve_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                    const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out)
{
    lm_mve_conv(p, in, w, bias, mult, shift, scratch, out, 0);
}

void lm_mve_conv_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *scratch, int8_t *out)
{
    lm_mve_conv(p, in, w, bias, mult, shift, scratch, out, 1);
}

void lm_mve_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out)
{
    lm_mve_fc(p, in, w, bias, mult, shift, out, 0);
}

void lm_mve_fc_rshift_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int8_t *out)
{
    lm_mve_fc(p, in, w, bias, mult, shift, out, 1);
}
