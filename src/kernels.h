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
#endif

/* LayerNorm of @rows rows of @dim floats, from @x into @y (may alias). */
void k_layer_norm (const float *x, float *y, int rows, int dim,
    const ClipNorm *n, float eps);

/* In-place activation of @count floats. */
void k_activate (float *x, size_t count, ClipAct act);

/* Softmax of the first @n entries of @row; entries @n to @len - 1 are
 * zeroed (the causal mask: a token never attends to later ones). */
void k_softmax_prefix (float *row, int n, int len);

#endif
