/* litemicro runtime: ADD, SUB and MUL with Helium (MVE), no broadcasting, four int32 lanes per
 * step, the last step predicated (VCTP). ADD and SUB follow TFLM's general rescaling path
 * (inputs offset, shifted left, each rescaled, added or subtracted with wrap-around, rescaled
 * to the output), the large ones (Prepare's `_table` kernels) reading the rescaled inputs from
 * the table by gather loads (the table re-laid offline in the order of the input bytes read as
 * unsigned, lite_micro/ops/mve.py); MUL multiplies the offset inputs and rescales once. Four inputs of each
 * tensor are loaded before the four outputs are stored, so the output may overwrite an input
 * in place. One input shift is usually 0, so there is no `_rshift` twin; the multiplier and
 * shift vectors are loop constants.
 */
#include "lm_mve.h"

/* The scalars both arithmetic paths read, as vectors. */
typedef struct {
    int32x4_t m1, s1, m2, s2, mo, so, lo, hi;
} lm_mve_rescaling;

LM_INLINE lm_mve_rescaling lm_mve_rescaling_make(int32_t in1_mult, int32_t in1_shift, int32_t in2_mult,
                                                 int32_t in2_shift, int32_t out_mult, int32_t out_shift,
                                                 int32_t act_min, int32_t act_max)
{
    const lm_mve_rescaling r = {vdupq_n_s32(in1_mult), vdupq_n_s32(in1_shift), vdupq_n_s32(in2_mult),
                                vdupq_n_s32(in2_shift), vdupq_n_s32(out_mult), vdupq_n_s32(out_shift),
                                vdupq_n_s32(act_min), vdupq_n_s32(act_max)};
    return r;
}

/* Four outputs of ADD (sub = 0) or SUB (sub = 1) from the inputs a, b (int32 lanes). `tabled`:
 * each input's rescaled value read from table by gather loads instead of computed (input 1's
 * at table[u], input 2's at table[256 + u], u the input byte as unsigned, lanes loaded
 * zero-extended); `rshift`: the output rescaling's shift is a right shift. */
LM_INLINE int32x4_t lm_mve_add_sub4(const lm_mve_rescaling *r, int32_t off1, int32_t off2, int32_t left,
                                    int32_t out_zp, int32x4_t a, int32x4_t b, const int32_t *table, const int sub,
                                    const int tabled, const int rshift)
{
    int32x4_t x1, x2, v;
    if (tabled) {
        x1 = vldrwq_gather_shifted_offset_s32(table, vreinterpretq_u32_s32(a));
        x2 = vldrwq_gather_shifted_offset_s32(table + 256, vreinterpretq_u32_s32(b));
    } else {
        x1 = lm_mve_requantize(vshlq_r_s32(vaddq_n_s32(a, off1), left), r->m1, r->s1);
        x2 = lm_mve_requantize(vshlq_r_s32(vaddq_n_s32(b, off2), left), r->m2, r->s2);
    }
    v = sub ? vsubq_s32(x1, x2) : vaddq_s32(x1, x2);
    v = vaddq_n_s32(lm_mve_rescale(v, r->mo, r->so, rshift), out_zp);
    return vminq_s32(vmaxq_s32(v, r->lo), r->hi);
}

/* ADD or SUB of n elements: groups of four, then one predicated group. */
LM_INLINE void lm_mve_add_sub(const lm_mve_rescaling *r, int32_t off1, int32_t off2, int32_t left, int32_t out_zp,
                              const int8_t *in1, const int8_t *in2, const int32_t *table, int8_t *out, int32_t n,
                              const int sub, const int tabled, const int rshift)
{
    int32_t i;
    for (i = n >> 2; i > 0; --i, in1 += 4, in2 += 4, out += 4) {
        const int32x4_t a = tabled ? vreinterpretq_s32_u32(vldrbq_u32((const uint8_t *)in1)) : vldrbq_s32(in1);
        const int32x4_t b = tabled ? vreinterpretq_s32_u32(vldrbq_u32((const uint8_t *)in2)) : vldrbq_s32(in2);
        vstrbq_s32(out, lm_mve_add_sub4(r, off1, off2, left, out_zp, a, b, table, sub, tabled, rshift));
    }
    if (n & 3) {
        const mve_pred16_t pred = vctp32q((uint32_t)(n & 3));
        const int32x4_t a = tabled ? vreinterpretq_s32_u32(vldrbq_z_u32((const uint8_t *)in1, pred))
                                   : vldrbq_z_s32(in1, pred);
        const int32x4_t b = tabled ? vreinterpretq_s32_u32(vldrbq_z_u32((const uint8_t *)in2, pred))
                                   : vldrbq_z_s32(in2, pred);
        vstrbq_p_s32(out, lm_mve_add_sub4(r, off1, off2, left, out_zp, a, b, table, sub, tabled, rshift), pred);
    }
}

/* ADD / SUB (sub), rescaled inputs computed or read from table (tabled). */
LM_INLINE void lm_mve_add_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,
                                 const int32_t *table, int8_t *out, const int sub, const int tabled, const int rshift)
{
    const lm_mve_rescaling r = lm_mve_rescaling_make(p->in1_mult, p->in1_shift, p->in2_mult, p->in2_shift,
                                                     p->out_mult, p->out_shift, p->act_min, p->act_max);
    lm_mve_add_sub(&r, p->in1_offset, p->in2_offset, p->left_shift, p->out_zp, in1, in2, table, out, p->inner,
                   sub, tabled, rshift);
}

void lm_mve_add_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_mve_add_sub_s8(p, in1, in2, 0, out, 0, 0, 0);
}

void lm_mve_sub_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_mve_add_sub_s8(p, in1, in2, 0, out, 1, 0, 0);
}

/* The table kernels, each with its `_rshift` twin for an output shift < 0. */
#define LM_MVE_ADD_SUB_TABLE(NAME, SUB)                                                                      \
    void lm_mve_##NAME##_table_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,            \
                                  const int32_t *table, int8_t *out)                                        \
    {                                                                                                        \
        lm_mve_add_sub_s8(p, in1, in2, table, out, SUB, 1, 0);                                               \
    }                                                                                                        \
    void lm_mve_##NAME##_table_rshift_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2,     \
                                         const int32_t *table, int8_t *out)                                 \
    {                                                                                                        \
        lm_mve_add_sub_s8(p, in1, in2, table, out, SUB, 1, 1);                                               \
    }

LM_MVE_ADD_SUB_TABLE(add, 0)
LM_MVE_ADD_SUB_TABLE(sub, 1)

void lm_mve_mul_s8(const lm_eltwise_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    const int32x4_t mo = vdupq_n_s32(p->out_mult), so = vdupq_n_s32(p->out_shift);
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset, out_zp = p->out_zp;
    int32_t n;
    for (n = p->inner; n > 0; n -= 4, in1 += 4, in2 += 4, out += 4) {
        const mve_pred16_t pred = vctp32q((uint32_t)n);
        const int32x4_t a = vaddq_n_s32(vldrbq_z_s32(in1, pred), off1);
        const int32x4_t b = vaddq_n_s32(vldrbq_z_s32(in2, pred), off2);
        const int32x4_t o = vaddq_n_s32(lm_mve_requantize(vmulq_s32(a, b), mo, so), out_zp);
        vstrbq_p_s32(out, vminq_s32(vmaxq_s32(o, lo), hi), pred);
    }
}
