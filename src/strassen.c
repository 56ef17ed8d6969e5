/* strassen.c: fp32 products of many rows in Strassen's seven block
 * products rather than eight, one level deep, through bf16fma.c's tile
 * (fmatile-impl.h) on the same fp32 panels.
 *
 * x (m x k) and W (k x n) are cut in halves of rows, of k and of columns,
 * and y's four quadrants come out of seven products of half the rows by
 * half of k by half the columns: 7/8 of the multiply-adds, plus sums of
 * quadrants. x's five sums are made once per product, by rows, shared by
 * the threads. W's five are either kept (clip_strassen_make_sums(), 5/4
 * of the weights again, made once by the caller) and read as W is, or
 * made on the fly: the first tile of rows through a block of a step that
 * multiplies by a sum of two quadrants adds their panels up as it goes,
 * into a per-thread buffer the block's other tiles read (as bf16fma.c's
 * first tile widens bf16). Kept, they are added up in the same order as
 * there, so the two give the same bits. A tile adds its sums to (or
 * subtracts them from) one or two of y's quadrants, the first step to
 * reach a quadrant writing it, with the bias. An item of
 * share.c is a block of 64 columns in each half of y, through all seven
 * steps in order, so y's rows of the item stay in cache between the
 * steps and no two threads write the same outputs; each item computes
 * them in the same order whichever thread runs it.
 *
 * On Zen 4 (an EPYC guest, two virtual CPUs) a batch-8 ViT-B/32 pass in
 * fp32 took 292.9 ms against 308.0 (mean of six rounds alternating with
 * the plain tiles, every round faster), about half of the eighth the
 * products save. The rest went mostly to the first tiles that add up two
 * quadrants of W: on Zen 5 they took 11% of a 200-row product's time for
 * 3.6% of its multiply-adds, reading the quadrants from the third-level
 * cache (made ahead, in the tiles of the step before, the sums cost as
 * much). With the sums kept, each step fetching the operand of the next
 * into the second-level cache, a batch-8 pass on the Zen 5 guest took
 * 160-166 ms against 168-177 (six rounds alternating), as fast as with no
 * sums at all (bench/README.md). Sums are fp32 in a different order and
 * over sums of inputs: against float64, the golden vision towers' worst
 * cosine in one pass of ten images moved from 1 - 7.8e-14 to 1 - 9.2e-14
 * (tests/test-towers.c). */
#include "strassen.h"

#include "cpu.h"
#include "fmatile-impl.h"
#include "share.h"

/* Rows a product needs (four ViT-B/32 images) before its seven block
 * products pay. */
#define STRASSEN_ROWS 200
/* Columns of y an item computes in each half. */
#define BLOCK_COLS (2 * PANEL)
/* Rows of x's sums one item of theirs computes. */
#define SUM_ROWS 16

/* Floats rounded up to whole 64-byte lines. */
static inline size_t
lines (size_t floats)
{
  return (floats + 15) & ~(size_t) 15;
}

/* Floats from one row of x's sums to the next. */
static inline size_t
sum_stride (int k)
{
  return k_spaced_stride (k / 2, sizeof (float));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

/* Step t multiplies A operand a (x's quadrant, or one of the sums below)
 * by B operand b (W's quadrant, or b + or - b2) and adds the result to,
 * or subtracts it from, y's quadrants c and c2. Quadrants: 0 = 11 (top
 * rows or first half of k, first half of columns or k), 1 = 12, 2 = 21,
 * 3 = 22. */
typedef struct {
  signed char a_sum, a;        /* a sum's index, or -1 and a quadrant */
  signed char b, b2;           /* b2: -1 for none */
  gboolean b_neg;
  signed char c, c2;           /* c2: -1 for none */
  gboolean first, first2, neg, neg2;
} Step;

static const Step steps[7] = {
  { 0, -1, 0, 3, FALSE, 0, 3, TRUE, TRUE, FALSE, FALSE },   /* M1 */
  { 1, -1, 0, -1, FALSE, 2, 3, TRUE, FALSE, FALSE, TRUE },  /* M2 */
  { -1, 0, 1, 3, TRUE, 1, 3, TRUE, FALSE, FALSE, FALSE },   /* M3 */
  { -1, 3, 2, 0, TRUE, 0, 2, FALSE, FALSE, FALSE, FALSE },  /* M4 */
  { 2, -1, 3, -1, FALSE, 1, 0, FALSE, FALSE, FALSE, TRUE }, /* M5 */
  { 3, -1, 0, 1, FALSE, 3, -1, FALSE, FALSE, FALSE, FALSE }, /* M6 */
  { 4, -1, 2, 3, FALSE, 0, -1, FALSE, FALSE, FALSE, FALSE }, /* M7 */
};

/* The sums of x's quadrants the steps read: quadrant a + or - b. */
static const struct {
  signed char a, b;
  gboolean neg;
} a_sums[5] = {
  { 0, 3, FALSE }, { 2, 3, FALSE }, { 0, 1, FALSE }, { 2, 0, TRUE },
  { 1, 3, TRUE },
};

/* Whether @k x @n weights can run in Strassen's blocks. */
static gboolean
shape_pays (int k, int n)
{
  return k % 2 == 0 && k >= 64 && n % (2 * BLOCK_COLS) == 0
      && clip_cpu_has_avx512 ();
}

gboolean
clip_strassen_pays (int m, int k, int n)
{
  return m >= STRASSEN_ROWS && m % 2 == 0 && shape_pays (k, n);
}

size_t
clip_strassen_scratch (int m, int k, int n, int threads)
{
  if (!clip_strassen_pays (m, k, n))
    return 0;
  return 5 * lines ((size_t) (m / 2) * sum_stride (k))
      + (size_t) MAX (threads, 1) * BLOCK_COLS * (k / 2);
}

typedef struct {
  const float *w;
  int k, n, m;
  const float *x;
  size_t ldx;
  float *sums;                  /* x's five sums, asz floats apart, */
  size_t asz, lda;              /* rows lda apart */
  float *bsum;                  /* each thread's sum of W's quadrants */
  const float *wsums;           /* W's sums kept, or NULL */
  const float *bias;
  float *y;
  size_t ldy;
  gboolean add, activate;
  ClipAct act;
} Strassen;

/* The first float of quadrant @q of a matrix of @rows rows (@ld floats
 * apart) by @cols. */
static inline size_t
quadrant (int q, int rows, int cols, size_t ld)
{
  return (q >= 2 ? (size_t) (rows / 2) * ld : 0) + (q & 1 ? cols / 2 : 0);
}

/* Rows SUM_ROWS @g ... of each of x's five sums. */
ISA_ATTR static void
sum_item (void *data, int block, int g, int next, int thread)
{
  const Strassen *s = data;
  int h = s->k / 2, r1 = MIN ((g + 1) * SUM_ROWS, s->m / 2);

  for (int t = 0; t < 5; t++) {
    const float *a = s->x + quadrant (a_sums[t].a, s->m, s->k, s->ldx);
    const float *b = s->x + quadrant (a_sums[t].b, s->m, s->k, s->ldx);
    for (int r = g * SUM_ROWS; r < r1; r++) {
      float *d = s->sums + t * s->asz + (size_t) r * s->lda;
      const float *ar = a + r * s->ldx, *br = b + r * s->ldx;
      for (int i = 0; i < h; i += 16) {
        __mmask16 m = h - i >= 16 ? 0xffff
            : (__mmask16) ((1u << (h - i)) - 1);
        __m512 u = _mm512_maskz_loadu_ps (m, ar + i);
        __m512 v = _mm512_maskz_loadu_ps (m, br + i);
        _mm512_mask_storeu_ps (d + i, m, a_sums[t].neg ? _mm512_sub_ps (u, v)
            : _mm512_add_ps (u, v));
      }
    }
  }
}

/* Which of W's kept sums step @t multiplies by (steps 0, 2, 3, 5 and 6
 * have one), in the order clip_strassen_make_sums() keeps them. */
static inline int
sum_index (int t)
{
  int i = 0;
  for (int u = 0; u < t; u++)
    i += steps[u].b2 >= 0;
  return i;
}

/* The first float of quadrant @q of W's panels for block @j. */
static inline const float *
w_quadrant (const float *w, int k, int n, int j, int q)
{
  size_t words = (size_t) k * PANEL;
  return w + (size_t) j * 2 * words + (q & 1 ? (size_t) (n / 2) / PANEL : 0)
      * words + (q >= 2 ? (size_t) (k / 2) * PANEL : 0);
}

/* Floats from W's kept sums (of @k-long rows) to the one step @t of
 * block @j multiplies by: two panels of k / 2 rows. */
static inline size_t
kept_sum_at (int k, int j, int t)
{
  return ((size_t) j * 5 + sum_index (t)) * BLOCK_COLS * (k / 2);
}

/* The operand of W that step @t of block @j multiplies by when W's sums
 * are kept: a quadrant, its two panels k rows apart, or a kept sum,
 * k / 2 rows apart; how many 32-bit words apart into @apart. */
static inline const float *
kept_operand (const Strassen *s, int j, int t, size_t *apart)
{
  if (steps[t].b2 < 0) {
    *apart = (size_t) s->k * PANEL;
    return w_quadrant (s->w, s->k, s->n, j, steps[t].b);
  }
  *apart = (size_t) (s->k / 2) * PANEL;
  return s->wsums + kept_sum_at (s->k, j, t);
}

/* Columns BLOCK_COLS @j ... of both halves of y, all seven steps in
 * order. With W's sums made on the fly, the first four steps fetch the
 * quadrants of W that block @next reads into the second-level cache as
 * they go; with them kept, each step fetches the operand of the step
 * after it (of block @next after the last). */
ISA_ATTR static void
strassen_item (void *data, int block, int j, int next, int thread)
{
  const Strassen *s = data;
  int h = s->k / 2, mh = s->m / 2;
  size_t words = (size_t) s->k * PANEL;
  const float *quad[4], *ahead[4];
  float *bs = s->bsum + (size_t) thread * BLOCK_COLS * h;
  const int mr = MR / 2;
  int every = (mh + mr - 1) / mr;
  size_t col = (size_t) j * BLOCK_COLS;

  for (int q = 0; q < 4; q++) {
    quad[q] = w_quadrant (s->w, s->k, s->n, j, q);
    ahead[q] = next >= 0 ? w_quadrant (s->w, s->k, s->n, next, q) : NULL;
  }
  for (int t = 0; t < 7; t++) {
    const Step *st = &steps[t];
    const float *a;
    size_t lda;
    if (st->a_sum >= 0) {
      a = s->sums + st->a_sum * s->asz;
      lda = s->lda;
    } else {
      a = s->x + quadrant (st->a, s->m, s->k, s->ldx);
      lda = s->ldx;
    }
    Out o = { 0 };
    o.y = s->y + quadrant (st->c, s->m, s->n, s->ldy) + col;
    o.ldy = s->ldy;
    o.bias = st->first && s->bias ? s->bias + quadrant (st->c, 0, s->n, 0)
        + col : NULL;
    o.add = s->add || !st->first;
    o.neg = st->neg;
    if (st->c2 >= 0) {
      o.y2 = s->y + quadrant (st->c2, s->m, s->n, s->ldy) + col;
      o.bias2 = st->first2 && s->bias ? s->bias + quadrant (st->c2, 0, s->n,
          0) + col : NULL;
      o.add2 = s->add || !st->first2;
      o.neg2 = st->neg2;
    }
    /* on the fly, a sum of W's quadrants: the first tile adds them up
     * into bs, the others read it there */
    gboolean sum = !s->wsums && st->b2 >= 0;
    if (sum) {
      o.sum2 = quad[st->b2];
      o.flip = st->b_neg ? 0x80000000u : 0;
    }
    const float *kept = NULL, *fetch = t < 4 ? ahead[t] : NULL;
    size_t kept_words = words, fetch_words = words;
    if (s->wsums) {
      kept = kept_operand (s, j, t, &kept_words);
      fetch = t < 6 ? kept_operand (s, j, t + 1, &fetch_words)
          : next >= 0 ? kept_operand (s, next, 0, &fetch_words) : NULL;
    }
    for (int r = 0; r < mh; r += mr) {
      Out at = o;
      at.y = o.y + (size_t) r * o.ldy;
      if (o.y2)
        at.y2 = o.y2 + (size_t) r * o.ldy;
      gboolean first = sum && r == 0;
      const guint32 *b = (const guint32 *) (kept ? kept
          : sum && !first ? bs : quad[st->b]);
      size_t bw = kept ? kept_words : sum && !first ? (size_t) h * PANEL
          : words;
      const guint32 *f = (const guint32 *) fetch;
#define CASE(R) case R: \
        if (first) \
          tile (b, bw, bs, f, fetch_words, TRUE, TRUE, 4, h, a + r * lda, \
              lda, R, BLOCK_COLS, &at, 0, every, r / mr); \
        else \
          tile (b, bw, NULL, f, fetch_words, TRUE, FALSE, 4, h, \
              a + r * lda, lda, R, BLOCK_COLS, &at, 0, every, r / mr); \
        break;
      switch (MIN (mr, mh - r)) {
        CASE (5) CASE (4) CASE (3) CASE (2) CASE (1)
        default: break;
      }
#undef CASE
    }
  }
  if (s->activate)
    for (int q = 0; q < 2; q++)
      k_activate_block (s->y + quadrant (q, 0, s->n, 0) + col, s->ldy, s->m,
          BLOCK_COLS, TRUE, s->act, NULL, 0);
}

size_t
clip_strassen_sums_size (int k, int n)
{
  if (!shape_pays (k, n))
    return 0;
  return (size_t) (n / (2 * BLOCK_COLS)) * 5 * BLOCK_COLS * (k / 2);
}

void
clip_strassen_make_sums (const float *w, int k, int n, float *sums)
{
  int h = k / 2;

  for (int j = 0; j < n / (2 * BLOCK_COLS); j++)
    for (int t = 0; t < 7; t++) {
      const Step *st = &steps[t];
      if (st->b2 < 0)
        continue;
      const float *b = w_quadrant (w, k, n, j, st->b);
      const float *b2 = w_quadrant (w, k, n, j, st->b2);
      float *d = sums + kept_sum_at (k, j, t);
      /* as a first tile adds them up: b + (b2, its sign flipped) */
      for (int v = 0; v < 2; v++)
        for (size_t i = 0; i < (size_t) h * PANEL; i++)
          d[v * (size_t) h * PANEL + i] = b[v * (size_t) k * PANEL + i]
              + (st->b_neg ? -b2[v * (size_t) k * PANEL + i]
              : b2[v * (size_t) k * PANEL + i]);
    }
}

void
clip_strassen_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums)
{
  size_t lda = sum_stride (k), asz = lines ((size_t) (m / 2) * lda);
  Strassen s = { w, k, n, m, x, ldx, scratch, asz, lda, scratch + 5 * asz,
    wsums, bias, y, ldy, add, activate && !add, act };

  clip_share_run (threads, (size_t) m * k * 8, 1, (m / 2 + SUM_ROWS - 1)
      / SUM_ROWS, sum_item, &s);
  clip_share_run (threads, (size_t) m * n * k, 1, n / (2 * BLOCK_COLS),
      strassen_item, &s);
}

#else

gboolean
clip_strassen_pays (int m, int k, int n)
{
  return FALSE;
}

size_t
clip_strassen_scratch (int m, int k, int n, int threads)
{
  return 0;
}

void
clip_strassen_product (const float *w, int k, int n, const float *x,
    size_t ldx, int m, const float *bias, float *y, size_t ldy,
    gboolean add, gboolean activate, ClipAct act, int threads,
    float *scratch, const float *wsums)
{
  g_assert_not_reached ();
}

size_t
clip_strassen_sums_size (int k, int n)
{
  return 0;
}

void
clip_strassen_make_sums (const float *w, int k, int n, float *sums)
{
  g_assert_not_reached ();
}

#endif
