/* litemicro runtime: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 x int8 -> int16 cell, TFLM's arithmetic.
 *
 * Per unit j of a step: each gate is sat16(FC_in) + sat16(FC_rec) saturated to int16 (Q3.12),
 * then sigmoid (tanh for the cell gate) to Q0.15; the cell becomes
 * sat16(forget * cell + input * cell_gate), optionally clipped, and the hidden value is
 * tanh(cell) * output requantized to int8. All units of a step read the previous hidden
 * vector, so the new one is written to the output first and copied back after the step.
 */
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_lstm.h"

LM_INLINE int32_t lm_sat_s16(int32_t v)
{
    return v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
}

/* MultiplyByQuantizedMultiplier (TFLM's two roundings), in 32-bit steps after one 32x32->64
 * multiply: for a multiplier >= 0, SaturatingRoundingDoublingHighMul is (a * m + 2^30) >> 31,
 * and RoundingDivideByPOT rounds half away from zero. */
LM_INLINE int32_t lm_lstm_scale(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int32_t a = (int32_t)((uint32_t)x << left);
    const int32_t high = (int32_t)(((int64_t)a * multiplier + ((int64_t)1 << 30)) >> 31);
    const int32_t mask = (int32_t)((1u << right) - 1u);
    const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

/* (v + 128) mod 256 - 128: the int8 value of v wrapped, with no implementation-defined cast. */
LM_INLINE int8_t lm_wrap_s8(int32_t v)
{
    return (int8_t)(((v + 128) & 255) - 128);
}

/* Sigmoid of a Q3.12 value to Q0.15: the input is scaled by 3 so that 2^9 steps one table entry. */
LM_INLINE int16_t lm_sigmoid_s16(int32_t x, const uint16_t *table)
{
    const int32_t v = x * 3;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v);
    const uint32_t i = a >> 9;
    uint32_t r = 0x7FFFu << 10;
    if (i < 255) {
        const uint32_t lo = table[i], hi = table[i + 1];
        r = (lo << 9) + (a & 0x1FFu) * (hi - lo);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

/* Tanh to Q0.15 through the same table (tanh(x) = 2 sigmoid(2x) - 1); the input is first
 * scaled by (x * mult + round) >> shift so that 2^8 steps one table entry. */
LM_INLINE int16_t lm_tanh_s16(int32_t x, int32_t mult, int32_t shift, const uint16_t *table)
{
    const int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
    const int32_t v = (x * mult + round) >> shift;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v);
    const uint32_t i = a >> 8;
    int32_t r = 0xFFFF << 8;
    if (i < 255) {
        const uint32_t lo = table[i], hi = table[i + 1];
        r = (int32_t)((lo << 8) + (a & 0xFFu) * (hi - lo));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(r >> 8);
}

typedef struct {
    const int8_t *w_in, *w_rec;
    const int32_t *b_in, *b_rec;
    const uint16_t *sigmoid;
} lm_lstm_weights;

/* FC of one unit for the four gates: acc[g] = bias[g][j] + w[g][j] . x, two rows per pass. */
LM_INLINE void lm_lstm_fc4(const int8_t *w, const int32_t *bias, int32_t units, int32_t j, const int8_t *x,
                           int32_t depth, int32_t *acc)
{
    int32_t g;
    for (g = 0; g < LM_LSTM_GATES; ++g) {
        acc[g] = bias[g * units + j];
    }
    lm_dot2_s8(w + j * depth, w + (units + j) * depth, x, depth, acc);
    lm_dot2_s8(w + (2 * units + j) * depth, w + (3 * units + j) * depth, x, depth, acc + 2);
}

/* Gate g's activation of its Q3.12 sum: sigmoid, tanh for the cell gate (2). */
LM_INLINE int32_t lm_lstm_activation(int32_t g, int32_t sum, const uint16_t *sigmoid)
{
    return g == 2 ? lm_tanh_s16(sum, 3, 0, sigmoid) : lm_sigmoid_s16(sum, sigmoid);
}

/* The gate activations from the two FC outputs requantized to Q3.12. */
LM_INLINE void lm_lstm_activate(const int32_t *in_q, const int32_t *rec_q, const uint16_t *sigmoid, int32_t *gate)
{
    int32_t g;
    for (g = 0; g < LM_LSTM_GATES; ++g) {
        gate[g] = lm_lstm_activation(g, lm_sat_s16(lm_sat_s16(in_q[g]) + lm_sat_s16(rec_q[g])), sigmoid);
    }
}

/* The four gates of unit j: activation(sat16(sat16(FC_in) + sat16(FC_rec))), Q0.15. */
static void lm_lstm_gates(const lm_lstm_params *p, const lm_lstm_weights *wt, int32_t j, const int8_t *x,
                          const int8_t *h, int32_t *gate)
{
    int32_t in_acc[LM_LSTM_GATES], rec_acc[LM_LSTM_GATES], g;
    lm_lstm_fc4(wt->w_in, wt->b_in, p->units, j, x, p->in_depth, in_acc);
    lm_lstm_fc4(wt->w_rec, wt->b_rec, p->units, j, h, p->units, rec_acc);
    for (g = 0; g < LM_LSTM_GATES; ++g) {
        const int32_t sum = lm_sat_s16(lm_sat_s16(lm_lstm_scale(in_acc[g], p->in_mult[g], p->in_shift[g])) +
                                       lm_sat_s16(lm_lstm_scale(rec_acc[g], p->rec_mult[g], p->rec_shift[g])));
        gate[g] = lm_lstm_activation(g, sum, wt->sigmoid);
    }
}

/* The cell update of one unit (in place) and its hidden value tanh(cell) * output gate,
 * requantized to the hidden scale (zero point not added). */
LM_INLINE int32_t lm_lstm_update(const lm_lstm_params *p, const int32_t *gate, int16_t *c, const uint16_t *sigmoid)
{
    int32_t cs = lm_sat_s16(lm_lstm_scale(gate[1] * *c, p->forget_mult, p->forget_shift));
    cs = lm_sat_s16(cs + lm_sat_s16(lm_lstm_scale(gate[0] * gate[2], p->update_mult, p->update_shift)));
    if (p->clip_cell) {
        cs = LM_MAX(LM_MIN(cs, p->cell_clip), -p->cell_clip);
    }
    *c = (int16_t)cs;
    return lm_lstm_scale(lm_tanh_s16(cs, p->tanh_mult, p->tanh_shift, sigmoid) * gate[3], p->hidden_mult,
                         p->hidden_shift);
}

/* One step of one batch: reads x and the previous hidden vector h, updates the cell c in
 * place and writes the new hidden vector to y. */
static void lm_lstm_step(const lm_lstm_params *p, const lm_lstm_weights *wt, const int8_t *x,
                         const int8_t *h, int16_t *c, int8_t *y)
{
    int32_t j, gate[LM_LSTM_GATES];
    for (j = 0; j < p->units; ++j) {
        lm_lstm_gates(p, wt, j, x, h, gate);
        y[j] = lm_clamp_s8(lm_lstm_update(p, gate, c + j, wt->sigmoid) + p->hidden_zp, -128, 127);
    }
}

void lm_lstm_s8(const lm_lstm_params *p, const int8_t *in, const int8_t *w_in, const int32_t *b_in,
                const int8_t *w_rec, const int32_t *b_rec, const uint16_t *sigmoid, int8_t *hidden,
                int8_t *cell, int8_t *scratch, int8_t *out)
{
    const lm_lstm_weights wt = {w_in, w_rec, b_in, b_rec, sigmoid};
    const int32_t units = p->units, n = p->batches * units;
    int16_t *cells = (int16_t *)(void *)cell;
    int32_t b, t, k;
    for (k = 0; k < n; ++k) {
        scratch[k] = lm_wrap_s8(hidden[k] + p->hidden_zp);
    }
    for (b = 0; b < p->batches; ++b) {
        int8_t *h = scratch + b * units;
        for (t = 0; t < p->steps; ++t) {
            int8_t *y = out + b * p->out_batch_stride + t * p->out_step_stride;
            lm_lstm_step(p, &wt, in + b * p->in_batch_stride + t * p->in_step_stride, h, cells + b * units, y);
            memcpy(h, y, (size_t)units);
        }
    }
    for (k = 0; k < n; ++k) {
        hidden[k] = lm_wrap_s8(scratch[k] - p->hidden_zp);
    }
}

/* ---- int16 activations (int16x8): 64-bit FC sums, int64 biases ---------------------------- */

/* TFLM's MultiplyByQuantizedMultiplier for an int64 value: m the reduced 16-bit multiplier,
 * s = 15 - shift >= 1 (the compiler checks both). */
LM_INLINE int32_t lm_lstm_scale64(int64_t acc, int32_t m, int32_t s)
{
    const uint64_t prod = (uint64_t)acc * (uint64_t)(int64_t)m + ((uint64_t)1 << (s - 1));
    return (int32_t)(uint32_t)((uint64_t)((int64_t)prod >> s));
}

/* One gate's FC of unit j over an int16 vector, in 64 bits, requantized to Q3.12. */
LM_INLINE int32_t lm_lstm_fc_s16(const int8_t *w, int64_t acc, const int16_t *x, int32_t depth, int32_t m, int32_t s)
{
    int32_t i;
    for (i = 0; i < depth; ++i) {
        acc += (int32_t)x[i] * (int32_t)w[i];
    }
    return lm_lstm_scale64(acc, m, s);
}

static void lm_lstm_step_s16(const lm_lstm_params *p, const int8_t *w_in, const int64_t *b_in, const int8_t *w_rec,
                             const uint16_t *sigmoid, const int16_t *x, const int16_t *h, int16_t *c, int16_t *y)
{
    const int32_t units = p->units, depth = p->in_depth;
    int32_t j, g, in_q[LM_LSTM_GATES], rec_q[LM_LSTM_GATES], gate[LM_LSTM_GATES];
    for (j = 0; j < units; ++j) {
        for (g = 0; g < LM_LSTM_GATES; ++g) {
            const int32_t row = g * units + j;
            in_q[g] = lm_lstm_fc_s16(w_in + row * depth, b_in[row], x, depth, p->in_mult[g], p->in_shift[g]);
            rec_q[g] = lm_lstm_fc_s16(w_rec + row * units, 0, h, units, p->rec_mult[g], p->rec_shift[g]);
        }
        lm_lstm_activate(in_q, rec_q, sigmoid, gate);
        y[j] = (int16_t)lm_sat_s16(lm_lstm_update(p, gate, c + j, sigmoid));
    }
}

void lm_lstm_s16(const lm_lstm_params *p, const void *in, const int8_t *w_in, const int64_t *b_in,
                 const int8_t *w_rec, const uint16_t *sigmoid, void *hidden, int8_t *cell, void *out)
{
    const int16_t *x = (const int16_t *)in;
    int16_t *hid = (int16_t *)hidden, *y = (int16_t *)out;
    int16_t *cells = (int16_t *)(void *)cell;
    const int32_t units = p->units;
    int32_t b, t;
    for (b = 0; b < p->batches; ++b) {
        int16_t *h = hid + b * units;
        for (t = 0; t < p->steps; ++t) {
            int16_t *yt = y + b * p->out_batch_stride + t * p->out_step_stride;
            lm_lstm_step_s16(p, w_in, b_in, w_rec, sigmoid, x + b * p->in_batch_stride + t * p->in_step_stride, h,
                             cells + b * units, yt);
            memcpy(h, yt, (size_t)units * sizeof(int16_t));
        }
    }
}
