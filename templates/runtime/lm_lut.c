/* litemicro runtime: int8 -> int8 table lookup. */
#include "lm_lut.h"

void lm_lut_s8(const int8_t *table, const int8_t *in, int8_t *out, int32_t size)
{
    const int8_t *const centre = table + 128;   /* centre[x] for x in -128 .. 127 */
    int32_t i = 0;
    for (; i + 4 <= size; i += 4) {
        const int8_t a = centre[in[i]];
        const int8_t b = centre[in[i + 1]];
        const int8_t c = centre[in[i + 2]];
        const int8_t d = centre[in[i + 3]];
        out[i] = a;
        out[i + 1] = b;
        out[i + 2] = c;
        out[i + 3] = d;
    }
    for (; i < size; ++i) {
        out[i] = centre[in[i]];
    }
}
