/* prepkernels.h: the inner loops of preprocessing (colour conversion of a
 * row, the horizontal and vertical resampling passes), written once in
 * integer arithmetic on 16-lane vectors and built for several instruction
 * sets, one of which is picked at run time. Every build gives the same
 * bytes: integer sums do not depend on their order. Internal to the
 * engine. */
#ifndef CLIP_PREPKERNELS_H
#define CLIP_PREPKERNELS_H

#include "resample.h"

/* Y'CbCr -> RGB in 16.16 fixed point. */
typedef struct {
  int y_offset;               /* 16 for limited range, 0 for full */
  int32_t cy, crv, cgu, cgv, cbu;
} ClipYuvCoeffs;

typedef struct {
  const char *name;           /* "avx512-vnni", "avx512", "avx2-vnni",
                               * "avx2", "portable" */
  ClipHTableLayout hlayout;   /* the horizontal taps hpass reads */

  /* Chroma terms of @n chroma samples (u[i * step], v[i * step]), each
   * with the rounding half added: @cr = crv * v, @cg = -(cgu * u + cgv *
   * v), @cb = cbu * u, with u and v centred on 128. @step is 1 (planes),
   * or 2 with u and v adjacent, in either order (NV12, NV21). */
  void (*yuv_chroma) (const ClipYuvCoeffs *c, const uint8_t *u,
      const uint8_t *v, int step, int n, int32_t *cr, int32_t *cg,
      int32_t *cb);

  /* @n pixels of a luma row starting at an even column: pixel j uses
   * chroma term j / 2. Writes 4 bytes per pixel to @dst: R, G, B, 0. */
  void (*yuv_row) (const ClipYuvCoeffs *c, const uint8_t *y, int n,
      const int32_t *cr, const int32_t *cg, const int32_t *cb, uint8_t *dst);

  /* @n pairs of 4:2:2 pixels at @src, 4 bytes a pair, apart: their 2 @n
   * luma bytes into @y, the first and the second chroma byte of each pair
   * into @c0 and @c1. Luma is at the odd bytes with @luma_odd (UYVY),
   * else at the even ones (YUY2, YVYU). */
  void (*yuv422_split) (const uint8_t *src, int n, gboolean luma_odd,
      uint8_t *y, uint8_t *c0, uint8_t *c1);

  /* Horizontal pass over @rows (1 to 4) rows of packed pixels: src[r]
   * holds pixels @src_first onwards of row r, covering every window of
   * @table (laid out as @hlayout). Output pixel i of row r is 4 bytes at
   * dst[r] + 4 i, the channels in the order of the source's bytes (3-byte
   * pixels: a zero fourth; grey: the value three times, then a zero). */
  void (*hpass) (const ClipHTable *table, const uint8_t *const *src,
      int src_first, uint8_t *const *dst, int rows);

  /* Vertical pass: @dst[j] = PIL's rounding of sum_y rows[y][j] * k[y],
   * for j < @len. */
  void (*vpass) (const uint8_t *const *rows, const int32_t *k, int count,
      int len, uint8_t *dst);
} ClipPrepKernels;

/* Calls @body (table, src, src_first, dst, bpp, rows) with constant bpp
 * and row counts, so that each copy keeps its sums in registers: the
 * horizontal passes' dispatch on ClipHTable.bpp and @rows (1 to 4). */
#define CLIP_HPASS_DISPATCH(body, t, src, src_first, dst, rows) \
  do { \
    switch ((t)->bpp * 8 + (rows)) { \
      case 4 * 8 + 4: body (t, src, src_first, dst, 4, 4); break; \
      case 4 * 8 + 3: body (t, src, src_first, dst, 4, 3); break; \
      case 4 * 8 + 2: body (t, src, src_first, dst, 4, 2); break; \
      case 4 * 8 + 1: body (t, src, src_first, dst, 4, 1); break; \
      case 3 * 8 + 4: body (t, src, src_first, dst, 3, 4); break; \
      case 3 * 8 + 3: body (t, src, src_first, dst, 3, 3); break; \
      case 3 * 8 + 2: body (t, src, src_first, dst, 3, 2); break; \
      case 3 * 8 + 1: body (t, src, src_first, dst, 3, 1); break; \
      case 1 * 8 + 4: body (t, src, src_first, dst, 1, 4); break; \
      case 1 * 8 + 3: body (t, src, src_first, dst, 1, 3); break; \
      case 1 * 8 + 2: body (t, src, src_first, dst, 1, 2); break; \
      default: body (t, src, src_first, dst, 1, 1); break; \
    } \
  } while (0)

/* The fastest kernels this CPU runs, or with @portable the ones built for
 * the baseline instruction set (for tests that compare the two). */
const ClipPrepKernels *clip_prep_kernels (gboolean portable);
/* The kernels called @name, or NULL when none is built under that name or
 * this CPU cannot run them. */
const ClipPrepKernels *clip_prep_kernels_named (const char *name);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The horizontal pass on byte dot products, for CLIP_HTABLE_DIGITS
 * (prepkernels-vnni.c): on AVX512_VNNI, and on AVX-VNNI (AVX2 CPUs such
 * as Intel's since Alder Lake). */
void clip_hpass_avx512_vnni (const ClipHTable *table,
    const uint8_t *const *src, int src_first, uint8_t *const *dst, int rows);
void clip_hpass_avx2_vnni (const ClipHTable *table,
    const uint8_t *const *src, int src_first, uint8_t *const *dst, int rows);
#endif

#endif
