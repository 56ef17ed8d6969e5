/* kernels.h: the small row-wise kernels both backends share (LayerNorm,
 * activations, softmax). Internal. */
#ifndef CLIP_KERNELS_H
#define CLIP_KERNELS_H

#include "model_internal.h"
#include "mvec.h"

#include <math.h>
#include <string.h>

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

/* The threads to split @rows rows of @cols floats over: up to @threads,
 * one while the work is too small to repay waking others. */
static inline int
k_row_threads (int rows, int cols, int threads)
{
  return (size_t) rows * cols >= 32768 ? MAX (MIN (threads, rows), 1) : 1;
}

/* LayerNorm of @rows rows of @dim floats, from @x into @y (may alias), on
 * up to @threads threads when there are enough rows. */
void k_layer_norm (const float *x, float *y, int rows, int dim,
    const ClipNorm *n, float eps, int threads);
/* The same for one row, on the calling thread. */
void k_layer_norm_row (const float *x, float *y, int dim, const ClipNorm *n,
    float eps);

/* @x rounded to the nearest bf16 (ties to even), as an fp32 value. */
static inline float
k_round_bf16 (float x)
{
  guint32 u;
  memcpy (&u, &x, sizeof u);
  if ((u & 0x7f800000u) != 0x7f800000u)     /* leave inf and NaN be */
    u += 0x7fffu + ((u >> 16) & 1u);
  u &= 0xffff0000u;
  memcpy (&x, &u, sizeof u);
  return x;
}

/* The bf16 nearest @x (as k_round_bf16): the upper half of its bits. */
static inline guint16
k_bf16_bits (float x)
{
  float r = k_round_bf16 (x);           /* low 16 bits now zero */
  guint32 u;
  memcpy (&u, &r, sizeof u);
  return (guint16) (u >> 16);
}

/* The float of bf16 @bits. */
static inline float
k_bf16_value (guint16 bits)
{
  guint32 u = (guint32) bits << 16;
  float x;
  memcpy (&x, &u, sizeof x);
  return x;
}

/* @count floats rounded to bf16 (as k_round_bf16) into @out. */
void k_round_to_bf16 (const float *x, size_t count, guint16 *out);

/* @count floats rounded to bf16 (as k_round_bf16), as floats, into @out. */
void k_round_bf16_floats (const float *x, size_t count, float *out);

/* The activations, one value at a time, for loops that vectorise (with
 * mvec.h, through libmvec). */
static inline float
k_quick_gelu (float v)
{
  return v / (1.0f + expf (-1.702f * v));
}

static inline float
k_gelu (float v)
{
  return 0.5f * v * (1.0f + erff (v * (float) M_SQRT1_2));
}

static inline float
k_gelu_tanh (float v)
{
  return 0.5f * v * (1.0f + tanhf (0.7978845608f
          * (v + 0.044715f * v * v * v)));
}

/* In-place activation of @count floats, in SIMD lanes. */
void k_activate (float *x, size_t count, ClipAct act);
/* The row stride, in elements of @size bytes, of rows of @n elements that
 * a product's tiles read best: rows of 2,048 bytes or a multiple of it
 * would put the same column of every row of a tile in the same set of
 * the first-level cache, so they are spaced by 64 bytes more. */
static inline int
k_spaced_stride (int n, size_t size)
{
  return (size_t) n * size % 2048 == 0 ? n + (int) (64 / size) : n;
}

/* With @activate, in-place activation of @rows rows of @cols floats from
 * @x, rows @ldx floats apart, in SIMD lanes; unless @out is NULL, the
 * results also rounded to bf16 (as k_round_bf16) into @out, rows @ldo
 * values apart. */
void k_activate_block (float *x, size_t ldx, int rows, int cols,
    gboolean activate, ClipAct act, guint16 *out, size_t ldo);

/* Row pool[s] of each of @n sequences of @seq rows of @w floats in @src,
 * side by side into rows 0 .. @n - 1 of @dst. @dst may be @src: rows move
 * down only (pool[s] >= 0), so none is read after it is overwritten. */
void k_pooled_rows (float *dst, const float *src, int n, int seq,
    const int *pool, int w);

/* Softmax of the first @n entries of @row; entries @n to @len - 1 are
 * zeroed (the causal mask: a token never attends to later ones). */
void k_softmax_prefix (float *row, int n, int len);

/* Keys and values of one head: row t of K and of V starts at k, v + t *
 * ld (head-dimension floats each), for n rows. */
typedef struct {
  const float *k, *v;
  int ld, n;
} ClipKeys;

/* One head of softmax (Q K^T / sqrt (@hd)) V (attention.c). The keys are
 * the rows of @n_parts parts, in order (a shared prefix, then the
 * sequence's own); the @n_q queries are the last @n_q of those positions,
 * and with @causal each sees only the keys up to its own. Row i of Q
 * starts at q + i * @ldq, of the result at out + i * @ldo; @scratch holds
 * k_attention_scratch (keys, @hd) floats. */
size_t k_attention_scratch (int n_keys, int hd);
void k_attention_head (const float *q, int ldq, int n_q,
    const ClipKeys *keys, int n_parts, int hd, gboolean causal,
    float *scratch, float *out, int ldo);

/* k_attention_head() built for one instruction set: "avx512", "avx2" or
 * "portable" (the baseline); NULL when none is built under @name or this
 * CPU cannot run it. k_attention_head() runs the fastest; for tests that
 * compare them. */
typedef void (*ClipAttentionFn) (const float *q, int ldq, int n_q,
    const ClipKeys *keys, int n_parts, int hd, gboolean causal,
    float *scratch, float *out, int ldo);
ClipAttentionFn k_attention_head_named (const char *name);

/* k_attention_head() with both products on bf16 inputs, for towers run in
 * bf16 (attention-bf16-impl.h), its output rounded to bf16 into @out as
 * the next product reads it; NULL where the CPU has no AVX512_BF16 or
 * @hd is not a multiple of 16. */
typedef void (*ClipAttentionBf16Fn) (const float *q, int ldq, int n_q,
    const ClipKeys *keys, int n_parts, int hd, gboolean causal,
    float *scratch, guint16 *out, int ldo);
ClipAttentionBf16Fn k_attention_head_bf16 (int hd);

#endif
