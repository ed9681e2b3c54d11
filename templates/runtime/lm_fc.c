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
                acc[0] = lm_wrap_add(acc[0], lm_dot_s8(w + o * in_depth, x, in_depth));
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


/* ---- Six or four units per pass, unit pairs packed in halfwords (lm_fc_hex_s8, lm_dot.h) ---- */

/* One group of 4 inputs (word xv) into the sums of `pairs` unit pairs (s0, s1 per pair),
 * portable C: per pair its word for inputs 0 and 2, then per pair its word for inputs 1, 3. */
LM_INLINE const int32_t *lm_fc_pairs_group(const int32_t *w, int32_t xv, int32_t *s, const int pairs)
{
    const int32_t xe = lm_simd_even(xv), xo = lm_simd_odd(xv);
    int32_t k;
    for (k = 0; k < pairs; ++k) {
        s[2 * k + 1] = lm_wrap_mac(w[k], xe, s[2 * k + 1]);
        s[2 * k] = lm_wrap_mac(lm_simd_even(w[k]), xe, s[2 * k]);
        s[2 * k + 1] = lm_wrap_mac(w[pairs + k], xo, s[2 * k + 1]);
        s[2 * k] = lm_wrap_mac(lm_simd_even(w[pairs + k]), xo, s[2 * k]);
    }
    return w + 2 * pairs;
}

/* The portable block: s[0..2*pairs) = its starting sums plus the sums over every group. */
LM_INLINE const int32_t *lm_fc_pairs_block_c(const int32_t *w, const int8_t *x, int32_t groups, int32_t *s,
                                             const int pairs)
{
    int32_t k;
    for (k = 0; k < 2 * pairs; ++k) {
        s[k] = w[k];
    }
    for (w += 2 * pairs; groups > 0; --groups, x += 4) {
        w = lm_fc_pairs_group(w, lm_read_word(x), s, pairs);
    }
    return w;
}

#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
/* The group count's low bits, then groups of four: `grp` is one group's assembly. */
#define LM_FC_LOOP_ASM(grp)                                                                    \
    "lsrs %[n], %[n], #1\n\t"                                                                  \
    "bcc 2f\n\t" grp "2:\n\t"                                                                  \
    "lsrs %[n], %[n], #1\n\t"                                                                  \
    "bcc 4f\n\t" grp grp "4:\n\t"                                                              \
    "cmp %[n], #0\n\t"                                                                         \
    "beq 3f\n"                                                                                 \
    "1:\n\t" grp grp grp grp                                                                   \
    "subs %[n], %[n], #1\n\t"                                                                  \
    "bne 1b\n"                                                                                 \
    "3:"
#endif

/* Four units (two pairs): s[0..3] = the block's sums over w (its 4 starting sums, then 4 words
 * per group of 4 inputs) and the in_depth inputs at x; returns w advanced past the block. */
LM_INLINE const int32_t *lm_fc_pair_block(const int32_t *w, const int8_t *x, int32_t in_depth, int32_t *s)
{
    int32_t groups = in_depth >> 2;
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* 13 registers: four sums, the input word and its odd half, four weight words, three
     * pointers/counters. Per group: five loads back to back, 2 SXTB16, then per weight word
     * 2 SMLAD around one SXTB16: 16 MACs in 20 cycles. */
    int32_t s0, s1, s2, s3, xv, xo, wa, wb, wc, wd;
#define LM_FC_PAIR_GROUP_ASM "ldr %[xv], [%[x]], #4\n\t" LM_FC_PAIR_WORDS_ASM
#define LM_FC_PAIR_WORDS_ASM                                                                   \
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
            LM_FC_LOOP_ASM(LM_FC_PAIR_GROUP_ASM)
            : [w] "+r"(w), [x] "+r"(x), [n] "+r"(groups), [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2),
              [s3] "=&r"(s3), [xv] "=&r"(xv), [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb),
              [wc] "=&r"(wc), [wd] "=&r"(wd)
            :
            : "cc", "memory");
    if (in_depth & 3) {  /* the last inputs, zero-padded to a word */
        xv = lm_fc_tail_word(x, in_depth & 3);
        __asm__(LM_FC_PAIR_WORDS_ASM
                : [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [xv] "+r"(xv),
                  [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc), [wd] "=&r"(wd)
                :
                : "memory");
    }
#undef LM_FC_PAIR_GROUP_ASM
#undef LM_FC_PAIR_WORDS_ASM
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
#else
    w = lm_fc_pairs_block_c(w, x, groups, s, 2);
    x += 4 * groups;
    if (in_depth & 3) {
        w = lm_fc_pairs_group(w, lm_fc_tail_word(x, in_depth & 3), s, 2);
    }
#endif /* LM_USE_DSP */
    return w;
}

/* Six units (three pairs), as lm_fc_pair_block: s[0..5], 6 starting sums, 6 words per group. */
LM_INLINE const int32_t *lm_fc_hex_block(const int32_t *w, const int8_t *x, int32_t in_depth, int32_t *s)
{
    int32_t groups = in_depth >> 2;
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* 14 registers: six sums, the input word (even half) and its odd half, three weight words,
     * three pointers/counters. Per group: four loads back to back, 2 SXTB16, the three even
     * words (2 SMLAD around one SXTB16 each), three loads, the three odd words: 24 MACs in 29
     * cycles (the input unpacked once for six units). */
    int32_t s0, s1, s2, s3, s4, s5, xv, xo, wa, wb, wc;
#define LM_FC_HEX_WORD_ASM(wr, hi, lo, xr)                                                     \
    "smlad %[" hi "], %[" wr "], %[" xr "], %[" hi "]\n\t"                                     \
    "sxtb16 %[" wr "], %[" wr "]\n\t"                                                          \
    "smlad %[" lo "], %[" wr "], %[" xr "], %[" lo "]\n\t"
#define LM_FC_HEX_GROUP_ASM "ldr %[xv], [%[x]], #4\n\t" LM_FC_HEX_WORDS_ASM
#define LM_FC_HEX_WORDS_ASM                                                                    \
    "ldr %[wa], [%[w]], #4\n\t"                                                                \
    "ldr %[wb], [%[w]], #4\n\t"                                                                \
    "ldr %[wc], [%[w]], #4\n\t"                                                                \
    "sxtb16 %[xo], %[xv], ror #8\n\t"                                                          \
    "sxtb16 %[xv], %[xv]\n\t"                                                                  \
    LM_FC_HEX_WORD_ASM("wa", "s1", "s0", "xv")                                                 \
    LM_FC_HEX_WORD_ASM("wb", "s3", "s2", "xv")                                                 \
    LM_FC_HEX_WORD_ASM("wc", "s5", "s4", "xv")                                                 \
    "ldr %[wa], [%[w]], #4\n\t"                                                                \
    "ldr %[wb], [%[w]], #4\n\t"                                                                \
    "ldr %[wc], [%[w]], #4\n\t"                                                                \
    LM_FC_HEX_WORD_ASM("wa", "s1", "s0", "xo")                                                 \
    LM_FC_HEX_WORD_ASM("wb", "s3", "s2", "xo")                                                 \
    LM_FC_HEX_WORD_ASM("wc", "s5", "s4", "xo")
    __asm__("ldr %[s0], [%[w]], #4\n\t"
            "ldr %[s1], [%[w]], #4\n\t"
            "ldr %[s2], [%[w]], #4\n\t"
            "ldr %[s3], [%[w]], #4\n\t"
            "ldr %[s4], [%[w]], #4\n\t"
            "ldr %[s5], [%[w]], #4\n\t"
            LM_FC_LOOP_ASM(LM_FC_HEX_GROUP_ASM)
            : [w] "+r"(w), [x] "+r"(x), [n] "+r"(groups), [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2),
              [s3] "=&r"(s3), [s4] "=&r"(s4), [s5] "=&r"(s5), [xv] "=&r"(xv), [xo] "=&r"(xo),
              [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)
            :
            : "cc", "memory");
    if (in_depth & 3) {  /* the last inputs, zero-padded to a word */
        xv = lm_fc_tail_word(x, in_depth & 3);
        __asm__(LM_FC_HEX_WORDS_ASM
                : [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4),
                  [s5] "+r"(s5), [xv] "+r"(xv), [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)
                :
                : "memory");
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    s[4] = s4;
    s[5] = s5;
#else
    w = lm_fc_pairs_block_c(w, x, groups, s, 3);
    x += 4 * groups;
    if (in_depth & 3) {
        w = lm_fc_pairs_group(w, lm_fc_tail_word(x, in_depth & 3), s, 3);
    }
#endif /* LM_USE_DSP */
    return w;
}

/* The outputs of a block of 2 * pairs units (sums s[0..2*pairs)) into q[0..2*pairs); `tensor`
 * (a constant): every output requantizes with (m, h2, s2), held in registers, else with r's
 * next triples (lm_requantize_x2, clamped; r advances). On DSP cores one block of assembly:
 * per pair the doubled sums in place, then per output ADD, SMMLAR, ASR, SSAT (or two
 * compares), STRB: no register shuffling between the outputs, no store merging. */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define LM_FC_X2_ASM(a, b)                                                                     \
    "sub %[" b "], %[" b "], %[" a "]\n\t"                                                     \
    "asr %[" b "], %[" b "], #7\n\t"                                                           \
    "lsl %[" a "], %[" a "], #1\n\t"
#define LM_FC_RQ_LOAD_ASM                                                                      \
    "ldr %[m], [%[r]], #4\n\t"                                                                 \
    "ldr %[h], [%[r]], #4\n\t"                                                                 \
    "ldr %[sh], [%[r]], #4\n\t"
#define LM_FC_SSAT_ASM "ssat %[t], #8, %[t]\n\t"
#define LM_FC_CLAMP_ASM                                                                        \
    "cmp %[t], %[lo]\n\t"                                                                      \
    "it lt\n\t"                                                                                \
    "movlt %[t], %[lo]\n\t"                                                                    \
    "cmp %[t], %[hi]\n\t"                                                                      \
    "it gt\n\t"                                                                                \
    "movgt %[t], %[hi]\n\t"
#define LM_FC_RQ_ASM(load, clamp, sum, at)                                                     \
    load "add %[t], %[h], %[" sum "], asr #31\n\t"                                             \
    "smmlar %[t], %[" sum "], %[m], %[t]\n\t"                                                  \
    "asr %[t], %[t], %[sh]\n\t" clamp "strb %[t], [%[q], #" at "]\n\t"
#define LM_FC_PAIR_ASM(load, clamp, a, b, at, bt)                                              \
    LM_FC_X2_ASM(a, b) LM_FC_RQ_ASM(load, clamp, a, at) LM_FC_RQ_ASM(load, clamp, b, bt)
#define LM_FC_OUT4_ASM(load, clamp)                                                            \
    LM_FC_PAIR_ASM(load, clamp, "a0", "b0", "0", "1") LM_FC_PAIR_ASM(load, clamp, "a1", "b1", "2", "3")
#define LM_FC_OUT6_ASM(load, clamp) LM_FC_OUT4_ASM(load, clamp) LM_FC_PAIR_ASM(load, clamp, "a2", "b2", "4", "5")
#define LM_FC_SUMS4 [a0] "+r"(a0), [b0] "+r"(b0), [a1] "+r"(a1), [b1] "+r"(b1), [t] "=&r"(t)
#define LM_FC_SUMS6 LM_FC_SUMS4, [a2] "+r"(a2), [b2] "+r"(b2)
#define LM_FC_TRIPLE [m] "r"(m), [h] "r"(h2), [sh] "r"(s2)
#define LM_FC_LOADED [r] "+r"(r), [m] "=&r"(m_), [h] "=&r"(h_), [sh] "=&r"(s_)
#define LM_FC_BOUNDS [lo] "r"(act_min), [hi] "r"(act_max)
/* `sums`: the operand list of the block's sums, `out`: its assembly for a given load/clamp */
#define LM_FC_BLOCK_OUT(sums, out)                                                             \
    do {                                                                                       \
        int32_t t, m_, h_, s_;                                                                 \
        if (tensor && full) {                                                                  \
            __asm__ volatile(out("", LM_FC_SSAT_ASM) : sums : LM_FC_TRIPLE, [q] "r"(q) : "memory"); \
        } else if (tensor) {                                                                   \
            __asm__ volatile(out("", LM_FC_CLAMP_ASM)                                          \
                             : sums : LM_FC_TRIPLE, [q] "r"(q), LM_FC_BOUNDS : "cc", "memory");  \
        } else if (full) {                                                                     \
            __asm__ volatile(out(LM_FC_RQ_LOAD_ASM, LM_FC_SSAT_ASM)                            \
                             : sums, LM_FC_LOADED : [q] "r"(q) : "memory");                    \
        } else {                                                                               \
            __asm__ volatile(out(LM_FC_RQ_LOAD_ASM, LM_FC_CLAMP_ASM)                           \
                             : sums, LM_FC_LOADED : [q] "r"(q), LM_FC_BOUNDS : "cc", "memory");  \
        }                                                                                      \
        (void)m_, (void)h_, (void)s_;                                                          \
    } while (0)
#define LM_FC_OUT6() LM_FC_BLOCK_OUT(LM_FC_SUMS6, LM_FC_OUT6_ASM)
#define LM_FC_OUT4() LM_FC_BLOCK_OUT(LM_FC_SUMS4, LM_FC_OUT4_ASM)
#else
#define LM_FC_PAIR_OUT_C(a, b, k)                                                              \
    do {                                                                                       \
        const int32_t lo_ = lm_x2_lo(a), hi_ = lm_x2_hi(a, b);                                 \
        if (tensor) {                                                                          \
            q[2 * (k)] = (int8_t)lm_rq2_clamp(lo_, m, h2, s2, act_min, act_max, full);         \
            q[2 * (k) + 1] = (int8_t)lm_rq2_clamp(hi_, m, h2, s2, act_min, act_max, full);     \
        } else {                                                                               \
            q[2 * (k)] = (int8_t)lm_rq2_clamp(lo_, r[0], r[1], r[2], act_min, act_max, full);  \
            q[2 * (k) + 1] = (int8_t)lm_rq2_clamp(hi_, r[3], r[4], r[5], act_min, act_max, full); \
            r += 6;                                                                            \
        }                                                                                      \
    } while (0)
#define LM_FC_OUT4()                                                                           \
    do {                                                                                       \
        LM_FC_PAIR_OUT_C(a0, b0, 0);                                                           \
        LM_FC_PAIR_OUT_C(a1, b1, 1);                                                           \
    } while (0)
#define LM_FC_OUT6()                                                                           \
    do {                                                                                       \
        LM_FC_OUT4();                                                                          \
        LM_FC_PAIR_OUT_C(a2, b2, 2);                                                           \
    } while (0)
#endif

/* lm_fc_hex_tensor_ssat_s8's whole block of six units in one block of assembly: lm_fc_hex_block's
 * loop, the last inputs' word when the depth is not a multiple of 4, then the six outputs as
 * LM_FC_OUT6 makes them. The values it needs after the loop, when the loop's 14 registers
 * are free again, come from c on the stack: no register shuffling and no reloads between the
 * loop and the outputs. Returns w advanced past the block; c->q advances by 6. */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
typedef struct {
    int32_t m, h2, s2, tail, tail_word;
    int8_t *q;
} lm_fc_fused_ctx;

#define LM_FC_FUSED_OUT_ASM(sum, at)                                                           \
    "add %[wc], %[xo], %[" sum "], asr #31\n\t"                                                \
    "smmlar %[wc], %[" sum "], %[xv], %[wc]\n\t"                                               \
    "asr %[wc], %[wc], %[wa]\n\t"                                                              \
    "ssat %[wc], #8, %[wc]\n\t"                                                                \
    "strb %[wc], [%[wb], #" at "]\n\t"
#define LM_FC_FUSED_X2_ASM(a, b)                                                               \
    "sub %[" b "], %[" b "], %[" a "]\n\t"                                                     \
    "asr %[" b "], %[" b "], #7\n\t"                                                           \
    "lsl %[" a "], %[" a "], #1\n\t"
LM_INLINE const int32_t *lm_fc_hex_fused(const int32_t *w, const int8_t *x, int32_t groups, lm_fc_fused_ctx *c)
{
    int32_t s0, s1, s2, s3, s4, s5, xv, xo, wa, wb, wc;
    __asm__ volatile("ldr %[s0], [%[w]], #4\n\t"
                     "ldr %[s1], [%[w]], #4\n\t"
                     "ldr %[s2], [%[w]], #4\n\t"
                     "ldr %[s3], [%[w]], #4\n\t"
                     "ldr %[s4], [%[w]], #4\n\t"
                     "ldr %[s5], [%[w]], #4\n\t"
                     LM_FC_LOOP_ASM(LM_FC_HEX_GROUP_ASM) "\n\t"
                     "ldr %[n], %[tail]\n\t"
                     "cmp %[n], #0\n\t"
                     "beq 5f\n\t"
                     "ldr %[xv], %[tw]\n\t"
                     LM_FC_HEX_WORDS_ASM
                     "5:\n\t"
                     LM_FC_FUSED_X2_ASM("s0", "s1") LM_FC_FUSED_X2_ASM("s2", "s3") LM_FC_FUSED_X2_ASM("s4", "s5")
                     "ldr %[xv], %[m]\n\t"
                     "ldr %[xo], %[h]\n\t"
                     "ldr %[wa], %[sh]\n\t"
                     "ldr %[wb], %[q]\n\t"
                     LM_FC_FUSED_OUT_ASM("s0", "0") LM_FC_FUSED_OUT_ASM("s1", "1") LM_FC_FUSED_OUT_ASM("s2", "2")
                     LM_FC_FUSED_OUT_ASM("s3", "3") LM_FC_FUSED_OUT_ASM("s4", "4") LM_FC_FUSED_OUT_ASM("s5", "5")
                     "add %[wb], %[wb], #6\n\t"
                     "str %[wb], %[q]"
                     : [w] "+r"(w), [x] "+r"(x), [n] "+r"(groups), [s0] "=&r"(s0), [s1] "=&r"(s1),
                       [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4), [s5] "=&r"(s5), [xv] "=&r"(xv),
                       [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc), [q] "+m"(c->q)
                     : [m] "m"(c->m), [h] "m"(c->h2), [sh] "m"(c->s2), [tail] "m"(c->tail),
                       [tw] "m"(c->tail_word)
                     : "cc", "memory");
    return w;
}
#undef LM_FC_FUSED_OUT_ASM
#undef LM_FC_FUSED_X2_ASM
#define LM_FC_FUSED 1
#else
#define LM_FC_FUSED 0
#endif
#undef LM_FC_HEX_WORD_ASM
#undef LM_FC_HEX_GROUP_ASM
#undef LM_FC_HEX_WORDS_ASM

/* The last block of a layer padded with zero units: its outputs computed into t, the first n
 * of them copied. */
LM_INLINE int8_t *lm_fc_copy_out(const int8_t *t, int32_t n, int8_t *out)
{
    int32_t k;
    for (k = 0; k < n; ++k) {
        out[k] = t[k];
    }
    return out + n;
}

/* lm_fc_hex_s8's loops: `hex` blocks of six units, then blocks of four; `full` (a constant)
 * says the clamp range is [-128, 127], `tensor` (a constant) that one triple serves every unit
 * (then it stays in registers). */
LM_INLINE void lm_fc_hex_(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq,
                          int32_t hex, int8_t *out, const int full, const int tensor, const int sixes)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth, act_min = p->act_min, act_max = p->act_max;
    const int32_t m = rq[0], h2 = rq[1], s2 = rq[2];
    const int32_t hex_pad = 6 * hex > out_depth, quads = (out_depth - 6 * hex + 3) >> 2;
    const int32_t quad_pad = (out_depth - 6 * hex) & 3;
    int32_t b, k, s[6];
    int8_t t6[6];
    for (b = 0; b < p->batches; ++b, in += in_depth) {
        const int32_t *wb = w, *r = rq;
        int8_t *q = out, *o = 0;  /* o: where a last block padded with zero units goes */
#if LM_FC_FUSED
        if (tensor && full) {
            lm_fc_fused_ctx c;
            c.m = m, c.h2 = h2, c.s2 = s2, c.tail = (in_depth & 3) != 0, c.q = q;
            c.tail_word = lm_fc_tail_word(in + (in_depth & ~3), in_depth & 3);
            for (k = hex; k > 0; --k) {
                if (k == 1 && hex_pad) {  /* then there is no block of four */
                    o = c.q;
                    c.q = t6;
                }
                wb = lm_fc_hex_fused(wb, in, in_depth >> 2, &c);
            }
            q = c.q;
        }
#endif
        for (k = LM_FC_FUSED && tensor && full ? 0 : hex; k > 0; --k, q += 6) {
            int32_t a0, b0, a1, b1, a2, b2;
            if (k == 1 && hex_pad) {  /* then there is no block of four */
                o = q;
                q = t6;
            }
            wb = lm_fc_hex_block(wb, in, in_depth, s);
            a0 = s[0], b0 = s[1], a1 = s[2], b1 = s[3], a2 = s[4], b2 = s[5];
            LM_FC_OUT6();
        }
        for (k = sixes ? 0 : quads; k > 0; --k, q += 4) {
            int32_t a0, b0, a1, b1;
            if (k == 1 && quad_pad) {
                o = q;
                q = t6;
            }
            wb = lm_fc_pair_block(wb, in, in_depth, s);
            a0 = s[0], b0 = s[1], a1 = s[2], b1 = s[3];
            LM_FC_OUT4();
        }
        out += out_depth;
        if (o) {
            lm_fc_copy_out(t6, out - o, o);
        }
    }
}

#undef LM_FC_OUT4
#undef LM_FC_OUT6
#undef LM_FC_BLOCK_OUT
#undef LM_FC_PAIR_OUT_C
#undef LM_FC_X2_ASM
#undef LM_FC_RQ_LOAD_ASM
#undef LM_FC_SSAT_ASM
#undef LM_FC_CLAMP_ASM
#undef LM_FC_RQ_ASM
#undef LM_FC_PAIR_ASM
#undef LM_FC_OUT4_ASM
#undef LM_FC_OUT6_ASM
#undef LM_FC_SUMS4
#undef LM_FC_SUMS6
#undef LM_FC_TRIPLE
#undef LM_FC_LOADED
#undef LM_FC_BOUNDS

/* Entry points, one instance each (a layer links only the one it calls): per-unit triples
 * (rq: one per unit of every block) or one triple for every unit (`tensor`), any clamp range
 * or [-128, 127] (`ssat`); hex: the number of six-unit blocks before the four-unit ones. */
#define LM_FC_HEX_ENTRY(name, full, tensor, sixes)                                                        \
    void name(const lm_fc_params *p, const int8_t *in, const int32_t *w, const int32_t *rq, int32_t hex,      \
              int8_t *out)                                                                                 \
    {                                                                                                      \
        lm_fc_hex_(p, in, w, rq, hex, out, (full), (tensor), (sixes));                                     \
    }

LM_FC_HEX_ENTRY(lm_fc_hex_s8, 0, 0, 0)
LM_FC_HEX_ENTRY(lm_fc_hex_ssat_s8, 1, 0, 0)
LM_FC_HEX_ENTRY(lm_fc_hex_tensor_s8, 0, 1, 0)
LM_FC_HEX_ENTRY(lm_fc_hex_tensor_ssat_s8, 1, 1, 0)
/* The same for layers with no four-unit block (their units, rounded up to even, a multiple of
 * six): the four-unit loop left out. */
LM_FC_HEX_ENTRY(lm_fc_hex6_s8, 0, 0, 1)
LM_FC_HEX_ENTRY(lm_fc_hex6_ssat_s8, 1, 0, 1)
LM_FC_HEX_ENTRY(lm_fc_hex6_tensor_s8, 0, 1, 1)
LM_FC_HEX_ENTRY(lm_fc_hex6_tensor_ssat_s8, 1, 1, 1)

#undef LM_FC_HEX_ENTRY
#undef LM_FC_OUT
