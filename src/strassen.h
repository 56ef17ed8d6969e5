/* strassen.h: fp32 products of many rows through bf16fma.c's fp32 panels
 * in Strassen's seven block products rather than eight (strassen.c).
 * Internal. */
#ifndef CLIP_STRASSEN_H
#define CLIP_STRASSEN_H

#include "kernels.h"

#include <glib.h>

/* Whether clip_strassen_product() runs @m rows through @k x @n weights:
 * on AVX-512 CPUs, for even @m of at least 200 rows and even @k of at
 * least 64, with @n a multiple of 128 (whole blocks of two panels in each
 * half of the columns). */
gboolean clip_strassen_pays (int m, int k, int n);

/* Floats of scratch (64-byte aligned) it needs for that on @threads
 * threads; 0 unless it pays. */
size_t clip_strassen_scratch (int m, int k, int n, int threads);

/* Floats (64-byte aligned) of the five sums of W's quadrants that
 * clip_strassen_make_sums() keeps for @k x @n weights, 5/4 of the
 * weights; 0 where no product through them runs in Strassen's blocks. */
size_t clip_strassen_sums_size (int k, int n);

/* Makes those sums from weights @w packed by clip_fma32_pack(), into
 * @sums of clip_strassen_sums_size() floats. */
void clip_strassen_make_sums (const float *w, int k, int n, float *sums);

/* As clip_fma32_product(), with @scratch of clip_strassen_scratch()
 * floats, where clip_strassen_pays(); with @wsums of
 * clip_strassen_make_sums() (or NULL: the sums are made as the product
 * goes), the same numbers. */
void clip_strassen_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums);

#endif
