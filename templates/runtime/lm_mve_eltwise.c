/* litemicro runtime: ADD with Helium (MVE), no broadcasting: TFLM's general rescaling path
 * (inputs offset, shifted left, each rescaled, summed, rescaled to the output) on four int32
 * lanes per step, the last step predicated (VCTP). Four inputs of each tensor are loaded
 * before the four outputs are stored, so the output may overwrite an input in place. One
 * input shift is usually 0, so there is no `_rshift` twin; the shift vectors are loop constants.
 */
#include "lm_mve.h"

LM_INLINE void lm_mve_add(const lm_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    const int32x4_t m1 = vdupq_n_s32(p->in1_mult), s1 = vdupq_n_s32(p->in1_shift);
    const int32x4_t m2 = vdupq_n_s32(p->in2_mult), s2 = vdupq_n_s32(p->in2_shift);
    const int32x4_t mo = vdupq_n_s32(p->out_mult), so = vdupq_n_s32(p->out_shift);
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int32_t off1 = p->in1_offset, off2 = p->in2_offset, left = p->left_shift, out_zp = p->out_zp;
    int32_t n;
    for (n = p->size; n > 0; n -= 4, in1 += 4, in2 += 4, out += 4) {
        const mve_pred16_t pred = vctp32q((uint32_t)n);
        const int32x4_t a = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(in1, pred), off1), left);
        const int32x4_t b = vshlq_r_s32(vaddq_n_s32(vldrbq_z_s32(in2, pred), off2), left);
        const int32x4_t sum = vaddq_s32(lm_mve_requantize(a, m1, s1), lm_mve_requantize(b, m2, s2));
        const int32x4_t r = vaddq_n_s32(lm_mve_requantize(sum, mo, so), out_zp);
        vstrbq_p_s32(out, vminq_s32(vmaxq_s32(r, lo), hi), pred);
    }
}

void lm_mve_add_s8(const lm_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    lm_mve_add(p, in1, in2, out);
}
