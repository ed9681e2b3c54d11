/* litemicro runtime: the row reader of the few-channel convolutions (lm_conv_rows.h). */
#include "lm_conv_rows.h"

/* Widen rg groups of 4 bytes at src into the lanes xw[0], xw[2] (then xw[4], xw[6], ...). */
static void lm_rows_widen_row(const int8_t *src, int32_t rg, int32_t *xw)
{
    for (; rg > 0; --rg, src += 4, xw += 4) {
        const int32_t v = lm_read_word(src);
        xw[0] = lm_simd_even(v);
        xw[2] = lm_simd_odd(v);
    }
}

/* The r4 bytes of kernel row iy (inside the input) for a window starting at column ix0: the
 * input where there is one, the zero point elsewhere. row: r4 bytes, 4-aligned. */
static const int8_t *lm_rows_clip(const lm_conv_params *p, const int8_t *in_b, int32_t iy, int32_t ix0, int32_t r4,
                                  int8_t *row)
{
    const int32_t in_c = p->in_c, x0 = LM_MAX(ix0, 0), x1 = LM_MIN(ix0 + p->k_w, p->in_w);
    const uint32_t fill = 0x01010101u * (uint8_t)p->in_zp;
    const int8_t *src = in_b + (iy * p->in_w + x0) * in_c;
    int32_t i, n = LM_MAX(x1 - x0, 0) * in_c;
    int8_t *dst = row + (x0 - ix0) * in_c;
    for (i = 0; i < r4; i += 4) {
        memcpy(row + i, &fill, 4);
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
    return row;
}

/* One pixel's rows, window at (iy0, ix0), into the lanes of slot xw; rows outside the input
 * take the zero point, rows clipped at a border or ending past the input go through row. */
static void lm_rows_pixel(const lm_conv_params *p, const int8_t *in_b, int32_t iy0, int32_t ix0, int32_t *xw,
                          int8_t *row)
{
    const int32_t in_c = p->in_c, in_h = p->in_h, line = p->in_w * in_c, rg = (p->k_w * in_c + 3) >> 2;
    const int32_t zp = p->in_zp, zpw = (int32_t)(((uint32_t)zp & 0xFFFFu) | ((uint32_t)zp << 16));
    const int inside_x = ix0 >= 0 && ix0 + p->k_w <= p->in_w;
    const int32_t last = in_h * line - 4 * rg - ix0 * in_c;   /* the largest row offset read in place */
    int32_t ky, g;
    for (ky = 0; ky < p->k_h; ++ky, xw += 4 * rg) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= in_h) {
            for (g = 0; g < rg; ++g) {
                xw[4 * g] = zpw;
                xw[4 * g + 2] = zpw;
            }
        } else if (inside_x && iy * line <= last) {
            lm_rows_widen_row(in_b + iy * line + ix0 * in_c, rg, xw);
        } else {
            lm_rows_widen_row(lm_rows_clip(p, in_b, iy, ix0, 4 * rg, row), rg, xw);
        }
    }
}

/* Whether the window at (iy0, ix0) is read in place whole. */
static int lm_rows_inside(const lm_conv_params *p, int32_t iy0, int32_t ix0)
{
    const int32_t line = p->in_w * p->in_c, r4 = ((p->k_w * p->in_c + 3) >> 2) * 4;
    const int32_t iy1 = iy0 + (p->k_h - 1) * p->dil_h;
    return iy0 >= 0 && iy1 < p->in_h && ix0 >= 0 && ix0 + p->k_w <= p->in_w
           && iy1 * line + ix0 * p->in_c + r4 <= p->in_h * line;
}

void lm_conv_rows_widen(const lm_conv_params *p, const int8_t *in_b, int32_t pix, int32_t two, int32_t *xw,
                        int8_t *row)
{
    const int32_t out_w = p->out_w, oy = pix / out_w, ox = pix - oy * out_w;
    const int32_t oy1 = ox + 1 < out_w ? oy : oy + 1, ox1 = ox + 1 < out_w ? ox + 1 : 0;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int32_t iy1 = two ? oy1 * p->stride_h - p->pad_top : iy0, ix1 = two ? ox1 * p->stride_w - p->pad_left : ix0;
    if (lm_rows_inside(p, iy0, ix0) && lm_rows_inside(p, iy1, ix1)) {
        /* both windows in place: one pass over the rows widens both */
        const int32_t in_c = p->in_c, line = p->in_w * in_c, step = p->dil_h * line;
        const int32_t rg = (p->k_w * in_c + 3) >> 2;
        const int8_t *a = in_b + iy0 * line + ix0 * in_c;
        const int8_t *b = in_b + iy1 * line + ix1 * in_c;
        int32_t ky, g;
        for (ky = p->k_h; ky > 0; --ky, a += step, b += step) {
            for (g = 0; g < 4 * rg; g += 4, xw += 4) {
                const int32_t va = lm_read_word(a + g), vb = lm_read_word(b + g);
                xw[0] = lm_simd_even(va);
                xw[1] = lm_simd_even(vb);
                xw[2] = lm_simd_odd(va);
                xw[3] = lm_simd_odd(vb);
            }
        }
        return;
    }
    lm_rows_pixel(p, in_b, iy0, ix0, xw, row);
    lm_rows_pixel(p, in_b, iy1, ix1, xw + 1, row);
}
