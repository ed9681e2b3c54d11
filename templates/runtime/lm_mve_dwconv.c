/* litemicro runtime: DEPTHWISE_CONV_2D with Helium (MVE), depth multiplier 1 and > 1.
 *
 * Channel-parallel: 16 output channels per pass. Each tap loads 8 input channels widened to
 * int16 lanes (VLDRB.S16, or gathers through chan[] when the multiplier is > 1) and 8 weights
 * widened offline to int16, and VMULLB/VMULLT give the int32 products of the even and of the
 * odd channels (MVE has no vector-by-vector VMLA), added to four accumulators. Interior
 * windows read the input in place through taps[0..T); border windows are first copied to
 * scratch with the padding set to the input zero point and read through taps[T..2T). The
 * last pass is predicated (VCTP) instead of a scalar tail.
 */
#include "lm_mve.h"

typedef struct {
    const int32_t *offs;            /* tap offsets from the window base */
    int32_t taps;
} lm_mve_window;

LM_INLINE mve_pred16_t lm_mve_lanes_left(int32_t left)
{
    return vctp16q((uint32_t)(left > 0 ? left : 0));
}

/* Input of 8 output channels from oc as int16 lanes: contiguous or gathered through chan[]. */
LM_INLINE int16x8_t lm_mve_dw_load(const int8_t *x, const uint16_t *chan, int32_t oc, mve_pred16_t pred,
                                   const int full)
{
    if (chan == 0) {
        return full ? vldrbq_s16(x + oc) : vldrbq_z_s16(x + oc, pred);
    }
    return full ? vldrbq_gather_offset_s16(x, vldrhq_u16(chan + oc))
                : vldrbq_gather_offset_z_s16(x, vldrhq_u16(chan + oc), pred);
}

/* Requantize 8 channels held as even (channels 0, 2, 4, 6) and odd lanes, interleave them back
 * into int16 lanes with the saturating VQMOVNB/VQMOVNT, then add the output zero point
 * (saturating) and clamp on all 8 at once, and store the 8 bytes. Saturating to int16 first
 * leaves the result unchanged: the clamp range lies inside int8 and every step is monotonic. */
LM_INLINE void lm_mve_dw_store(const lm_dwconv_params *p, int32x4_t even, int32x4_t odd, const int32_t *mult,
                               const int32_t *shift, int8_t *out, mve_pred16_t pred, const int rshift)
{
    const int32x4_t e = lm_mve_rescale(even, vldrwq_s32(mult), vldrwq_s32(shift), rshift);
    const int32x4_t o = lm_mve_rescale(odd, vldrwq_s32(mult + 4), vldrwq_s32(shift + 4), rshift);
    int16x8_t v = vqmovntq_s32(vqmovnbq_s32(vuninitializedq_s16(), e), o);
    v = vqaddq_n_s16(v, (int16_t)p->out_zp);
    v = vminq_s16(vmaxq_s16(v, vdupq_n_s16((int16_t)p->act_min)), vdupq_n_s16((int16_t)p->act_max));
    vstrbq_p_s16(out, v, pred);
}

/* 8 x `halves` (1 or 2) output channels from oc of one output pixel; `chan`, `full` (every
 * lane valid: no predication) and `halves` are constants at each call, so each combination
 * is its own loop. */
LM_INLINE void lm_mve_dw_pass(const lm_dwconv_params *p, const int8_t *x, const lm_mve_window *win, const int16_t *w,
                              int32_t oc, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                              int8_t *out, const uint16_t *chan, const int full, const int halves,
                              const int rshift)
{
    const int32_t left = p->out_c - oc;
    const mve_pred16_t p0 = lm_mve_lanes_left(left), p1 = lm_mve_lanes_left(left - 8);
    int32x4_t e0 = vldrwq_s32(bias + oc), o0 = vldrwq_s32(bias + oc + 4);
    int32x4_t e1 = vldrwq_s32(bias + oc + 8), o1 = vldrwq_s32(bias + oc + 12);
    const int32_t *offs = win->offs, taps = win->taps;
    /* contiguous input: step from x + oc so both halves load at fixed offsets from one pointer */
    const int8_t *base = chan == 0 ? x + oc : x;
    const int32_t c0 = chan == 0 ? 0 : oc;
    int32_t t;
    for (t = 0; t < taps; ++t, w += 16) {
        const int8_t *xt = base + offs[t];
        const int16x8_t x0 = lm_mve_dw_load(xt, chan, c0, p0, full), w0 = vldrhq_s16(w);
        e0 = vaddq_s32(e0, vmullbq_int_s16(x0, w0));
        o0 = vaddq_s32(o0, vmulltq_int_s16(x0, w0));
        if (halves == 2) {
            const int16x8_t x1 = lm_mve_dw_load(xt, chan, c0 + 8, p1, full), w1 = vldrhq_s16(w + 8);
            e1 = vaddq_s32(e1, vmullbq_int_s16(x1, w1));
            o1 = vaddq_s32(o1, vmulltq_int_s16(x1, w1));
        }
    }
    lm_mve_dw_store(p, e0, o0, mult + oc, shift + oc, out + oc, p0, rshift);
    if (halves == 2) {
        lm_mve_dw_store(p, e1, o1, mult + oc + 8, shift + oc + 8, out + oc + 8, p1, rshift);
    }
}

/* The passes of one output pixel: 16 channels at a time, then 8 or 16 with predication. */
LM_INLINE void lm_mve_dw_pixel(const lm_dwconv_params *p, const int8_t *x, const lm_mve_window *win, const int16_t *w,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out,
                               const uint16_t *chan, const int rshift)
{
    const int32_t out_c = p->out_c;
    int32_t oc;
    for (oc = 0; oc + 16 <= out_c; oc += 16) {
        lm_mve_dw_pass(p, x, win, w + oc * win->taps, oc, bias, mult, shift, out, chan, 1, 2, rshift);
    }
    if (out_c - oc == 8) {
        lm_mve_dw_pass(p, x, win, w + oc * win->taps, oc, bias, mult, shift, out, chan, 1, 1, rshift);
    } else if (out_c - oc > 8) {
        lm_mve_dw_pass(p, x, win, w + oc * win->taps, oc, bias, mult, shift, out, chan, 0, 2, rshift);
    } else if (out_c > oc) {
        lm_mve_dw_pass(p, x, win, w + oc * win->taps, oc, bias, mult, shift, out, chan, 0, 1, rshift);
    }
}

/* The window of a border pixel: [k_h][k_w][in_c] with padded taps = in_zp. */
static void lm_mve_dw_border(const lm_dwconv_params *p, const int8_t *in, int32_t iy0, int32_t ix0, int8_t *dst)
{
    const int32_t in_c = p->in_c;
    const int8x16_t zp = vdupq_n_s8((int8_t)p->in_zp);
    int32_t ky, kx, n;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx, dst += in_c) {
            const int32_t ix = ix0 + kx * p->dil_w;
            const int inside = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
            const int8_t *src = in + (iy * p->in_w + ix) * in_c;
            for (n = 0; n < in_c; n += 16) {
                const mve_pred16_t pred = vctp8q((uint32_t)(in_c - n));
                vstrbq_p_s8(dst + n, inside ? vldrbq_z_s8(src + n, pred) : zp, pred);
            }
        }
    }
}

LM_INLINE void lm_mve_dw(const lm_dwconv_params *p, const int8_t *in, const int16_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const int32_t *taps, const uint16_t *chan,
                         int8_t *scratch, int8_t *out, const int rshift)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, ntaps = p->k_h * p->k_w;
    const int32_t span_h = (p->k_h - 1) * p->dil_h, span_w = (p->k_w - 1) * p->dil_w;
    const lm_mve_window inner = {taps, ntaps}, border = {taps + ntaps, ntaps};
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (ox = 0; ox < p->out_w; ++ox, out += out_c) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                const int8_t *x = in_b + (iy0 * in_w + ix0) * in_c;
                const lm_mve_window *win = &inner;
                if (iy0 < 0 || ix0 < 0 || iy0 + span_h >= in_h || ix0 + span_w >= in_w) {
                    lm_mve_dw_border(p, in_b, iy0, ix0, scratch);
                    x = scratch;
                    win = &border;
                }
                lm_mve_dw_pixel(p, x, win, w, bias, mult, shift, out, chan, rshift);
            }
        }
    }
}

void lm_mve_dwconv_m1_s8(const lm_dwconv_params *p, const int8_t *in, const int16_t *w, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, const int32_t *taps,
                         int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, bias, mult, shift, taps, 0, scratch, out, 0);
}

void lm_mve_dwconv_m1_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int16_t *w, const int32_t *bias,
                                const int32_t *mult, const int32_t *shift, const int32_t *taps,
                                int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, bias, mult, shift, taps, 0, scratch, out, 1);
}

void lm_mve_dwconv_s8(const lm_dwconv_params *p, const int8_t *in, const int16_t *w, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, const int32_t *taps,
                      const uint16_t *chan, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, bias, mult, shift, taps, chan, scratch, out, 0);
}

void lm_mve_dwconv_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int16_t *w, const int32_t *bias,
                             const int32_t *mult, const int32_t *shift, const int32_t *taps,
                             const uint16_t *chan, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, bias, mult, shift, taps, chan, scratch, out, 1);
}
