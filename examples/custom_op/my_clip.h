/* MyClip: a custom int8 operator, clamping every element to [low, high]. */
#ifndef MY_CLIP_H
#define MY_CLIP_H

#include <stdint.h>

void my_clip_s8(const int8_t *in, int8_t *out, int32_t size, int32_t low, int32_t high);

#endif /* MY_CLIP_H */
