/* bf16fma.c: products on fp32 FMAs from weights packed in panels at load,
 * held in bf16 or in fp32.
 *
 * bf16: an Emerald Rapids guest without AMX issued AVX512_BF16's dot
 * product at a quarter of the rate of FMA (half the products per second),
 * and oneDNN's bf16 kernels there ran a ViT-B/32 pass slower than its fp32
 * ones. Here the weights stay bf16 in memory, half the bytes of fp32. The
 * first tile of rows through a panel widens each vector of it in
 * registers (a shift or a mask: bf16 is the upper half of an fp32) and
 * keeps it in a buffer for the panel's other tiles; so the arithmetic runs
 * at fp32's full rate.
 *
 * fp32: on the same guest a batch-1 ViT-B/32 pass waits on memory in
 * oneDNN's fp32 kernels (its products ran 13-21% faster on weights already
 * in cache). Read as they are, fp32 panels suffice.
 *
 * Either way the tiles through a panel fetch the next panel between them
 * while they multiply, so the weights stream in behind the arithmetic.
 *
 * Packed at load, panels of 32 output columns, each of k rows (zero past
 * the last column): in bf16 rows of 16 words (64 bytes), word j holding
 * column j in its lower half and column 16 + j in its upper half; in
 * fp32 rows of 32 floats (128 bytes). A tile of MR rows by 32 columns
 * (in fp32 blocks of many rows, MR / 2 rows by two panels) keeps its sums
 * in 2 MR registers over the whole of k. Sums are fp32; bf16's products
 * are exact, as in bf16's oneDNN kernels; the order of the sums differs. */
#include "bf16fma.h"

#include "cpu.h"
#include "mvec.h"
#include "share.h"

#include <math.h>

/* Columns per panel, rows per tile, rows whose inputs stay in cache while
 * every panel of a thread passes over them: 60 for bf16; 400 for fp32,
 * eight images of ViT-B/32 (206 ms per batch of 8 against 220 with 60,
 * on the Emerald Rapids guest). */
#define PANEL 32
#define MR 10
#define MC 60
#define MC32 400
#define PAIR_ROWS 100
/* Tiles through a panel from which, with Out's near, they fetch the next
 * panel into the first-level cache rather than the second. On Zen 4 (an
 * EPYC guest), fp32 products on ViT-B/32's weights at 50 and 80 rows ran
 * 2-3% faster so, and as fast at 120 rows of the text tower's; at 16 rows
 * (two tiles) 20-30% slower and at 30 (three) 4-5%: each tile then
 * fetched a half or a third of the next panel, more than that cache holds
 * beside its own rows (bench/README.md). */
#define NEAR_TILES 5

size_t
clip_bf16fma_scratch (int k, int threads)
{
  return (size_t) MAX (threads, 1) * k * PANEL;
}

/* Panels of @n columns. */
static inline int
panel_count (int n)
{
  return (n + PANEL - 1) / PANEL;
}

/* W's weight of input @i in output column @c: W is [n, k] row-major, or
 * [k, n] when @transposed. */
static inline float
weight_at (const float *w, gboolean transposed, int k, int n, int i, int c)
{
  return transposed ? w[(size_t) i * n + c] : w[(size_t) c * k + i];
}

size_t
clip_bf16fma_size (int k, int n)
{
  return (size_t) panel_count (n) * k * PANEL * sizeof (guint16);
}

void
clip_bf16fma_pack (const float *w, gboolean transposed, int k, int n,
    guint32 *out)
{
  for (int p = 0; p < panel_count (n); p++) {
    for (int i = 0; i < k; i++, out += PANEL / 2) {
      for (int j = 0; j < PANEL / 2; j++) {
        guint32 word = 0;
        for (int half = 0; half < 2; half++) {
          int c = p * PANEL + half * (PANEL / 2) + j;
          if (c < n)
            word |= (guint32) k_bf16_bits (weight_at (w, transposed, k, n, i,
                    c)) << (16 * half);
        }
        out[j] = word;
      }
    }
  }
}

size_t
clip_fma32_size (int k, int n)
{
  return (size_t) panel_count (n) * k * PANEL * sizeof (float);
}

void
clip_fma32_pack (const float *w, gboolean transposed, int k, int n,
    float *out)
{
  for (int p = 0; p < panel_count (n); p++)
    for (int i = 0; i < k; i++, out += PANEL)
      for (int j = 0; j < PANEL; j++)
        out[j] = p * PANEL + j < n
            ? weight_at (w, transposed, k, n, i, p * PANEL + j) : 0.0f;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define ISA_ATTR \
  __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512dq,fma")))

gboolean
clip_bf16fma_supported (void)
{
  return clip_cpu_has_avx512 ();
}

typedef struct {
  const float *bias;
  float *y;
  size_t ldy;
  gboolean add, activate;
  ClipAct act;
  gboolean near;                /* fetch into the first-level cache, with
                                 * NEAR_TILES tiles through a panel */
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

/* @mr (at most MR, a constant once inlined) rows of @x by the @cols
 * (1 to 32 nv / 2) columns of @nv / 2 adjacent panels (@nv a constant,
 * 2 or 4; 4 only in fp32 and for at most MR / 2 rows), into @o's rows
 * from its column @col on; a panel is @words 32-bit words. With @f32 (a
 * constant too) the panels at @panel are fp32 and read as they are.
 * Otherwise, with @first the panel is read from its bf16 form at @panel
 * and widened into @wide as it goes; without, it is read from @wide, and
 * the FMA ports do nothing but FMAs. Meanwhile, unless @next is NULL, the
 * tile fetches rows @phase, @phase + @every, ... of the panels at @next
 * into the second-level cache (with @o's near, the first): the @every
 * tiles through a panel fetch the next one between them, a little at a
 * time. (When the first tile alone fetched it, the fetches outran the
 * memory and that tile waited on them: a batch-1 ViT-B/32 pass in fp32
 * took 31 ms rather than 26.) */
ISA_ATTR static inline __attribute__ ((always_inline)) void
tile (const guint32 *panel, size_t words, float *wide, const guint32 *next,
    const gboolean f32, const gboolean first, const int nv, int k,
    const float *x, size_t ldx, const int mr, int cols, const Out *o,
    int col, int every, int phase)
{
  const size_t row_bytes = f32 ? PANEL * sizeof (float)
      : PANEL * sizeof (guint16);
  const char *fetch = next ? (const char *) next + phase * row_bytes : NULL;
  const char *fetch_end = next ? (const char *) next + k * row_bytes : NULL;
  int wait = 0;
  const __m512i upper = _mm512_set1_epi32 ((int) 0xffff0000u);
  __m512 acc[MR][4];

#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      if (r < mr)
        acc[r][v] = _mm512_setzero_ps ();
  for (int i = 0; i < k; i++) {
    __m512 wv[4];
    if (f32) {
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
        FETCH (fetch, f32, nv, words, _MM_HINT_T0);
      else
        FETCH (fetch, f32, nv, words, _MM_HINT_T1);
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
  __m512 b[4];
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    int c = cols - 16 * v;
    m[v] = c >= 16 ? 0xffff : c > 0 ? (__mmask16) ((1u << c) - 1) : 0;
    b[v] = o->bias ? _mm512_maskz_loadu_ps (m[v], o->bias + col + 16 * v)
        : _mm512_setzero_ps ();
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    if (r < mr) {
      float *y = o->y + r * o->ldy + col;
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) {
        __m512 t = _mm512_add_ps (acc[r][v], b[v]);
        if (o->add)
          t = _mm512_add_ps (t, _mm512_maskz_loadu_ps (m[v], y + 16 * v));
        _mm512_mask_storeu_ps (y + 16 * v, m[v], t);
      }
    }
  }
}

/* Rows @c0 to @c1 - 1 of @x by @count (1 or 2) adjacent panels of @w
 * from panel @p (fp32 with @f32), each bf16 panel widened into @wide (k x
 * 32 floats) by its first tile of rows; meanwhile the tiles fetch the
 * next panel, the last of them @after (unless NULL). fp32 blocks of at
 * least PAIR_ROWS rows go through two panels at a time, in tiles of
 * MR / 2 rows: fewer loads for each FMA (9 for 20 rather than 12), which
 * pays once the rows are many (a batch of 8 ViT-B/32 images: 220-223 ms
 * against 231; at 50 rows, 32.1 ms against 30.9, on the Emerald Rapids
 * guest). */
ISA_ATTR static void
panels (const guint32 *w, const gboolean f32, int k, int n, const float *x,
    size_t ldx, int c0, int c1, int p, int count, const guint32 *after,
    float *wide, const Out *o)
{
  size_t words = (size_t) k * (f32 ? PANEL : PANEL / 2);
  int step = f32 && c1 - c0 >= PAIR_ROWS ? 2 : 1;
  int mr = MR / step;
  int every = (c1 - c0 + mr - 1) / mr;
  Out out = *o;
  out.near = o->near && every >= NEAR_TILES;
  for (int q = p; q < p + count; q += step) {
    int pair = step == 2 && q + 1 < p + count;
    const guint32 *panel = w + q * words;
    const guint32 *next = q + (pair ? 2 : 1) < p + count
        ? panel + (pair ? 2 : 1) * words : after;
    int col = q * PANEL, cols = MIN ((pair ? 2 : 1) * PANEL, n - col);
    for (int r = c0; r < c1; r += mr) {
      const float *xr = x + r * ldx;
      Out at = out;
      at.y = o->y + (size_t) r * o->ldy;
#define TILE(F32, FIRST, NV, R) \
        tile (panel, words, wide, next, F32, FIRST, NV, k, xr, ldx, R, cols, \
            &at, col, every, (r - c0) / mr)
#define CASE(R) case R: \
        if (pair && R <= MR / 2) \
          TILE (TRUE, FALSE, 4, R); \
        else if (f32) \
          TILE (TRUE, FALSE, 2, R); \
        else if (r == c0) \
          TILE (FALSE, TRUE, 2, R); \
        else \
          TILE (FALSE, FALSE, 2, R); \
        break;
      switch (MIN (mr, c1 - r)) {
        CASE (10) CASE (9) CASE (8) CASE (7) CASE (6)
        CASE (5) CASE (4) CASE (3) CASE (2) CASE (1)
        default: break;
      }
#undef CASE
#undef TILE
    }
  }
  /* the activation over the rows just written, still in cache */
  int col0 = p * PANEL, col1 = MIN ((p + count) * PANEL, n);
  if (o->activate)
    k_activate_block (o->y + (size_t) c0 * o->ldy + col0, o->ldy, c1 - c0,
        col1 - col0, TRUE, o->act, NULL, 0);
}

/* One product's items (share.c): a block of rows by a group of panels,
 * two in fp32 (for the pairs above), one in bf16. */
typedef struct {
  const guint32 *w;
  gboolean f32;
  int k, n, m, mc, group, n_panels;
  size_t words;
  const float *x;
  size_t ldx;
  float *scratch;
  Out o;
} Product;

static void
item (void *data, int block, int g, int next, int thread)
{
  const Product *pr = data;
  int c0 = block * pr->mc;
  float *wide = pr->scratch ? pr->scratch + (size_t) thread * pr->k * PANEL
      : NULL;
  const guint32 *after = next >= 0
      ? pr->w + (size_t) next * pr->group * pr->words : NULL;

  panels (pr->w, pr->f32, pr->k, pr->n, pr->x, pr->ldx, c0,
      MIN (c0 + pr->mc, pr->m), g * pr->group,
      MIN (pr->group, pr->n_panels - g * pr->group), after, wide, &pr->o);
}

static void
product (const guint32 *w, gboolean f32, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy, gboolean add,
    gboolean activate, ClipAct act, int threads, float *scratch)
{
  int n_panels = panel_count (n), group = f32 ? 2 : 1;
  int mc = f32 ? MC32 : MC;
  Product pr = { w, f32, k, n, m, mc, group, n_panels,
    (size_t) k * (f32 ? PANEL : PANEL / 2), x, ldx, scratch,
    { bias, y, ldy, add, activate && !add, act,
      clip_cpu_is_amd_family_19h () } };

  clip_share_run (threads, (size_t) m * n * k, (m + mc - 1) / mc,
      (n_panels + group - 1) / group, item, &pr);
}

void
clip_bf16fma_product (const guint32 *w, int k, int n, const float *x,
    int m, const float *bias, float *y, gboolean add, gboolean activate,
    ClipAct act, int threads, float *scratch)
{
  product (w, FALSE, k, n, x, k, m, bias, y, n, add, activate, act,
      threads, scratch);
}

void
clip_fma32_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads)
{
  product ((const guint32 *) w, TRUE, k, n, x, ldx, m, bias, y, ldy, add,
      activate, act, threads, NULL);
}

#else

gboolean
clip_bf16fma_supported (void)
{
  return FALSE;
}

void
clip_bf16fma_product (const guint32 *w, int k, int n, const float *x,
    int m, const float *bias, float *y, gboolean add, gboolean activate,
    ClipAct act, int threads, float *scratch)
{
  g_assert_not_reached ();
}

void
clip_fma32_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads)
{
  g_assert_not_reached ();
}

#endif
