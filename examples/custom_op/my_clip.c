/* MyClip kernel: out[i] = in[i] clamped to [low, high]; in and out may be the same buffer. */
#include "my_clip.h"

void my_clip_s8(const int8_t *in, int8_t *out, int32_t size, int32_t low, int32_t high)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        const int32_t v = in[i];
        out[i] = (int8_t)(v < low ? low : (v > high ? high : v));
    }
}
