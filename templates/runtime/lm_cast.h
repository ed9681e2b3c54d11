/* litemicro runtime: CAST between int8, int16, int32 and float32, as TFLM's static_cast.
 *
 * lm_cast_<from>_<to>(in, out, size) converts `size` elements. Integer narrowing keeps the
 * low bits (two's complement); float to integer truncates toward zero through int32, so
 * values beyond the int32 range are undefined, as they are in TFLM.
 */
#ifndef LM_CAST_H
#define LM_CAST_H

#include <stdint.h>

#define LM_CAST_DECLARE(from, to) \
    void lm_cast_##from##_##to(const void *in, void *out, int32_t size);

LM_CAST_DECLARE(s8, s16)
LM_CAST_DECLARE(s8, s32)
LM_CAST_DECLARE(s8, f32)
LM_CAST_DECLARE(s16, s8)
LM_CAST_DECLARE(s16, s32)
LM_CAST_DECLARE(s16, f32)
LM_CAST_DECLARE(s32, s8)
LM_CAST_DECLARE(s32, s16)
LM_CAST_DECLARE(s32, f32)
LM_CAST_DECLARE(f32, s8)
LM_CAST_DECLARE(f32, s16)
LM_CAST_DECLARE(f32, s32)

#endif /* LM_CAST_H */
