/* litemicro runtime: CONV_2D (1x1 and k x k) and FULLY_CONNECTED with Helium (MVE).
 *
 * One output pixel (or batch row) is a vector x of n bytes; every output channel is the dot
 * product of x with one weight row. Two pixels go through each pair of weight rows together:
 * per 16-byte chunk two input loads, two weight loads and four VMLADAVA, 64 MACs. Weight
 * rows come in pairs, interleaved per 16-byte chunk ([row/2][chunk][2][16], lm_mve.h), so
 * one post-incremented pointer feeds the pair; the last n % 16 bytes are one predicated
 * chunk (VCTP: the input lanes past n read as zero, their weights are zero). The four sums
 * (pixel 0 row 0, pixel 0 row 1, pixel 1 row 0, pixel 1 row 1) become one vector with two
 * VMOVs and are requantized together with the pair's bias, mult and shift, laid out offline
 * in that lane order (rq: [row/2][bias x4, mult x4, shift x4]), then stored by one scatter.
 */
#include "lm_mve.h"

/* lm_mve_quad without predication (`safe` 0): the first chunk by VMLADAV, the others in a
 * low-overhead loop (WLS/LE), the sums through `lanes` into one vector. The accumulators are
 * pinned to even registers, as VMLADAV requires. */
LM_INLINE int32x4_t lm_mve_quad_fast(const int8_t *x0, const int8_t *x1, const int8_t **wt, int32_t chunks)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r2");
    register int32_t a2 __asm__("r4");
    register int32_t a3 __asm__("r6");
    int32_t lanes[4] __attribute__((aligned(8)));
    const int8_t *w = *wt;
    int32_t rest = chunks - 1;
    __asm__ volatile(
        "vldrb.u8 q0, [%[w]], #16\n\t"
        "vldrb.u8 q2, [%[x0]], #16\n\t"
        "vldrb.u8 q1, [%[w]], #16\n\t"
        "vmladav.s8 %[a0], q0, q2\n\t"
        "vldrb.u8 q3, [%[x1]], #16\n\t"
        "vmladav.s8 %[a1], q1, q2\n\t"
        "vmladav.s8 %[a2], q0, q3\n\t"
        "vmladav.s8 %[a3], q1, q3\n\t"
        "wls lr, %[rest], 2f\n"
        "1:\n\t"
        "vldrb.u8 q0, [%[w]], #16\n\t"
        "vldrb.u8 q2, [%[x0]], #16\n\t"
        "vldrb.u8 q1, [%[w]], #16\n\t"
        "vmladava.s8 %[a0], q0, q2\n\t"
        "vldrb.u8 q3, [%[x1]], #16\n\t"
        "vmladava.s8 %[a1], q1, q2\n\t"
        "vmladava.s8 %[a2], q0, q3\n\t"
        "vmladava.s8 %[a3], q1, q3\n\t"
        "le lr, 1b\n"
        "2:\n\t"
        "strd %[a0], %[a1], [%[lanes]]\n\t"
        "strd %[a2], %[a3], [%[lanes], #8]"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [w] "+r"(w), [x0] "+r"(x0),
          [x1] "+r"(x1), "=m"(lanes)
        : [rest] "r"(rest), [lanes] "r"(lanes)
        : "q0", "q1", "q2", "q3", "lr", "memory");
    *wt = w;
    return vldrwq_s32(lanes);
}

/* The four dot products of pixels x0, x1 with the row pair at *wt, chunks x 16 bytes each;
 * *wt steps past the pair. `safe` (a constant): the last chunk's input loads are predicated
 * (lanes n % 16 .. 15 read as zero) for pixels whose bytes end the input; otherwise they read
 * up to 15 bytes past x0 and x1, lanes whose weights are zero. */
LM_INLINE int32x4_t lm_mve_quad(const int8_t *x0, const int8_t *x1, const int8_t **wt, int32_t chunks,
                                mve_pred16_t last, const int safe)
{
    const int8_t *w = *wt;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i;
    int32_t lanes[4] __attribute__((aligned(8)));
    if (!safe) {
        return lm_mve_quad_fast(x0, x1, wt, chunks);
    }
    for (i = chunks - 1; i > 0; --i) {
        const int8x16_t u = vldrbq_s8(x0), v = vldrbq_s8(x1), w0 = vldrbq_s8(w), w1 = vldrbq_s8(w + 16);
        a0 = vmladavaq_s8(a0, w0, u);
        a1 = vmladavaq_s8(a1, w1, u);
        a2 = vmladavaq_s8(a2, w0, v);
        a3 = vmladavaq_s8(a3, w1, v);
        x0 += 16;
        x1 += 16;
        w += 32;
    }
    {
        const int8x16_t u = vldrbq_z_s8(x0, last), v = vldrbq_z_s8(x1, last);
        const int8x16_t w0 = vldrbq_s8(w), w1 = vldrbq_s8(w + 16);
        lanes[0] = vmladavaq_s8(a0, w0, u);
        lanes[1] = vmladavaq_s8(a1, w1, u);
        lanes[2] = vmladavaq_s8(a2, w0, v);
        lanes[3] = vmladavaq_s8(a3, w1, v);
    }
    *wt = w + 32;
    return vldrwq_s32(lanes);
}

/* A predicate of the given bits, hidden from constant folding: arm-none-eabi-gcc 12 turns
 * some constant predicates (0x0F0F for 32-bit lanes) into all-true. */
LM_INLINE mve_pred16_t lm_mve_pred(uint32_t bits)
{
    __asm__("" : "+r"(bits));
    return (mve_pred16_t)bits;
}

typedef struct {
    int32_t n, rows;               /* bytes per input vector, output channels */
    int32_t out_zp, act_min, act_max;
    int32_t out_step;              /* bytes from the first pixel's outputs to the second's */
} lm_mve_rows_cfg;

/* bias, requantize, zero point, clamp: the four lanes of a quad, rq steps to the next pair. */
LM_INLINE int32x4_t lm_mve_quad_out(int32x4_t acc, const int32_t **rq, int32_t out_zp, int32x4_t lo, int32x4_t hi,
                                    const int rshift)
{
    const int32_t *r = *rq;
    int32x4_t v = lm_mve_rescale(vaddq_s32(acc, vldrwq_s32(r)), vldrwq_s32(r + 4), vldrwq_s32(r + 8), rshift);
    *rq = r + 12;
    return vminq_s32(vmaxq_s32(vaddq_n_s32(v, out_zp), lo), hi);
}

/* All output channels of the pixels x0 and x1 (x1 == x0 and `one` when there is one pixel):
 * pairs of rows, then a last single row (lanes 1 and 3 not stored). `safe`: lm_mve_quad. */
LM_INLINE void lm_mve_rows2(const lm_mve_rows_cfg *c, const int8_t *x0, const int8_t *x1, const int8_t *w,
                            const int32_t *rq, int8_t *out, const int one, const int safe, const int rshift)
{
    const int32_t chunks = (c->n + 15) >> 4, out_zp = c->out_zp;
    const mve_pred16_t last = vctp8q((uint32_t)(c->n - 16 * (chunks - 1)));
    const uint32_t pixels = one ? 0x00FFu : 0xFFFFu;
    const int32x4_t lo = vdupq_n_s32(c->act_min), hi = vdupq_n_s32(c->act_max);
    const uint32x4_t where = vsetq_lane_u32((uint32_t)c->out_step + 1,
                                            vsetq_lane_u32((uint32_t)c->out_step, vidupq_n_u32(0, 1), 2), 3);
    int32_t o;
    for (o = c->rows >> 1; o > 0; --o, out += 2) {
        const int32x4_t v = lm_mve_quad_out(lm_mve_quad(x0, x1, &w, chunks, last, safe), &rq, out_zp, lo, hi,
                                            rshift);
        if (one) {
            vstrbq_scatter_offset_p_s32(out, where, v, lm_mve_pred(pixels));
        } else {
            vstrbq_scatter_offset_s32(out, where, v);
        }
    }
    if (c->rows & 1) {
        const int32x4_t v = lm_mve_quad_out(lm_mve_quad(x0, x1, &w, chunks, last, safe), &rq, out_zp, lo, hi,
                                            rshift);
        vstrbq_scatter_offset_p_s32(out, where, v, lm_mve_pred(pixels & 0x0F0Fu));
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

LM_INLINE void lm_mve_conv(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                           int8_t *scratch, int8_t *out, const int rshift)
{
    const int32_t pixels = p->out_h * p->out_w, out_c = p->out_c, n = p->k_h * p->k_w * p->in_c;
    const lm_mve_rows_cfg c = {n, out_c, p->out_zp, p->act_min, p->act_max, out_c};
    int8_t *second = scratch == 0 ? 0 : scratch + ((n + 15) & ~15);
    const int in_place = scratch == 0;
    int32_t b, pix;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
        /* in place, the last pair reads the end of the input: predicated */
        const int32_t fast = in_place ? pixels - 2 : pixels;
        for (pix = 0; pix + 2 <= fast; pix += 2, out += 2 * out_c) {
            const int8_t *x0 = lm_mve_pixel(p, in_b, pix, scratch);
            lm_mve_rows2(&c, x0, lm_mve_pixel(p, in_b, pix + 1, second), w, rq, out, 0, 0, rshift);
        }
        for (; pix + 2 <= pixels; pix += 2, out += 2 * out_c) {
            const int8_t *x0 = lm_mve_pixel(p, in_b, pix, scratch);
            lm_mve_rows2(&c, x0, lm_mve_pixel(p, in_b, pix + 1, second), w, rq, out, 0, 1, rshift);
        }
        if (pix < pixels) {
            const int8_t *x0 = lm_mve_pixel(p, in_b, pix, scratch);
            lm_mve_rows2(&c, x0, x0, w, rq, out, 1, 1, rshift);
            out += out_c;
        }
    }
}

/* The four dot products of x (n bytes) with a tile of four weight rows ([chunk][4][16]), the
 * last n % 16 bytes one predicated chunk. */
LM_INLINE int32x4_t lm_mve_tile4(const int8_t *x, const int8_t *wt, int32_t n)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i;
    int32_t lanes[4] __attribute__((aligned(8)));
    for (i = n >> 4; i > 0; --i, x += 16, wt += 64) {
        const int8x16_t xv = vldrbq_s8(x);
        a0 = vmladavaq_s8(a0, vldrbq_s8(wt), xv);
        a1 = vmladavaq_s8(a1, vldrbq_s8(wt + 16), xv);
        a2 = vmladavaq_s8(a2, vldrbq_s8(wt + 32), xv);
        a3 = vmladavaq_s8(a3, vldrbq_s8(wt + 48), xv);
    }
    if (n & 15) {
        const int8x16_t xv = vldrbq_z_s8(x, vctp8q((uint32_t)(n & 15)));
        a0 = vmladavaq_s8(a0, vldrbq_s8(wt), xv);
        a1 = vmladavaq_s8(a1, vldrbq_s8(wt + 16), xv);
        a2 = vmladavaq_s8(a2, vldrbq_s8(wt + 32), xv);
        a3 = vmladavaq_s8(a3, vldrbq_s8(wt + 48), xv);
    }
    lanes[0] = a0;
    lanes[1] = a1;
    lanes[2] = a2;
    lanes[3] = a3;
    return vldrwq_s32(lanes);
}

/* FULLY_CONNECTED: per batch row, tiles of four units (weights [unit/4][chunk][4][16], rq per
 * four units: bias x4, mult x4, shift x4), four outputs stored together (predicated at the end). */
LM_INLINE void lm_mve_fc(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         int8_t *out, const int rshift)
{
    const int32_t n = p->in_depth, rows = p->out_depth, tile = 4 * ((n + 15) & ~15);
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int32_t b, o;
    for (b = 0; b < p->batches; ++b, in += n) {
        const int8_t *wt = w;
        const int32_t *r = rq;
        for (o = 0; o < rows; o += 4, wt += tile, out += 4) {
            const int32x4_t v = lm_mve_quad_out(lm_mve_tile4(in, wt, n), &r, p->out_zp, lo, hi, rshift);
            vstrbq_p_s32(out, v, vctp32q((uint32_t)(rows - o)));
        }
        out -= o - rows;
    }
}

void lm_mve_conv_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                    int8_t *scratch, int8_t *out)
{
    lm_mve_conv(p, in, w, rq, scratch, out, 0);
}

void lm_mve_conv_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                           int8_t *scratch, int8_t *out)
{
    lm_mve_conv(p, in, w, rq, scratch, out, 1);
}

void lm_mve_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *rq, int8_t *out)
{
    lm_mve_fc(p, in, w, rq, out, 0);
}

void lm_mve_fc_rshift_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *rq, int8_t *out)
{
    lm_mve_fc(p, in, w, rq, out, 1);
}
