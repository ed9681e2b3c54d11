/* litemicro runtime: int8 -> int8 table lookup, the kernel of every unary int8 op.
 *
 * The compiler tabulates the op (LOGISTIC, TANH, RELU, ...) for all 256 input values with
 * TFLM's integer arithmetic, so the kernel does no arithmetic at all.
 */
#ifndef LM_LUT_H
#define LM_LUT_H

#include <stdint.h>

/* out[i] = table[in[i] + 128] for i < size. table: 256 entries for inputs -128 .. 127.
 * in and out may be the same buffer. */
void lm_lut_s8(const int8_t *table, const int8_t *in, int8_t *out, int32_t size);

#endif /* LM_LUT_H */
