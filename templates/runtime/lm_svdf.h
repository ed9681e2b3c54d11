/* litemicro runtime: SVDF, int8 input and output, int8 or int16 state. */
#ifndef LM_SVDF_H
#define LM_SVDF_H

#include <stdint.h>

typedef struct {
    int32_t batches, input_size, filters, units, rank, memory;
    int32_t state_zp, state_min, state_max;
    int32_t feature_mult, feature_shift;       /* input x feature weights -> state */
    int32_t out_mult, out_shift, out_zp;       /* state x time weights -> output */
} lm_svdf_params;

/* in: [batches, input_size]; feature: [filters][input_size]; feature_zp: [filters] input
 * zero-point terms; time: [filters][memory]; bias: [units]; state: [batches][filters][memory],
 * oldest first; out: [batches, units]. filters = units * rank.
 * lm_svdf_s8 keeps an int8 state as (s - state_zp) wrapped to 8 bits (zeroed memory = TFLM's
 * reset); lm_svdf_s8_s16 has int16 time weights and an int16 state (4-byte aligned), zp 0. */
void lm_svdf_s8(const lm_svdf_params *p, const int8_t *in, const int8_t *feature, const int32_t *feature_zp,
                const int8_t *time, const int32_t *bias, int8_t *state, int8_t *out);
void lm_svdf_s8_s16(const lm_svdf_params *p, const int8_t *in, const int8_t *feature, const int32_t *feature_zp,
                    const int16_t *time, const int32_t *bias, int8_t *state, int8_t *out);

#endif /* LM_SVDF_H */
