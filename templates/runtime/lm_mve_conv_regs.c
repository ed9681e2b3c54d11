/* litemicro runtime: CONV_2D with Helium (MVE), the input vectors of an output pixel held in
 * Q registers.
 *
 * An output pixel reads V 16-byte vectors (lanes that are not taps meet zero weights): for
 * each kernel row its k_w * in_c bytes as 16-byte chunks ("direct"), or, for short kernel
 * rows, as 4-byte words packed four to a vector ("packed", unaligned LDRs). Two neighbouring
 * pixels go together: the vectors come in segments of up to three per pixel, held in
 * q0..q5 (three of each pixel), and every weight vector, loaded once, feeds two VMLADAVA,
 * one per pixel; the sums of a pair of output channels for both pixels go out by one STM
 * (pixel by pixel, two sums each; the next segment loads them back by one LDM and
 * accumulates). No patch is built for a pair of pixels whose windows lie inside the input;
 * then one pass requantizes both pixels' sums four channels at a time (each pixel's four
 * sums by one gather load), bias, mult and shift loaded once for both. A pair
 * where either window leaves the input (padding) or would read past its end goes through
 * copies of both windows in scratch (rows of seg_pad bytes, padding = the input zero point).
 * Pairs follow the output order across rows and batches; a last odd pixel goes alone. With
 * weights in segments of two vectors (1, 2 or 4 vectors, lite_micro/ops/mve.py
 * regs_segment) runs inside the input go three pixels at a time: six vectors in q0..q5, each
 * weight vector feeding three VMLADAVA. A 1x1 convolution of stride 1 without padding is one
 * run over all rows and batches.
 *
 * taps (lite_micro/ops/mve.py): V, W (words, 4V; 0 for direct), reach (bytes read from the
 * window base), seg_pad, then the V (direct) or W (packed) offsets in the input, then the
 * same in the scratch window. w: per segment of three (or two) vectors (the last fewer), per
 * output channel (out_c padded to even) its vectors' 16 weight lanes each (zero in lanes
 * that are not taps). rq: per 4 channels bias, mult, shift. scratch: two windows (k_h *
 * seg_pad bytes, rounded up to 16, + 16, each), then 2 x (out_c + 4) int32 (3 x with segments
 * of two).
 */
#include "lm_mve.h"

/* Four 32-bit words at base + offs[0..3] as one vector (unaligned loads). */
LM_INLINE int8x16_t lm_mve_words(const int8_t *base, const int32_t *offs)
{
    uint32_t a, b, c, d;
    memcpy(&a, base + offs[0], 4);
    memcpy(&b, base + offs[1], 4);
    memcpy(&c, base + offs[2], 4);
    memcpy(&d, base + offs[3], 4);
    return vreinterpretq_s8_u32(vsetq_lane_u32(d, vsetq_lane_u32(c, vsetq_lane_u32(b, vdupq_n_u32(a), 1), 2), 3));
}

/* One output channel's sums over a segment of 1-3 vectors, for two pixels (x0..x2 into a,
 * x3..x5 into b) or one (x0..x2 into a; b unused): the weight vectors at [w], post-
 * incremented, through q6 and q7 in turn. OP: vmladav (the segment starts the sums) or
 * vmladava (they go on). */
#define LM_MVE_V1(OP, a, b, TWO)                                                                      \
    "vldrb.u8 q6, [%[w]], #16\n\t" OP " " a ", %q[x0], q6\n\t" TWO(OP " " b ", %q[x3], q6\n\t")
#define LM_MVE_V2(OP, a, b, TWO)                                                                      \
    LM_MVE_V1(OP, a, b, TWO)                                                                          \
    "vldrb.u8 q7, [%[w]], #16\n\tvmladava.s8 " a ", %q[x1], q7\n\t" TWO("vmladava.s8 " b ", %q[x4], q7\n\t")
#define LM_MVE_V3(OP, a, b, TWO)                                                                      \
    LM_MVE_V2(OP, a, b, TWO)                                                                          \
    "vldrb.u8 q6, [%[w]], #16\n\tvmladava.s8 " a ", %q[x2], q6\n\t" TWO("vmladava.s8 " b ", %q[x5], q6\n\t")
#define LM_MVE_TWO(s) s
#define LM_MVE_ONE(s)

/* The sums of `pairs` pairs of output channels over one segment, in a low-overhead loop: for
 * two pixels (TWO = LM_MVE_TWO) or one (LM_MVE_ONE), per pair of channels the pixels' two
 * sums each in turn at acc (one STM). GO: "" for the first segment, else the loads of the
 * sums so far. The sums are pinned to even registers, as VMLADAV requires. */
#define LM_MVE_SEG(VN, OP, GO, TWO, XS)                                                              \
    do {                                                                                              \
        register int32_t s0_ __asm__("r0");                                                          \
        register int32_t s1_ __asm__("r2");                                                          \
        register int32_t s2_ __asm__("r4");                                                          \
        register int32_t s3_ __asm__("r6");                                                          \
        __asm__ volatile("wls lr, %[n], 2f\n"                                                       \
                         "1:\n\t" GO VN(OP, "%[s0]", "%[s2]", TWO) VN(OP, "%[s1]", "%[s3]", TWO)     \
                         "stmia %[acc]!, {%[s0], %[s1]" TWO(", %[s2], %[s3]") "}\n\t"             \
                         "le lr, 1b\n"                                                               \
                         "2:"                                                                        \
                         : [s0] "=&r"(s0_), [s1] "=&r"(s1_), [s2] "=&r"(s2_), [s3] "=&r"(s3_),      \
                           [w] "+r"(w), [acc] "+r"(acc)                                              \
                         : [n] "r"(pairs), XS                                                        \
                         : "q6", "q7", "lr", "memory");                                              \
    } while (0)

/* The input vectors a segment's block reads, as asm operands (only those: an operand the block
 * does not read would still have to be materialized in a Q register). */
#define LM_MVE_X(k) [x##k] "w"(x[k])
#define LM_MVE_X6 LM_MVE_X(0), LM_MVE_X(1), LM_MVE_X(2), LM_MVE_X(3), LM_MVE_X(4), LM_MVE_X(5)
#define LM_MVE_X_V1 LM_MVE_X(0), LM_MVE_X(3)
#define LM_MVE_X_V2 LM_MVE_X(0), LM_MVE_X(1), LM_MVE_X(3), LM_MVE_X(4)
#define LM_MVE_X_T1 LM_MVE_X(0), LM_MVE_X(2), LM_MVE_X(4)

#define LM_MVE_GO1 "ldrd %[s0], %[s1], [%[acc]]\n\t"
#define LM_MVE_GO2 "ldm %[acc], {%[s0], %[s1], %[s2], %[s3]}\n\t"

/* Three pixels: one output channel's sums over a segment of 1-2 vectors (x0, x1 into a; x2, x3
 * into b; x4, x5 into c), each weight vector feeding three VMLADAVA. */
#define LM_MVE_T1(OP, a, b, c)                                                                        \
    "vldrb.u8 q6, [%[w]], #16\n\t" OP " " a ", %q[x0], q6\n\t" OP " " b ", %q[x2], q6\n\t"            \
    OP " " c ", %q[x4], q6\n\t"
#define LM_MVE_T2(OP, a, b, c)                                                                        \
    LM_MVE_T1(OP, a, b, c)                                                                            \
    "vldrb.u8 q7, [%[w]], #16\n\tvmladava.s8 " a ", %q[x1], q7\n\tvmladava.s8 " b ", %q[x3], q7\n\t"  \
    "vmladava.s8 " c ", %q[x5], q7\n\t"
#define LM_MVE_GO3 "ldm %[acc], {%[s0], %[s1], %[s2], %[s3], %[s4], %[s5]}\n\t"

/* The sums of `pairs` pairs of output channels over one segment for three pixels, per pair the
 * three pixels' two sums each in turn at acc (one STM), the six sums pinned to even registers. */
#define LM_MVE_SEG3(TN, OP, GO, XS)                                                                  \
    do {                                                                                              \
        register int32_t s0_ __asm__("r0");                                                          \
        register int32_t s1_ __asm__("r2");                                                          \
        register int32_t s2_ __asm__("r4");                                                          \
        register int32_t s3_ __asm__("r6");                                                          \
        register int32_t s4_ __asm__("r8");                                                          \
        register int32_t s5_ __asm__("r10");                                                         \
        register int32_t n_ __asm__("lr") = pairs;                                                   \
        __asm__ volatile("wls lr, lr, 2f\n"                                                         \
                         "1:\n\t" GO TN(OP, "%[s0]", "%[s2]", "%[s4]") TN(OP, "%[s1]", "%[s3]", "%[s5]")   \
                         "stmia %[acc]!, {%[s0], %[s1], %[s2], %[s3], %[s4], %[s5]}\n\t"          \
                         "le lr, 1b\n"                                                               \
                         "2:"                                                                        \
                         : [s0] "=&r"(s0_), [s1] "=&r"(s1_), [s2] "=&r"(s2_), [s3] "=&r"(s3_),      \
                           [s4] "=&r"(s4_), [s5] "=&r"(s5_), [w] "+r"(w), [acc] "+r"(acc), [n] "+r"(n_) \
                         : XS                                                                        \
                         : "q6", "q7", "memory");                                                    \
    } while (0)

/* The segment loop of LM_MVE_SEG for 1-3 vectors (vs), first or not. */
#define LM_MVE_SEGS(TWO, GO)                                                                          \
    switch (vs + (first ? 0 : 3)) {                                                                   \
    case 1: LM_MVE_SEG(LM_MVE_V1, "vmladav.s8", "", TWO, LM_MVE_X_V1); break;                         \
    case 2: LM_MVE_SEG(LM_MVE_V2, "vmladav.s8", "", TWO, LM_MVE_X_V2); break;                         \
    case 3: LM_MVE_SEG(LM_MVE_V3, "vmladav.s8", "", TWO, LM_MVE_X6); break;                           \
    case 4: LM_MVE_SEG(LM_MVE_V1, "vmladava.s8", GO, TWO, LM_MVE_X_V1); break;                        \
    case 5: LM_MVE_SEG(LM_MVE_V2, "vmladava.s8", GO, TWO, LM_MVE_X_V2); break;                        \
    default: LM_MVE_SEG(LM_MVE_V3, "vmladava.s8", GO, TWO, LM_MVE_X6); break;                         \
    }

/* vs (1-3) vectors of a pixel at base into x[k0..k0+vs): offs, the segment's offsets. */
LM_INLINE void lm_mve_regs_load(int8x16_t *x, int k0, const int8_t *base, const int32_t *offs, int packed, int vs)
{
    x[k0] = packed ? lm_mve_words(base, offs) : vldrbq_s8(base + offs[0]);
    if (vs > 1) {
        x[k0 + 1] = packed ? lm_mve_words(base, offs + 4) : vldrbq_s8(base + offs[1]);
    }
    if (vs > 2) {
        x[k0 + 2] = packed ? lm_mve_words(base, offs + 8) : vldrbq_s8(base + offs[2]);
    }
}

/* One segment for two pixels (base, base2) into acc (per pair of channels 2 x 2 sums). */
LM_INLINE void lm_mve_regs_seg2(const int8_t *base, const int8_t *base2, const int32_t *offs, int packed,
                             const int8_t *w, int32_t pairs, int32_t *acc, int vs, int first)
{
    int8x16_t x[6] = {vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(),
                      vuninitializedq_s8(), vuninitializedq_s8()};
    lm_mve_regs_load(x, 0, base, offs, packed, vs);
    lm_mve_regs_load(x, 3, base2, offs, packed, vs);
    LM_MVE_SEGS(LM_MVE_TWO, LM_MVE_GO2)
}

/* One segment for one pixel into acc. */
LM_INLINE void lm_mve_regs_seg1(const int8_t *base, const int32_t *offs, int packed, const int8_t *w, int32_t pairs,
                             int32_t *acc, int vs, int first)
{
    int8x16_t x[6] = {vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(),
                      vuninitializedq_s8(), vuninitializedq_s8()};
    lm_mve_regs_load(x, 0, base, offs, packed, vs);
    LM_MVE_SEGS(LM_MVE_ONE, LM_MVE_GO1)
}

/* One segment of 1-2 vectors for three pixels (base[0..2]) into acc (per pair of channels 3 x 2
 * sums). */
LM_INLINE void lm_mve_regs_seg3(const int8_t *const *base, const int32_t *offs, int packed, const int8_t *w,
                                int32_t pairs, int32_t *acc, int vs, int first)
{
    int8x16_t x[6] = {vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(), vuninitializedq_s8(),
                      vuninitializedq_s8(), vuninitializedq_s8()};
#if !defined(__OPTIMIZE__)
    /* unoptimized builds: the three-pixel block needs more registers than -O0 leaves, so the
     * same sums in the same order come from intrinsics, channel by channel */
    int32_t c, k, v;
    for (c = 0; c < 2 * pairs; ++c, w += 16 * vs) {
        for (k = 0; k < 3; ++k) {
            int32_t *s = acc + 6 * (c >> 1) + 2 * k + (c & 1);
            lm_mve_regs_load(x, 0, base[k], offs, packed, vs);
            for (v = 0, *s = first ? 0 : *s; v < vs; ++v) {
                *s = vmladavaq_s8(*s, x[v], vldrbq_s8(w + 16 * v));
            }
        }
    }
    return;
#endif
    /* unrolled by hand: gcc kept a loop over k and the vectors in memory */
    lm_mve_regs_load(x, 0, base[0], offs, packed, vs);
    lm_mve_regs_load(x, 2, base[1], offs, packed, vs);
    lm_mve_regs_load(x, 4, base[2], offs, packed, vs);
    switch (vs + (first ? 0 : 2)) {
    case 1: LM_MVE_SEG3(LM_MVE_T1, "vmladav.s8", "", LM_MVE_X_T1); break;
    case 2: LM_MVE_SEG3(LM_MVE_T2, "vmladav.s8", "", LM_MVE_X6); break;
    case 3: LM_MVE_SEG3(LM_MVE_T1, "vmladava.s8", LM_MVE_GO3, LM_MVE_X_T1); break;
    default: LM_MVE_SEG3(LM_MVE_T2, "vmladava.s8", LM_MVE_GO3, LM_MVE_X6); break;
    }
}

/* The sums of every output channel of three pixels, segments of two vectors (VS: 1 or 2 for a
 * layer of that many, one segment; 0 for any). */
LM_INLINE void lm_mve_regs_dots3(const int8_t *const *base, const int32_t *offs, int32_t vecs, int packed,
                                 const int8_t *w, int32_t pairs, int32_t *acc, const int VS)
{
    int32_t v0;
    for (v0 = 0; v0 < (VS ? VS : vecs); v0 += 2) {
        const int vs = VS ? VS : vecs - v0 < 2 ? 1 : 2;
        lm_mve_regs_seg3(base, offs + (packed ? 4 * v0 : v0), packed, w, pairs, acc, vs, v0 == 0);
        w += 32 * vs * pairs;
    }
}

/* The sums of every output channel of one pixel (base2 NULL) or two, segment by segment (SEG
 * vectors, 3 or 2: the weights' layout); VS: 1-3 for a layer of that many vectors (one
 * segment, unrolled), 0 for any. */
LM_INLINE void lm_mve_regs_dots(const int8_t *base, const int8_t *base2, const int32_t *offs, int32_t vecs, int packed,
                                const int8_t *w, int32_t pairs, int32_t *acc, const int VS, const int SEG)
{
    int32_t v0;
    for (v0 = 0; v0 < (VS ? VS : vecs); v0 += SEG) {
        const int vs = VS ? VS : vecs - v0 < SEG ? (int)(vecs - v0) : SEG;
        const int32_t *o = offs + (packed ? 4 * v0 : v0);
        if (base2 != 0) {
            lm_mve_regs_seg2(base, base2, o, packed, w, pairs, acc, vs, v0 == 0);
        } else {
            lm_mve_regs_seg1(base, o, packed, w, pairs, acc, vs, v0 == 0);
        }
        w += 32 * vs * pairs;
    }
}

/* x (4 channels' sums) + bias, requantized, zero point, clamp; rq: bias, mult, shift of 4 channels. */
LM_INLINE int32x4_t lm_mve_regs_rq(int32x4_t x, const int32_t *rq, int32_t zp, int32x4_t lo, int32x4_t hi,
                                   const int rshift)
{
    const int32x4_t v = lm_mve_rescale(vaddq_s32(x, vldrwq_s32(rq)), vldrwq_s32(rq + 4), vldrwq_s32(rq + 8), rshift);
    return vminq_s32(vmaxq_s32(vaddq_n_s32(v, zp), lo), hi);
}

/* One pixel's four sums (LD: their gather into v) + bias (b), requantized with right shifts
 * (mult m, shift s), the zero point added, clamped (lo, hi) and stored at [o] (a low register,
 * as the narrowing store requires), post-incremented. */
#define LM_MVE_OUT_PIX(LD, o)                                                                         \
    LD "\n\t"                                                                                        \
    "vadd.i32 %q[v], %q[v], %q[b]\n\t"                                                            \
    "vqrdmulh.s32 %q[v], %q[v], %q[m]\n\t"                                                        \
    "vshr.s32 %q[t], %q[v], #31\n\t"                                                              \
    "vqadd.s32 %q[v], %q[v], %q[t]\n\t"                                                           \
    "vrshl.s32 %q[v], %q[v], %q[s]\n\t"                                                           \
    "vadd.i32 %q[v], %q[v], %[zp]\n\t"                                                            \
    "vmax.s32 %q[v], %q[v], %q[lo]\n\t"                                                           \
    "vmin.s32 %q[v], %q[v], %q[hi]\n\t"                                                           \
    "vstrb.32 %q[v], [%[" o "]], #4\n\t"

/* lm_mve_regs_outn's groups of four channels for right shifts, in assembly (gcc spilled the
 * gathered sums): per group bias, mult and shift loaded once, then each pixel's sums. */
#define LM_MVE_OUTN_ASM(THIRD, WB)                                                                    \
    __asm__ volatile("wls lr, %[n], 2f\n"                                                          \
                     "1:\n\t"                                                                     \
                     "vldrw.u32 %q[b], [%[rq]], #16\n\t"                                          \
                     "vldrw.u32 %q[m], [%[rq]], #16\n\t"                                          \
                     "vldrw.u32 %q[s], [%[rq]], #16\n\t"                                          \
                     LM_MVE_OUT_PIX("vldrw.u32 %q[v], [%q[qb], #" WB "]!", "o1")                    \
                     LM_MVE_OUT_PIX("vldrw.u32 %q[v], [%q[qb], #8]", "o2")                           \
                     THIRD                                                                          \
                     "le lr, 1b\n"                                                                  \
                     "2:"                                                                           \
                     : [qb] "+w"(qb), [rq] "+r"(rq), [o1] "+l"(out), [o2] "+l"(out2), [o3] "+l"(out3), \
                       [v] "=&w"(v), [t] "=&w"(t), [b] "=&w"(b), [m] "=&w"(m), [s] "=&w"(s)       \
                     : [n] "r"(n >> 2), [zp] "r"(zp), [lo] "w"(lo), [hi] "w"(hi)                    \
                     : "lr", "memory")

/* The sums of the next four channels of P (2 or 3) pixels stored per pair of channels P x 2:
 * pixel 0's (the addresses in *qb, advanced to them first), pixel 1's and (P 3) pixel 2's, each
 * by one gather with immediate offsets. */
LM_INLINE void lm_mve_regs_sums(uint32x4_t *qb, int32x4_t *a, const int P)
{
    a[0] = P == 3 ? vldrwq_gather_base_wb_s32(qb, 48) : vldrwq_gather_base_wb_s32(qb, 32);
    a[1] = vldrwq_gather_base_s32(*qb, 8);
    a[2] = P == 3 ? vldrwq_gather_base_s32(*qb, 16) : a[1];
}

/* lm_mve_regs_out for P (2 or 3) pixels whose sums lie per pair of channels P x 2 at acc (those
 * of pixel k's channels 4i..4i+3 at acc + 4Pi + 2k + (0, 1, 2P, 2P + 1)) into out, out + n
 * (and out + 2n), sharing the loads of rq. */
LM_INLINE void lm_mve_regs_outn(const lm_conv_params *p, const int32_t *acc, const int32_t *rq, int32_t n,
                                int8_t *out, const int rshift, const int P)
{
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const uint32_t lanes[4] = {0, 4, 8 * (uint32_t)P, 8 * (uint32_t)P + 4};
    uint32x4_t qb = vaddq_n_u32(vld1q_u32(lanes), (uint32_t)(uintptr_t)acc - 16 * (uint32_t)P);
    const int32_t zp = p->out_zp;
    int8_t *out2 = out + n, *out3 = out + 2 * n;
    int32x4_t a[3];
    int32_t i = n >> 2;
#if defined(__OPTIMIZE__)
    if (rshift) {
        int32x4_t v, t, b, m, s;
        if (P == 3) {
            LM_MVE_OUTN_ASM(LM_MVE_OUT_PIX("vldrw.u32 %q[v], [%q[qb], #16]", "o3"), "48");
        } else {
            LM_MVE_OUTN_ASM("", "32");
        }
        i = 0;
    }
#endif
    for (; i > 0; --i, rq += 12, out += 4, out2 += 4, out3 += 4) {
        const int32x4_t bias = vldrwq_s32(rq), mult = vldrwq_s32(rq + 4), shift = vldrwq_s32(rq + 8);
        lm_mve_regs_sums(&qb, a, P);
        vstrbq_s32(out, vminq_s32(vmaxq_s32(vaddq_n_s32(lm_mve_rescale(vaddq_s32(a[0], bias), mult, shift, rshift),
                                                        zp), lo), hi));
        vstrbq_s32(out2, vminq_s32(vmaxq_s32(vaddq_n_s32(lm_mve_rescale(vaddq_s32(a[1], bias), mult, shift, rshift),
                                                         zp), lo), hi));
        if (P == 3) {
            vstrbq_s32(out3, vminq_s32(vmaxq_s32(vaddq_n_s32(lm_mve_rescale(vaddq_s32(a[2], bias), mult, shift,
                                                                            rshift), zp), lo), hi));
        }
    }
    if (n & 3) {
        const mve_pred16_t pred = vctp32q((uint32_t)(n & 3));
        lm_mve_regs_sums(&qb, a, P);
        vstrbq_p_s32(out, lm_mve_regs_rq(a[0], rq, zp, lo, hi, rshift), pred);
        vstrbq_p_s32(out2, lm_mve_regs_rq(a[1], rq, zp, lo, hi, rshift), pred);
        if (P == 3) {
            vstrbq_p_s32(out3, lm_mve_regs_rq(a[2], rq, zp, lo, hi, rshift), pred);
        }
    }
}

/* acc[0..n) requantized and stored as n bytes, four at a time, the last n % 4 predicated. */
LM_INLINE void lm_mve_regs_out(const lm_conv_params *p, const int32_t *acc, const int32_t *rq, int32_t n,
                               int8_t *out, const int rshift)
{
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int32_t zp = p->out_zp;
    int32_t i;
    for (i = n >> 2; i > 0; --i, acc += 4, rq += 12, out += 4) {
        vstrbq_s32(out, lm_mve_regs_rq(vldrwq_s32(acc), rq, zp, lo, hi, rshift));
    }
    if (n & 3) {
        vstrbq_p_s32(out, lm_mve_regs_rq(vldrwq_s32(acc), rq, zp, lo, hi, rshift), vctp32q((uint32_t)(n & 3)));
    }
}

/* The window of output pixel (iy0, ix0) in scratch: k_h rows of seg_pad bytes, the k_w * in_c
 * bytes of each from the input where inside (dil_w 1), padding = in_zp: the whole window
 * filled with in_zp, then each row's inside span copied (one predicated load and store per 16
 * bytes). */
static void lm_mve_regs_window(const lm_conv_params *p, const int8_t *in, int32_t iy0, int32_t ix0, int32_t seg_pad,
                               int8_t *dst)
{
    const int32_t in_c = p->in_c, k_w = p->k_w, row = p->in_w * in_c;
    const int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + k_w > p->in_w ? p->in_w - ix0 : k_w;
    const int32_t span = (kx1 - kx0) * in_c;
    const int8x16_t zp = vdupq_n_s8((int8_t)p->in_zp);
    const int8_t *src = in + iy0 * row + (ix0 + kx0) * in_c;
    int32_t ky, n;
    for (n = p->k_h * seg_pad; n > 0; n -= 16, dst += 16) {
        vstrbq_s8(dst, zp);
    }
    dst -= ((p->k_h * seg_pad + 15) & ~15) - kx0 * in_c;
    if (span <= 0) {
        return;
    }
    /* the kernel rows inside the input: [ky0, ky1) */
    ky = iy0 < 0 ? (-iy0 + p->dil_h - 1) / p->dil_h : 0;
    n = p->in_h - iy0 > 0 ? (p->in_h - iy0 + p->dil_h - 1) / p->dil_h : 0;
    n = n < p->k_h ? n : p->k_h;
    dst += ky * seg_pad;
    src += ky * p->dil_h * row;
    if (span <= 16) {               /* one predicated vector a row */
        const mve_pred16_t pred = vctp8q((uint32_t)span);
        for (; ky < n; ++ky, dst += seg_pad, src += p->dil_h * row) {
            vstrbq_p_s8(dst, vldrbq_z_s8(src, pred), pred);
        }
        return;
    }
    for (; ky < n; ++ky, dst += seg_pad, src += p->dil_h * row) {
        lm_mve_fill(dst, src, span, 0);
    }
}

/* The output pixels ox in [lo, hi) of a row whose windows lie inside the input and whose loads
 * stay before `end`: x, the window base of pixel 0 (of a row inside the input). */
static void lm_mve_regs_inner(const lm_conv_params *p, const int8_t *x, const int8_t *end, int32_t *lo, int32_t *hi)
{
    const int32_t step = p->stride_w * p->in_c, last_x = p->in_w - p->k_w;
    int32_t a = (p->pad_left + p->stride_w - 1) / p->stride_w, b = (last_x + p->pad_left) / p->stride_w + 1;
    if (b > p->out_w) {
        b = p->out_w;
    }
    if (x + (b - 1) * step > end) {
        b = end < x ? 0 : (int32_t)((end - x) / step) + 1;
    }
    *lo = a;
    *hi = b > a ? b : a;
}

typedef struct {
    const int8_t *in, *x;           /* the batch's input; the window base in it */
    int32_t iy0, ix0;               /* the window's first row and column (may be outside) */
    int inner;                      /* the window lies inside, its loads stay in the input */
} lm_mve_pix;

typedef struct {
    const int32_t *offs_in, *offs_win, *rq;
    const int8_t *w;
    int32_t vecs, packed, pairs, seg_pad;
    int8_t *win, *win2;
    int32_t *acc;
} lm_mve_regs_cfg;

/* Output pixels a and b (b NULL: a alone; b's output follows a's): read in place when both
 * windows are inside, else both through windows in scratch. */
LM_INLINE void lm_mve_regs_step(const lm_conv_params *p, const lm_mve_regs_cfg *c, const lm_mve_pix *a,
                                const lm_mve_pix *b, int8_t *out, const int VS, const int SEG, const int rshift)
{
    const int8_t *xa = a->x, *xb = b != 0 ? b->x : 0;
    const int32_t *offs = c->offs_in;
    if (!a->inner || (b != 0 && !b->inner)) {
        lm_mve_regs_window(p, a->in, a->iy0, a->ix0, c->seg_pad, c->win);
        if (b != 0) {
            lm_mve_regs_window(p, b->in, b->iy0, b->ix0, c->seg_pad, c->win2);
        }
        xa = c->win;
        xb = b != 0 ? c->win2 : 0;
        offs = c->offs_win;
    }
    lm_mve_regs_dots(xa, xb, offs, c->vecs, c->packed, c->w, c->pairs, c->acc, VS, SEG);
    if (b != 0) {
        lm_mve_regs_outn(p, c->acc, c->rq, p->out_c, out, rshift, 2);
    } else {
        lm_mve_regs_out(p, c->acc, c->rq, p->out_c, out, rshift);
    }
}

/* A 1x1 convolution of stride 1 without padding: every pixel's window is its own input bytes,
 * the pixels of all rows and batches one run, the last ones (whose loads would pass the end
 * of the input) through lm_mve_regs_step. */
LM_INLINE void lm_mve_regs_flat(const lm_conv_params *p, const lm_mve_regs_cfg *c, const int8_t *in, int32_t reach, int8_t *out, const int VS, const int SEG,
                                const int rshift)
{
    const int32_t in_c = p->in_c, out_c = p->out_c, plane = p->in_h * p->in_w, total = p->batches * plane;
    const int32_t room = total * in_c - reach, hi = room < 0 ? 0 : (room / in_c + 1 < total ? room / in_c + 1 : total);
    const int8_t *x = in;
    int32_t n = 0;
    for (; SEG == 2 && n + 2 < hi; n += 3, out += 3 * out_c, x += 3 * in_c) {
        const int8_t *const bases[3] = {x, x + in_c, x + 2 * in_c};
        lm_mve_regs_dots3(bases, c->offs_in, c->vecs, c->packed, c->w, c->pairs, c->acc, VS);
        lm_mve_regs_outn(p, c->acc, c->rq, out_c, out, rshift, 3);
    }
    for (; n + 1 < hi; n += 2, out += 2 * out_c, x += 2 * in_c) {
        lm_mve_regs_dots(x, x + in_c, c->offs_in, c->vecs, c->packed, c->w, c->pairs, c->acc, VS, SEG);
        lm_mve_regs_outn(p, c->acc, c->rq, out_c, out, rshift, 2);
    }
    for (; n < total; n += 2, out += 2 * out_c) {
        const int32_t r = n % plane, r2 = (n + 1) % plane;
        const lm_mve_pix a = {in + (n - r) * in_c, in + n * in_c, r / p->in_w, r % p->in_w, n < hi};
        const lm_mve_pix b = {in + (n + 1 - r2) * in_c, in + (n + 1) * in_c, r2 / p->in_w, r2 % p->in_w, n + 1 < hi};
        lm_mve_regs_step(p, c, &a, n + 1 < total ? &b : 0, out, VS, SEG, rshift);
    }
}

/* The output pixels in pairs, in order over rows and batches (a pair may span two rows): runs
 * of pairs inside a row read in place by the tight loop (SEG 2: three pixels at a time while
 * three remain), the others through lm_mve_regs_step. scratch (SEG 2): a third row of sums. */
LM_INLINE void lm_mve_conv_regs(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out, const int VS, const int SEG,
                                const int rshift)
{
    const int32_t vecs = taps[0], packed = taps[1] != 0, reach = taps[2], seg_pad = taps[3];
    const int32_t n_offs = packed ? taps[1] : vecs, out_c = p->out_c, pairs = (out_c + 1) >> 1;
    const int32_t step = p->stride_w * p->in_c, row = p->in_w * p->in_c, in_size = p->in_h * row;
    const int32_t span_h = (p->k_h - 1) * p->dil_h, window = (p->k_h * seg_pad + 31) & ~15;
    const lm_mve_regs_cfg c = {taps + 4, taps + 4 + n_offs, rq, w, vecs, packed, pairs, seg_pad,
                               scratch, scratch + window, (int32_t *)(void *)(scratch + 2 * window)};
    lm_mve_pix pend = {0, 0, 0, 0, 0};
    int32_t b, oy, ox, lo, hi, have = 0;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
        p->out_h == p->in_h && p->out_w == p->in_w) {
        lm_mve_regs_flat(p, &c, in, reach, out, VS, SEG, rshift);
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_size;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int8_t *x = in_b + iy0 * row - p->pad_left * p->in_c;
            lo = hi = p->out_w;
            if (iy0 >= 0 && iy0 + span_h < p->in_h) {
                lm_mve_regs_inner(p, x, in_b + in_size - reach, &lo, &hi);
            }
            for (ox = 0; ox < p->out_w; ++ox) {
                const lm_mve_pix cur = {in_b, x + ox * step, iy0, ox * p->stride_w - p->pad_left, ox >= lo && ox < hi};
                if (!have && ox >= lo && ox + 1 < hi) {      /* a run of pairs inside */
                    const int8_t *xi = cur.x;
                    for (; SEG == 2 && ox + 2 < hi; ox += 3, out += 3 * out_c, xi += 3 * step) {
                        const int8_t *const bases[3] = {xi, xi + step, xi + 2 * step};
                        lm_mve_regs_dots3(bases, c.offs_in, vecs, packed, w, pairs, c.acc, VS);
                        lm_mve_regs_outn(p, c.acc, rq, out_c, out, rshift, 3);
                    }
                    for (; ox + 1 < hi; ox += 2, out += 2 * out_c, xi += 2 * step) {
                        lm_mve_regs_dots(xi, xi + step, c.offs_in, vecs, packed, w, pairs, c.acc, VS, SEG);
                        lm_mve_regs_outn(p, c.acc, rq, out_c, out, rshift, 2);
                    }
                    --ox;
                } else if (!have) {
                    pend = cur;
                    have = 1;
                } else {
                    lm_mve_regs_step(p, &c, &pend, &cur, out, VS, SEG, rshift);
                    out += 2 * out_c;
                    have = 0;
                }
            }
        }
    }
    if (have) {
        lm_mve_regs_step(p, &c, &pend, 0, out, VS, SEG, rshift);
    }
}

/* The kernel for any number of vectors (regs_s8; regs_t_s8, 4 vectors: weights in segments of two,
 * three pixels at a time) and for 1, 2, 3 (regs1_s8 ...; 1 and 2 also three pixels at a time),
 * each with its `_rshift` twin. */
#define LM_MVE_CONV_REGS(NAME, VS, SEG)                                                                         \
    void lm_mve_conv_##NAME##_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,  \
                                 const int32_t *taps, int8_t *scratch, int8_t *out)                           \
    {                                                                                                        \
        lm_mve_conv_regs(p, in, w, rq, taps, scratch, out, VS, SEG, 0);                                         \
    }                                                                                                        \
    void lm_mve_conv_##NAME##_rshift_s8(const lm_conv_params *p, const int8_t *in, const int8_t *w,           \
                                        const int32_t *rq, const int32_t *taps, int8_t *scratch, int8_t *out) \
    {                                                                                                        \
        lm_mve_conv_regs(p, in, w, rq, taps, scratch, out, VS, SEG, 1);                                         \
    }

LM_MVE_CONV_REGS(regs, 0, 3)
LM_MVE_CONV_REGS(regs_t, 0, 2)
LM_MVE_CONV_REGS(regs1, 1, 2)
LM_MVE_CONV_REGS(regs2, 2, 2)
LM_MVE_CONV_REGS(regs3, 3, 3)
