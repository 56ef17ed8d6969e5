/* kernels.c: the small row-wise kernels (LayerNorm, activations, softmax)
 * written plainly; both backends use them. */
#include "kernels.h"

#include <math.h>
#include <string.h>

CLIP_SIMD_CLONES void
k_layer_norm_row (const float *in, float *out, int dim, const ClipNorm *n,
    float eps)
{
  /* float sums in SIMD lanes (omp simd): over a few thousand values their
   * error stays near float's own, far below the towers' tolerance */
  const float *gain = n->gain, *bias = n->bias;
  float sum = 0, sq = 0;
#pragma omp simd reduction (+:sum)
  for (int i = 0; i < dim; i++)
    sum += in[i];
  float mean = sum / dim;
#pragma omp simd reduction (+:sq)
  for (int i = 0; i < dim; i++)
    sq += (in[i] - mean) * (in[i] - mean);
  float inv = 1.0f / sqrtf (sq / dim + eps);
#pragma omp simd
  for (int i = 0; i < dim; i++)
    out[i] = (in[i] - mean) * inv * gain[i] + bias[i];
}

void
k_layer_norm (const float *x, float *y, int rows, int dim, const ClipNorm *n,
    float eps, int threads)
{
  int parts = k_row_threads (rows, dim, threads);

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    size_t r0 = (size_t) rows * t / parts, r1 = (size_t) rows * (t + 1) / parts;
    for (size_t r = r0; r < r1; r++)
      k_layer_norm_row (x + r * dim, y + r * dim, dim, n, eps);
  }
}

CLIP_SIMD_CLONES void
k_round_to_bf16 (const float *x, size_t count, guint16 *out)
{
#pragma omp simd
  for (size_t i = 0; i < count; i++)
    out[i] = k_bf16_bits (x[i]);
}

CLIP_SIMD_CLONES void
k_round_bf16_floats (const float *x, size_t count, float *out)
{
#pragma omp simd
  for (size_t i = 0; i < count; i++)
    out[i] = k_round_bf16 (x[i]);
}

CLIP_SIMD_CLONES void
k_activate_block (float *x, size_t ldx, int rows, int cols,
    gboolean activate, ClipAct act, guint16 *out, size_t ldo)
{
  for (int r = 0; r < rows; r++) {
    float *row = x + (size_t) r * ldx;
    guint16 *dst = out ? out + (size_t) r * ldo : NULL;
    if (activate) {
      if (act == CLIP_ACT_QUICK_GELU) {
#pragma omp simd
        for (int i = 0; i < cols; i++)
          row[i] = k_quick_gelu (row[i]);
      } else if (act == CLIP_ACT_GELU) {
#pragma omp simd
        for (int i = 0; i < cols; i++)
          row[i] = k_gelu (row[i]);
      } else {
#pragma omp simd
        for (int i = 0; i < cols; i++)
          row[i] = k_gelu_tanh (row[i]);
      }
    }
    if (dst) {
#pragma omp simd
      for (int i = 0; i < cols; i++)
        dst[i] = k_bf16_bits (row[i]);
    }
  }
}

void
k_activate (float *x, size_t count, ClipAct act)
{
  g_assert (count <= G_MAXINT);
  k_activate_block (x, count, 1, (int) count, TRUE, act, NULL, 0);
}

void
k_pooled_rows (float *dst, const float *src, int n, int seq,
    const int *pool, int w)
{
  for (int s = 0; s < n; s++)
    memmove (dst + (size_t) s * w, src + ((size_t) s * seq + pool[s]) * w,
        w * sizeof (float));
}

void
k_softmax_prefix (float *row, int n, int len)
{
  float max = row[0];
  for (int j = 1; j < n; j++)
    max = row[j] > max ? row[j] : max;
  float sum = 0;
  for (int j = 0; j < n; j++) {
    row[j] = expf (row[j] - max);
    sum += row[j];
  }
  float inv = 1.0f / sum;
  for (int j = 0; j < n; j++)
    row[j] *= inv;
  for (int j = n; j < len; j++)
    row[j] = 0;
}
