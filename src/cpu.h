/* cpu.h: which x86-64 vector instruction sets this CPU runs, for the
 * kernels built once per instruction set (prepkernels.c, attention.c).
 * Internal. */
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

#endif
