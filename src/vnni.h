/* vnni.h: int8 products on AVX512_VNNI from weights packed in panels at
 * load, the sums scaled back in the same pass (vnni.c). Internal. */
#ifndef CLIP_VNNI_H
#define CLIP_VNNI_H

#include "backend.h"

#include <glib.h>

/* Whether this CPU runs the kernel (AVX-512F, BW, VL, DQ and VNNI). */
gboolean clip_vnni_supported (void);
/* Bytes of @k x @n int8 weights packed by clip_vnni_pack(); @k must be a
 * multiple of 4. */
size_t clip_vnni_size (int k, int n);
/* The int8 weights @q (element (i, j) of W^T, [k, n], at i n + j when
 * @transposed and at j k + i otherwise) packed into @out, clip_vnni_size()
 * bytes, 64-byte aligned. */
void clip_vnni_pack (const gint8 *q, gboolean transposed, int k, int n,
    gint8 *out);
/* y = act (x W^T + b) for @m rows @x of @k u8 levels, through weights
 * packed by clip_vnni_pack(), with @s's row levels, column scales and
 * sums and bias (as clip_int8_epilogue() has them, and the same numbers);
 * with @add, x W^T + b is added to @y instead (no activation). On up to
 * @threads threads. */
void clip_vnni_product (const gint8 *w, int k, int n, const guint8 *x,
    int m, const ClipInt8Scales *s, float *y, gboolean add,
    gboolean activate, ClipAct act, int threads);

#endif
