/* bf16fma.h: products on fp32 FMAs from weights packed in panels, held in
 * bf16 (for CPUs whose bf16 dot products are slower than their FMAs) or in
 * fp32 (bf16fma.c). Internal. */
#ifndef CLIP_BF16FMA_H
#define CLIP_BF16FMA_H

#include "kernels.h"

#include <glib.h>

/* Whether this CPU runs the kernel (AVX-512F). */
gboolean clip_bf16fma_supported (void);

/* Bytes of @k x @n weights packed by clip_bf16fma_pack(). */
size_t clip_bf16fma_size (int k, int n);

/* W ([n, k] row-major, or [k, n] when @transposed) rounded to bf16 (to
 * nearest even) and packed into @out, clip_bf16fma_size() bytes. */
void clip_bf16fma_pack (const float *w, gboolean transposed, int k, int n,
    guint32 *out);

/* Floats of scratch a product of @k-long rows needs on @threads threads
 * (64-byte aligned). */
size_t clip_bf16fma_scratch (int k, int threads);

/* y = act (x W^T + bias) for @m rows of @x (@k floats each, already bf16
 * values) through weights @w packed for @k x @n; @bias may be NULL. With
 * @add, x W^T + bias is added to @y instead (no activation). On up to
 * @threads threads, with @scratch of clip_bf16fma_scratch() floats. */
void clip_bf16fma_product (const guint32 *w, int k, int n, const float *x,
    int m, const float *bias, float *y, gboolean add, gboolean activate,
    ClipAct act, int threads, float *scratch);

/* Bytes of @k x @n weights packed by clip_fma32_pack(). */
size_t clip_fma32_size (int k, int n);

/* W ([n, k] row-major, or [k, n] when @transposed) packed as fp32 into
 * @out, clip_fma32_size() bytes, 64-byte aligned. */
void clip_fma32_pack (const float *w, gboolean transposed, int k, int n,
    float *out);

/* Floats of scratch (64-byte aligned) with which clip_fma32_product()
 * of @m rows through @k x @n weights on @threads threads runs faster:
 * 0 when none helps. */
size_t clip_fma32_scratch (int m, int k, int n, int threads);

/* As clip_bf16fma_product(), through fp32 weights packed by
 * clip_fma32_pack() and any fp32 rows @x, @ldx floats apart, into rows
 * of @y @ldy floats apart. @scratch, of clip_fma32_scratch() floats, may
 * be NULL (then the product runs as it would without). @wsums, NULL or
 * the sums clip_strassen_make_sums() keeps for these weights, saves
 * making them in products that run in Strassen's blocks. */
void clip_fma32_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums);

#endif
