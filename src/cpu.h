/* cpu.h: which x86-64 vector instruction sets this CPU runs, for the
 * kernels built once per instruction set (prepkernels.c, attention.c),
 * and whose cores it has, for the kernels tuned per core. Internal. */
#ifndef CLIP_CPU_H
#define CLIP_CPU_H

#include <glib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

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

/* AMD's family number from CPUID leaf 1 (base family plus extended
 * family), 0 on other vendors' CPUs: __builtin_cpu_is names AMD's
 * families only up to the compiler's time (GCC 12: 19h). */
static inline unsigned
clip_cpu_amd_family_read (void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  unsigned a, b, c, d, family;

  if (!CLIP_CPU_IS ("amd") || !__get_cpuid (1, &a, &b, &c, &d))
    return 0;
  family = (a >> 8) & 0xf;
  return family == 0xf ? family + ((a >> 20) & 0xff) : family;
#else
  return 0;
#endif
}

/* Whether this is one of AMD's family 19h or 1Ah cores: Zen 3 and Zen 4,
 * Zen 5 (of them, Zen 4 and Zen 5 have AVX-512). CPUID is read once per
 * file that asks: under a hypervisor each read leaves the guest. */
static inline gboolean
clip_cpu_is_amd_zen3_to_5 (void)
{
  static gint family = -1;      /* not read yet */
  gint f = g_atomic_int_get (&family);

  if (f < 0) {
    f = (gint) clip_cpu_amd_family_read ();
    g_atomic_int_set (&family, f);
  }
  return f == 0x19 || f == 0x1a;
}

#endif
