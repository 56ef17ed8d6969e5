/* kernels.c: GEMM through OpenBLAS, and the small row-wise kernels
 * (LayerNorm, activations, softmax) written plainly. */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void
k_set_threads (int n_threads)
{
  int n = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  /* The setting is process-wide: touch it only when it changes, so that
   * workspaces agreeing on it never race on OpenBLAS's thread pool. */
  if (openblas_get_num_threads () != n)
    openblas_set_num_threads (n);
}

void
k_linear (const ClipLinear *l, const float *x, int m, float *y,
    gboolean accumulate)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans,
      l->transposed ? CblasNoTrans : CblasTrans,
      m, l->n_out, l->n_in, 1.0f, x, l->n_in,
      l->w, l->transposed ? l->n_out : l->n_in,
      accumulate ? 1.0f : 0.0f, y, l->n_out);
  if (!l->b)
    return;
  for (int i = 0; i < m; i++) {
    float *row = y + (size_t) i * l->n_out;
    for (int j = 0; j < l->n_out; j++)
      row[j] += l->b[j];
  }
}

void
k_layer_norm (const float *x, float *y, int rows, int dim, const ClipNorm *n,
    float eps)
{
  for (int r = 0; r < rows; r++) {
    const float *in = x + (size_t) r * dim;
    float *out = y + (size_t) r * dim;
    double sum = 0, sq = 0;
    for (int i = 0; i < dim; i++)
      sum += in[i];
    double mean = sum / dim;
    for (int i = 0; i < dim; i++) {
      double d = in[i] - mean;
      sq += d * d;
    }
    float inv = (float) (1.0 / sqrt (sq / dim + eps));
    float mu = (float) mean;
    for (int i = 0; i < dim; i++)
      out[i] = (in[i] - mu) * inv * n->gain[i] + n->bias[i];
  }
}

void
k_activate (float *x, size_t count, ClipAct act)
{
  switch (act) {
    case CLIP_ACT_QUICK_GELU:
      for (size_t i = 0; i < count; i++)
        x[i] = x[i] / (1.0f + expf (-1.702f * x[i]));
      break;
    case CLIP_ACT_GELU:
      for (size_t i = 0; i < count; i++)
        x[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
      break;
    case CLIP_ACT_GELU_TANH:
      for (size_t i = 0; i < count; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf (0.7978845608f
                * (v + 0.044715f * v * v * v)));
      }
      break;
  }
}

/* Softmax of the first @n entries of @row; the rest are zeroed (the
 * causal mask: a token never attends to later ones). */
static void
softmax_prefix (float *row, int n, int len)
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

void
k_attention (const float *q, const float *k, const float *v, float *out,
    int batch, int seq, int width, int heads, gboolean causal, float *scores)
{
  int hd = width / heads;
  float scale = 1.0f / sqrtf ((float) hd);

  for (int b = 0; b < batch; b++) {
    size_t base = (size_t) b * seq * width;
    for (int h = 0; h < heads; h++) {
      size_t off = base + (size_t) h * hd;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, seq, seq, hd,
          scale, q + off, width, k + off, width, 0.0f, scores, seq);
      for (int i = 0; i < seq; i++)
        softmax_prefix (scores + (size_t) i * seq, causal ? i + 1 : seq, seq);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, seq, hd, seq,
          1.0f, scores, seq, v + off, width, 0.0f, out + off, width);
    }
  }
}
