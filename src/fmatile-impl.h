/* fmatile-impl.h: the tile of bf16fma.c's products, a few rows by one or
 * two panels of weights with the sums in registers, and where its results
 * go; included by bf16fma.c and strassen.c, which both multiply through
 * it. Internal. */
#ifndef CLIP_FMATILE_IMPL_H
#define CLIP_FMATILE_IMPL_H

#include "kernels.h"

#include <glib.h>

/* Columns per panel, rows per tile. */
#define PANEL 32
#define MR 10
/* Tiles through a panel from which, with Out's near, they fetch the next
 * panel into the first-level cache rather than the second. On Zen 4 (an
 * EPYC guest), fp32 products on ViT-B/32's weights at 50 and 80 rows ran
 * 2-3% faster so, and as fast at 120 rows of the text tower's; at 16 rows
 * (two tiles) 20-30% slower and at 30 (three) 4-5%: each tile then
 * fetched a half or a third of the next panel, more than that cache holds
 * beside its own rows (bench/README.md). */
#define NEAR_TILES 5

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define ISA_ATTR \
  __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512dq,fma")))

/* Where a tile's sums go: y = act (sums + bias), or with add y + sums +
 * bias (y - sums - bias with neg); the same again into y2 with its own
 * bias and flags, unless y2 is NULL (strassen.c's steps reach two of y's
 * quadrants at once). */
typedef struct {
  const float *bias;
  float *y;
  size_t ldy;
  gboolean add, activate;
  ClipAct act;
  gboolean near;                /* fetch into the first-level cache, with
                                 * NEAR_TILES tiles through a panel */
  gboolean neg;
  float *y2;                    /* rows ldy apart too */
  const float *bias2;
  gboolean add2, neg2;
  const float *sum2;            /* fp32 first tiles: the panels at @panel
                                 * plus these, */
  guint32 flip;                 /* their sign bits flipped by this */
} Out;

/* A row of a panel at @p (of the second of two, @nv 4, too) fetched
 * with @hint. */
#define FETCH(p, f32, nv, words, hint) \
  do { \
    _mm_prefetch ((p), (hint)); \
    if (f32) \
      _mm_prefetch ((p) + 64, (hint)); \
    if ((nv) == 4) { \
      _mm_prefetch ((p) + (words) * 4, (hint)); \
      _mm_prefetch ((p) + (words) * 4 + 64, (hint)); \
    } \
  } while (0)

/* A tile's row of sums @acc (@nv vectors, lanes @m) plus @b into @y; with
 * @add, added to @y (subtracted from it with @neg). */
ISA_ATTR static inline __attribute__ ((always_inline)) void
out_row (float *y, const __m512 *acc, const __m512 *b, const __mmask16 *m,
    const int nv, gboolean add, gboolean neg)
{
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    __m512 t = _mm512_add_ps (acc[v], b[v]);
    if (add) {
      __m512 was = _mm512_maskz_loadu_ps (m[v], y + 16 * v);
      t = neg ? _mm512_sub_ps (was, t) : _mm512_add_ps (t, was);
    }
    _mm512_mask_storeu_ps (y + 16 * v, m[v], t);
  }
}

/* @mr (at most MR, a constant once inlined) rows of @x by the @cols
 * (1 to 32 nv / 2) columns of @nv / 2 adjacent panels (@nv a constant,
 * 2 or 4; 4 only in fp32 and for at most MR / 2 rows), into @o's rows
 * from its column @col on; a panel is @words 32-bit words. With @f32 (a
 * constant too) the panels at @panel are fp32 and read as they are; with
 * @first as well, they are added to @o's sum2 (the same offsets from
 * there) and the sums kept in @wide (panels k rows apart) for the other
 * tiles. Otherwise, with @first the panel is read from its bf16 form at
 * @panel and widened into @wide as it goes; without, it is read from
 * @wide, and the FMA ports do nothing but FMAs. Meanwhile, unless @next
 * is NULL, the tile fetches rows @phase, @phase + @every, ... of the
 * panels at @next (@next_words 32-bit words apart) into the second-level
 * cache (with @o's near, the first): the @every
 * tiles through a panel fetch the next one between them, a little at a
 * time. (When the first tile alone fetched it, the fetches outran the
 * memory and that tile waited on them: a batch-1 ViT-B/32 pass in fp32
 * took 31 ms rather than 26.) */
ISA_ATTR static inline __attribute__ ((always_inline)) void
tile (const guint32 *panel, size_t words, float *wide, const guint32 *next,
    size_t next_words, const gboolean f32, const gboolean first,
    const int nv, int k, const float *x, size_t ldx, const int mr,
    int cols, const Out *o, int col, int every, int phase)
{
  const size_t row_bytes = f32 ? PANEL * sizeof (float)
      : PANEL * sizeof (guint16);
  const char *fetch = next ? (const char *) next + phase * row_bytes : NULL;
  const char *fetch_end = next ? (const char *) next + k * row_bytes : NULL;
  int wait = 0;
  const __m512i upper = _mm512_set1_epi32 ((int) 0xffff0000u);
  const __m512i flip = _mm512_set1_epi32 ((int) o->flip);
  __m512 acc[MR][4];

#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      if (r < mr)
        acc[r][v] = _mm512_setzero_ps ();
  for (int i = 0; i < k; i++) {
    __m512 wv[4];
    if (f32 && first) {
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) {
        size_t at = v / 2 * words + (size_t) i * PANEL + v % 2 * 16;
        __m512i q = _mm512_load_si512 ((const void *) (o->sum2 + at));
        wv[v] = _mm512_add_ps (_mm512_load_ps ((const float *) panel + at),
            _mm512_castsi512_ps (_mm512_xor_si512 (q, flip)));
        _mm512_store_ps (wide + v / 2 * (size_t) k * PANEL
            + (size_t) i * PANEL + v % 2 * 16, wv[v]);
      }
    } else if (f32) {
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++)
        wv[v] = _mm512_load_ps ((const float *) (panel + v / 2 * words)
            + (size_t) i * PANEL + v % 2 * 16);
    } else if (first) {
      __m512i h = _mm512_load_si512 ((const void *) (panel + (size_t) i * 16));
      wv[0] = _mm512_castsi512_ps (_mm512_slli_epi32 (h, 16));
      wv[1] = _mm512_castsi512_ps (_mm512_and_si512 (h, upper));
      _mm512_store_ps (wide + (size_t) i * PANEL, wv[0]);
      _mm512_store_ps (wide + (size_t) i * PANEL + 16, wv[1]);
    } else {
      wv[0] = _mm512_load_ps (wide + (size_t) i * PANEL);
      wv[1] = _mm512_load_ps (wide + (size_t) i * PANEL + 16);
    }
    if (fetch && wait-- == 0 && fetch < fetch_end) {
      /* a row: 64 bytes in bf16, 128 in fp32, in each panel */
      if (o->near)
        FETCH (fetch, f32, nv, next_words, _MM_HINT_T0);
      else
        FETCH (fetch, f32, nv, next_words, _MM_HINT_T1);
      fetch += (size_t) every * row_bytes;
      wait = every - 1;
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r < mr) {
        __m512 a = _mm512_set1_ps (x[r * ldx + i]);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
          acc[r][v] = _mm512_fmadd_ps (a, wv[v], acc[r][v]);
      }
    }
  }

  __mmask16 m[4];
  __m512 b[4], b2[4];
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    int c = cols - 16 * v;
    m[v] = c >= 16 ? 0xffff : c > 0 ? (__mmask16) ((1u << c) - 1) : 0;
    b[v] = o->bias ? _mm512_maskz_loadu_ps (m[v], o->bias + col + 16 * v)
        : _mm512_setzero_ps ();
    b2[v] = o->bias2 ? _mm512_maskz_loadu_ps (m[v], o->bias2 + col + 16 * v)
        : _mm512_setzero_ps ();
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    if (r < mr) {
      out_row (o->y + r * o->ldy + col, acc[r], b, m, nv, o->add, o->neg);
      if (o->y2)
        out_row (o->y2 + r * o->ldy + col, acc[r], b2, m, nv, o->add2,
            o->neg2);
    }
  }
}

#endif

#endif
