/* kernels.h: the numerical building blocks of the towers: one GEMM
 * wrapper over cblas_sgemm and small row-wise kernels. Internal. */
#ifndef CLIP_KERNELS_H
#define CLIP_KERNELS_H

#include "model_internal.h"

/* y[m, n_out] = x[m, n_in] W^T + b, or y += x W^T + b when @accumulate
 * (the residual connections). */
void k_linear (const ClipLinear *l, const float *x, int m, float *y,
    gboolean accumulate);

/* LayerNorm of @rows rows of @dim floats, from @x into @y (may alias). */
void k_layer_norm (const float *x, float *y, int rows, int dim,
    const ClipNorm *n, float eps);

/* In-place activation of @count floats. */
void k_activate (float *x, size_t count, ClipAct act);

/* Multi-head self-attention for @batch sequences of @seq tokens:
 * q, k, v, out are [batch * seq, width]; @scores holds seq * seq floats. */
void k_attention (const float *q, const float *k, const float *v, float *out,
    int batch, int seq, int width, int heads, gboolean causal, float *scores);

/* Sets the number of BLAS threads (0: all cores). */
void k_set_threads (int n_threads);

#endif
