/* litemicro runtime: the row bands of the few-channel convolutions (lm_conv_rows.h). */
#include "lm_conv_rows.h"

/* n bytes from src to dst, a word at a time (n a multiple of 4; src of any alignment). */
static void lm_rows_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n > 0; n -= 4, dst += 4, src += 4) {
        const int32_t v = lm_read_word(src);
        memcpy(dst, &v, 4);
    }
}

static void lm_rows_fill(int8_t *dst, uint32_t fill, int32_t n)
{
    for (; n > 0; n -= 4, dst += 4) {
        memcpy(dst, &fill, 4);
    }
}

void lm_conv_rows_band(const lm_conv_params *p, const int8_t *in_b, int32_t oy, int32_t rows, int32_t wp,
                       int8_t *band)
{
    const int32_t in_c = p->in_c, line = p->in_w * in_c, iy0 = oy * p->stride_h - p->pad_top;
    const int32_t left = p->pad_left * in_c;                    /* band bytes before input column 0 */
    const int32_t span = LM_MIN(line, wp - left);               /* input bytes a band row holds */
    const int32_t words = span & ~3;
    const uint32_t fill = 0x01010101u * (uint8_t)p->in_zp;
    int32_t j, k;
    for (j = 0; j < rows; ++j, band += wp) {
        const int32_t iy = iy0 + j;
        const int8_t *src;
        lm_rows_fill(band, fill, wp);
        if (iy < 0 || iy >= p->in_h) {
            continue;
        }
        src = in_b + iy * line;
        lm_rows_copy(band + left, src, words);
        for (k = words; k < span; ++k) {
            band[left + k] = src[k];
        }
    }
}
