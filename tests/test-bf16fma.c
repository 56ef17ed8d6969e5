/* test-bf16fma.c: the products of bf16fma.c (bf16 or fp32 weights
 * multiplied with fp32 FMAs) against the same products computed in double
 * precision here from the weights (rounded to bf16 for bf16): sizes that
 * fill no panel or tile exactly, rows past one cache block and enough for
 * fp32's tiles across two panels (odd panel counts too), bias or none,
 * added to the output or with each activation, fp32 rows spaced apart on
 * input and output as the MLP's hidden layer's may be, on one thread and
 * on more (three on two cores: threads take one another's work as they
 * free up, and an item run twice or never would show, when added to the
 * output above all). fp32 shapes of 200 rows or more (even), even k and
 * columns a multiple of 128 run in strassen.c's seven block products,
 * with the scratch passed here; they run again with the sums of W's
 * quadrants kept (clip_strassen_make_sums()), which must give the same
 * bits as sums made on the fly.
 * The towers' golden checks run the kernel only on CPUs that pick it. */
#include "bf16fma.h"
#include "strassen.h"

#include "act-ref.h"

#include <math.h>

typedef struct {
  int m, k, n;
} Shape;

static const Shape shapes[] = {
  { 1, 1, 1 }, { 1, 16, 1 }, { 3, 40, 33 }, { 10, 64, 32 },
  { 11, 100, 70 }, { 23, 77, 130 }, { 50, 768, 96 }, { 61, 256, 65 },
  { 130, 48, 40 }, { 9, 3072, 48 }, { 40, 512, 200 }, { 407, 24, 70 },
  { 120, 256, 200 }, { 450, 64, 100 },
  /* fp32 by Strassen's blocks: even rows (200 or more) and k, columns a
   * multiple of 128 */
  { 200, 64, 128 }, { 256, 130, 384 }, { 402, 96, 256 }, { 200, 66, 128 },
};

typedef enum { PLAIN, NO_BIAS, ADD, ACT } Mode;

static void
check (const Shape *s, gboolean f32, Mode mode, ClipAct act, int threads,
    GRand *rand)
{
  int m = s->m, k = s->k, n = s->n;
  /* fp32 rows spaced apart on two threads, the gaps NaNs: read, they
   * show */
  size_t ldx = f32 && threads == 2 ? (size_t) k_spaced_stride (k, sizeof (float)) + 6
      : (size_t) k;
  size_t ldy = (size_t) n + (f32 && threads == 2 ? 5 : 0);
  float *w = g_new (float, (size_t) n * k);
  float *wt = g_new (float, (size_t) k * n);
  float *x = g_new (float, (size_t) m * ldx);
  float *bias = g_new (float, n);
  float *y = g_new (float, (size_t) m * ldy);
  float *y0 = g_new (float, (size_t) m * ldy);
  guint32 *packed = g_malloc (MAX (clip_bf16fma_size (k, n),
          clip_fma32_size (k, n)) + 64);
  guint32 *aligned = (guint32 *) (((guintptr) packed + 63) & ~(guintptr) 63);
  float *scratch = g_malloc ((MAX (clip_bf16fma_scratch (k, threads),
          clip_fma32_scratch (m, k, n, threads)) + 16) * sizeof (float));
  float *sc = (float *) (((guintptr) scratch + 63) & ~(guintptr) 63);
  size_t n_sums = f32 ? clip_strassen_sums_size (k, n) : 0;
  float *sums = g_malloc ((n_sums + 16) * sizeof (float));
  float *sums_at = (float *) (((guintptr) sums + 63) & ~(guintptr) 63);
  float *kept = g_new (float, (size_t) m * ldy);
  double worst = 0;

  for (size_t i = 0; i < (size_t) n * k; i++)
    w[i] = (float) g_rand_double_range (rand, -1, 1);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < k; i++)
      wt[(size_t) i * n + j] = w[(size_t) j * k + i];
  for (size_t i = 0; i < (size_t) m * ldx; i++)
    x[i] = i % ldx < (size_t) k ? (float) g_rand_double_range (rand, -3, 3)
        : NAN;
  for (size_t i = 0; i < (size_t) m * k && !f32; i++)
    x[i] = k_round_bf16 (x[i]);
  for (int j = 0; j < n; j++)
    bias[j] = (float) g_rand_double_range (rand, -1, 1);
  for (size_t i = 0; i < (size_t) m * ldy; i++)
    y[i] = y0[i] = (float) g_rand_double_range (rand, -2, 2);

  for (int transposed = 0; transposed < 2; transposed++) {
    const float *b = mode == NO_BIAS ? NULL : bias;
    if (mode != ADD)
      memcpy (y, y0, (size_t) m * ldy * sizeof (float));
    if (f32) {
      clip_fma32_pack (transposed ? wt : w, transposed, k, n,
          (float *) aligned);
      memcpy (kept, y, (size_t) m * ldy * sizeof (float));
      clip_fma32_product ((const float *) aligned, k, n, x, ldx, m, b, y,
          ldy, mode == ADD, mode == ACT, act, threads, sc, NULL);
      if (n_sums && clip_strassen_pays (m, k, n)) {
        clip_strassen_make_sums ((const float *) aligned, k, n, sums_at);
        clip_fma32_product ((const float *) aligned, k, n, x, ldx, m, b,
            kept, ldy, mode == ADD, mode == ACT, act, threads, sc, sums_at);
        g_assert_cmpmem (kept, (size_t) m * ldy * sizeof (float), y,
            (size_t) m * ldy * sizeof (float));
      }
    } else {
      clip_bf16fma_pack (transposed ? wt : w, transposed, k, n, aligned);
      clip_bf16fma_product (aligned, k, n, x, m, b, y, mode == ADD,
          mode == ACT, act, threads, sc);
    }
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < n; j++) {
        double sum = mode == NO_BIAS ? 0 : bias[j], mag = fabs (sum);
        for (int i = 0; i < k; i++) {
          float wv = w[(size_t) j * k + i];
          double t = (double) x[r * ldx + i]
              * (f32 ? wv : k_round_bf16 (wv));
          sum += t;
          mag += fabs (t);
        }
        double want = mode == ADD ? y0[r * ldy + j] + sum
            : mode == ACT ? act_ref (sum, act) : sum;
        double err = fabs (y[r * ldy + j] - want) / (mag + 1.0);
        worst = MAX (worst, err);
      }
    }
    if (mode == ADD)                     /* the second pass adds again */
      for (size_t i = 0; i < (size_t) m * ldy; i++)
        y0[i] = y[i];
  }
  g_test_message ("%s, %d x %d x %d, mode %d, act %d, %d threads: worst "
      "error %.3g of the sum of magnitudes", f32 ? "fp32" : "bf16", m, k, n,
      mode, act, threads, worst);
  /* fp32 sums of k products: well within k * 2^-24 of their magnitude */
  g_assert_cmpfloat (worst, <, 1e-5);

  g_free (w);
  g_free (wt);
  g_free (x);
  g_free (bias);
  g_free (y);
  g_free (y0);
  g_free (packed);
  g_free (scratch);
  g_free (sums);
  g_free (kept);
}

static void
products (gboolean f32)
{
  GRand *rand = g_rand_new_with_seed (11);

  if (!clip_bf16fma_supported ()) {
    g_test_skip ("this CPU has no AVX-512F");
    g_rand_free (rand);
    return;
  }
  for (size_t i = 0; i < G_N_ELEMENTS (shapes); i++) {
    for (int threads = 1; threads <= 3; threads++) {
      check (&shapes[i], f32, PLAIN, 0, threads, rand);
      check (&shapes[i], f32, NO_BIAS, 0, threads, rand);
      check (&shapes[i], f32, ADD, 0, threads, rand);
    }
    for (int act = CLIP_ACT_QUICK_GELU; act <= CLIP_ACT_GELU_TANH; act++)
      check (&shapes[i], f32, ACT, (ClipAct) act, 2, rand);
  }
  g_rand_free (rand);
}

static void
test_products (void)
{
  products (FALSE);
}

/* fp32 weights, read as they are, fetched a panel ahead. */
static void
test_products_fp32 (void)
{
  products (TRUE);
}

/* Packing rounds to nearest even, as the rest of the engine does. */
static void
test_rounding (void)
{
  /* 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even is 1 */
  float w[2] = { 1.0f + 1.0f / 256, 1.0f + 3.0f / 256 };
  float x[1] = { 1.0f }, y[2];
  guint32 *packed = g_malloc (clip_bf16fma_size (1, 2) + 64);
  guint32 *aligned = (guint32 *) (((guintptr) packed + 63) & ~(guintptr) 63);
  float *scratch = g_malloc ((clip_bf16fma_scratch (1, 1) + 16)
      * sizeof (float));

  if (!clip_bf16fma_supported ()) {
    g_test_skip ("this CPU has no AVX-512F");
  } else {
    clip_bf16fma_pack (w, FALSE, 1, 2, aligned);
    clip_bf16fma_product (aligned, 1, 2, x, 1, NULL, y, FALSE, FALSE, 0, 1,
        (float *) (((guintptr) scratch + 63) & ~(guintptr) 63));
    g_assert_cmpfloat (y[0], ==, 1.0f);
    g_assert_cmpfloat (y[1], ==, 1.0f + 4.0f / 256);
  }
  g_free (packed);
  g_free (scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bf16fma/products", test_products);
  g_test_add_func ("/bf16fma/rounding", test_rounding);
  g_test_add_func ("/bf16fma/products-fp32", test_products_fp32);
  return g_test_run ();
}
