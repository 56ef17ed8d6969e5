/* cpu.h: which x86-64 vector instruction sets this CPU runs, for the
 * kernels built once per instruction set (prepkernels.c, attention.c),
 * and whose cores it has, for the kernels tuned per core. Internal. */
#ifndef CLIP_CPU_H
#define CLIP_CPU_H

#include <glib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The AVX-512 subsets the kernels' target attributes name. */
static inline gboolean
clip_cpu_has_avx512 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f")
      && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vl")
      && __builtin_cpu_supports ("avx512dq");
}

static inline gboolean
clip_cpu_has_avx2 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2");
}
#endif

/* Whether this CPU is of kind @name (__builtin_cpu_is's names, a string
 * literal), as far as the compiler can tell. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CLIP_CPU_IS(name) (__builtin_cpu_init (), __builtin_cpu_is (name))
#else
#define CLIP_CPU_IS(name) FALSE
#endif

/* Whether this is an Intel core. */
static inline gboolean
clip_cpu_is_intel (void)
{
  return CLIP_CPU_IS ("intel");
}

/* Whether this is one of AMD's family 19h cores (Zen 3 and Zen 4; of
 * them, Zen 4 has AVX-512). */
static inline gboolean
clip_cpu_is_amd_family_19h (void)
{
  return CLIP_CPU_IS ("amdfam19h");
}

#endif
