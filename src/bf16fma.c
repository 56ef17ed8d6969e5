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
#include "fmatile-impl.h"
#include "mvec.h"
#include "share.h"
#include "strassen.h"

#include <math.h>

/* Rows whose inputs stay in cache while every panel of a thread passes
 * over them: 60 for bf16; 400 for fp32, eight images of ViT-B/32 (206 ms
 * per batch of 8 against 220 with 60, on the Emerald Rapids guest). */
#define MC 60
#define MC32 400
#define PAIR_ROWS 100

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

size_t
clip_fma32_scratch (int m, int k, int n, int threads)
{
  return clip_strassen_scratch (m, k, n, threads);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
gboolean
clip_bf16fma_supported (void)
{
  return clip_cpu_has_avx512 ();
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
        tile (panel, words, wide, next, words, F32, FIRST, NV, k, xr, ldx, R, \
            cols, &at, col, every, (r - c0) / mr)
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
    { .bias = bias, .y = y, .ldy = ldy, .add = add,
      .activate = activate && !add, .act = act,
      .near = clip_cpu_is_amd_zen3_to_5 () } };

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
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums)
{
  if (scratch && clip_strassen_pays (m, k, n)) {
    clip_strassen_product (w, k, n, x, ldx, m, bias, y, ldy, add, activate,
        act, threads, scratch, wsums);
    return;
  }
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
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums)
{
  g_assert_not_reached ();
}

#endif
