/* prepkernels-vnni.c: the horizontal resampling pass on VNNI's byte dot
 * products (vpdpbusd: four u8 x s8 products added to an int32 lane), with
 * AVX512_VNNI on 64 bytes or AVX-VNNI on 32.
 *
 * A step takes 16 source pixels. Their bytes are rearranged so that each
 * 16-byte block q holds, channel after channel, the 4 bytes of pixels
 * 4q .. 4q + 3; the table (CLIP_HTABLE_DIGITS) holds the matching taps'
 * weights as three signed bytes each, k = d0 + 2^8 d1 + 2^16 d2. Three dot
 * products per step give the sums of the pixels times each byte of the
 * weights, and s0 + 2^8 s1 + 2^16 s2 is then PIL's sum of the pixels times
 * the weights. It is exact: every operation is integer arithmetic modulo
 * 2^32 (vpdpbusd does not saturate), and PIL's own sum fits in int32, so
 * the result is that sum, not merely close to it. The 32-byte pass takes
 * each step as two halves of 8 pixels (blocks 0-1, then 2-3), adding both
 * into the same sums. */
#include "prepkernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <string.h>

#define TARGET_VNNI __attribute__((target ( \
    "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define BODY static inline __attribute__((always_inline)) TARGET_VNNI
#define PREC CLIP_RESAMPLE_PRECISION_BITS

/* Where each output byte of a step comes from (vpshufb, within each
 * 16-byte block; -1 gives a zero). 4-byte pixels: block q is pixels 4q ..
 * 4q + 3 as they are. 3-byte pixels: block q holds the 12 bytes of those
 * pixels first (the dword permutation below), the fourth channel zero. Grey:
 * every block holds the 16 pixels and takes its own 4, three times. */
BODY __m512i
step_pattern (int bpp)
{
  if (bpp == 4)
    return _mm512_set4_epi32 (0x0f0b0703, 0x0e0a0602, 0x0d090501,
        0x0c080400);
  if (bpp == 3)
    return _mm512_set4_epi32 (-1, 0x0b080502, 0x0a070401, 0x09060300);
  return _mm512_set_epi32 (-1, 0x0f0e0d0c, 0x0f0e0d0c, 0x0f0e0d0c,
      -1, 0x0b0a0908, 0x0b0a0908, 0x0b0a0908,
      -1, 0x07060504, 0x07060504, 0x07060504,
      -1, 0x03020100, 0x03020100, 0x03020100);
}

/* The 16 pixels of @bpp bytes at @p, arranged as step_pattern says. Reads
 * 64 bytes, or 16 for grey pixels. */
BODY __m512i
load_step (const uint8_t *p, const int bpp, __m512i pattern)
{
  __m512i x;

  if (bpp == 4) {
    x = _mm512_loadu_si512 (p);
  } else if (bpp == 3) {
    /* Block q starts at byte 12 q, dword 3 q. */
    const __m512i from = _mm512_set_epi32 (12, 11, 10, 9, 9, 8, 7, 6, 6, 5,
        4, 3, 3, 2, 1, 0);
    x = _mm512_permutexvar_epi32 (from, _mm512_loadu_si512 (p));
  } else {
    x = _mm512_broadcast_i32x4 (_mm_loadu_si128 ((const __m128i *) p));
  }
  return _mm512_shuffle_epi8 (x, pattern);
}

/* The four channel sums in @v rounded and clamped as PIL does, stored as
 * 4 bytes at @dst. SSE2 only, so that both passes inline it. */
static inline __attribute__((always_inline)) void
store_channels (uint8_t *dst, __m128i v)
{
  v = _mm_srai_epi32 (_mm_add_epi32 (v, _mm_set1_epi32 (1 << (PREC - 1))),
      PREC);
  /* Saturating packs clamp to 0 .. 255 as PIL's clip8 does. */
  v = _mm_packs_epi32 (v, v);
  v = _mm_packus_epi16 (v, v);
  int32_t b = _mm_cvtsi128_si32 (v);
  memcpy (dst, &b, 4);
}

/* s0 + 2^8 s1 + 2^16 s2, the four blocks added: one sum per channel,
 * stored at @dst. */
BODY void
store_sums (uint8_t *dst, __m512i s0, __m512i s1, __m512i s2)
{
  __m512i v = _mm512_add_epi32 (s0, _mm512_add_epi32 (
          _mm512_slli_epi32 (s1, 8), _mm512_slli_epi32 (s2, 16)));
  __m256i h = _mm256_add_epi32 (_mm512_castsi512_si256 (v),
      _mm512_extracti64x4_epi64 (v, 1));
  store_channels (dst, _mm_add_epi32 (_mm256_castsi256_si128 (h),
          _mm256_extracti128_si256 (h, 1)));
}

/* Adds the byte dot products (@dp) of @x and the three rows @w to the
 * sums s0, s1, s2 of prefix @s. */
#define DOT3(dp, s, x, w) \
  do { \
    const __typeof__ (s##0) x_ = (x); \
    s##0 = dp (s##0, x_, w[0]); \
    s##1 = dp (s##1, x_, w[1]); \
    s##2 = dp (s##2, x_, w[2]); \
  } while (0)

/* @R rows at once, so that each weight load serves them all. */
BODY void
hpass_rows (const ClipHTable *t, const uint8_t *const *src, int src_first,
    uint8_t *const *dst, const int bpp, const int R)
{
  const __m512i pattern = step_pattern (bpp);
  const int steps = t->steps;

  for (int i = 0; i < t->n; i++) {
    size_t off = (size_t) (t->start[i] - src_first) * bpp;
    const int8_t *w = t->digits + (size_t) i * steps * 3 * 64;
    /* Named sums, not arrays: compilers keep these in registers. */
    __m512i a0 = _mm512_setzero_si512 (), a1 = a0, a2 = a0;
    __m512i b0 = a0, b1 = a0, b2 = a0, c0 = a0, c1 = a0, c2 = a0;
    __m512i d0 = a0, d1 = a0, d2 = a0;

    for (int s = 0; s < steps; s++, w += 3 * 64) {
      const __m512i wd[3] = { _mm512_loadu_si512 (w),
        _mm512_loadu_si512 (w + 64), _mm512_loadu_si512 (w + 128) };
      size_t o = off + (size_t) s * 16 * bpp;
      DOT3 (_mm512_dpbusd_epi32, a,
          load_step (src[0] + o, bpp, pattern), wd);
      if (R > 1)
        DOT3 (_mm512_dpbusd_epi32, b,
            load_step (src[1] + o, bpp, pattern), wd);
      if (R > 2)
        DOT3 (_mm512_dpbusd_epi32, c,
            load_step (src[2] + o, bpp, pattern), wd);
      if (R > 3)
        DOT3 (_mm512_dpbusd_epi32, d,
            load_step (src[3] + o, bpp, pattern), wd);
    }
    store_sums (dst[0] + 4 * (size_t) i, a0, a1, a2);
    if (R > 1)
      store_sums (dst[1] + 4 * (size_t) i, b0, b1, b2);
    if (R > 2)
      store_sums (dst[2] + 4 * (size_t) i, c0, c1, c2);
    if (R > 3)
      store_sums (dst[3] + 4 * (size_t) i, d0, d1, d2);
  }
}

TARGET_VNNI void
clip_hpass_avx512_vnni (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, int rows)
{
  g_return_if_fail (t->layout == CLIP_HTABLE_DIGITS);
  CLIP_HPASS_DISPATCH (hpass_rows, t, src, src_first, dst, rows);
}

/* ------------------------------------------------- AVX-VNNI, 32 bytes */

#define TARGET_AVXVNNI __attribute__((target ("avx2,avxvnni")))
#define BODY256 static inline __attribute__((always_inline)) TARGET_AVXVNNI

/* step_pattern for one half of a step (see there): for grey pixels, half
 * @h's 8 pixels are loaded at the bottom of both 16-byte lanes. */
BODY256 __m256i
half_pattern (int bpp)
{
  if (bpp == 4)
    return _mm256_set_epi32 (0x0f0b0703, 0x0e0a0602, 0x0d090501,
        0x0c080400, 0x0f0b0703, 0x0e0a0602, 0x0d090501, 0x0c080400);
  if (bpp == 3)
    return _mm256_set_epi32 (-1, 0x0b080502, 0x0a070401, 0x09060300,
        -1, 0x0b080502, 0x0a070401, 0x09060300);
  return _mm256_set_epi32 (-1, 0x07060504, 0x07060504, 0x07060504,
      -1, 0x03020100, 0x03020100, 0x03020100);
}

/* Half @h of the step at @p, arranged as half_pattern says. Reads within
 * the 64 bytes (16 for grey pixels) that the table allows a step. */
BODY256 __m256i
load_half (const uint8_t *p, int h, const int bpp, __m256i pattern)
{
  __m256i x;

  if (bpp == 4) {
    x = _mm256_loadu_si256 ((const __m256i *) (p + 32 * h));
  } else if (bpp == 3) {
    /* Lane 1 starts at byte 12, dword 3. */
    x = _mm256_permutevar8x32_epi32 (
        _mm256_loadu_si256 ((const __m256i *) (p + 24 * h)),
        _mm256_set_epi32 (6, 5, 4, 3, 3, 2, 1, 0));
  } else {
    x = _mm256_broadcastsi128_si256 (
        _mm_loadl_epi64 ((const __m128i *) (p + 8 * h)));
  }
  return _mm256_shuffle_epi8 (x, pattern);
}

BODY256 void
store_sums256 (uint8_t *dst, __m256i s0, __m256i s1, __m256i s2)
{
  __m256i v = _mm256_add_epi32 (s0, _mm256_add_epi32 (
          _mm256_slli_epi32 (s1, 8), _mm256_slli_epi32 (s2, 16)));
  store_channels (dst, _mm_add_epi32 (_mm256_castsi256_si128 (v),
          _mm256_extracti128_si256 (v, 1)));
}

/* One or two rows (@R) at once: with more, the sums no longer fit in the
 * 16 registers and spill. Each step is taken as two halves of 8 pixels. */
BODY256 void
hpass_pair256 (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, const int bpp, const int R)
{
  const __m256i pattern = half_pattern (bpp);
  const int steps = t->steps;

  for (int i = 0; i < t->n; i++) {
    size_t off = (size_t) (t->start[i] - src_first) * bpp;
    const int8_t *w = t->digits + (size_t) i * steps * 3 * 64;
    __m256i a0 = _mm256_setzero_si256 (), a1 = a0, a2 = a0;
    __m256i b0 = a0, b1 = a0, b2 = a0;

    for (int s = 0; s < steps; s++, w += 3 * 64) {
      size_t o = off + (size_t) s * 16 * bpp;
      for (int h = 0; h < 2; h++) {
        const __m256i wd[3] = {
          _mm256_loadu_si256 ((const __m256i *) (w + 32 * h)),
          _mm256_loadu_si256 ((const __m256i *) (w + 64 + 32 * h)),
          _mm256_loadu_si256 ((const __m256i *) (w + 128 + 32 * h)) };
        DOT3 (_mm256_dpbusd_avx_epi32, a,
            load_half (src[0] + o, h, bpp, pattern), wd);
        if (R > 1)
          DOT3 (_mm256_dpbusd_avx_epi32, b,
              load_half (src[1] + o, h, bpp, pattern), wd);
      }
    }
    store_sums256 (dst[0] + 4 * (size_t) i, a0, a1, a2);
    if (R > 1)
      store_sums256 (dst[1] + 4 * (size_t) i, b0, b1, b2);
  }
}

BODY256 void
hpass_rows256 (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, const int bpp, const int R)
{
  for (int r = 0; r < R; r += 2)
    hpass_pair256 (t, src + r, src_first, dst + r, bpp, R - r >= 2 ? 2 : 1);
}

TARGET_AVXVNNI void
clip_hpass_avx2_vnni (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, int rows)
{
  g_return_if_fail (t->layout == CLIP_HTABLE_DIGITS);
  CLIP_HPASS_DISPATCH (hpass_rows256, t, src, src_first, dst, rows);
}
#endif
