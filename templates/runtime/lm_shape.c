/* litemicro runtime: strided block copies (the data-movement ops) and nearest-neighbour resize. */
#include <stdarg.h>
#include <string.h>

#include "lm_common.h"
#include "lm_shape.h"

typedef struct {
    int32_t mode, run;
    int32_t fill;                          /* LM_BLOCK_FILL */
    int32_t in_zp, mult, shift, out_zp;    /* LM_BLOCK_REQUANT */
} lm_block_kind;

/* `count` runs of b->run bytes, the k-th at src + k * ss and dst + k * ds. */
static void lm_block_runs(const lm_block_kind *b, const int8_t *src, int8_t *dst,
                          int32_t count, int32_t ss, int32_t ds)
{
    const int32_t run = b->run;
    int32_t k, i;
    if (b->mode == LM_BLOCK_FILL) {
        for (k = 0; k < count; ++k) {
            memset(dst + k * ds, b->fill, (size_t)run);
        }
    } else if (b->mode == LM_BLOCK_REQUANT) {
        for (k = 0; k < count; ++k) {
            const int8_t *s = src + k * ss;
            int8_t *d = dst + k * ds;
            for (i = 0; i < run; ++i) {
                const int32_t v = lm_requantize(s[i] - b->in_zp, b->mult, b->shift) + b->out_zp;
                d[i] = lm_clamp_s8(v, -128, 127);
            }
        }
    } else if (run == 1) {
        for (k = 0; k < count; ++k) {
            dst[k * ds] = src[k * ss];
        }
    } else {
        for (k = 0; k < count; ++k) {
            memcpy(dst + k * ds, src + k * ss, (size_t)run);
        }
    }
}

/* One block; returns the first word of the next block. */
static const int32_t *lm_block(const int32_t *w, const int8_t *src, int8_t *dst)
{
    lm_block_kind b = {0, 0, 0, 0, 0, 0, 0};
    const int32_t rank = w[1];
    int32_t so = w[2], dof = w[3];
    int32_t idx[LM_BLOCK_MAX_RANK] = {0};
    const int32_t *dims, *inner;
    int32_t d;
    b.mode = w[0];
    b.run = w[4];
    w += 5;
    if (b.mode == LM_BLOCK_FILL) {
        b.fill = w[0];
        w += 1;
    } else if (b.mode == LM_BLOCK_REQUANT) {
        b.in_zp = w[0];
        b.mult = w[1];
        b.shift = w[2];
        b.out_zp = w[3];
        w += 4;
    }
    dims = w;
    if (rank == 0) {
        lm_block_runs(&b, src + so, dst + dof, 1, 0, 0);
        return dims;
    }
    inner = dims + 3 * (rank - 1);
    for (;;) {
        lm_block_runs(&b, src + so, dst + dof, inner[0], inner[1], inner[2]);
        for (d = rank - 2; d >= 0; --d) {
            const int32_t *t = dims + 3 * d;
            so += t[1];
            dof += t[2];
            if (++idx[d] < t[0]) {
                break;
            }
            so -= t[1] * t[0];
            dof -= t[2] * t[0];
            idx[d] = 0;
        }
        if (d < 0) {
            break;
        }
    }
    return dims + 3 * rank;
}

void lm_copy_blocks(const int32_t *table, int32_t blocks, ...)
{
    va_list ap;
    int32_t b;
    va_start(ap, blocks);
    for (b = 0; b < blocks; ++b) {
        const int8_t *src = va_arg(ap, const int8_t *);
        int8_t *dst = va_arg(ap, int8_t *);
        table = lm_block(table, src, dst);
    }
    va_end(ap);
}

void lm_resize_nearest(const lm_resize_params *p, const int32_t *rows, const int32_t *cols,
                       const int8_t *in, int8_t *out)
{
    const int32_t pixel = p->pixel_bytes;
    int32_t b, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *batch = in + b * p->batch_bytes;
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *row = batch + rows[y];
            for (x = 0; x < p->out_w; ++x) {
                if (pixel == 1) {
                    *out = row[cols[x]];
                } else {
                    memcpy(out, row + cols[x], (size_t)pixel);
                }
                out += pixel;
            }
        }
    }
}
