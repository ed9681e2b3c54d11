/* litemicro runtime: DEPTHWISE_CONV_2D 3x3, depth multiplier 1, the per-layer kernel body.
 *
 * Stride 1 along the walk, lines of 16 pixels or more (lm_dwconv_3x3_pair.h takes the others).
 * A layer's generated source instantiates LM_DW3X3_KERNEL with its channel count, input
 * width, walk direction, requantization mode and output line length as constants, so that
 * every input offset is an immediate; layers that share those numbers share one instance.
 *
 * Walk: per channel, per line of output pixels, along the rows (V = 0) or, for layers taller
 * than wide, down the columns (V = 1; the compiler then passes the params with height and
 * width swapped and the kernel transposed). Below, "row" and "column" are in that view: a
 * kernel row is three taps along the walk, and a line reads three input rows.
 *
 * A line runs in two passes. The first computes every pixel's sum into a stack array. Input
 * column j gives the int16 pair V[j] = (row 0, row 1) and the single c[j] (row 2); with the
 * weight pairs K0..K2 = (w0j, w1j) (kernel rows 0 and 1 of column j), Wa = (w20, w21) and
 * Wb = (w21, w22), pixels x and x + 1 are five multiply-accumulates each:
 *     V[x] K0 + V[x+1] K1 + V[x+2] K2 + (c[x], c[x+1]) Wa + c[x+2] w22
 *     V[x+1] K0 + V[x+2] K1 + V[x+3] K2 + c[x+1] w20 + (c[x+2], c[x+3]) Wb
 * and the pass hands V[x+2], V[x+3] and the pair (c[x+2], c[x+3]) to the next one, so that a
 * pass over two pixels loads each input byte once. Weights, the starting sum and the pointers
 * stay in registers (all fourteen on DSP cores, where the instance's line routine is written
 * in assembly, LM_DW3_LINES_ASM; the loop's end is read from the stack). A first column in
 * the padding is the input zero point in the registers (the starting sum has in_zp times
 * every weight taken out). After the pairs, the routine takes one more pixel inside the input
 * and the pixel whose last column is padding (from the registers the loop leaves); lines with
 * more padded columns leave their last pixels to C, one by one (lm_dw3_rest). The second pass
 * requantizes the line's sums four at a time, in the same routine in mode 1, which runs all
 * the lines of a channel that share weights (the inner ones) in one call.
 *
 * Every weight is doubled (int16 lanes hold 2 w) and so is the starting sum, so that the
 * second pass requantizes each sum a2 = 2 acc with SMMLAR:
 *     (SMMLAR(a2, m, 2 hi_add) + (a2 < 0 ? -1 : 0)) >> r,  2 hi_add = 2^(r-1) + zp 2^r
 * equals lm_requantize_rq(acc, m, hi_add, r - 1) (TFLM's double rounding, right shift r, plus
 * the output zero point): SMMLAR's rounding constant 2^31 is lm_requantize_rq's low word 2^30
 * at twice the scale, and its borrow of x's sign is the -1. Doubled, r = 1 fits as well.
 *
 * Lines whose kernel rows reach into the padding read three input rows inside the input,
 * from row clamp(iy0, 0, in_h - 3), with zero weights for the padded kernel rows, whose taps'
 * zero-point term (in_zp times their weights) joins the starting sum. in_h >= 3, in_w >= 3,
 * dilation 1, at most one padded column before a line (the compiler checks, and that the
 * offsets fit the loads' immediates). The usual padded kernel rows (row 0 above the input,
 * row 2 below it) take weights moved from the channel's registers (lm_dw3_edge_rows).
 *
 * wp: per channel the nine weights, [kernel row][column] in the walk's view.
 * rec: four words per channel: (2 bias with the input zero-point term folded in, multiplier,
 * 2 hi_add, r) for the SMMLAR requantization, every channel when MODE is 1 (clamp
 * [-128, 127]: SSAT) or 2 (clamp [act_min, act_max]); when MODE is 0, channels whose
 * multiplier or shift does not allow it have (2 bias, multiplier, shift, 0) and the general
 * requantization, the others the SMMLAR form.
 */
#ifndef LM_DWCONV_3X3_H
#define LM_DWCONV_3X3_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lm_common.h"
#include "lm_dot.h"
#include "lm_dwconv.h"

/* The assembly loops need the optimizer (constant offsets, fourteen free registers). */
#if LM_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(__clang__)
#define LM_DW3_ASM 1
#else
#define LM_DW3_ASM 0
#endif

/* (lo & 0xFFFF) | (hi << 16): PKHBT on DSP cores. */
LM_INLINE int32_t lm_dw3_pack(int32_t lo, int32_t hi)
{
#if LM_USE_DSP
    return lm_pack_bottoms(lo, hi);
#else
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
#endif
}

/* acc + the bottom int16 of a times the bottom (BT: the top) int16 of b: SMLABB, SMLABT; TB:
 * the top of a times the bottom of b, SMLATB. */
#if LM_USE_DSP
#define LM_DW3_BB(acc, a, b) __smlabb((a), (b), (acc))
#define LM_DW3_BT(acc, a, b) __smlabt((a), (b), (acc))
#define LM_DW3_TB(acc, a, b) __smlatb((a), (b), (acc))
#else
#define LM_DW3_BB(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * (int32_t)(int16_t)(b))
#define LM_DW3_BT(acc, a, b) lm_wrap_add((acc), (int32_t)(int16_t)(a) * ((int32_t)(b) >> 16))
#define LM_DW3_TB(acc, a, b) lm_wrap_add((acc), ((int32_t)(a) >> 16) * (int32_t)(int16_t)(b))
#endif

/* One line's doubled weight pairs K0, K1, K2, Wa, Wb. */
typedef struct {
    int32_t k0, k1, k2, wa, wb;
} lm_dw3_w;

/* The pairs from three kernel rows of three weights each (slot rows 0, 1, 2 of the line). */
LM_INLINE void lm_dw3_set(lm_dw3_w *w, const int8_t *a, const int8_t *b, const int8_t *c)
{
    w->k0 = lm_dw3_pack(2 * a[0], 2 * b[0]);
    w->k1 = lm_dw3_pack(2 * a[1], 2 * b[1]);
    w->k2 = lm_dw3_pack(2 * a[2], 2 * b[2]);
    w->wa = lm_dw3_pack(2 * c[0], 2 * c[1]);
    w->wb = lm_dw3_pack(2 * c[1], 2 * c[2]);
}

/* Stride 1: acc[0..n) (n even, n > 0), two pixels per pass. q: input column 1 of the line at
 * kernel row 0 (the pass for pixels x, x + 1 reads columns x + 2, x + 3); carry: V[0], V[1]
 * and the pair (c[0], c[1]) in, the same for the next pixel out. */
LM_INLINE void lm_dw3_macs_s1(const int8_t *q, int32_t *acc, int32_t n, const lm_dw3_w *w, int32_t init,
                              int32_t *carry, const int32_t ST, const int32_t R)
{
    int32_t ap = carry[0], bp = carry[1], cp = carry[2];
    int32_t *const end = acc + n;
    for (; acc != end; acc += 2, q += 2 * ST) {
        const int32_t v2 = lm_dw3_pack(q[ST], q[ST + R]), c2 = q[ST + 2 * R];
        int32_t a = lm_simd_mac(ap, w->k0, init);
        a = lm_simd_mac(bp, w->k1, a);
        a = lm_simd_mac(v2, w->k2, a);
        a = lm_simd_mac(cp, w->wa, a);
        acc[0] = LM_DW3_BT(a, c2, w->wb);
        a = lm_simd_mac(bp, w->k0, init);
        a = lm_simd_mac(v2, w->k1, a);
        a = LM_DW3_TB(a, cp, w->wa);
        cp = lm_dw3_pack(c2, q[2 * ST + 2 * R]);
        a = lm_simd_mac(cp, w->wb, a);
        ap = v2;
        bp = lm_dw3_pack(q[2 * ST], q[2 * ST + R]);
        acc[1] = lm_simd_mac(bp, w->k2, a);
    }
    carry[0] = ap;
    carry[1] = bp;
    carry[2] = cp;
}

/* One pass of LM_DW3_MACS_ASM's loop (two pixels): V[x] in register VX, V[x + 1] in r11 (bp),
 * the pair (c[x], c[x + 1]) in r12 (cp); leaves V[x + 2] in V2, V[x + 3] in r11, the next pair
 * in r12. C2 holds c[x + 2] for a while. The three new bytes of each column load back to back. */
#define LM_DW3_PASS(VX, V2, C2)                                                                 \
    "smlad r3, " VX ", r5, r4\n\t"                                                              \
    "ldrsb " V2 ", [r0, %[o_a2]]\n\t"                                                          \
    "ldrsb lr, [r0, %[o_b2]]\n\t"                                                              \
    "ldrsb " C2 ", [r0, %[o_c2]]\n\t"                                                          \
    "pkhbt " V2 ", " V2 ", lr, lsl #16\n\t"                                                     \
    "smlad r3, r11, r6, r3\n\t"                                                                 \
    "smlad r3, " V2 ", r7, r3\n\t"                                                              \
    "smlad r3, r12, r8, r3\n\t"                                                                 \
    "smlabt r3, " C2 ", r9, r3\n\t"                                                             \
    "str r3, [r1], #4\n\t"                                                                      \
    "smlad r3, r11, r5, r4\n\t"                                                                 \
    "smlad r3, " V2 ", r6, r3\n\t"                                                              \
    "smlatb r3, r12, r8, r3\n\t"                                                                \
    "ldrsb lr, [r0, %[o_c3]]\n\t"                                                              \
    "ldrsb r11, [r0, %[o_a3]]\n\t"                                                             \
    "ldrsb r12, [r0, %[o_b3]]\n\t"                                                             \
    "pkhbt r11, r11, r12, lsl #16\n\t"                                                          \
    "pkhbt r12, " C2 ", lr, lsl #16\n\t"

/* What the instance's line routine (LM_DW3_LINES) reads and updates: `lines` lines from q (the
 * first line's input at kernel row 0, column 0) and o (its first output), lines apart by
 * line_in and oline bytes; per line, `pairs` sums (even, > 0) through the pair loop, then by
 * `tail` bit 1 one more pixel inside the input and by bit 0 the pixel whose last column is
 * the padding (starting sum init_r: init plus in_zp times that column's weights); by bit 2 the
 * line's sums (N, the line length) requantized (mode 1) into o, ostep bytes apart. pl: a
 * padded first column (zz: the input zero point in both halves). carry: V[x], V[x + 1] and the row-2 pair after the loop's
 * pairs, for the pixels left to the caller (all past the pairs when the tail bits 0 and 1 are
 * clear, else none). rq: the channel's record (bias, m, h, s). The offsets are fixed: the
 * assembly reads them. */
typedef struct {
    const int8_t *q;
    int8_t *o;
    int32_t lines;
    int32_t *acc;
    const lm_dw3_w *w;
    int32_t init, init_r, zz;
    const int32_t *rq;
    int32_t line_in, oline, ostep, pairs, tail, pl;
    int32_t carry[3];
} lm_dw3_run;

#if LM_DW3_ASM /* the offsets LM_DW3_LINES_ASM reads */
typedef char lm_dw3_run_layout[(offsetof(lm_dw3_run, init_r) == 24 && offsetof(lm_dw3_run, rq) == 32 &&
                                offsetof(lm_dw3_run, ostep) == 44 && offsetof(lm_dw3_run, pl) == 56 &&
                                offsetof(lm_dw3_run, carry) == 60) ? 1 : -1];
#endif

/* One sum: SMMLAR, ADD, ASR, SSAT of register A into r11 (m, h, s in r4, r5, r6). */
#define LM_DW3_RQ(A)                                                                            \
    "smmlar r11, " A ", r4, r5\n\t"                                                             \
    "add r11, r11, " A ", asr #31\n\t"                                                          \
    "asr r11, r11, r6\n\t"                                                                      \
    "ssat r11, #8, r11\n\t"

/* The line routine in assembly with every register assigned (the pair loop keeps fourteen
 * busy, more than the compiler hands an asm statement): r0 q, r1 acc, r2 V[x] (second pass)
 * or c[x + 2], r3 the sum, r4 init, r5..r9 the pairs K0, K1, K2, Wa, Wb, r10 V[x] (first
 * pass) or c[x + 2], r11 V[x + 1], r12 the pair of row 2, lr a scratch; the run's address and
 * the loop's end on the stack. Two passes per loop; an odd count of pairs enters at the second.
 * ST: bytes between input columns, R: between input rows (constants of the instance). */
#define LM_DW3_LINES_ASM(fn, ST, R, N)                                                             \
    __attribute__((naked, noinline)) static void fn(lm_dw3_run *run __attribute__((unused)))  \
    {                                                                                           \
        __asm__ volatile(                                                                       \
            "push {r4-r11, lr}\n\t"                                                             \
            "sub sp, #8\n\t"                                                                    \
            "str r0, [sp]\n\t"                                                                  \
            "10:\n\t"                                                                           \
            "ldr lr, [sp]\n\t"                                                                  \
            "ldr r0, [lr, #0]\n\t"                                                              \
            "ldr r3, [lr, #56]\n\t"                                                             \
            "ldr r12, [lr, #28]\n\t"                                                            \
            "cbnz r3, 11f\n\t"                                                                  \
            "ldrsb r10, [r0]\n\t"                                                               \
            "ldrsb r11, [r0, %[o_b0]]\n\t"                                                      \
            "ldrsb r12, [r0, %[o_c0]]\n\t"                                                      \
            "pkhbt r10, r10, r11, lsl #16\n\t"                                                  \
            "add r0, r0, %[o_a2]\n\t"                                                           \
            "b 12f\n\t"                                                                         \
            "11:\n\t"                                                                           \
            "mov r10, r12\n\t"                                                                  \
            "12:\n\t"                                                                           \
            "ldrsb r11, [r0]\n\t"                                                               \
            "ldrsb r2, [r0, %[o_b0]]\n\t"                                                       \
            "ldrsb r3, [r0, %[o_c0]]\n\t"                                                       \
            "pkhbt r11, r11, r2, lsl #16\n\t"                                                   \
            "pkhbt r12, r12, r3, lsl #16\n\t"                                                   \
            "ldr r1, [lr, #12]\n\t"                                                             \
            "ldr r2, [lr, #48]\n\t"                                                             \
            "ldr r4, [lr, #20]\n\t"                                                             \
            "ldr r3, [lr, #16]\n\t"                                                             \
            "ldm r3, {r5-r9}\n\t"                                                               \
            "add r3, r1, r2, lsl #2\n\t"                                                        \
            "str r3, [sp, #4]\n\t"                                                              \
            "tst r2, #2\n\t"                                                                    \
            "itt ne\n\t"                                                                        \
            "movne r2, r10\n\t"                                                                 \
            "bne 2f\n\t"                                                                        \
            "1:\n\t" LM_DW3_PASS("r10", "r2", "r10")                                            \
            "smlad r3, r12, r9, r3\n\t"                                                         \
            "smlad r3, r11, r7, r3\n\t"                                                         \
            "str r3, [r1], #4\n\t"                                                              \
            "add r0, r0, %[o_a3]\n\t"                                                           \
            "2:\n\t" LM_DW3_PASS("r2", "r10", "r2")                                             \
            "ldr lr, [sp, #4]\n\t"                                                              \
            "smlad r3, r12, r9, r3\n\t"                                                         \
            "smlad r3, r11, r7, r3\n\t"                                                         \
            "str r3, [r1], #4\n\t"                                                              \
            "add r0, r0, %[o_a3]\n\t"                                                           \
            "cmp r1, lr\n\t"                                                                    \
            "bne 1b\n\t"                                                                        \
            "ldr lr, [sp]\n\t"                                                                  \
            "ldr r2, [lr, #52]\n\t"                                                             \
            "tst r2, #2\n\t"                                                                    \
            "beq 13f\n\t"                                                                       \
            "ldrsb r2, [r0, %[o_a2]]\n\t"                                                       \
            "ldrsb r3, [r0, %[o_b2]]\n\t"                                                       \
            "ldrsb lr, [r0, %[o_c2]]\n\t"                                                       \
            "pkhbt r2, r2, r3, lsl #16\n\t"                                                     \
            "smlad r3, r10, r5, r4\n\t"                                                         \
            "smlad r3, r11, r6, r3\n\t"                                                         \
            "smlad r3, r2, r7, r3\n\t"                                                          \
            "smlad r3, r12, r8, r3\n\t"                                                         \
            "smlabt r3, lr, r9, r3\n\t"                                                         \
            "str r3, [r1], #4\n\t"                                                              \
            "mov r10, r11\n\t"                                                                  \
            "mov r11, r2\n\t"                                                                   \
            "asr r12, r12, #16\n\t"                                                             \
            "pkhbt r12, r12, lr, lsl #16\n\t"                                                   \
            "ldr lr, [sp]\n\t"                                                                  \
            "ldr r2, [lr, #52]\n\t"                                                             \
            "13:\n\t"                                                                           \
            "tst r2, #1\n\t"                                                                    \
            "beq 14f\n\t"                                                                       \
            "ldr r4, [lr, #24]\n\t"                                                             \
            "smlad r3, r10, r5, r4\n\t"                                                         \
            "smlad r3, r11, r6, r3\n\t"                                                         \
            "smlad r3, r12, r8, r3\n\t"                                                         \
            "str r3, [r1]\n\t"                                                                  \
            "14:\n\t"                                                                           \
            "tst r2, #4\n\t"                                                                    \
            "beq 19f\n\t"                                                                       \
            "ldr r1, [lr, #12]\n\t"                                                             \
            "ldr r0, [lr, #4]\n\t"                                                              \
            "ldr r2, [lr, #44]\n\t"                                                             \
            "mov r3, %[n]\n\t"                                                                       \
            "ldr r6, [lr, #32]\n\t"                                                             \
            "ldr r4, [r6, #4]\n\t"                                                              \
            "ldr r5, [r6, #8]\n\t"                                                              \
            "ldr r6, [r6, #12]\n\t"                                                             \
            "subs r3, r3, #4\n\t"                                                               \
            "blt 16f\n\t"                                                                       \
            "15:\n\t"                                                                           \
            "ldm r1!, {r7-r10}\n\t" LM_DW3_RQ("r7")                                             \
            "strb r11, [r0]\n\t" LM_DW3_RQ("r8")                                                \
            "strb r11, [r0, r2]\n\t"                                                            \
            "add r0, r0, r2, lsl #1\n\t" LM_DW3_RQ("r9")                                        \
            "strb r11, [r0]\n\t" LM_DW3_RQ("r10")                                               \
            "strb r11, [r0, r2]\n\t"                                                            \
            "add r0, r0, r2, lsl #1\n\t"                                                        \
            "subs r3, r3, #4\n\t"                                                               \
            "bge 15b\n\t"                                                                       \
            "16:\n\t"                                                                           \
            "adds r3, r3, #4\n\t"                                                               \
            "beq 18f\n\t"                                                                       \
            "17:\n\t"                                                                           \
            "ldr r7, [r1], #4\n\t" LM_DW3_RQ("r7")                                              \
            "strb r11, [r0]\n\t"                                                                \
            "add r0, r0, r2\n\t"                                                                \
            "subs r3, r3, #1\n\t"                                                               \
            "bne 17b\n\t"                                                                       \
            "18:\n\t"                                                                           \
            "ldr lr, [sp]\n\t"                                                                  \
            "ldm lr, {r0-r2}\n\t"                                                               \
            "ldr r3, [lr, #36]\n\t"                                                             \
            "add r0, r0, r3\n\t"                                                                \
            "ldr r3, [lr, #40]\n\t"                                                             \
            "add r1, r1, r3\n\t"                                                                \
            "subs r2, r2, #1\n\t"                                                               \
            "stm lr, {r0-r2}\n\t"                                                               \
            "bne 10b\n\t"                                                                       \
            "add sp, #8\n\t"                                                                    \
            "pop {r4-r11, pc}\n\t"                                                              \
            "19:\n\t"                                                                           \
            "add r3, lr, #60\n\t"                                                               \
            "stm r3, {r10-r12}\n\t"                                                             \
            "b 18b"                                                                             \
            :                                                                                   \
            : [o_b0] "i"(R), [o_c0] "i"(2 * (R)), [o_a2] "i"(ST), [o_b2] "i"((ST) + (R)),         \
              [o_c2] "i"((ST) + 2 * (R)), [o_a3] "i"(2 * (ST)), [o_b3] "i"(2 * (ST) + (R)),       \
              [o_c3] "i"(2 * (ST) + 2 * (R)), [n] "i"(N));                                                  \
    }

/* A channel's requantization: rec's words 1..3, the clamp range and output zero point. */
typedef struct {
    int32_t m, h, s, lo, hi, zp;
} lm_dw3_q;

/* lm_requantize_rq(a2 / 2, m, h / 2, s - 1), saturated to int8 when `sat`. */
LM_INLINE int32_t lm_dw3_rq(int32_t a2, int32_t m, int32_t h, int32_t s, const int sat)
{
#if LM_DW3_ASM
    int32_t t;
    if (sat) {
        __asm__("smmlar %[t], %[a], %[m], %[h]\n\t"
                "add %[t], %[t], %[a], asr #31\n\t"
                "asr %[t], %[t], %[s]\n\t"
                "ssat %[t], #8, %[t]"
                : [t] "=&r"(t)
                : [a] "r"(a2), [m] "r"(m), [h] "r"(h), [s] "r"(s));
    } else {
        __asm__("smmlar %[t], %[a], %[m], %[h]\n\t"
                "add %[t], %[t], %[a], asr #31\n\t"
                "asr %[t], %[t], %[s]"
                : [t] "=&r"(t)
                : [a] "r"(a2), [m] "r"(m), [h] "r"(h), [s] "r"(s));
    }
    return t;
#else
    const int64_t p = (int64_t)h * ((int64_t)1 << 32) + (int64_t)a2 * m + 0x80000000LL;
    const int32_t t = ((int32_t)(p >> 32) + (a2 < 0 ? -1 : 0)) >> s;
    return sat ? LM_MIN(LM_MAX(t, -128), 127) : t;
#endif
}

LM_INLINE int8_t lm_dw3_out(int32_t a2, const lm_dw3_q *q, const int mode)
{
    if (mode == 1) {
        return (int8_t)lm_dw3_rq(a2, q->m, q->h, q->s, 1);
    }
    if (mode == 2) {
        return (int8_t)LM_MIN(LM_MAX(lm_dw3_rq(a2, q->m, q->h, q->s, 0), q->lo), q->hi);
    }
    return lm_clamp_s8(lm_requantize(a2 >> 1, q->m, q->h) + q->zp, q->lo, q->hi);
}

/* Second pass of one line: o[j * ostep] = the requantized acc[j], j < n. */
LM_INLINE void lm_dw3_store(const int32_t *acc, int32_t n, int8_t *o, int32_t ostep, const lm_dw3_q *q,
                            const int mode)
{
    const int32_t *end;
    end = acc + (n & ~1);
    for (; acc != end; acc += 2, o += 2 * ostep) {
        const int32_t a0 = acc[0], a1 = acc[1];
        o[0] = lm_dw3_out(a0, q, mode);
        o[ostep] = lm_dw3_out(a1, q, mode);
    }
    if (n & 1) {
        o[0] = lm_dw3_out(acc[0], q, mode);
    }
}

/* LM_DW3_LINES_ASM's work in portable C (ST, R: constants of the instance). */
LM_INLINE void lm_dw3_lines_c(lm_dw3_run *r, const int32_t ST, const int32_t R, const int32_t N)
{
    for (; r->lines > 0; --r->lines, r->q += r->line_in, r->o += r->oline) {
        const lm_dw3_w *w = r->w;
        const int8_t *q = r->q + (r->pl ? 0 : ST);             /* the loop's column 1 */
        int32_t *acc = r->acc + r->pairs, j;
        r->carry[0] = r->pl ? r->zz : lm_dw3_pack(r->q[0], r->q[R]);
        r->carry[1] = lm_dw3_pack(q[0], q[R]);
        r->carry[2] = lm_dw3_pack(r->pl ? r->zz : r->q[2 * R], q[2 * R]);
        lm_dw3_macs_s1(q, r->acc, r->pairs, w, r->init, r->carry, ST, R);
        q += r->pairs * ST;
        if (r->tail & 2) {                                     /* a pixel with its columns inside */
            const int32_t v2 = lm_dw3_pack(q[ST], q[ST + R]), c2 = q[ST + 2 * R];
            int32_t s = lm_simd_mac(r->carry[0], w->k0, r->init);
            s = lm_simd_mac(r->carry[1], w->k1, s);
            s = lm_simd_mac(v2, w->k2, s);
            s = lm_simd_mac(r->carry[2], w->wa, s);
            *acc++ = LM_DW3_BT(s, c2, w->wb);
            r->carry[0] = r->carry[1];
            r->carry[1] = v2;
            r->carry[2] = lm_dw3_pack(r->carry[2] >> 16, c2);
        }
        if (r->tail & 1) {                                     /* its last column the padding */
            int32_t s = lm_simd_mac(r->carry[0], w->k0, r->init_r);
            s = lm_simd_mac(r->carry[1], w->k1, s);
            *acc = lm_simd_mac(r->carry[2], w->wa, s);
        }
        for (j = 0; (r->tail & 4) && j < N; ++j) {
            r->o[j * r->ostep] = (int8_t)lm_dw3_rq(r->acc[j], r->rq[1], r->rq[2], r->rq[3], 1);
        }
    }
}

/* One instance's line routine. */
typedef void (*lm_dw3_lines_fn)(lm_dw3_run *run);

/* A layer's shape: C channels, real input width W, direction V, L output pixels per line,
 * requantization mode and the instance's line routine (constants of the instance, folded into
 * lm_dw3x3 once inlined). */
typedef struct {
    int32_t C, W, V, L, mode;
    lm_dw3_lines_fn lines;
} lm_dw3_shape;

/* The pixels of a line the routine left, j >= r->done, one by one from the registers it hands
 * back (r->carry), with the input zero point for columns past the input (in_w of them). r0:
 * input at kernel row 0, column 0; ST, R: bytes between input columns and rows. */
__attribute__((noinline, cold, unused)) static void lm_dw3_rest_pixels(const int8_t *r0, const lm_dw3_run *r, int32_t in_w,
                                                                int32_t zp, int32_t ST, int32_t R, int32_t L)
{
    const int32_t zz = r->zz;
    const lm_dw3_w *w = r->w;
    int32_t *const acc = r->acc;
    int32_t carry[3] = {r->carry[0], r->carry[1], r->carry[2]}, j;
    for (j = (r->tail & 3) ? L : r->pairs; j < L; ++j) {
        const int32_t col = j + 2 - r->pl;                    /* the pixel's last column */
        const int8_t *p = r0 + (col < in_w ? col * ST : 0);
        const int32_t v2 = col < in_w ? lm_dw3_pack(p[0], p[R]) : zz, c2 = col < in_w ? p[2 * R] : zp;
        int32_t a = lm_simd_mac(carry[0], w->k0, r->init);
        a = lm_simd_mac(carry[1], w->k1, a);
        a = lm_simd_mac(v2, w->k2, a);
        a = lm_simd_mac(carry[2], w->wa, a);
        acc[j] = LM_DW3_BT(a, c2, w->wb);
        carry[0] = carry[1];
        carry[1] = v2;
        carry[2] = lm_dw3_pack(carry[2] >> 16, c2);
    }
}

/* lm_dw3_rest_pixels, out of line (few layers have such lines), when the routine left pixels. */
LM_INLINE void lm_dw3_rest(const int8_t *r0, const lm_dw3_run *r, int32_t in_w, int32_t zp, const int32_t ST,
                           const int32_t R, const int32_t L)
{
    if (!(r->tail & 3) && r->pairs < L) {
        lm_dw3_rest_pixels(r0, r, in_w, zp, ST, R, L);
    }
}

/* Kernel row r of the channel's weights wc when it lies inside the input (input row iy0 + r of
 * in_h), else `zero` (three zeros). */
LM_INLINE const int8_t *lm_dw3_slot_row(const int8_t *wc, int32_t r, int32_t iy0, int32_t in_h,
                                        const int8_t *zero)
{
    return (r >= 0 && r < 3 && iy0 + r >= 0 && iy0 + r < in_h) ? wc + 3 * r : zero;
}

/* A line with kernel rows in the padding: its weights (slot s holds kernel row s + base - iy0
 * when that row is inside the input, else zeros), *init plus in_zp times the doubled weights
 * of the padded rows, and base, the input row of slot 0. */
__attribute__((noinline, cold, unused)) static int32_t lm_dw3_border(const lm_dwconv_params *p, int32_t oy,
                                                              const int8_t *wc, lm_dw3_w *w, int32_t *init)
{
    const int32_t in_h = p->in_h, iy0 = oy * p->stride_h - p->pad_top;
    const int32_t base = LM_MAX(0, LM_MIN(iy0, in_h - 3)), d = base - iy0;
    const int8_t zero[3] = {0, 0, 0};       /* on the stack: no data symbol of the runtime's */
    int32_t s, pad = 0;
    for (s = 0; s < 3; ++s) {
        if (iy0 + s < 0 || iy0 + s >= in_h) {         /* kernel row s in the padding */
            pad += wc[3 * s] + wc[3 * s + 1] + wc[3 * s + 2];
        }
    }
    lm_dw3_set(w, lm_dw3_slot_row(wc, d, iy0, in_h, zero), lm_dw3_slot_row(wc, d + 1, iy0, in_h, zero),
               lm_dw3_slot_row(wc, d + 2, iy0, in_h, zero));
    *init += 2 * p->in_zp * pad;
    return base;
}

/* The usual lines with a kernel row in the padding, from the channel's pairs w (no memory
 * read): kernel row 0 above the input (`top`: slots hold rows 1, 2 and zeros, the input from
 * the line's row 1) or row 2 below it (slots hold zeros, rows 0, 1, the input from the line's
 * row -1); *init plus in_zp times the padded row's doubled weights. */
LM_INLINE void lm_dw3_edge_rows(const lm_dw3_w *w, lm_dw3_w *e, int32_t *init, int32_t zp, const int top)
{
    const int32_t h0 = w->k0 >> 16, h1 = w->k1 >> 16, h2 = w->k2 >> 16;
    if (top) {
        e->k0 = lm_dw3_pack(h0, w->wa);
        e->k1 = lm_dw3_pack(h1, w->wa >> 16);
        e->k2 = lm_dw3_pack(h2, w->wb >> 16);
        e->wa = 0;
        e->wb = 0;
        *init += zp * ((int16_t)w->k0 + (int16_t)w->k1 + (int16_t)w->k2);
    } else {
        e->k0 = (int32_t)((uint32_t)w->k0 << 16);
        e->k1 = (int32_t)((uint32_t)w->k1 << 16);
        e->k2 = (int32_t)((uint32_t)w->k2 << 16);
        e->wa = lm_dw3_pack(h0, h1);
        e->wb = lm_dw3_pack(h1, h2);
        *init += zp * ((int16_t)w->wa + (w->wa >> 16) + (w->wb >> 16));
    }
}

/* Second pass of one line in the layer's requantization mode (mode 0: per channel, the SMMLAR
 * form where the channel's record has it). */
LM_INLINE void lm_dw3_store_line(const int32_t *acc, int32_t n, int8_t *o, int32_t ostep, const lm_dw3_q *q,
                                 int mode)
{
    if (mode == 1) {
        lm_dw3_store(acc, n, o, ostep, q, 1);
    } else if (mode == 2 || q->s != 0) {
        lm_dw3_store(acc, n, o, ostep, q, 2);
    } else {
        lm_dw3_store(acc, n, o, ostep, q, 0);
    }
}

/* The run's weights for the lines to come: w, the starting sum init and the edge pixel's. */
LM_INLINE void lm_dw3_use(lm_dw3_run *r, const lm_dw3_w *w, int32_t init, int32_t zp)
{
    r->w = w;
    r->init = init;
    r->init_r = init + zp * ((int16_t)w->k2 + (w->k2 >> 16) + (w->wb >> 16));
}

/* `lines` lines of one channel with the run's weights, from input q (kernel row 0) and output o:
 * all through the line routine when it requantizes (tail bit 2), else line by line, the pixels
 * it leaves and the second pass here. */
LM_INLINE void lm_dw3_lines(lm_dw3_run *r, const int8_t *q, int8_t *o, int32_t lines, const lm_dwconv_params *p,
                            const lm_dw3_shape *sh)
{
    r->q = q;
    r->o = o;
    if (r->tail & 4) {
        r->lines = lines;
        sh->lines(r);
        return;
    }
    for (; lines > 0; --lines, q += r->line_in, o += r->oline) {
        const lm_dw3_q rq = {r->rq[1], r->rq[2], r->rq[3], p->act_min, p->act_max, p->out_zp};
        const int32_t C = sh->C, W = sh->W, V = sh->V;
        r->q = q;
        r->lines = 1;
        sh->lines(r);
        lm_dw3_rest(q, r, p->in_w, p->in_zp, V ? W * C : C, V ? C : W * C, sh->L);
        lm_dw3_store_line(r->acc, sh->L, o, r->ostep, &rq, sh->mode);
    }
}

/* Line oy of one channel, with kernel rows in the padding: its own weights (wb) and starting
 * sum (*init); returns the input row of its kernel row 0 slot. */
LM_INLINE int32_t lm_dw3_border_rows(const lm_dwconv_params *p, int32_t oy, const int8_t *wc, const lm_dw3_w *w,
                                     lm_dw3_w *wb, int32_t *init)
{
    const int32_t iy0 = oy * p->stride_h - p->pad_top;
    if (iy0 == -1 || (iy0 >= 1 && iy0 + 2 == p->in_h)) {
        lm_dw3_edge_rows(w, wb, init, p->in_zp, iy0 < 0);
        return iy0 < 0 ? 0 : iy0 - 1;
    }
    return lm_dw3_border(p, oy, wc, wb, init);
}

/* The run's fields of a layer (p in the walk's view, acc: L words of stack): the line routine
 * takes the pixels after the pairs when at most one of them has a padded column, and
 * requantizes in mode 1. */
LM_INLINE void lm_dw3_setup(lm_dw3_run *r, const lm_dwconv_params *p, int32_t *acc, const lm_dw3_shape *sh)
{
    const int32_t C = sh->C, L = sh->L, V = sh->V;
    const int32_t full = p->in_w - 2 + p->pad_left;   /* pixels whose windows end inside */
    const int32_t reach = LM_MIN(L, full), pairs = reach & ~1, f = reach - pairs, e = L - reach;
    r->acc = acc;
    r->zz = lm_dw3_pack(p->in_zp, p->in_zp);
    r->line_in = p->stride_h * (V ? C : sh->W * C);
    r->oline = V ? C : L * C;
    r->ostep = V ? p->out_h * C : C;
    r->pairs = pairs;
    r->tail = e > 1 ? 0 : (f << 1) | e | (sh->mode == 1 ? 4 : 0);
    r->pl = p->pad_left;
}

/* The whole layer, p in the walk's view, acc: L words of stack. Per channel, the lines with
 * kernel rows in the padding one by one with their own weights, the inner ones together. */
LM_INLINE void lm_dw3x3(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,
                        int8_t *out, int32_t *acc, const lm_dw3_shape *sh)
{
    const int32_t C = sh->C, L = sh->L, row = sh->V ? C : sh->W * C;
    const int32_t in_h = p->in_h, out_h = p->out_h, pad_top = p->pad_top, sy = p->stride_h;
    const int32_t oy_lo = LM_MIN((pad_top + sy - 1) / sy, out_h);
    const int32_t oy_hi = LM_MAX(LM_MIN((in_h - 3 + pad_top) / sy + 1, out_h), oy_lo);
    lm_dw3_run r;
    int32_t b, c, oy, n;
    lm_dw3_setup(&r, p, acc, sh);
    for (b = 0; b < p->batches; ++b, in += in_h * p->in_w * C, out += out_h * L * C) {
        for (c = 0; c < C; ++c) {
            const int8_t *wc = wp + 9 * c;
            const int32_t *rc = rec + 4 * c;
            lm_dw3_w w, wb;
            lm_dw3_set(&w, wc, wc + 3, wc + 6);
            r.rq = rc;
            for (oy = 0; oy < out_h; oy += n) {
                const lm_dw3_w *wl = &w;
                int32_t init = rc[0], base = oy * sy - pad_top;
                n = oy >= oy_lo && oy < oy_hi ? oy_hi - oy : 1;     /* the inner lines together */
                if (n == 1 && (oy < oy_lo || oy >= oy_hi)) {
                    base = lm_dw3_border_rows(p, oy, wc, &w, &wb, &init);
                    wl = &wb;
                }
                lm_dw3_use(&r, wl, init, p->in_zp);
                lm_dw3_lines(&r, in + c + base * row, out + c + oy * r.oline, n, p, sh);
            }
        }
    }
}

/* An exported instance with the LM_DW_DSP_ARGS signature (`mode` and scratch unused: the
 * requantization mode is the constant MODE): its line routine out of line (it needs fourteen
 * free registers), the rest inlined with the shape's constants. */
#if LM_DW3_ASM
#define LM_DW3_LINES(fn, ST, R, N) LM_DW3_LINES_ASM(fn, ST, R, N)
#else
#define LM_DW3_LINES(fn, ST, R, N)                                                               \
    __attribute__((noinline)) static void fn(lm_dw3_run *run)                                   \
    {                                                                                           \
        lm_dw3_lines_c(run, (ST), (R), (N));                                                    \
    }
#endif

#define LM_DW3X3_KERNEL(name, C, W, V, MODE, L)                                                 \
    LM_DW3_LINES(name##_lines, (V) ? (W) * (C) : (C), (V) ? (C) : (W) * (C), (L))                \
    void name(const lm_dwconv_params *p, const int8_t *in, const int8_t *wp, const int32_t *rec,     \
              int32_t mode, int8_t *scratch, int8_t *out)                                        \
    {                                                                                            \
        static const lm_dw3_shape shape = {(C), (W), (V), (L), (MODE), name##_lines};              \
        int32_t acc[(L)];                                                                        \
        (void)mode;                                                                              \
        (void)scratch;                                                                           \
        lm_dw3x3(p, in, wp, rec, out, acc, &shape);                                              \
    }

#endif /* LM_DWCONV_3X3_H */
