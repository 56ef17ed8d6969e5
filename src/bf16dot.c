/* bf16dot.c: bf16 products on AVX512_BF16's dot product from weights
 * packed in panels at load.
 *
 * On AMD's Zen 4 (an EPYC guest with two virtual CPUs), VDPBF16PS makes
 * two products a lane as fast as FMA makes one: 116 GMAC/s a core against
 * 58 (bench/bench-ports). oneDNN's bf16 kernels ran ViT-B/32's batch-1
 * products there at 78% of that rate (0.680, 0.609, 0.484 and 0.168 ms
 * for fc1, fc2, QKV and the attention's output). The tiles here keep 14
 * rows by 32 columns of sums in 28 registers over the whole of k, add the
 * bias and the residual before they leave the registers, and fetch the
 * next panel while they multiply (bench/README.md has the times). Each
 * thread takes the next panels as it frees up (share.c).
 *
 * Packed at load, panels of 32 output columns: for each pair of inputs,
 * the 32 columns' two bf16 weights side by side (128 bytes), columns past
 * the last zero. The products of bf16 values are exact and the sums fp32,
 * as in oneDNN's bf16 kernels, which use the same instruction; the order
 * of the sums differs. */
#include "bf16dot.h"

#include "cpu.h"
#include "kernels.h"
#include "share.h"

/* Columns per panel, rows per tile (28 registers of sums), rows whose
 * inputs stay in cache while a thread's panels pass over them. */
#define PANEL 32
#define MR 14
#define MC 112

/* Bytes of a panel's pair of input rows. */
#define STEP_BYTES (PANEL * 2 * sizeof (guint16))

size_t
clip_bf16dot_size (int k, int n)
{
  return (size_t) ((n + PANEL - 1) / PANEL) * k * PANEL * sizeof (guint16);
}

void
clip_bf16dot_pack (const float *w, gboolean transposed, int k, int n,
    guint16 *out)
{
  g_assert (k % 2 == 0);
  for (int p = 0; p < (n + PANEL - 1) / PANEL; p++)
    for (int i = 0; i < k; i += 2)
      for (int j = 0; j < PANEL; j++)
        for (int d = 0; d < 2; d++, out++) {
          int c = p * PANEL + j;
          *out = c >= n ? 0 : k_bf16_bits (transposed
              ? w[(size_t) (i + d) * n + c] : w[(size_t) c * k + i + d]);
        }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "act512.h"

#define ISA_ATTR __attribute__ ((target \
      ("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

gboolean
clip_bf16dot_supported (void)
{
  __builtin_cpu_init ();
  return clip_cpu_has_avx512 () && __builtin_cpu_supports ("avx512bf16");
}

typedef struct {
  const guint16 *w;
  int k, n, m;
  const guint16 *x;
  size_t ldx;
  const float *bias;
  float *y;
  guint16 *y16;
  size_t ld16;
  gboolean add, activate;
  ClipAct act;
} Product;

/* @mr rows of a tile's sums in @own, activated with @activate and rounded
 * to bf16 into @y16's rows (@ld16 apart) from its column @col: the
 * rounding by VCVTNE2PS2BF16 (to nearest even, as k_bf16_bits, but for
 * fp32's subnormals, which it takes as zeros), 32 columns a store. */
ISA_ATTR static void
rows_to_bf16 (const Product *pr, float own[][PANEL], int mr, int r0,
    int col, int cols)
{
  __mmask32 keep = cols >= 32 ? ~0u : (1u << cols) - 1;
  guint16 *y16 = pr->y16 + r0 * pr->ld16 + col;

  for (int r = 0; r < mr; r++) {
    __m512 lo = _mm512_load_ps (own[r]), hi = _mm512_load_ps (own[r] + 16);
    if (pr->activate) {
      lo = k_activate16_to_bf16 (lo, pr->act);
      hi = k_activate16_to_bf16 (hi, pr->act);
    }
    _mm512_mask_storeu_epi16 (y16 + r * pr->ld16, keep,
        (__m512i) _mm512_cvtne2ps_pbh (hi, lo));
  }
}

/* acc += the dot products of @a's bf16 pairs with @w's, as the
 * intrinsic, written out so that the sums stay in registers (see
 * vnni.c's DPBUSD). */
#define DPBF16(acc, a, w) \
  __asm__ ("vdpbf16ps %1, %2, %0" : "+v" (acc) : "v" (w), "v" (a))

/* @mr (at most MR, a constant once inlined) rows from @r0 by the @cols
 * (1 to 32) columns of the panel at @panel from column @col; meanwhile,
 * unless @next is NULL, the tile fetches steps @phase, @phase + @every,
 * ... of the panel at @next (the @every tiles through a panel fetch the
 * next one between them). */
ISA_ATTR static inline __attribute__ ((always_inline)) void
tile (const Product *pr, const guint16 *panel, const guint16 *next,
    const int mr, int r0, int col, int cols, int every, int phase)
{
  const int steps = pr->k / 2;
  const guint16 *x = pr->x + r0 * pr->ldx;
  const char *base = (const char *) panel;
  const char *fetch = next ? (const char *) next + phase * STEP_BYTES : NULL;
  const char *fetch_end = next ? (const char *) next + steps * STEP_BYTES
      : NULL;
  __m512 acc[MR][2];

#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
    if (r < mr)
      acc[r][0] = acc[r][1] = _mm512_setzero_ps ();
  for (int i0 = 0; i0 < steps; i0 += every) {
    if (fetch && fetch < fetch_end) {
      _mm_prefetch (fetch, _MM_HINT_T0);
      _mm_prefetch (fetch + 64, _MM_HINT_T0);
      fetch += (size_t) every * STEP_BYTES;
    }
    int i1 = MIN (i0 + every, steps);
    for (int i = i0; i < i1; i++) {
      __m512i w0 = _mm512_load_si512 (base + (size_t) i * STEP_BYTES);
      __m512i w1 = _mm512_load_si512 (base + (size_t) i * STEP_BYTES + 64);
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++) {
        if (r < mr) {
          gint32 pair;
          memcpy (&pair, x + r * pr->ldx + 2 * i, 4);
          __m512i a = _mm512_set1_epi32 (pair);
          DPBF16 (acc[r][0], a, w0);
          DPBF16 (acc[r][1], a, w1);
        }
      }
    }
  }

  __mmask16 m[2];
  __m512 b[2];
  for (int v = 0; v < 2; v++) {
    int c = cols - 16 * v;
    m[v] = c >= 16 ? 0xffff : c > 0 ? (__mmask16) ((1u << c) - 1) : 0;
    b[v] = pr->bias ? _mm512_maskz_loadu_ps (m[v], pr->bias + col + 16 * v)
        : _mm512_setzero_ps ();
  }
  /* bf16 outputs go through the tile's own rows first, in cache, for the
   * activation and the rounding: the fp32 ones never reach memory */
  float own[MR][PANEL] __attribute__ ((aligned (64)));
  float *out = pr->y16 ? own[0] : pr->y + (size_t) r0 * pr->n + col;
  size_t ld = pr->y16 ? PANEL : (size_t) pr->n;
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    if (r < mr) {
      float *y = out + r * ld;
      for (int v = 0; v < 2; v++) {
        __m512 t = _mm512_add_ps (acc[r][v], b[v]);
        if (pr->add)
          t = _mm512_add_ps (_mm512_maskz_loadu_ps (m[v], y + 16 * v), t);
        _mm512_mask_storeu_ps (y + 16 * v, m[v], t);
      }
    }
  }
  if (pr->y16)
    rows_to_bf16 (pr, own, mr, r0, col, cols);
}

/* Rows of block @block by panel @p (share.c's item); the tiles fetch
 * panel @next meanwhile, unless it is -1. */
ISA_ATTR static void
item (void *data, int block, int p, int next, int thread)
{
  const Product *pr = data;
  size_t values = (size_t) pr->k * PANEL;
  const guint16 *panel = pr->w + p * values;
  const guint16 *ahead = next >= 0 ? pr->w + next * values : NULL;
  int c0 = block * MC, c1 = MIN (c0 + MC, pr->m);
  int col = p * PANEL, cols = MIN (PANEL, pr->n - col);
  int every = (c1 - c0 + MR - 1) / MR;

  /* tiles of as many rows as can be (15 rows: 8 and 7, not 14 and 1), so
   * that they fetch the next panel at an even pace */
  for (int t = 0; t < every; t++) {
    int r = c0 + (c1 - c0) * t / every;
    int rows = c0 + (c1 - c0) * (t + 1) / every - r;
#define CASE(R) case R: \
      tile (pr, panel, ahead, R, r, col, cols, every, t); \
      break;
    switch (rows) {
      CASE (14) CASE (13) CASE (12) CASE (11) CASE (10) CASE (9) CASE (8)
      CASE (7) CASE (6) CASE (5) CASE (4) CASE (3) CASE (2) CASE (1)
      default: break;
    }
#undef CASE
  }
  /* the activation over the rows just written, still in cache */
  if (pr->activate && !pr->y16)
    k_activate_block (pr->y + (size_t) c0 * pr->n + col, pr->n, c1 - c0,
        cols, TRUE, pr->act, NULL, 0);
}

void
clip_bf16dot_product (const guint16 *w, int k, int n, const guint16 *x,
    size_t ldx, int m, const float *bias, float *y, guint16 *y16,
    size_t ld16, gboolean add, gboolean activate, ClipAct act, int threads)
{
  Product pr = { w, k, n, m, x, ldx, bias, y, y16, ld16, add,
    activate && !add, act };

  g_assert (k % 2 == 0 && !(add && y16));
  clip_share_run (threads, (size_t) m * n * k, (m + MC - 1) / MC,
      (n + PANEL - 1) / PANEL, item, &pr);
}

#else

gboolean
clip_bf16dot_supported (void)
{
  return FALSE;
}

void
clip_bf16dot_product (const guint16 *w, int k, int n, const guint16 *x,
    size_t ldx, int m, const float *bias, float *y, guint16 *y16,
    size_t ld16, gboolean add, gboolean activate, ClipAct act, int threads)
{
  g_assert_not_reached ();
}

#endif
