/* epilogue.c: the end of an int8 product, in C. oneDNN returns the
 * product's integer sums as floats; here they are scaled back per row and
 * column, get their bias, then the activation or the residual addition,
 * in one pass over rows that are still in cache. (oneDNN 2.6 can scale
 * and add as post-ops, but its per-column binary post-ops cost a product
 * of 50 rows 10-25%, its runtime per-column output scales fall back to its
 * reference kernel, and it has no per-row scales at all.) */
#include "backend.h"
#include "kernels.h"
#include "mvec.h"

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
    for (int j = 0; j < n; j++) {
      float v = VALUE (j);
      y[j] = v / (1.0f + expf (-1.702f * v));
    }
  } else if (act == CLIP_ACT_GELU) {
#pragma omp simd
    for (int j = 0; j < n; j++) {
      float v = VALUE (j);
      y[j] = 0.5f * v * (1.0f + erff (v * (float) M_SQRT1_2));
    }
  } else {
#pragma omp simd
    for (int j = 0; j < n; j++) {
      float v = VALUE (j);
      y[j] = 0.5f * v * (1.0f + tanhf (0.7978845608f
              * (v + 0.044715f * v * v * v)));
    }
  }
#undef VALUE
}

void
clip_int8_epilogue (const float *acc, int m, int n, const ClipInt8Scales *s,
    float *y, ClipEpilogue epi, ClipAct act, int threads)
{
  int parts = (size_t) m * n >= 32768 ? MAX (MIN (threads, m), 1) : 1;

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    for (int r = m * t / parts; r < m * (t + 1) / parts; r++)
      epilogue_row (acc + (size_t) r * n, n, s->rows.scale[r],
          s->rows.zero[r], s->col_scale, s->col_sum, s->bias,
          y + (size_t) r * n, epi, act);
  }
}
