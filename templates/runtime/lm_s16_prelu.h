/* litemicro runtime: PRELU with int16 input and output and an int8 alpha (TFLM's
 * BroadcastPrelu4DSlow<int16_t, int8_t>), the loop nest of lm_prelu.h. */
#ifndef LM_S16_PRELU_H
#define LM_S16_PRELU_H

#include <stdint.h>

#include "lm_prelu.h"

void lm_prelu_s16(const lm_prelu_params *p, const void *in, const int8_t *alpha, void *out);

#endif /* LM_S16_PRELU_H */
