/* bf16dot.h: bf16 products on AVX512_BF16's dot product from weights
 * packed in panels at load (bf16dot.c). Internal. */
#ifndef CLIP_BF16DOT_H
#define CLIP_BF16DOT_H

#include "backend.h"

#include <glib.h>

/* Whether this CPU runs the kernel (AVX-512F, BW, VL, DQ and BF16). */
gboolean clip_bf16dot_supported (void);
/* Bytes of @k x @n weights packed by clip_bf16dot_pack(); @k must be
 * even. */
size_t clip_bf16dot_size (int k, int n);
/* The weights @w (element (i, j) of W^T, [k, n], at i n + j when
 * @transposed and at j k + i otherwise) rounded to bf16 and packed into
 * @out, clip_bf16dot_size() bytes, 64-byte aligned. */
void clip_bf16dot_pack (const float *w, gboolean transposed, int k, int n,
    guint16 *out);
/* y = act (x W^T + b) for @m rows @x of @k bf16 values, @ldx values
 * apart, through weights packed by clip_bf16dot_pack(), with the @bias of
 * @n floats (or none); with @add, x W^T + b is added to @y ([m, n])
 * instead (no activation). Unless @y16 is NULL, y goes to @y16 instead,
 * rounded to bf16, rows @ld16 values apart (not with @add; @y is then
 * left alone). On up to @threads threads. */
void clip_bf16dot_product (const guint16 *w, int k, int n, const guint16 *x,
    size_t ldx, int m, const float *bias, float *y, guint16 *y16,
    size_t ld16, gboolean add, gboolean activate, ClipAct act, int threads);

#endif
