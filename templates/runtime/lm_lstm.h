/* litemicro runtime: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations, int16 cell state. */
#ifndef LM_LSTM_H
#define LM_LSTM_H

#include <stdint.h>

/* Gates in TFLite's order: 0 input, 1 forget, 2 cell, 3 output. */
#define LM_LSTM_GATES 4

typedef struct {
    int32_t batches, steps, in_depth, units;
    int32_t in_batch_stride, in_step_stride;      /* elements between batches / steps of the input */
    int32_t out_batch_stride, out_step_stride;    /* likewise for the output */
    int32_t hidden_zp;
    int32_t in_mult[LM_LSTM_GATES], in_shift[LM_LSTM_GATES];    /* input FC -> Q3.12 */
    int32_t rec_mult[LM_LSTM_GATES], rec_shift[LM_LSTM_GATES];  /* recurrent FC -> Q3.12 */
    int32_t forget_mult, forget_shift;            /* forget gate x cell -> cell */
    int32_t update_mult, update_shift;            /* input gate x cell gate -> cell */
    int32_t hidden_mult, hidden_shift;            /* tanh(cell) x output gate -> hidden */
    int32_t clip_cell, cell_clip;                 /* clip the cell state to +-cell_clip when set */
    int32_t tanh_mult, tanh_shift;                /* cell state -> tanh input: (c * m + r) >> s */
} lm_lstm_params;

/* in: [batches, steps, in_depth] (or [steps, batches, in_depth], by the strides);
 * w_in: [4][units][in_depth], b_in: [4][units] (input zero-point term folded in);
 * w_rec: [4][units][units], b_rec: [4][units] (hidden zero-point term);
 * sigmoid: the 256-entry interpolation table;
 * hidden: [batches][units] state, kept as (h - hidden_zp) wrapped to 8 bits so that zeroed
 * memory is TFLM's reset state; cell: [batches][units] int16 state (4-byte aligned);
 * scratch: batches * units bytes; out: one hidden vector per batch and step. */
void lm_lstm_s8(const lm_lstm_params *p, const int8_t *in, const int8_t *w_in, const int32_t *b_in,
                const int8_t *w_rec, const int32_t *b_rec, const uint16_t *sigmoid, int8_t *hidden,
                int8_t *cell, int8_t *scratch, int8_t *out);

/* int16 activations (int16x8): in, hidden and out int16 with zero point 0; b_in: [4][units] int64
 * (the recurrent FC has no bias); in_mult / rec_mult: the reduced 16-bit multipliers and
 * in_shift / rec_shift the right shifts 15 - shift of TFLM's 64-bit requantization. */
void lm_lstm_s16(const lm_lstm_params *p, const void *in, const int8_t *w_in, const int64_t *b_in,
                 const int8_t *w_rec, const uint16_t *sigmoid, void *hidden, int8_t *cell, void *out);

#endif /* LM_LSTM_H */
