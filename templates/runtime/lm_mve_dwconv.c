/* litemicro runtime: DEPTHWISE_CONV_2D with Helium (MVE), depth multiplier 1 and > 1.
 *
 * Channel-parallel: 16 output channels of one output pixel per pass, in the 16 byte lanes.
 * Taps go in pairs (lite_micro/ops/mve.py pairs two taps only where |w0| + |w1| <= 255 for
 * every channel, so that 128 * (|w0| + |w1|) fits int16; otherwise a tap goes with a zero
 * tap). Per pair: two input loads (contiguous, or gathered by byte offsets when the
 * multiplier is > 1), two weight loads, VMULLB/VMULLT.S8 (int16 products of the even and of
 * the odd channels) summed in int16 over the two taps, widened by VMOVLB/VMOVLT.S16 and added
 * to four int32 accumulators that hold channels (0,4,8,12), (2,6,10,14), (1,5,9,13),
 * (3,7,11,15); bias, mult and shift come in that order (rq: per pass 16 of each). The
 * requantized lanes narrow back to channel order with VQMOVNB/VQMOVNT (32 -> 16: even then
 * odd channels; 16 -> 8: all 16), the zero point and clamp act on 8 int16 lanes at a time.
 * Interior windows read the input in place through the tap offsets; a border window's taps
 * outside the input point to a row of the input zero point instead. The last pass's store is
 * predicated (VCTP) instead of a scalar tail. The unrolled 3x3 kernels can instead read padded
 * rows from a band of the k_h input rows with their padding columns (band mode, chosen by
 * lite_micro/ops/mve.py band_mode): every window of such a row is then an interior one.
 * Runs of such windows (multiplier 1) go channel group by channel group, the pixels inner; for
 * right shifts a 3x3 pass in place is one asm block (bias, taps, requantization).
 */
#include "lm_mve.h"

typedef struct {
    const int32_t *offs;            /* per tap pair, the two taps' offsets from the window base */
    int32_t pairs;
    int32_t single;                 /* 1: the last pair is one tap (its second weights zero) */
    int32_t col, row;               /* 3x3 in place: the steps between taps (in_c, in_w * in_c); else 0 */
} lm_mve_window;

typedef struct {
    int8x16_t lo, hi;               /* activation clamp */
    int32_t zp;                     /* output zero point */
} lm_mve_dw_out;

/* Requantize the four accumulators (rq + 16: mult, rq + 32: shift, in accumulator order) and
 * store the 16 channels in order. Saturating to int16 and then adding the zero point with
 * saturation leaves the clamped result unchanged: the clamp range lies inside int8. Without
 * `clamp` (a range of -128..127) the final saturating narrow to int8 is the clamp. */
/* The right-shift requantization of one accumulator x (mult at [rq, #m], shift at [rq, #s]),
 * the temporaries t, u. */
#define LM_MVE_DW_RQ(x, m, s, t, u)                                                                   \
    "vldrw.u32 " t ", [%[rq], #" m "]\n\t"                                                        \
    "vqrdmulh.s32 %q[" x "], %q[" x "], " t "\n\t"                                                 \
    "vldrw.u32 " t ", [%[rq], #" s "]\n\t"                                                        \
    "vshr.s32 " u ", %q[" x "], #31\n\t"                                                          \
    "vqadd.s32 %q[" x "], %q[" x "], " u "\n\t"                                                    \
    "vrshl.s32 %q[" x "], %q[" x "], " t "\n\t"

/* The four accumulators requantized (right shifts), the zero point added, narrowed with
 * saturation to int8 in channel order into a0; t, u: two free vector registers. */
#define LM_MVE_DW_RQ4(t, u)                                                                           \
    LM_MVE_DW_RQ("a0", "64", "128", t, u) LM_MVE_DW_RQ("a1", "80", "144", t, u)                      \
    LM_MVE_DW_RQ("a2", "96", "160", t, u) LM_MVE_DW_RQ("a3", "112", "176", t, u)                     \
    "vqmovnb.s32 " t ", %q[a0]\n\t"                                                                \
    "vqmovnt.s32 " t ", %q[a1]\n\t"                                                                \
    "vqmovnb.s32 " u ", %q[a2]\n\t"                                                                \
    "vqmovnt.s32 " u ", %q[a3]\n\t"                                                                \
    "vqadd.s16 " t ", " t ", %[zp]\n\t"                                                            \
    "vqadd.s16 " u ", " u ", %[zp]\n\t"                                                            \
    "vqmovnb.s16 %q[a0], " t "\n\t"                                                                \
    "vqmovnt.s16 %q[a0], " u "\n\t"

/* lm_mve_dw_store's arithmetic for right shifts only, in assembly (gcc kept the tables'
 * addresses on the stack and spilled a shift vector): the 16 channels requantized, the zero
 * point added, narrowed with saturation to int8 in channel order (into a0). */
LM_INLINE int8x16_t lm_mve_dw_rq_rshift(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3, const int32_t *rq,
                                        int32_t zp)
{
    int32x4_t t, u;
    __asm__(LM_MVE_DW_RQ4("%q[t]", "%q[u]")
            : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [t] "=&w"(t), [u] "=&w"(u)
            : [rq] "r"(rq), [zp] "r"(zp)
            : "memory");
    return vreinterpretq_s8_s32(a0);
}

/* The 16 requantized bytes v clamped (the clamp commutes with the saturating narrow, inside
 * int8) and stored, the lanes of pred unless full. */
LM_INLINE void lm_mve_dw_put(int8x16_t v, const lm_mve_dw_out *q, int8_t *out, mve_pred16_t pred, const int full,
                             const int clamp)
{
    if (clamp) {
        v = vminq_s8(vmaxq_s8(v, q->lo), q->hi);
    }
    if (full) {
        vstrbq_s8(out, v);
    } else {
        vstrbq_p_s8(out, v, pred);
    }
}

LM_INLINE void lm_mve_dw_store(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3, const int32_t *rq,
                               const lm_mve_dw_out *q, int8_t *out, mve_pred16_t pred, const int full,
                               const int clamp, const int rshift)
{
    if (rshift) {
        lm_mve_dw_put(lm_mve_dw_rq_rshift(a0, a1, a2, a3, rq, q->zp), q, out, pred, full, clamp);
        return;
    }
    const int32x4_t r0 = lm_mve_rescale(a0, vldrwq_s32(rq + 16), vldrwq_s32(rq + 32), rshift);
    const int32x4_t r1 = lm_mve_rescale(a1, vldrwq_s32(rq + 20), vldrwq_s32(rq + 36), rshift);
    const int32x4_t r2 = lm_mve_rescale(a2, vldrwq_s32(rq + 24), vldrwq_s32(rq + 40), rshift);
    const int32x4_t r3 = lm_mve_rescale(a3, vldrwq_s32(rq + 28), vldrwq_s32(rq + 44), rshift);
    /* the narrowing moves keep the other half of their first operand: any register will do, and
     * the source itself (dead after) needs no copy */
    int16x8_t e = vqmovntq_s32(vqmovnbq_s32(vreinterpretq_s16_s32(r0), r0), r1);
    int16x8_t o = vqmovntq_s32(vqmovnbq_s32(vreinterpretq_s16_s32(r2), r2), r3);
    e = vqaddq_n_s16(e, (int16_t)q->zp);
    o = vqaddq_n_s16(o, (int16_t)q->zp);
    {
        int8x16_t v = vqmovntq_s16(vqmovnbq_s16(vreinterpretq_s8_s16(e), e), o);
        if (clamp) {            /* inside int8, the clamp commutes with the saturating narrow */
            v = vminq_s8(vmaxq_s8(v, q->lo), q->hi);
        }
        if (full) {
            vstrbq_s8(out, v);
        } else {
            vstrbq_p_s8(out, v, pred);
        }
    }
}

/* The input loads of a tap: 16 contiguous bytes at o, or (multiplier > 1) 16 bytes gathered
 * at o + gofs[0..15], the offsets loaded from [g] into the free register t. */
#define LM_MVE_DW_CONTIGUOUS(q, o, t) "vldrb.u8 " q ", [" o "]\n\t"
#define LM_MVE_DW_GATHER(q, o, t) "vldrb.u8 " t ", [%[g]]\n\tvldrb.u8 " q ", [" o ", " t "]\n\t"

/* The products of a tap pair, x0 in q0, w0 in q1, x1 in q2 ([w] at w1): odd products (q3) and
 * even products (over x0) summed over the two taps, w1 loaded twice so that both products of
 * x1 find a free register. */
#define LM_MVE_DW_PAIR_MUL                                                                            \
    "vmullt.s8 q3, q0, q1\n\t"                                                                     \
    "vmullb.s8 q0, q0, q1\n\t"                                                                     \
    "vldrb.u8 q1, [%[w]]\n\t"                                                                      \
    "vmullb.s8 q1, q2, q1\n\t"                                                                     \
    "vadd.i16 q0, q0, q1\n\t"                                                                      \
    "vldrb.u8 q1, [%[w]], #16\n\t"                                                                 \
    "vmullt.s8 q2, q2, q1\n\t"                                                                     \
    "vadd.i16 q3, q3, q2\n\t"

/* The int16 sums of q0 (even channels) and q3 (odd) widened into the four accumulators. */
#define LM_MVE_DW_WIDEN                                                                               \
    "vmovlb.s16 q1, q0\n\t"                                                                        \
    "vadd.i32 %q[a0], %q[a0], q1\n\t"                                                              \
    "vmovlt.s16 q1, q0\n\t"                                                                        \
    "vadd.i32 %q[a1], %q[a1], q1\n\t"                                                              \
    "vmovlb.s16 q1, q3\n\t"                                                                        \
    "vadd.i32 %q[a2], %q[a2], q1\n\t"                                                              \
    "vmovlt.s16 q1, q3\n\t"                                                                        \
    "vadd.i32 %q[a3], %q[a3], q1\n\t"

/* The lone last tap at [addr] (w then steps over its zero partner): products widened as for a
 * pair. */
#define LM_MVE_DW_ONE(LOAD, addr)                                                                     \
    LOAD("q0", addr, "q2")                                                                         \
    "vldrb.u8 q1, [%[w]], #32\n\t"                                                                 \
    "vmullt.s8 q3, q0, q1\n\t"                                                                     \
    "vmullb.s8 q0, q0, q1\n\t"                                                                     \
    LM_MVE_DW_WIDEN

#define LM_MVE_DW_ACCS [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [w] "+r"(w)

/* The tap pairs of a pass, unpredicated: contiguous input loads may read past the last channel
 * (lanes whose weights are zero; lm_mve_dw keeps them inside the input), gathered ones read
 * offset 0 there. q0-q3 are the work registers. */
#define LM_MVE_DW_TAPS(LOAD)                                                                          \
    __asm__ volatile("wls lr, %[n], 2f\n"                                                           \
                     "1:\n\t"                                                                     \
                     "ldrd %[o0], %[o1], [%[offs]], #8\n\t"                                       \
                     "add %[o0], %[o0], %[x]\n\t"                                                 \
                     "add %[o1], %[o1], %[x]\n\t"                                                 \
                     LOAD("q0", "%[o0]", "q2")                                                     \
                     "vldrb.u8 q1, [%[w]], #16\n\t"                                               \
                     LOAD("q2", "%[o1]", "q3")                                                     \
                     LM_MVE_DW_PAIR_MUL                                                             \
                     LM_MVE_DW_WIDEN                                                                \
                     "le lr, 1b\n"                                                                 \
                     "2:"                                                                            \
                     : LM_MVE_DW_ACCS, [offs] "+r"(offs), [o0] "=&r"(o0), [o1] "=&r"(o1)              \
                     : [x] "r"(x), [n] "r"(n), [g] "r"(g)                                            \
                     : "q0", "q1", "q2", "q3", "lr", "memory")

/* The lone last tap of a pass (win->single). */
#define LM_MVE_DW_SINGLE(LOAD)                                                                        \
    __asm__ volatile("ldr %[o0], [%[offs]], #8\n\t"                                               \
                     "add %[o0], %[o0], %[x]\n\t"                                                 \
                     LM_MVE_DW_ONE(LOAD, "%[o0]")                                                  \
                     : LM_MVE_DW_ACCS, [offs] "+r"(offs), [o0] "=&r"(o0)                            \
                     : [x] "r"(x), [g] "r"(g)                                                        \
                     : "q0", "q1", "q2", "q3", "memory")

/* A tap pair of a 3x3 window in place: x0 at [a0] (after the step s0, if any), x1 at [p]
 * after the step s1. */
#define LM_MVE_DW_K3_PAIR(s0, a0, s1)                                                                 \
    s0 LM_MVE_DW_CONTIGUOUS("q0", a0, "") "vldrb.u8 q1, [%[w]], #16\n\t"                          \
    s1 LM_MVE_DW_CONTIGUOUS("q2", "%[p]", "") LM_MVE_DW_PAIR_MUL LM_MVE_DW_WIDEN
#define LM_MVE_DW_STEP(base, by) "add %[p], " base ", " by "\n\t"

/* The nine taps of a 3x3 window read in place (pairs (0,1) (2,3) (4,5) (6,7), then tap 8
 * alone), unrolled: each address one add from the last. */
#define LM_MVE_DW_K3_TAPS                                                                            \
    LM_MVE_DW_K3_PAIR("", "%[x]", LM_MVE_DW_STEP("%[x]", "%[c]"))                                   \
    LM_MVE_DW_K3_PAIR(LM_MVE_DW_STEP("%[p]", "%[c]"), "%[p]", LM_MVE_DW_STEP("%[x]", "%[r]"))        \
    LM_MVE_DW_K3_PAIR(LM_MVE_DW_STEP("%[p]", "%[c]"), "%[p]", LM_MVE_DW_STEP("%[p]", "%[c]"))        \
    LM_MVE_DW_K3_PAIR(LM_MVE_DW_STEP("%[x]", "%[r2]"), "%[p]", LM_MVE_DW_STEP("%[p]", "%[c]"))       \
    LM_MVE_DW_STEP("%[p]", "%[c]")                                                                  \
    LM_MVE_DW_ONE(LM_MVE_DW_CONTIGUOUS, "%[p]")
#define LM_MVE_DW_K3()                                                                               \
    __asm__ volatile(LM_MVE_DW_K3_TAPS                                                               \
                     : LM_MVE_DW_ACCS, [p] "=&r"(o0)                                                 \
                     : [x] "r"(x), [c] "r"(win->col), [r] "r"(win->row), [r2] "r"(2 * win->row)      \
                     : "q0", "q1", "q2", "q3", "memory")

/* The nine taps with the input column step C (a literal) in post-increments,
 * each kernel row read through one pointer: x, then p = x + row, p2 = x + 2 row. */
#define LM_MVE_DW_LD(q, addr) "vldrb.u8 " q ", " addr "\n\t"
#define LM_MVE_DW_PAIR_AT(a0, a1)                                                                     \
    LM_MVE_DW_LD("q0", a0) "vldrb.u8 q1, [%[w]], #16\n\t" LM_MVE_DW_LD("q2", a1) LM_MVE_DW_PAIR_MUL       \
    LM_MVE_DW_WIDEN
#define LM_MVE_DW_K3_POST(C)                                                                          \
    "add %[p], %[x], %[r]\n\t"                                                                       \
    "add %[p2], %[x], %[r2]\n\t"                                                                     \
    LM_MVE_DW_PAIR_AT("[%[x]], #" C, "[%[x]], #" C) LM_MVE_DW_PAIR_AT("[%[x]]", "[%[p]], #" C)         \
    LM_MVE_DW_PAIR_AT("[%[p]], #" C, "[%[p]]") LM_MVE_DW_PAIR_AT("[%[p2]], #" C, "[%[p2]], #" C)        \
    LM_MVE_DW_ONE(LM_MVE_DW_CONTIGUOUS, "%[p2]")

#define LM_MVE_COMMA ,

/* A whole 3x3 pass in place for right shifts in one block (gcc kept the pass's constants on
 * the stack): the accumulators loaded with the bias, the nine taps (TAPS), the
 * requantization. */
#define LM_MVE_DW_K3_PASS(TAPS, OUTS, INS)                                                            \
    __asm__("vldrw.u32 %q[a0], [%[rq]]\n\t"                                                          \
            "vldrw.u32 %q[a1], [%[rq], #16]\n\t"                                                     \
            "vldrw.u32 %q[a2], [%[rq], #32]\n\t"                                                     \
            "vldrw.u32 %q[a3], [%[rq], #48]\n\t" TAPS LM_MVE_DW_RQ4("q0", "q1")                      \
            : [a0] "=&w"(a0), [a1] "=&w"(a1), [a2] "=&w"(a2), [a3] "=&w"(a3), [w] "+r"(w),             \
              [p] "=&r"(o0) OUTS                                                                      \
            : [r] "r"(win->row), [r2] "r"(2 * win->row), [rq] "r"(rq), [zp] "r"(zp) INS                \
            : "q0", "q1", "q2", "q3", "memory")

/* That pass's 16 bytes before the clamp. col: 0, or 8 when the caller knows the window's
 * column step (win->col) is 8 (the twin kernels), for the post-incremented taps (constants
 * for other steps would cost a copy of the pass each, for a few instructions). */
LM_INLINE int8x16_t lm_mve_dw_k3_rshift(const int8_t *x, const lm_mve_window *win, const int8_t *w,
                                        const int32_t *rq, int32_t zp, const int col)
{
    int32x4_t a0, a1, a2, a3;
    const int8_t *o0, *o1 = 0;
    if (col == 8) {     /* x post-incremented, a second row pointer; no column step register */
        LM_MVE_DW_K3_PASS(LM_MVE_DW_K3_POST("8"), LM_MVE_COMMA [x] "+r"(x) LM_MVE_COMMA [p2] "=&r"(o1), );
    } else {
        LM_MVE_DW_K3_PASS(LM_MVE_DW_K3_TAPS, , LM_MVE_COMMA [x] "r"(x) LM_MVE_COMMA [c] "r"(win->col));
    }
    return vreinterpretq_s8_s32(a0);
}

/* One pass: 16 output channels (the lanes `pred` keeps when not `full`) of one pixel. x: the
 * window base at this pass's first input channel; w, rq: this pass's weights and tables; g:
 * the pass's gather offsets (multiplier > 1). */
LM_INLINE void lm_mve_dw_pass_c(const int8_t *x, const lm_mve_window *win, const int8_t *w, const int32_t *rq,
                                const lm_mve_dw_out *q, int8_t *out, const uint8_t *g, mve_pred16_t pred,
                                const int gather, const int full, const int clamp, const int rshift, const int k3,
                                const int col)
{
    int32x4_t a0, a1, a2, a3;
    const int32_t *offs = win->offs;
    const int32_t n = win->pairs - win->single;
    int32_t o0, o1;
    if (k3 && rshift && win->row != 0) {
        lm_mve_dw_put(lm_mve_dw_k3_rshift(x, win, w, rq, q->zp, col), q, out, pred, full, clamp);
        return;
    }
    a0 = vldrwq_s32(rq);
    a1 = vldrwq_s32(rq + 4);
    a2 = vldrwq_s32(rq + 8);
    a3 = vldrwq_s32(rq + 12);
    if (k3 && win->row != 0) {
        LM_MVE_DW_K3();
    } else if (gather) {
        LM_MVE_DW_TAPS(LM_MVE_DW_GATHER);
        if (win->single) {
            LM_MVE_DW_SINGLE(LM_MVE_DW_GATHER);
        }
    } else {
        g = (const uint8_t *)x;     /* unused: the register x is in */
        LM_MVE_DW_TAPS(LM_MVE_DW_CONTIGUOUS);
        if (win->single) {
            LM_MVE_DW_SINGLE(LM_MVE_DW_CONTIGUOUS);
        }
    }
    lm_mve_dw_store(a0, a1, a2, a3, rq, q, out, pred, full, clamp, rshift);
}

/* lm_mve_dw_pass_c for any column step. */
LM_INLINE void lm_mve_dw_pass(const int8_t *x, const lm_mve_window *win, const int8_t *w, const int32_t *rq,
                              const lm_mve_dw_out *q, int8_t *out, const uint8_t *g, mve_pred16_t pred,
                              const int gather, const int full, const int clamp, const int rshift, const int k3)
{
    lm_mve_dw_pass_c(x, win, w, rq, q, out, g, pred, gather, full, clamp, rshift, k3, 0);
}

/* The passes of one output pixel: full passes of 16 channels, then one predicated pass.
 * gofs (multiplier > 1): per pass, each lane's input channel less the pass's first. */
LM_INLINE void lm_mve_dw_pixel(const lm_dwconv_params *p, const int8_t *x, const lm_mve_window *win,
                               const int8_t *w, const int32_t *rq, const uint8_t *gofs, const lm_mve_dw_out *q,
                               int8_t *out, const int gather, const int clamp, const int rshift, const int k3)
{
    const int32_t out_c = p->out_c, step = 32 * win->pairs;
    int32_t oc;
    for (oc = 0; oc + 16 <= out_c; oc += 16, w += step, rq += 48) {
        const int8_t *xc = x + (gather ? oc / p->depth_mult : oc);
        lm_mve_dw_pass(xc, win, w, rq, q, out + oc, gather ? gofs + oc : gofs, 0, gather, 1, clamp, rshift,
                       k3);
    }
    if (oc < out_c) {
        const int8_t *xc = x + (gather ? oc / p->depth_mult : oc);
        lm_mve_dw_pass(xc, win, w, rq, q, out + oc, gather ? gofs + oc : gofs, vctp8q((uint32_t)(out_c - oc)), gather,
                       0, clamp, rshift, k3);
    }
}

/* The window of a border pixel: [k_h][k_w][in_c] with padded taps = in_zp. */
static void lm_mve_dw_border(const lm_dwconv_params *p, const int8_t *in, int32_t iy0, int32_t ix0, int8_t *dst)
{
    const int32_t in_c = p->in_c;
    const int8x16_t zp = vdupq_n_s8((int8_t)p->in_zp);
    int32_t ky, kx, n;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx, dst += in_c) {
            const int32_t ix = ix0 + kx * p->dil_w;
            const int inside = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
            const int8_t *src = in + (iy * p->in_w + ix) * in_c;
            for (n = 0; n < in_c; n += 16) {
                const mve_pred16_t pred = vctp8q((uint32_t)(in_c - n));
                vstrbq_p_s8(dst + n, inside ? vldrbq_z_s8(src + n, pred) : zp, pred);
            }
        }
    }
}

/* The tap offsets of a border pixel from its window base x: in place where the tap lies inside
 * the input, else to zrow (in_c + 16 bytes of the input zero point). pos: per tap of each
 * pair, (row offset << 16) | column offset inside the window; n: the taps (a lone last tap's
 * zero partner has no offset to place). */
static void lm_mve_dw_edge(const lm_dwconv_params *p, const int32_t *inner, const int32_t *pos, int32_t n,
                           int32_t iy0, int32_t ix0, const int8_t *x, const int8_t *zrow, int32_t *offs)
{
    const int32_t to_zero = (int32_t)((intptr_t)zrow - (intptr_t)x);
    const uint32_t in_h = (uint32_t)p->in_h, in_w = (uint32_t)p->in_w;    /* one unsigned compare each */
    int32_t i;
    for (i = 0; i < n; ++i) {
        const uint32_t iy = (uint32_t)(iy0 + (pos[i] >> 16)), ix = (uint32_t)(ix0 + (pos[i] & 0xFFFF));
        offs[i] = (iy < in_h && ix < in_w) ? inner[i] : to_zero;
    }
}

/* One band row of the 3x3 window rows: the input row iy (in_zp outside the input) from column
 * -pad_left on; the band's padding columns hold in_zp from the start and stay so. */
static void lm_mve_dw_band_row(const lm_dwconv_params *p, const int8_t *in_b, int32_t iy, int32_t band_w,
                               int8_t *dst)
{
    const int32_t in_c = p->in_c, j0 = p->pad_left, j1 = p->pad_left + p->in_w < band_w ? p->pad_left + p->in_w : band_w;
    if (j1 > j0) {
        const int inside = iy >= 0 && iy < p->in_h;
        lm_mve_fill(dst + j0 * in_c, inside ? in_b + iy * p->in_w * in_c : 0, (j1 - j0) * in_c, (int8_t)p->in_zp);
    }
}

/* n full passes (16 channels) of pixels sx bytes apart from the window base xc, out_c bytes
 * apart from o. */
LM_INLINE void lm_mve_dw_run_px(const int8_t *xc, int32_t n, int32_t sx, int8_t *o, int32_t out_c,
                                const lm_mve_window *win, const int8_t *w, const int32_t *rq, const lm_mve_dw_out *q,
                                const int clamp, const int rshift, const int k3)
{
    for (; n > 0; --n, xc += sx, o += out_c) {
        lm_mve_dw_pass(xc, win, w, rq, q, o, 0, 0, 0, 1, clamp, rshift, k3);
    }
}

/* Output pixels [ox, hi) of a row whose windows lie inside the memory at x (the window base of
 * pixel ox, steps of stride_w pixels): no checks per pixel; twin: two pixels per pass. */
LM_INLINE int8_t *lm_mve_dw_span(const lm_dwconv_params *p, const int8_t *x, const lm_mve_window *win, int32_t ox,
                                 int32_t hi, const int8_t *w, const int32_t *rq, const uint8_t *gofs,
                                 const lm_mve_dw_out *q, int8_t *out, const int gather, const int twin, const int k3,
                                 const int clamp, const int rshift)
{
    const int32_t in_c = p->in_c, out_c = p->out_c;
    if (!twin && !gather) {     /* multiplier 1: channel group by channel group, the pixels inner */
        const int32_t n = hi - ox, sx = p->stride_w * in_c, step = 32 * win->pairs;
        int32_t oc, i;
        for (oc = 0; oc + 16 <= out_c; oc += 16, w += step, rq += 48) {
            lm_mve_dw_run_px(x + oc, n, sx, out + oc, out_c, win, w, rq, q, clamp, rshift, k3);
        }
        if (oc < out_c) {
            const mve_pred16_t pred = vctp8q((uint32_t)(out_c - oc));
            const int8_t *xc = x + oc;
            int8_t *o = out + oc;
            for (i = n; i > 0; --i, xc += sx, o += out_c) {
                lm_mve_dw_pass(xc, win, w, rq, q, o, gofs, pred, 0, 0, clamp, rshift, k3);
            }
        }
        return n > 0 ? out + n * out_c : out;
    }
    for (; twin && ox + 1 < hi; ox += 2, x += 2 * in_c, out += 2 * out_c) {     /* in_c (win->col) is 8 */
        lm_mve_dw_pass_c(x, win, w, rq, q, out, gofs, 0, 0, 1, clamp, rshift, k3, 8);
    }
    for (; ox < hi; ++ox, x += p->stride_w * in_c, out += out_c) {
        lm_mve_dw_pixel(p, x, win, w, rq, gofs, q, out, gather, clamp, rshift, k3);
    }
    return out;
}

/* scratch: the border offsets (2P int32), zrow, a copied window for the last pixel (its
 * loads past the last channel would leave the input otherwise), then (3x3 kernels, band mode
 * taps[2 + 6P] > 0) the band: the k_h input rows of an output row, padding columns included,
 * band_w = (out_w - 1) * stride_w + k_w pixels each, + 16 bytes. Band mode 1: the output rows
 * whose windows leave the input at the top or bottom read the band; 2: every row does. */
LM_INLINE void lm_mve_dw_run(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out, const int gather,
                         const int twin, const int k3, const int clamp, const int rshift)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, pairs = taps[0], one = taps[1];
    const int32_t span_h = (p->k_h - 1) * p->dil_h, span_w = (p->k_w - 1) * p->dil_w;
    const int32_t band_mode = k3 ? taps[2 + 6 * pairs] : 0, band_w = (p->out_w - 1) * p->stride_w + p->k_w;
    int32_t *edge_offs = (int32_t *)(void *)scratch;
    int8_t *zrow = scratch + 8 * pairs, *window = zrow + in_c + 16, *band = window + p->k_h * p->k_w * in_c + 16;
    const lm_mve_window inner = {taps + 2, pairs, one, in_c, k3 ? in_w * in_c : 0};
    const lm_mve_window edge = {edge_offs, pairs, one, 0, 0}, copied = {taps + 2 + 2 * pairs, pairs, one, 0, 0};
    const lm_mve_window banded = {0, pairs, one, in_c, band_w * in_c};
    const lm_mve_dw_out q = {vdupq_n_s8((int8_t)p->act_min), vdupq_n_s8((int8_t)p->act_max), p->out_zp};
    /* the interior columns: [ox_lo, ox_hi) */
    const int32_t ox_lo = (p->pad_left + p->stride_w - 1) / p->stride_w, room = in_w - 1 - span_w + p->pad_left;
    const int32_t ox_hi = room < 0 ? 0 : (room / p->stride_w + 1 < p->out_w ? room / p->stride_w + 1 : p->out_w);
    int32_t b, oy, ox, n;
    lm_mve_fill(zrow, 0, in_c + 16, (int8_t)p->in_zp);
    if (band_mode) {
        lm_mve_fill(band, 0, p->k_h * band_w * in_c + 16, (int8_t)p->in_zp);
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int inside = iy0 >= 0 && iy0 + span_h < in_h;
            const int32_t end = oy == p->out_h - 1 ? p->out_w - 1 : p->out_w;     /* the last pixel is copied */
            const int32_t hi = inside ? (ox_hi < end ? ox_hi : end) : 0;
            if (band_mode == 2 || (band_mode == 1 && !inside)) {
                for (n = 0; n < p->k_h; ++n) {
                    lm_mve_dw_band_row(p, in_b, iy0 + n, band_w, band + n * band_w * in_c);
                }
                out = lm_mve_dw_span(p, band, &banded, 0, p->out_w, w, rq, gofs, &q, out, gather, twin, k3, clamp,
                                     rshift);
                continue;
            }
            for (ox = 0; ox < p->out_w;) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                const int8_t *x = in_b + (iy0 * in_w + ix0) * in_c;
                if (ox >= ox_lo && ox < hi) {       /* the row's interior run: no checks per pixel */
                    out = lm_mve_dw_span(p, x, &inner, ox, hi, w, rq, gofs, &q, out, gather, twin, k3, clamp, rshift);
                    ox = hi;
                    continue;
                }
                if (oy == p->out_h - 1 && ox == p->out_w - 1) {
                    lm_mve_dw_border(p, in_b, iy0, ix0, window);
                    lm_mve_dw_pixel(p, window, &copied, w, rq, gofs, &q, out, gather, clamp, rshift, k3);
                } else {
                    lm_mve_dw_edge(p, taps + 2, taps + 2 + 4 * pairs, 2 * pairs - one, iy0, ix0, x, zrow, edge_offs);
                    lm_mve_dw_pixel(p, x, &edge, w, rq, gofs, &q, out, gather, clamp, rshift, k3);
                }
                ++ox;
                out += out_c;
            }
        }
    }
}

/* lm_mve_dw_run with the clamp compiled out for the full int8 range (the usual case). */
LM_INLINE void lm_mve_dw(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out, const int gather,
                         const int twin, const int k3, const int rshift)
{
    if (p->act_min == -128 && p->act_max == 127) {
        lm_mve_dw_run(p, in, w, rq, taps, gofs, scratch, out, gather, twin, k3, 0, rshift);
    } else {
        lm_mve_dw_run(p, in, w, rq, taps, gofs, scratch, out, gather, twin, k3, 1, rshift);
    }
}

void lm_mve_dwconv_m1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 0, 0, 0);
}

void lm_mve_dwconv_m1_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 0, 0, 1);
}

void lm_mve_dwconv_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                      const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, gofs, scratch, out, 1, 0, 0, 0);
}

void lm_mve_dwconv_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                             const int32_t *taps, const uint8_t *gofs, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, gofs, scratch, out, 1, 0, 0, 1);
}

/* 8 channels, multiplier 1, stride_w 1: two neighbouring pixels per pass where both windows
 * lie inside the input (their 2 x 8 channels are 16 contiguous bytes at every tap); the
 * tables hold the 8 channels twice, lanes 8-15 for the second pixel. */
void lm_mve_dwconv_x2_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                         const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 1, 0, 0);
}

void lm_mve_dwconv_x2_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 1, 0, 1);
}

/* 3x3, multiplier 1, dilation 1, taps paired (0,1) (2,3) (4,5) (6,7) (8): interior windows
 * through the unrolled taps. */
void lm_mve_dwconv_3x3_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 0, 1, 0);
}

void lm_mve_dwconv_3x3_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                 const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 0, 1, 1);
}

/* The two pixels per pass of lm_mve_dwconv_x2_s8 through the unrolled 3x3 taps. */
void lm_mve_dwconv_x2_3x3_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                             const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 1, 1, 0);
}

void lm_mve_dwconv_x2_3x3_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                                    const int32_t *taps, int8_t *scratch, int8_t *out)
{
    lm_mve_dw(p, in, w, rq, taps, 0, scratch, out, 0, 1, 1, 1);
}

/* DEPTHWISE_CONV_2D 3x3, dil_w 1, one input channel, depth multiplier a multiple of 8
 * (lm_mve_dw1_s8).
 *
 * Output channels in int32 lanes: per tap, the input byte (a scalar) times the tap's weights
 * (VLDRB.S32, four channels a load) accumulated by VMLA.S32, 8 channels (two vectors) at a
 * time for two neighbouring output pixels, so that each weight load feeds two pixels. w: int8
 * [out_c / 8][9][8], each 8 channels in the order 0, 2, 4, 6, 1, 3, 5, 7: the two vectors
 * narrow back to channel order with
 * VQMOVNB/VQMOVNT. rq: per 4 channels in that order, bias, mult, shift. The bias holds the input
 * zero-point term (lm_dwconv.h), so a padded tap reads in_zp: each output row reads a band
 * of its input rows with their padding columns (in_zp) copied into scratch. */
typedef struct {
    const int8_t *w;
    const int32_t *rq;
    int32_t out_c, zp, lo, hi;
} lm_mve_dw1_ctx;

/* One pixel's 8 channels of a group, requantized in lo (channels 0, 2, 4, 6) and hi (1, 3, 5,
 * 7): narrowed with saturation to int16 in channel order, the output zero point added with
 * saturation (the clamp range lies inside int8, so the result is unchanged), clamped (or,
 * without `clamp`, for the range -128..127, saturated to int8) and stored. */
LM_INLINE void lm_mve_dw1_out(int32x4_t lo, int32x4_t hi, const lm_mve_dw1_ctx *c, int8_t *out, const int clamp)
{
    int16x8_t v = vqaddq_n_s16(vqmovntq_s32(vqmovnbq_s32(vdupq_n_s16(0), lo), hi), (int16_t)c->zp);
    if (clamp) {
        v = vminq_s16(vmaxq_s16(v, vdupq_n_s16((int16_t)c->lo)), vdupq_n_s16((int16_t)c->hi));
    } else {
        v = vreinterpretq_s16_s8(vqmovnbq_s16(vdupq_n_s8(0), v));
    }
    vstrbq_s16(out, v);
}

typedef struct {
    int32x4_t a0, a1, b0, b1;       /* channels 0-3 and 4-7 of a group, the first and second pixel */
} lm_mve_dw1_acc;

/* One tap: input bytes at x (and x + dx), the tap's 8 weights at w (the C twin of one tap of
 * lm_mve_dw1_k3x2, for a pixel alone). */
LM_INLINE void lm_mve_dw1_tap(lm_mve_dw1_acc *a, const int8_t *x, int32_t dx, const int8_t *w, const int two)
{
    const int32x4_t w0 = vldrbq_s32(w), w1 = vldrbq_s32(w + 4);
    const int32_t v0 = x[0];
    a->a0 = vmlaq_n_s32(a->a0, w0, v0);
    a->a1 = vmlaq_n_s32(a->a1, w1, v0);
    if (two) {
        const int32_t v1 = x[dx];
        a->b0 = vmlaq_n_s32(a->b0, w0, v1);
        a->b1 = vmlaq_n_s32(a->b1, w1, v1);
    }
}

/* Inline assembly for the 3x3 taps of two pixels: per tap the two input bytes at
 * xr + kx and xb + kx, the tap's 8 weights at w + wo, four VMLA; each row then steps both by
 * `row` (gcc's code for the intrinsics reloaded the weights). */
#define LM_MVE_DW1_TAP(kx, wo, wo4)                                                        \
    "ldrsb %[s0], [%[xr], #" kx "]\n\t"                                                    \
    "ldrsb %[s1], [%[xb], #" kx "]\n\t"                                                    \
    "vldrb.s32 %q[t0], [%[w], #" wo "]\n\t"                                                \
    "vldrb.s32 %q[t1], [%[w], #" wo4 "]\n\t"                                               \
    "vmla.s32 %q[a0], %q[t0], %[s0]\n\t"                                                   \
    "vmla.s32 %q[a1], %q[t1], %[s0]\n\t"                                                   \
    "vmla.s32 %q[b0], %q[t0], %[s1]\n\t"                                                   \
    "vmla.s32 %q[b1], %q[t1], %[s1]\n\t"
#define LM_MVE_DW1_ROW(w0, w1, w2, w3, w4, w5)                                            \
    LM_MVE_DW1_TAP("0", w0, w1) LM_MVE_DW1_TAP("1", w2, w3) LM_MVE_DW1_TAP("2", w4, w5)    \
    "add %[xr], %[xr], %[row]\n\t"                                                         \
    "add %[xb], %[xb], %[row]\n\t"

LM_INLINE void lm_mve_dw1_k3x2(lm_mve_dw1_acc *a, const int8_t *xr, const int8_t *xb, int32_t row, const int8_t *w)
{
    int32x4_t t0, t1;
    int32_t s0, s1;
    __asm__ volatile(LM_MVE_DW1_ROW("0", "4", "8", "12", "16", "20")
                     LM_MVE_DW1_ROW("24", "28", "32", "36", "40", "44")
                     LM_MVE_DW1_ROW("48", "52", "56", "60", "64", "68")
                     : [a0] "+w"(a->a0), [a1] "+w"(a->a1), [b0] "+w"(a->b0), [b1] "+w"(a->b1), [t0] "=&w"(t0),
                       [t1] "=&w"(t1), [s0] "=&r"(s0), [s1] "=&r"(s1), [xr] "+r"(xr), [xb] "+r"(xb)
                     : [w] "l"(w), [row] "r"(row)
                     : "memory");
}

/* lm_mve_dw1_group_out for two pixels, 8 channels, right shifts only, the range -128..127,
 * in assembly (gcc's code for the intrinsics moved zero vectors into every narrowing). */
#define LM_MVE_DW1_RESCALE2(m, sh, x, y)                                                  \
    "vldrw.32 %q[t0], [%[rq], #" m "]\n\t"                                                 \
    "vldrw.32 %q[t1], [%[rq], #" sh "]\n\t"                                                \
    "vqrdmulh.s32 %q[" x "], %q[" x "], %q[t0]\n\t"                                         \
    "vqrdmulh.s32 %q[" y "], %q[" y "], %q[t0]\n\t"                                         \
    "vshr.s32 %q[t0], %q[" x "], #31\n\t"                                                  \
    "vqadd.s32 %q[" x "], %q[" x "], %q[t0]\n\t"                                            \
    "vshr.s32 %q[t0], %q[" y "], #31\n\t"                                                  \
    "vqadd.s32 %q[" y "], %q[" y "], %q[t0]\n\t"                                            \
    "vrshl.s32 %q[" x "], %q[" x "], %q[t1]\n\t"                                            \
    "vrshl.s32 %q[" y "], %q[" y "], %q[t1]\n\t"
#define LM_MVE_DW1_NARROW(lo, hi, t, o)                                                   \
    "vqmovnb.s32 %q[" t "], %q[" lo "]\n\t"                                                \
    "vqmovnt.s32 %q[" t "], %q[" hi "]\n\t"                                                \
    "vqadd.s16 %q[" t "], %q[" t "], %[zp]\n\t"                                             \
    "vqmovnb.s16 %q[" lo "], %q[" t "]\n\t"                                                \
    "vstrb.16 %q[" lo "], [%[" o "]]\n\t"

LM_INLINE void lm_mve_dw1_out2_asm(lm_mve_dw1_acc *a, const int32_t *rq, int32_t zp, int8_t *out, int8_t *out2)
{
    int32x4_t t0, t1;
    __asm__ volatile(LM_MVE_DW1_RESCALE2("16", "32", "a0", "b0") LM_MVE_DW1_RESCALE2("64", "80", "a1", "b1")
                     LM_MVE_DW1_NARROW("a0", "a1", "t0", "o") LM_MVE_DW1_NARROW("b0", "b1", "t1", "o2")
                     : [a0] "+w"(a->a0), [a1] "+w"(a->a1), [b0] "+w"(a->b0), [b1] "+w"(a->b1), [t0] "=&w"(t0),
                       [t1] "=&w"(t1)
                     : [rq] "r"(rq), [zp] "r"(zp), [o] "l"(out), [o2] "l"(out2)
                     : "memory");
}

/* Requantize a group's accumulators (rq: bias, mult, shift of channels 0, 2, 4, 6, then of
 * 1, 3, 5, 7), each pair of mult and shift loaded once for both pixels, and store them. */
LM_INLINE void lm_mve_dw1_group_out(lm_mve_dw1_acc *a, const int32_t *rq, const lm_mve_dw1_ctx *c, int8_t *out,
                                    const int two, const int clamp, const int rshift)
{
    int32x4_t m, s;
    if (two && !clamp && rshift) {
        lm_mve_dw1_out2_asm(a, rq, c->zp, out, out + c->out_c);
        return;
    }
    m = vldrwq_s32(rq + 4);
    s = vldrwq_s32(rq + 8);
    a->a0 = lm_mve_rescale(a->a0, m, s, rshift);
    if (two) {
        a->b0 = lm_mve_rescale(a->b0, m, s, rshift);
    }
    m = vldrwq_s32(rq + 16);
    s = vldrwq_s32(rq + 20);
    a->a1 = lm_mve_rescale(a->a1, m, s, rshift);
    lm_mve_dw1_out(a->a0, a->a1, c, out, clamp);
    if (two) {
        a->b1 = lm_mve_rescale(a->b1, m, s, rshift);
        lm_mve_dw1_out(a->b0, a->b1, c, out + c->out_c, clamp);
    }
}

/* Output channels [0, out_c) of one pixel (two = 0) or of two (two = 1, the second's window
 * at x + dx, its output at out + out_c), 8 channels a group (w: [group][tap][8]). Taps at x +
 * ky * row + kx. eight: out_c is 8. */
LM_INLINE void lm_mve_dw1_pixels(const lm_mve_dw1_ctx *c, const int8_t *x, int32_t dx, int32_t row, int8_t *out,
                                 const int two, const int eight, const int clamp, const int rshift)
{
    const int32_t out_c = eight ? 8 : c->out_c;
    const int32_t *rq = c->rq;
    const int8_t *w = c->w;
    int32_t g, t;
    for (g = 0; g < out_c; g += 8, rq += 24, w += 72) {
        lm_mve_dw1_acc a;
        a.a0 = a.b0 = vldrwq_s32(rq);
        a.a1 = a.b1 = vldrwq_s32(rq + 12);
        if (two) {
            lm_mve_dw1_k3x2(&a, x, x + dx, row, w);
        } else {
            for (t = 0; t < 9; ++t) {
                lm_mve_dw1_tap(&a, x + (t / 3) * row + t % 3, 0, w + 8 * t, 0);
            }
        }
        lm_mve_dw1_group_out(&a, rq, c, out + g, two, clamp, rshift);
    }
}

/* One output row from its band (k_h rows of band_w bytes, padding included): pixels two at a
 * time, an odd last one alone. */
LM_INLINE void lm_mve_dw1_row(const lm_dwconv_params *p, const lm_mve_dw1_ctx *c, const int8_t *band,
                              int32_t band_w, int8_t *out, const int eight, const int clamp, const int rshift)
{
    const int32_t sw = p->stride_w, out_w = p->out_w;
    int32_t ox;
    for (ox = 0; ox + 1 < out_w; ox += 2, band += 2 * sw, out += 2 * c->out_c) {
        lm_mve_dw1_pixels(c, band, sw, band_w, out, 1, eight, clamp, rshift);
    }
    if (ox < out_w) {
        lm_mve_dw1_pixels(c, band, 0, band_w, out, 0, eight, clamp, rshift);
    }
}

/* scratch: the band of k_h input rows an output row reads (rows iy0 + ky * dil_h), band_w =
 * (out_w - 1) * stride_w + 3 bytes each from column -pad_left, in_zp
 * outside the input, + 16 bytes. */
LM_INLINE void lm_mve_dw1(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          int8_t *scratch, int8_t *out, const int rshift)
{
    const lm_mve_dw1_ctx c = {w, rq, p->out_c, p->out_zp, p->act_min, p->act_max};
    const int32_t band_w = (p->out_w - 1) * p->stride_w + 3;
    const int clamp = p->act_min != -128 || p->act_max != 127;
    int32_t b, oy, ky;
    lm_mve_fill(scratch, 0, p->k_h * band_w + 16, (int8_t)p->in_zp);
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w;
        for (oy = 0; oy < p->out_h; ++oy, out += p->out_w * p->out_c) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (ky = 0; ky < p->k_h; ++ky) {
                lm_mve_dw_band_row(p, in_b, iy0 + ky * p->dil_h, band_w, scratch + ky * band_w);
            }
            if (p->out_c == 8 && !clamp) {
                lm_mve_dw1_row(p, &c, scratch, band_w, out, 1, 0, rshift);
            } else {
                lm_mve_dw1_row(p, &c, scratch, band_w, out, 0, clamp, rshift);
            }
        }
    }
}

void lm_mve_dw1_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                   int8_t *scratch, int8_t *out)
{
    lm_mve_dw1(p, in, w, rq, scratch, out, 0);
}

void lm_mve_dw1_rshift_s8(const lm_dwconv_params *p, const int8_t *in, const int8_t *w, const int32_t *rq,
                          int8_t *scratch, int8_t *out)
{
    lm_mve_dw1(p, in, w, rq, scratch, out, 1);
}
