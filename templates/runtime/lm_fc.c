/* litemicro runtime: FULLY_CONNECTED, int8: two output units per pass over the input. */
#include "lm_common.h"
#include "lm_dot.h"
#include "lm_kernels.h"

void lm_fc_s8(const lm_fc_params *p, const int8_t *in, const int8_t *w, const int32_t *bias,
              const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * in_depth;
        for (o = 0; o < out_depth; ++o) {
            const int32_t c = p->per_channel ? o : 0;
            int32_t acc[2];
            acc[0] = bias[o];
            if (o + 1 < out_depth) {
                const int32_t c1 = p->per_channel ? o + 1 : 0;
                acc[1] = bias[o + 1];
                lm_dot2_s8(w + o * in_depth, w + (o + 1) * in_depth, x, in_depth, acc);
                out[1] = lm_clamp_s8(lm_requantize(acc[1], mult[c1], shift[c1]) + p->out_zp,
                                     p->act_min, p->act_max);
            } else {
                acc[0] += lm_dot_s8(w + o * in_depth, x, in_depth);
            }
            out[0] = lm_clamp_s8(lm_requantize(acc[0], mult[c], shift[c]) + p->out_zp, p->act_min, p->act_max);
            if (o + 1 < out_depth) {
                ++o;
                ++out;
            }
            ++out;
        }
    }
}

/* The last input word of a depth that is not a multiple of 4, padded with zeros (its weights
 * are zero there too): read byte by byte, never past the input. */
static int32_t lm_fc_tail_word(const int8_t *x, int32_t count)
{
    uint32_t v = 0;
    while (count-- > 0) {
        v = (v << 8) | (uint8_t)x[count];
    }
    return (int32_t)v;
}

/* inline assembly only in optimized builds: at -O0 its operands do not fit the registers */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
/* One group of 4 inputs for the block's four units: the input word xv unpacked once, the four
 * weight words loaded two at a time (loads pipeline), each unpacked and two SMLAD; advances w. */
#define LM_FC_GROUP(xv)                                                                        \
    do {                                                                                       \
        int32_t xe_, xo_, w0_, w1_, t0_, t1_;                                                  \
        __asm__("ldr %[w0], [%[w]], #4\n\t"                                                    \
                "ldr %[w1], [%[w]], #4\n\t"                                                    \
                "sxtb16 %[xe], %[x]\n\t"                                                       \
                "sxtb16 %[xo], %[x], ror #8\n\t"                                               \
                "sxtb16 %[t0], %[w0]\n\t"                                                      \
                "sxtb16 %[w0], %[w0], ror #8\n\t"                                              \
                "sxtb16 %[t1], %[w1]\n\t"                                                      \
                "sxtb16 %[w1], %[w1], ror #8\n\t"                                              \
                "smlad %[a0], %[t0], %[xe], %[a0]\n\t"                                         \
                "smlad %[a0], %[w0], %[xo], %[a0]\n\t"                                         \
                "smlad %[a1], %[t1], %[xe], %[a1]\n\t"                                         \
                "smlad %[a1], %[w1], %[xo], %[a1]\n\t"                                         \
                "ldr %[w0], [%[w]], #4\n\t"                                                    \
                "ldr %[w1], [%[w]], #4\n\t"                                                    \
                "sxtb16 %[t0], %[w0]\n\t"                                                      \
                "sxtb16 %[w0], %[w0], ror #8\n\t"                                              \
                "sxtb16 %[t1], %[w1]\n\t"                                                      \
                "sxtb16 %[w1], %[w1], ror #8\n\t"                                              \
                "smlad %[a2], %[t0], %[xe], %[a2]\n\t"                                         \
                "smlad %[a2], %[w0], %[xo], %[a2]\n\t"                                         \
                "smlad %[a3], %[t1], %[xe], %[a3]\n\t"                                         \
                "smlad %[a3], %[w1], %[xo], %[a3]"                                               \
                : [w] "+r"(w), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),       \
                  [xe] "=&r"(xe_), [xo] "=&r"(xo_), [w0] "=&r"(w0_), [w1] "=&r"(w1_),            \
                  [t0] "=&r"(t0_), [t1] "=&r"(t1_)                                               \
                : [x] "r"(xv)                                                                    \
                : "memory");                                                                   \
    } while (0)
#else
#define LM_FC_GROUP(xv)                                                                        \
    do {                                                                                       \
        const int32_t xe_ = lm_simd_even(xv), xo_ = lm_simd_odd(xv);                           \
        a0 = lm_simd_mac(lm_simd_odd(w[0]), xo_, lm_simd_mac(lm_simd_even(w[0]), xe_, a0));     \
        a1 = lm_simd_mac(lm_simd_odd(w[1]), xo_, lm_simd_mac(lm_simd_even(w[1]), xe_, a1));     \
        a2 = lm_simd_mac(lm_simd_odd(w[2]), xo_, lm_simd_mac(lm_simd_even(w[2]), xe_, a2));     \
        a3 = lm_simd_mac(lm_simd_odd(w[3]), xo_, lm_simd_mac(lm_simd_even(w[3]), xe_, a3));     \
        w += 4;                                                                                \
    } while (0)
#endif /* LM_USE_DSP */

/* Four output units against one input vector: w holds, per group of 4 inputs, the four units'
 * int8 words; returns w advanced past the block. */
LM_INLINE const int32_t *lm_fc_block(const int32_t *w, const int8_t *x, int32_t in_depth, int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t n;
    for (n = in_depth >> 2; n > 0; --n, x += 4) {
        const int32_t xv = lm_read_word(x);
        LM_FC_GROUP(xv);
    }
    if (in_depth & 3) {
        const int32_t xv = lm_fc_tail_word(x, in_depth & 3);
        LM_FC_GROUP(xv);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    return w;
}

#undef LM_FC_GROUP

/* One output from a sum and its (multiplier, hi_add, shift_hi) triple at r. */
#define LM_FC_OUT(sum, r, act_min, act_max, out)                                               \
    do {                                                                                       \
        const int32_t m_ = (r)[0], h_ = (r)[1], s_ = (r)[2];                                   \
        LM_REQUANTIZE_STORE(sum, m_, h_, s_, 0, 0, full, act_min, act_max, out);               \
    } while (0)

/* lm_fc_fast_s8's loops; `full` (a constant) says the clamp range is [-128, 127]. */
LM_INLINE void lm_fc_fast_(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *bias,
                           const int32_t *rq, int8_t *out, const int full)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth, act_min = p->act_min, act_max = p->act_max;
    const int32_t rq_step = p->per_channel ? 3 : 0;
    int32_t b, o;
    (void)full;  /* only the DSP path clamps differently */
    for (b = 0; b < p->batches; ++b, in += in_depth) {
        const int32_t *wb = w, *r = rq;
        for (o = 0; o < out_depth; o += 4) {
            int32_t acc[4];
            acc[0] = bias[o];
            acc[1] = bias[o + 1];
            acc[2] = bias[o + 2];
            acc[3] = bias[o + 3];
            wb = lm_fc_block(wb, in, in_depth, acc);
            if (o + 4 <= out_depth) {
                LM_FC_OUT(acc[0], r, act_min, act_max, out);
                LM_FC_OUT(acc[1], r + rq_step, act_min, act_max, out);
                LM_FC_OUT(acc[2], r + 2 * rq_step, act_min, act_max, out);
                LM_FC_OUT(acc[3], r + 3 * rq_step, act_min, act_max, out);
                r += 4 * rq_step;
            } else {
                int32_t j;
                for (j = 0; o + j < out_depth; ++j, r += rq_step) {
                    LM_FC_OUT(acc[j], r, act_min, act_max, out);
                }
            }
        }
    }
}

void lm_fc_fast_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *bias,
                   const int32_t *rq, int8_t *out)
{
    if (p->act_min > -128 || p->act_max < 127) {
        lm_fc_fast_(p, in, w, bias, rq, out, 0);
    } else {
        lm_fc_fast_(p, in, w, bias, rq, out, 1);
    }
}


/* ---- Four units per pass, unit pairs packed in halfwords (lm_fc_pair_s8, lm_dot.h) ---- */

/* One group of 4 inputs (word xv) into the block's sums (s0/s1 of unit pair (0, 1), then of
 * (2, 3)), portable C: the words of pair (0, 1) and (2, 3) for inputs 0 and 2, then for 1, 3. */
LM_INLINE const int32_t *lm_fc_pair_group(const int32_t *w, int32_t xv, int32_t *s)
{
    const int32_t xe = lm_simd_even(xv), xo = lm_simd_odd(xv);
    s[1] = lm_wrap_mac(w[0], xe, s[1]);
    s[0] = lm_wrap_mac(lm_simd_even(w[0]), xe, s[0]);
    s[3] = lm_wrap_mac(w[1], xe, s[3]);
    s[2] = lm_wrap_mac(lm_simd_even(w[1]), xe, s[2]);
    s[1] = lm_wrap_mac(w[2], xo, s[1]);
    s[0] = lm_wrap_mac(lm_simd_even(w[2]), xo, s[0]);
    s[3] = lm_wrap_mac(w[3], xo, s[3]);
    s[2] = lm_wrap_mac(lm_simd_even(w[3]), xo, s[2]);
    return w + 4;
}

/* s[0..3] = the block's sums over w (its 4 starting sums, then 4 words per group of 4 inputs)
 * and the in_depth inputs at x; returns w advanced past the block. */
LM_INLINE const int32_t *lm_fc_pair_block(const int32_t *w, const int8_t *x, int32_t in_depth, int32_t *s)
{
    int32_t groups = in_depth >> 2;
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* 13 registers: four sums, the input word and its odd half, four weight words, three
     * pointers/counters. Per group: five loads back to back, 2 SXTB16, then per weight word
     * 2 SMLAD around one SXTB16: 16 MACs in 20 cycles; eight groups per iteration. */
    int32_t s0, s1, s2, s3, xv, xo, wa, wb, wc, wd;
#define LM_FC_PAIR_GROUP_ASM                                                                   \
    "ldr %[xv], [%[x]], #4\n\t"                                                                \
    "ldr %[wa], [%[w]], #4\n\t"                                                                \
    "ldr %[wb], [%[w]], #4\n\t"                                                                \
    "ldr %[wc], [%[w]], #4\n\t"                                                                \
    "ldr %[wd], [%[w]], #4\n\t"                                                                \
    "sxtb16 %[xo], %[xv], ror #8\n\t"                                                          \
    "sxtb16 %[xv], %[xv]\n\t"                                                                  \
    "smlad %[s1], %[wa], %[xv], %[s1]\n\t"                                                     \
    "sxtb16 %[wa], %[wa]\n\t"                                                                  \
    "smlad %[s0], %[wa], %[xv], %[s0]\n\t"                                                     \
    "smlad %[s3], %[wb], %[xv], %[s3]\n\t"                                                     \
    "sxtb16 %[wb], %[wb]\n\t"                                                                  \
    "smlad %[s2], %[wb], %[xv], %[s2]\n\t"                                                     \
    "smlad %[s1], %[wc], %[xo], %[s1]\n\t"                                                     \
    "sxtb16 %[wc], %[wc]\n\t"                                                                  \
    "smlad %[s0], %[wc], %[xo], %[s0]\n\t"                                                     \
    "smlad %[s3], %[wd], %[xo], %[s3]\n\t"                                                     \
    "sxtb16 %[wd], %[wd]\n\t"                                                                  \
    "smlad %[s2], %[wd], %[xo], %[s2]\n\t"
    __asm__("ldr %[s0], [%[w]], #4\n\t"
            "ldr %[s1], [%[w]], #4\n\t"
            "ldr %[s2], [%[w]], #4\n\t"
            "ldr %[s3], [%[w]], #4\n\t"
            "lsrs %[n], %[n], #1\n\t"
            "bcc 2f\n\t"
            LM_FC_PAIR_GROUP_ASM
            "2:\n\t"
            "lsrs %[n], %[n], #1\n\t"
            "bcc 4f\n\t"
            LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM
            "4:\n\t"
            "lsrs %[n], %[n], #1\n\t"
            "bcc 5f\n\t"
            LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM
            "5:\n\t"
            "cmp %[n], #0\n\t"
            "beq 3f\n"
            "1:\n\t"
            LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM
            LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM LM_FC_PAIR_GROUP_ASM
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n"
            "3:"
            : [w] "+r"(w), [x] "+r"(x), [n] "+r"(groups), [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2),
              [s3] "=&r"(s3), [xv] "=&r"(xv), [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb),
              [wc] "=&r"(wc), [wd] "=&r"(wd)
            :
            : "cc", "memory");
#undef LM_FC_PAIR_GROUP_ASM
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
#else
    s[0] = w[0];
    s[1] = w[1];
    s[2] = w[2];
    s[3] = w[3];
    for (w += 4; groups > 0; --groups, x += 4) {
        w = lm_fc_pair_group(w, lm_read_word(x), s);
    }
#endif /* LM_USE_DSP */
    if (in_depth & 3) {
        w = lm_fc_pair_group(w, lm_fc_tail_word(x, in_depth & 3), s);
    }
    s[1] = lm_pair_hi(s[0], s[1]);
    s[3] = lm_pair_hi(s[2], s[3]);
    return w;
}

/* The four outputs of a block (the first n of them when n < 4) from its sums. */
#define LM_FC_PAIR_OUT4(s, r0, r1, r2, r3, n, out)                                             \
    do {                                                                                       \
        if ((n) >= 4) {                                                                        \
            LM_FC_OUT(s[0], r0, act_min, act_max, out);                                        \
            LM_FC_OUT(s[1], r1, act_min, act_max, out);                                        \
            LM_FC_OUT(s[2], r2, act_min, act_max, out);                                        \
            LM_FC_OUT(s[3], r3, act_min, act_max, out);                                        \
        } else {  /* the last block's zero units are computed into t and dropped */            \
            int8_t t_[4], *q_ = t_;                                                            \
            int32_t j_;                                                                        \
            LM_FC_OUT(s[0], r0, act_min, act_max, q_);                                         \
            LM_FC_OUT(s[1], r1, act_min, act_max, q_);                                         \
            LM_FC_OUT(s[2], r2, act_min, act_max, q_);                                         \
            LM_FC_OUT(s[3], r3, act_min, act_max, q_);                                         \
            for (j_ = 0; j_ < (n); ++j_) {                                                     \
                *(out)++ = t_[j_];                                                             \
            }                                                                                  \
        }                                                                                      \
    } while (0)

/* lm_fc_pair_s8's loops; `full` (a constant) says the clamp range is [-128, 127], `tensor` (a
 * constant) that one triple serves every unit (then it stays in registers). */
LM_INLINE void lm_fc_pair_(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                           int8_t *out, const int full, const int tensor)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth, act_min = p->act_min, act_max = p->act_max;
    const int32_t m = rq[0], h = rq[1], sh = rq[2];
    int32_t b, o, s[4];
    (void)full;  /* only the DSP path clamps differently */
    for (b = 0; b < p->batches; ++b, in += in_depth) {
        const int32_t *wb = w, *r = rq;
        for (o = 0; o < out_depth; o += 4, r += 12) {
            wb = lm_fc_pair_block(wb, in, in_depth, s);
            if (tensor) {
                const int32_t t3[3] = {m, h, sh};
                LM_FC_PAIR_OUT4(s, t3, t3, t3, t3, out_depth - o, out);
            } else {
                LM_FC_PAIR_OUT4(s, r, r + 3, r + 6, r + 9, out_depth - o, out);
            }
        }
    }
}

#undef LM_FC_PAIR_OUT4

/* Entry points, one instance each (a layer links only the one it calls): per-unit triples
 * (rq: out_depth rounded up to 4 of them) or one triple for every unit (`tensor`), any clamp
 * range or [-128, 127] (`ssat`). */
void lm_fc_pair_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq, int8_t *out)
{
    lm_fc_pair_(p, in, w, rq, out, 0, 0);
}

void lm_fc_pair_ssat_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq, int8_t *out)
{
    lm_fc_pair_(p, in, w, rq, out, 1, 0);
}

void lm_fc_pair_tensor_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                          int8_t *out)
{
    lm_fc_pair_(p, in, w, rq, out, 0, 1);
}

void lm_fc_pair_tensor_ssat_s8(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                               int8_t *out)
{
    lm_fc_pair_(p, in, w, rq, out, 1, 1);
}

#undef LM_FC_OUT
