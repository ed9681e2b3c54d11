/* litemicro runtime: int16 element-wise arithmetic, bit-exact with TFLM. */
#ifndef LM_MATH16_H
#define LM_MATH16_H

#include <stdint.h>

/* ABS on int16. quantized (zero points 0): |x|, requantized by (mult, shift) when rescale is
 * set, saturated to int16. Not quantized: |x| kept to 16 bits, as TFLM's std::abs (so -32768
 * stays -32768). */
void lm_abs_s16(const void *in, void *out, int32_t size, int32_t mult, int32_t shift, int32_t rescale,
                int32_t quantized);

#endif /* LM_MATH16_H */
