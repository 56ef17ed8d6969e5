/* kernels.c: the small row-wise kernels (LayerNorm, activations, softmax)
 * written plainly; both backends use them. */
#include "kernels.h"

#include <math.h>
#include <string.h>

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
