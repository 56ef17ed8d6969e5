/* int8.c: the parts of an int8 product that run in C. Its input rows are
 * quantised to u8 levels, each row with its own scale and zero point; the
 * product (oneDNN) returns its integer sums as floats; the epilogue scales
 * them back per row and column and adds bias, activation or residual in
 * one pass over rows still in cache, and can quantise its own output rows
 * for the next product while they are. (oneDNN 2.6 can scale and add as
 * post-ops, but its per-column binary post-ops cost a product of 50 rows
 * 10-25%, its runtime per-column output scales fall back to its reference
 * kernel, and it has no per-row scales at all.) */
#include "backend.h"
#include "kernels.h"
#include "mvec.h"

/* The range of @count floats, widened to hold 0. */
CLIP_SIMD_CLONES static void
range_of (const float *x, size_t count, float *lo_out, float *hi_out)
{
  float lo = 0, hi = 0;

#pragma omp simd reduction (min:lo) reduction (max:hi)
  for (size_t i = 0; i < count; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  *lo_out = lo;
  *hi_out = hi;
}

/* x / scale + zero point, rounded half up and clamped to 0..@top (written
 * so that it vectorises). */
CLIP_SIMD_CLONES static void
to_levels (const float *x, size_t count, float inv, float zpf, float top,
    guint8 *q)
{
#pragma omp simd
  for (size_t i = 0; i < count; i++) {
    float v = x[i] * inv + zpf + 0.5f;
    v = v > 0.0f ? v : 0.0f;
    v = v < top + 0.5f ? v : top;
    q[i] = (guint8) (int) v;
  }
}

/* Row @r of @k floats into levels 0 to @top, with the scale and zero point
 * of its range (which holds 0, so that zero stays exact). */
void
clip_int8_quantize_row (const float *row, int k, int r,
    const ClipLevelsOut *out)
{
  float lo, hi;

  range_of (row, k, &lo, &hi);
  float s = hi > lo ? (hi - lo) / (float) out->top : 1.0f;
  out->levels.scale[r] = s;
  out->levels.zero[r] = (float) lrintf (-lo * (1.0f / s));
  to_levels (row, k, 1.0f / s, out->levels.zero[r], (float) out->top,
      out->q + (size_t) r * k);
}

void
clip_int8_quantize (const float *x, int m, int k, const ClipLevelsOut *out,
    int threads)
{
  int parts = k_row_threads (m, k, threads);

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++)
    for (int r = m * t / parts; r < m * (t + 1) / parts; r++)
      clip_int8_quantize_row (x + (size_t) r * k, k, r, out);
}

/* One row of @n: with x = sx (q - zx) and column j of W = sw[j] Wq[:, j],
 * x W^T + b = sx sw[j] (q Wq^T - zx colsum[j]) + b[j]. */
CLIP_SIMD_CLONES static void
epilogue_row (const float *acc, int n, float sx, float zx, const float *sw,
    const float *colsum, const float *bias, float *y, ClipEpilogue epi,
    ClipAct act)
{
#define VALUE(j) ((acc[j] - zx * colsum[j]) * (sx * sw[j]) + bias[j])
  if (epi == CLIP_EPI_RESIDUAL) {
#pragma omp simd
    for (int j = 0; j < n; j++)
      y[j] += VALUE (j);
  } else if (epi == CLIP_EPI_NONE) {
#pragma omp simd
    for (int j = 0; j < n; j++)
      y[j] = VALUE (j);
  } else if (act == CLIP_ACT_QUICK_GELU) {
#pragma omp simd
    for (int j = 0; j < n; j++)
      y[j] = k_quick_gelu (VALUE (j));
  } else if (act == CLIP_ACT_GELU) {
#pragma omp simd
    for (int j = 0; j < n; j++)
      y[j] = k_gelu (VALUE (j));
  } else {
#pragma omp simd
    for (int j = 0; j < n; j++)
      y[j] = k_gelu_tanh (VALUE (j));
  }
#undef VALUE
}

void
clip_int8_epilogue (const float *acc, int m, int n, const ClipInt8Scales *s,
    float *y, ClipEpilogue epi, ClipAct act, const ClipLevelsOut *next,
    int threads)
{
  int parts = k_row_threads (m, n, threads);

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    for (int r = m * t / parts; r < m * (t + 1) / parts; r++) {
      float *row = y + (size_t) r * n;
      epilogue_row (acc + (size_t) r * n, n, s->rows.scale[r],
          s->rows.zero[r], s->col_scale, s->col_sum, s->bias, row, epi, act);
      if (next)
        clip_int8_quantize_row (row, n, r, next);
    }
  }
}
