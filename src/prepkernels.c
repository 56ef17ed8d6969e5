/* prepkernels.c: preprocessing's inner loops on GCC/Clang generic vectors
 * (vector_size), which the compiler maps onto whatever the target has:
 * SSE2, NEON, or plain scalar code. The bodies are always_inline and
 * instantiated (prepkernels-impl.h) once for the baseline and, on x86-64,
 * once more under target("avx2") and target("avx512...") on 256- and
 * 512-bit vectors; clip_prep_kernels() picks by CPUID. Where AVX512_VNNI
 * or AVX-VNNI runs, the horizontal pass, the costliest, uses byte dot
 * products instead (prepkernels-vnni.c).
 *
 * Exactness: everything is int32 arithmetic with the same products and
 * sums as PIL's ImagingResample (a u8 times a weight below 2^23 fits, and
 * PIL's own sums fit in int32), so every instantiation gives the bytes
 * PIL gives. */
#include "prepkernels.h"
#include "cpu.h"

#include <string.h>

typedef uint8_t u8x4 __attribute__((vector_size (4)));
typedef uint8_t u8x8 __attribute__((vector_size (8)));
typedef uint8_t u8x16 __attribute__((vector_size (16)));
typedef uint8_t u8x32 __attribute__((vector_size (32)));
typedef uint16_t u16x8 __attribute__((vector_size (16)));
typedef int32_t i32x4 __attribute__((vector_size (16)));
typedef int32_t i32x8 __attribute__((vector_size (32)));
typedef int32_t i32x16 __attribute__((vector_size (64)));

#define BODY static inline __attribute__((always_inline))
#define PREC CLIP_RESAMPLE_PRECISION_BITS

BODY uint8_t
clip8 (int32_t ss)
{
  if (ss < 0)
    return 0;
  ss >>= PREC;
  return ss > 255 ? 255 : (uint8_t) ss;
}

BODY int32_t
clamp_fixed16 (int32_t v)
{
  if (v < 0)
    return 0;
  v >>= 16;
  return v > 255 ? 255 : v;
}

/* ------------------------------------------------------ instantiation */

/* Each instantiation defines its vector width and the shuffle indices that
 * depend on it (see prepkernels-impl.h). 8 lanes: AVX2's width, and for
 * the portable build faster on SSE2 than its own 4 (11 against 12-17 ms a
 * 1080p NV12 frame) or 16 (13 ms). */
#define VL 8
#define vi32 i32x8
#define vi32h i32x4
#define vu8 u8x8
#define vu8x2 u8x16
#define vu8h u8x4
#define IDX_DOUBLED 0, 0, 1, 1, 2, 2, 3, 3
#define IDX_EVEN 0, 2, 4, 6, 8, 10, 12, 14
#define IDX_ODD 1, 3, 5, 7, 9, 11, 13, 15
#define IDX_EVEN_H 0, 2, 4, 6
#define IDX_ODD_H 1, 3, 5, 7
#define IDX_RGB 0, 1, 2, 8, 3, 4, 5, 8
#define IDX_GREY 0, 0, 0, 8, 1, 1, 1, 8
#define IDX_FOLD4 4, 5, 6, 7, 8, 8, 8, 8

BODY i32x8
widen_u8_portable (u8x8 b)
{
  /* Two doublings: compilers map each onto one widening instruction. */
  u16x8 h = __builtin_convertvector (b, u16x8);
  return __builtin_convertvector (h, i32x8);
}

#define ISA portable
#define ISA_ATTR
#include "prepkernels-impl.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_KERNELS 1
#include <cpuid.h>
#include <immintrin.h>

#define TARGET_AVX2 __attribute__((target ("avx2")))
#define TARGET_AVX512 \
  __attribute__((target ("avx512f,avx512bw,avx512vl,avx512dq")))

BODY TARGET_AVX2 i32x8
widen_u8_avx2 (u8x8 b)
{
  int64_t bits;
  memcpy (&bits, &b, sizeof bits);
  return (i32x8) _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 (bits));
}

/* Saturating packs clamp to 0 .. 255 and keep each pixel in its 16-byte
 * lane as R0-3 G0-3 B0-3 zeros; one byte shuffle interleaves them. */
BODY TARGET_AVX2 i32x8
pack_rgbx_avx2 (i32x8 r, i32x8 g, i32x8 b)
{
  __m256i rg = _mm256_packs_epi32 ((__m256i) r, (__m256i) g);
  __m256i b0 = _mm256_packs_epi32 ((__m256i) b, _mm256_setzero_si256 ());
  return (i32x8) _mm256_shuffle_epi8 (_mm256_packus_epi16 (rg, b0),
      _mm256_set_epi32 (0x0f0b0703, 0x0e0a0602, 0x0d090501, 0x0c080400,
          0x0f0b0703, 0x0e0a0602, 0x0d090501, 0x0c080400));
}

#define ISA avx2
#define ISA_ATTR TARGET_AVX2
#define PACK_RGBX pack_rgbx_avx2
#include "prepkernels-impl.h"
#endif
#undef VL
#undef vi32
#undef vi32h
#undef vu8
#undef vu8x2
#undef vu8h
#undef IDX_DOUBLED
#undef IDX_EVEN
#undef IDX_ODD
#undef IDX_EVEN_H
#undef IDX_ODD_H
#undef IDX_RGB
#undef IDX_GREY
#undef IDX_FOLD4

#ifdef HAVE_X86_KERNELS
/* 64 bytes: 16 lanes. */
#define VL 16
#define vi32 i32x16
#define vi32h i32x8
#define vu8 u8x16
#define vu8x2 u8x32
#define vu8h u8x8
#define IDX_DOUBLED 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7
#define IDX_EVEN 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define IDX_ODD 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define IDX_EVEN_H 0, 2, 4, 6, 8, 10, 12, 14
#define IDX_ODD_H 1, 3, 5, 7, 9, 11, 13, 15
#define IDX_RGB 0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16
#define IDX_GREY 0, 0, 0, 16, 1, 1, 1, 16, 2, 2, 2, 16, 3, 3, 3, 16
#define IDX_FOLD8 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16
#define IDX_FOLD4 4, 5, 6, 7, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16

BODY TARGET_AVX512 i32x16
widen_u8_avx512 (u8x16 b)
{
  return (i32x16) _mm512_cvtepu8_epi32 ((__m128i) b);
}

BODY TARGET_AVX512 i32x16
pack_rgbx_avx512 (i32x16 r, i32x16 g, i32x16 b)
{
  __m512i rg = _mm512_packs_epi32 ((__m512i) r, (__m512i) g);
  __m512i b0 = _mm512_packs_epi32 ((__m512i) b, _mm512_setzero_si512 ());
  return (i32x16) _mm512_shuffle_epi8 (_mm512_packus_epi16 (rg, b0),
      _mm512_set4_epi32 (0x0f0b0703, 0x0e0a0602, 0x0d090501, 0x0c080400));
}

#define ISA avx512
#define ISA_ATTR TARGET_AVX512
#define PACK_RGBX pack_rgbx_avx512
#include "prepkernels-impl.h"

/* AVX-512 or AVX2 with the horizontal pass on byte dot products. */
static const ClipPrepKernels kernels_avx512_vnni = {
  "avx512-vnni", CLIP_HTABLE_DIGITS, yuv_chroma_avx512, yuv_row_avx512,
  yuv422_split_avx512, clip_hpass_avx512_vnni, vpass_avx512,
};

static const ClipPrepKernels kernels_avx2_vnni = {
  "avx2-vnni", CLIP_HTABLE_DIGITS, yuv_chroma_avx2, yuv_row_avx2,
  yuv422_split_avx2, clip_hpass_avx2_vnni, vpass_avx2,
};

static gboolean
cpu_has_avx512_vnni (void)
{
  return clip_cpu_has_avx512 () && __builtin_cpu_supports ("avx512vnni");
}

/* AVX2 as the compiler checks it (with the OS saving the registers), and
 * CPUID leaf 7, subleaf 1, EAX bit 4. */
static gboolean
cpu_has_avx_vnni (void)
{
  unsigned int a, b, c, d;

  if (!clip_cpu_has_avx2 () || __get_cpuid_max (0, NULL) < 7)
    return FALSE;
  __cpuid_count (7, 1, a, b, c, d);
  return (a & bit_AVXVNNI) != 0;
}
#endif

static gboolean
cpu_runs_baseline (void)
{
  return TRUE;
}

/* Every kernel set built in, the fastest first, with whether this CPU runs
 * it. */
static const struct {
  const ClipPrepKernels *kernels;
  gboolean (*cpu_runs) (void);
} kernel_sets[] = {
#ifdef HAVE_X86_KERNELS
  { &kernels_avx512_vnni, cpu_has_avx512_vnni },
  { &kernels_avx512, clip_cpu_has_avx512 },
  { &kernels_avx2_vnni, cpu_has_avx_vnni },
  { &kernels_avx2, clip_cpu_has_avx2 },
#endif
  { &kernels_portable, cpu_runs_baseline },
};

const ClipPrepKernels *
clip_prep_kernels_named (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (kernel_sets); i++)
    if (strcmp (name, kernel_sets[i].kernels->name) == 0)
      return kernel_sets[i].cpu_runs () ? kernel_sets[i].kernels : NULL;
  return NULL;
}

const ClipPrepKernels *
clip_prep_kernels (gboolean portable)
{
  if (portable)
    return &kernels_portable;
  for (size_t i = 0; i < G_N_ELEMENTS (kernel_sets); i++)
    if (kernel_sets[i].cpu_runs ())
      return kernel_sets[i].kernels;
  return &kernels_portable;
}
