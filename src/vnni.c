/* vnni.c: int8 products on AVX512_VNNI from weights packed in panels at
 * load.
 *
 * On the Emerald Rapids guest (AVX512_VNNI, no AMX), oneDNN's u8 x s8
 * products at ViT-B/32's batch-1 shapes ran at 870-920 GOPS on two cores,
 * 60% of what VPDPBUSD makes there (1.47 TOPS), and returned their sums
 * for a pass of C of their own (int8.c) to scale back. The tiles here keep
 * 14 rows by 32 columns of sums in 28 registers over the whole of k and
 * scale them back, bias, residual and all, before they leave the
 * registers: the same products in 0.142, 0.052, 0.189 and 0.188 ms
 * against oneDNN's 0.192, 0.068, 0.259 and 0.272 (QKV, out, fc1, fc2;
 * bench/README.md). Each thread takes the next panels as it frees up
 * (share.c).
 *
 * Packed at load, panels of 32 output columns: for each 4 inputs, the 32
 * columns' 4 weights side by side (128 bytes), columns past the last
 * zero. The sums are exact int32, as oneDNN's; they become floats and are
 * scaled back in the same operations, in the same order, as
 * clip_int8_epilogue() does, so both give the same numbers. */
#include "vnni.h"

#include "cpu.h"
#include "kernels.h"
#include "share.h"

/* Columns per panel, rows per tile (28 registers of sums), rows whose
 * levels stay in cache while a thread's panels pass over them. */
#define PANEL 32
#define MR 14
#define MC 112

size_t
clip_vnni_size (int k, int n)
{
  return (size_t) ((n + PANEL - 1) / PANEL) * k * PANEL;
}

void
clip_vnni_pack (const gint8 *q, gboolean transposed, int k, int n,
    gint8 *out)
{
  g_assert (k % 4 == 0);
  for (int p = 0; p < (n + PANEL - 1) / PANEL; p++)
    for (int i = 0; i < k; i += 4)
      for (int j = 0; j < PANEL; j++)
        for (int d = 0; d < 4; d++, out++) {
          int c = p * PANEL + j;
          *out = c >= n ? 0 : transposed ? q[(size_t) (i + d) * n + c]
              : q[(size_t) c * k + i + d];
        }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define ISA_ATTR __attribute__ ((target \
      ("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

gboolean
clip_vnni_supported (void)
{
  __builtin_cpu_init ();
  return clip_cpu_has_avx512 () && __builtin_cpu_supports ("avx512vnni");
}

typedef struct {
  const gint8 *w;
  int k, n, m;
  const guint8 *x;
  const ClipInt8Scales *s;
  float *y;
  gboolean add, activate;
  ClipAct act;
} Product;

/* acc += the dot products of @a's u8 quads with @w's s8 quads. GCC 12
 * keeps the intrinsic's sums in memory between the steps of a tile of
 * this size (0.30 ms for fc1 rather than 0.19); written out, they stay
 * in registers. */
#define DPBUSD(acc, a, w) \
  __asm__ ("vpdpbusd %1, %2, %0" : "+v" (acc) : "v" (w), "v" (a))

/* @mr (at most MR, a constant once inlined) rows from @r0 by the @cols
 * (1 to 32) columns of the panel at @panel from column @col; meanwhile,
 * unless @next is NULL, the tile fetches rows @phase, @phase + @every, ...
 * of the panel at @next (the @every tiles through a panel fetch the next
 * one between them). */
ISA_ATTR static inline __attribute__ ((always_inline)) void
tile (const Product *pr, const gint8 *panel, const gint8 *next,
    const int mr, int r0, int col, int cols, int every, int phase)
{
  const int steps = pr->k / 4;
  const guint8 *x = pr->x + (size_t) r0 * pr->k;
  const char *fetch = next ? (const char *) next + phase * 128 : NULL;
  const char *fetch_end = next ? (const char *) next + steps * 128 : NULL;
  __m512i acc[MR][2];

#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
    if (r < mr)
      acc[r][0] = acc[r][1] = _mm512_setzero_si512 ();
  for (int i0 = 0; i0 < steps; i0 += every) {
    if (fetch && fetch < fetch_end) {
      _mm_prefetch (fetch, _MM_HINT_T0);
      _mm_prefetch (fetch + 64, _MM_HINT_T0);
      fetch += (size_t) every * 128;
    }
    int i1 = MIN (i0 + every, steps);
    for (int i = i0; i < i1; i++) {
      __m512i w0 = _mm512_load_si512 (panel + (size_t) i * 128);
      __m512i w1 = _mm512_load_si512 (panel + (size_t) i * 128 + 64);
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++) {
        if (r < mr) {
          gint32 quad;
          memcpy (&quad, x + (size_t) r * pr->k + 4 * i, 4);
          __m512i a = _mm512_set1_epi32 (quad);
          DPBUSD (acc[r][0], a, w0);
          DPBUSD (acc[r][1], a, w1);
        }
      }
    }
  }

  /* as clip_int8_epilogue(): (acc - zx colsum) (sx sw) + bias */
  const ClipInt8Scales *s = pr->s;
  __mmask16 m[2];
  __m512 sw[2], cs[2], b[2];
  for (int v = 0; v < 2; v++) {
    int c = cols - 16 * v;
    m[v] = c >= 16 ? 0xffff : c > 0 ? (__mmask16) ((1u << c) - 1) : 0;
    sw[v] = _mm512_maskz_loadu_ps (m[v], s->col_scale + col + 16 * v);
    cs[v] = _mm512_maskz_loadu_ps (m[v], s->col_sum + col + 16 * v);
    b[v] = _mm512_maskz_loadu_ps (m[v], s->bias + col + 16 * v);
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    if (r < mr) {
      __m512 sx = _mm512_set1_ps (s->rows.scale[r0 + r]);
      __m512 zx = _mm512_set1_ps (s->rows.zero[r0 + r]);
      float *y = pr->y + (size_t) (r0 + r) * pr->n + col;
      for (int v = 0; v < 2; v++) {
        __m512 d = _mm512_sub_ps (_mm512_cvtepi32_ps (acc[r][v]),
            _mm512_mul_ps (zx, cs[v]));
        __m512 t = _mm512_add_ps (_mm512_mul_ps (d,
                _mm512_mul_ps (sx, sw[v])), b[v]);
        if (pr->add)
          t = _mm512_add_ps (_mm512_maskz_loadu_ps (m[v], y + 16 * v), t);
        _mm512_mask_storeu_ps (y + 16 * v, m[v], t);
      }
    }
  }
}

/* Rows of block @block by panel @p (share.c's item); the tiles fetch
 * panel @next meanwhile, unless it is -1. */
ISA_ATTR static void
item (void *data, int block, int p, int next, int thread)
{
  const Product *pr = data;
  size_t bytes = (size_t) pr->k * PANEL;
  const gint8 *panel = pr->w + p * bytes;
  const gint8 *ahead = next >= 0 ? pr->w + next * bytes : NULL;
  int c0 = block * MC, c1 = MIN (c0 + MC, pr->m);
  int col = p * PANEL, cols = MIN (PANEL, pr->n - col);
  int every = (c1 - c0 + MR - 1) / MR;

  for (int r = c0; r < c1; r += MR) {
#define CASE(R) case R: \
      tile (pr, panel, ahead, R, r, col, cols, every, (r - c0) / MR); \
      break;
    switch (MIN (MR, c1 - r)) {
      CASE (14) CASE (13) CASE (12) CASE (11) CASE (10) CASE (9) CASE (8)
      CASE (7) CASE (6) CASE (5) CASE (4) CASE (3) CASE (2) CASE (1)
      default: break;
    }
#undef CASE
  }
  /* the activation over the rows just written, still in cache */
  if (pr->activate)
    k_activate_block (pr->y + (size_t) c0 * pr->n + col, pr->n, c1 - c0,
        cols, TRUE, pr->act, NULL, 0);
}

void
clip_vnni_product (const gint8 *w, int k, int n, const guint8 *x, int m,
    const ClipInt8Scales *s, float *y, gboolean add, gboolean activate,
    ClipAct act, int threads)
{
  Product pr = { w, k, n, m, x, s, y, add, activate && !add, act };

  g_assert (k % 4 == 0);
  clip_share_run (threads, (size_t) m * n * k, (m + MC - 1) / MC,
      (n + PANEL - 1) / PANEL, item, &pr);
}

#else

gboolean
clip_vnni_supported (void)
{
  return FALSE;
}

void
clip_vnni_product (const gint8 *w, int k, int n, const guint8 *x, int m,
    const ClipInt8Scales *s, float *y, gboolean add, gboolean activate,
    ClipAct act, int threads)
{
  g_assert_not_reached ();
}

#endif
