/* kernels.h: the small row-wise kernels both backends share (LayerNorm,
 * activations, softmax). Internal. */
#ifndef CLIP_KERNELS_H
#define CLIP_KERNELS_H

#include "model_internal.h"

/* Compiles a loop kernel for AVX-512 and AVX2 as well as the baseline,
 * picked at load by the CPU (GCC on x86-64 ELF; clang 14 leaves the
 * dispatcher of an extern clone undefined). */
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) \
    && !defined(__clang__)
#define CLIP_SIMD_CLONES \
  __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", \
              "default")))
#else
#define CLIP_SIMD_CLONES
/* One head of softmax (Q K^T / sqrt (@hd)) V, causal or not
 * (attention.c). Row t of Q, K and V starts at q, k, v + t * @ld and row
 * t of the result at out + t * @ldo (@hd floats each); @scratch holds
 * k_attention_scratch (@seq, @hd) floats. */
size_t k_attention_scratch (int seq, int hd);
void k_attention_head (const float *q, const float *k, const float *v,
    int ld, int seq, int hd, gboolean causal, float *scratch, float *out,
    int ldo);

#endif

/* LayerNorm of @rows rows of @dim floats, from @x into @y (may alias). */
void k_layer_norm (const float *x, float *y, int rows, int dim,
    const ClipNorm *n, float eps);

/* In-place activation of @count floats. */
void k_activate (float *x, size_t count, ClipAct act);

/* Softmax of the first @n entries of @row; entries @n to @len - 1 are
 * zeroed (the causal mask: a token never attends to later ones). */
void k_softmax_prefix (float *row, int n, int len);

/* One head of softmax (Q K^T / sqrt (@hd)) V, causal or not
 * (attention.c). Row t of Q, K and V starts at q, k, v + t * @ld and row
 * t of the result at out + t * @ldo (@hd floats each); @scratch holds
 * k_attention_scratch (@seq, @hd) floats. */
size_t k_attention_scratch (int seq, int hd);
void k_attention_head (const float *q, const float *k, const float *v,
    int ld, int seq, int hd, gboolean causal, float *scratch, float *out,
    int ldo);

#endif
