/* attention.c: one head of softmax (Q K^T / sqrt (d)) V in plain C, for
 * the native backend. At the sizes of CLIP's heads (tens to hundreds of
 * tokens, 64 or 80 dimensions) oneDNN's batched products spend most of
 * their time on fixed costs; here every product runs as tiles of four rows
 * whose sums stay in registers (attention-impl.h), built once per vector
 * width the CPU may have and picked by CPUID; for towers in bf16, once
 * more on AVX512_BF16's dot product (attention-bf16-impl.h). Built apart,
 * with -ffp-contract=fast, so that the tiles' multiply-adds fuse (the rest
 * of the engine keeps exact rounding). */
#include "cpu.h"
#include "kernels.h"
#include "mvec.h"

#include <string.h>

/* The widest tile of any instruction set: the scratch is padded to it. */
#define MAX_TILE 32

/* Row @j of the keys (with @values, of the values) in @n_parts parts, or
 * NULL past their end. */
static inline const float *
part_row (const ClipKeys *keys, int n_parts, int j, gboolean values)
{
  for (int p = 0; p < n_parts; j -= keys[p].n, p++)
    if (j < keys[p].n)
      return (values ? keys[p].v : keys[p].k) + (size_t) j * keys[p].ld;
  return NULL;
}

static inline const float *
key_row (const ClipKeys *keys, int n_parts, int j)
{
  return part_row (keys, n_parts, j, FALSE);
}

static inline const float *
value_row (const ClipKeys *keys, int n_parts, int j)
{
  return part_row (keys, n_parts, j, TRUE);
}

/* The values of @n_parts parts side by side into @vb ([n_keys, hd]).
 * Where they lie, V's rows are a whole Q/K/V row apart: at a width of
 * 1024 all of them fall in one set of the first-level cache, which holds
 * eight to twelve lines, so the products would read nearly every row from
 * further out. */
static void
copy_values (const ClipKeys *keys, int n_parts, int hd, float *vb)
{
  for (int p = 0; p < n_parts; p++)
    for (int t = 0; t < keys[p].n; t++, vb += hd)
      memcpy (vb, keys[p].v + (size_t) t * keys[p].ld, hd * sizeof (float));
}

size_t
k_attention_scratch (int n_keys, int hd)
{
  size_t padded = (size_t) (n_keys + MAX_TILE - 1) / MAX_TILE * MAX_TILE;
  size_t fp32 = padded * hd + 4 * padded + (size_t) n_keys * hd;
  /* the bf16 kernel's: K^T and V as pairs, the scores, the weights and
   * four queries as pairs (less than fp32's from 16 dimensions on) */
  size_t bf16 = padded * (hd / 2) + 6 * padded + 2 * (size_t) hd
      + (size_t) (n_keys + 1) / 2 * hd;
  return MAX (fp32, bf16);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_KERNELS 1

#define ISA avx512
#define ISA_ATTR \
  __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define VL 16
#include "attention-impl.h"

#include <immintrin.h>
#include "attention-bf16-impl.h"

#define ISA avx2
#define ISA_ATTR __attribute__ ((target ("avx2,fma")))
#define VL 8
#include "attention-impl.h"

static gboolean
cpu_has_avx512 (void)
{
  return clip_cpu_has_avx512 () && __builtin_cpu_supports ("fma");
}

static gboolean
cpu_has_avx512_bf16 (void)
{
  return cpu_has_avx512 () && __builtin_cpu_supports ("avx512bf16");
}

static gboolean
cpu_has_avx2 (void)
{
  return clip_cpu_has_avx2 () && __builtin_cpu_supports ("fma");
}
#endif

/* the baseline: SSE2 on x86-64, NEON on arm64 */
#define ISA portable
#define ISA_ATTR
#define VL 4
#include "attention-impl.h"

static gboolean
cpu_runs_baseline (void)
{
  return TRUE;
}

/* Every kernel built in, the fastest first, with whether this CPU runs
 * it. */
static const struct {
  const char *name;
  ClipAttentionFn fn;
  gboolean (*cpu_runs) (void);
} kernels[] = {
#ifdef HAVE_X86_KERNELS
  { "avx512", attention_head_avx512, cpu_has_avx512 },
  { "avx2", attention_head_avx2, cpu_has_avx2 },
#endif
  { "portable", attention_head_portable, cpu_runs_baseline },
};

ClipAttentionBf16Fn
k_attention_head_bf16 (int hd)
{
#ifdef HAVE_X86_KERNELS
  if (hd % 16 == 0 && cpu_has_avx512_bf16 ())
    return attention_head_bf16;
#endif
  return NULL;
}

ClipAttentionFn
k_attention_head_named (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (kernels); i++)
    if (strcmp (name, kernels[i].name) == 0)
      return kernels[i].cpu_runs () ? kernels[i].fn : NULL;
  return NULL;
}

void
k_attention_head (const float *q, int ldq, int n_q, const ClipKeys *keys,
    int n_parts, int hd, gboolean causal, float *scratch, float *out,
    int ldo)
{
  static gsize chosen = 0;         /* 1 + the index of the fastest */

  if (g_once_init_enter (&chosen)) {
    gsize i = 0;
    while (!kernels[i].cpu_runs ())
      i++;                         /* the last, portable, always runs */
    g_once_init_leave (&chosen, i + 1);
  }
  kernels[chosen - 1].fn (q, ldq, n_q, keys, n_parts, hd, causal, scratch,
      out, ldo);
}
