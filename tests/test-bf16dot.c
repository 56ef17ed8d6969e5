/* test-bf16dot.c: the products of bf16dot.c (bf16 inputs by bf16 weights
 * on AVX512_BF16's dot product, fp32 sums) against the same products
 * computed in double precision here from the bf16 values: sizes that fill
 * no panel or tile exactly, rows past one cache block and tiles of every
 * height, bias or none, added to the output, with each activation, and
 * rounded to bf16 for the next product as the MLP's hidden layer is,
 * rows spaced apart on input and output as that layer's may be, on
 * one thread and on more (three on two cores: threads take one another's
 * panels as they free up, and an item run twice or never would show,
 * when added to the output above all).
 * The towers' golden checks run the kernel only on CPUs that pick it. */
#include "bf16dot.h"

#include "kernels.h"

#include "act-ref.h"

#include <math.h>

typedef struct {
  int m, k, n;
} Shape;

static const Shape shapes[] = {
  { 1, 2, 1 }, { 3, 40, 33 }, { 14, 64, 32 }, { 15, 100, 70 },
  { 29, 76, 130 }, { 50, 768, 96 }, { 113, 256, 65 }, { 130, 48, 40 },
  { 9, 3072, 48 }, { 240, 64, 100 }, { 450, 64, 100 },
};

/* PLAIN: y = x W^T + b; NO_BIAS; ADD: added to y; ACT: activated;
 * ACT16: activated and rounded to bf16; OUT16: rounded to bf16. */
typedef enum { PLAIN, NO_BIAS, ADD, ACT, ACT16, OUT16 } Mode;

static void
check (const Shape *s, Mode mode, ClipAct act, int threads, GRand *rand)
{
  int m = s->m, k = s->k, n = s->n;
  gboolean to16 = mode == ACT16 || mode == OUT16;
  gboolean activate = mode == ACT || mode == ACT16;
  float *w = g_new (float, (size_t) n * k);
  float *wt = g_new (float, (size_t) k * n);
  /* rows spaced apart on two threads, the gaps NaNs: read, they show */
  size_t ldx = threads == 2 ? (size_t) k_spaced_stride (k, sizeof (guint16)) + 6
      : (size_t) k;
  size_t ld16 = (size_t) n + (threads == 2 ? 5 : 0);
  guint16 *x = g_new (guint16, (size_t) m * ldx);
  float *bias = g_new (float, n);
  float *y = g_new (float, (size_t) m * n);
  float *y0 = g_new (float, (size_t) m * n);
  guint16 *y16 = g_new (guint16, (size_t) m * ld16);
  guint16 *packed = g_malloc (clip_bf16dot_size (k, n) + 64);
  guint16 *aligned = (guint16 *) (((guintptr) packed + 63) & ~(guintptr) 63);
  double worst = 0;

  for (size_t i = 0; i < (size_t) n * k; i++)
    w[i] = (float) g_rand_double_range (rand, -1, 1);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < k; i++)
      wt[(size_t) i * n + j] = w[(size_t) j * k + i];
  for (size_t i = 0; i < (size_t) m * ldx; i++)
    x[i] = i % ldx < (size_t) k
        ? k_bf16_bits ((float) g_rand_double_range (rand, -3, 3)) : 0xffff;
  for (int j = 0; j < n; j++)
    bias[j] = (float) g_rand_double_range (rand, -1, 1);
  for (size_t i = 0; i < (size_t) m * n; i++)
    y[i] = y0[i] = (float) g_rand_double_range (rand, -2, 2);

  for (int transposed = 0; transposed < 2; transposed++) {
    const float *b = mode == NO_BIAS ? NULL : bias;
    if (mode != ADD)
      memcpy (y, y0, (size_t) m * n * sizeof (float));
    memset (y16, 0xff, (size_t) m * ld16 * sizeof (guint16));   /* NaNs */
    clip_bf16dot_pack (transposed ? wt : w, transposed, k, n, aligned);
    clip_bf16dot_product (aligned, k, n, x, ldx, m, b, y,
        to16 ? y16 : NULL, ld16, mode == ADD, activate, act, threads);
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < n; j++) {
        double sum = mode == NO_BIAS ? 0 : bias[j], mag = fabs (sum);
        for (int i = 0; i < k; i++) {
          double t = (double) k_bf16_value (x[r * ldx + i])
              * k_round_bf16 (w[(size_t) j * k + i]);
          sum += t;
          mag += fabs (t);
        }
        double want = mode == ADD ? y0[(size_t) r * n + j] + sum
            : activate ? act_ref (sum, act) : sum;
        double got = to16 ? k_bf16_value (y16[r * ld16 + j])
            : y[(size_t) r * n + j];
        /* bf16 keeps 8 significant bits: rounded to nearest, within
         * 2^-8 of the value */
        double err = (fabs (got - want) - (to16 ? fabs (want) / 256 : 0))
            / (mag + 1.0);
        g_assert_false (isnan (got));
        worst = MAX (worst, err);
      }
    }
    if (mode == ADD)                     /* the second pass adds again */
      for (size_t i = 0; i < (size_t) m * n; i++)
        y0[i] = y[i];
  }
  g_test_message ("%d x %d x %d, mode %d, act %d, %d threads: worst error "
      "%.3g of the sum of magnitudes", m, k, n, mode, act, threads, worst);
  /* fp32 sums of k exact products: well within k * 2^-24 of their
   * magnitude */
  g_assert_cmpfloat (worst, <, 1e-5);

  g_free (w);
  g_free (wt);
  g_free (x);
  g_free (bias);
  g_free (y);
  g_free (y0);
  g_free (y16);
  g_free (packed);
}

static void
test_products (void)
{
  GRand *rand = g_rand_new_with_seed (13);

  if (!clip_bf16dot_supported ()) {
    g_test_skip ("this CPU has no AVX512_BF16");
    g_rand_free (rand);
    return;
  }
  for (size_t i = 0; i < G_N_ELEMENTS (shapes); i++) {
    for (int threads = 1; threads <= 3; threads++) {
      check (&shapes[i], PLAIN, 0, threads, rand);
      check (&shapes[i], NO_BIAS, 0, threads, rand);
      check (&shapes[i], ADD, 0, threads, rand);
      check (&shapes[i], OUT16, 0, threads, rand);
    }
    for (int act = CLIP_ACT_QUICK_GELU; act <= CLIP_ACT_GELU_TANH; act++) {
      check (&shapes[i], ACT, (ClipAct) act, 2, rand);
      check (&shapes[i], ACT16, (ClipAct) act, 2, rand);
    }
  }
  g_rand_free (rand);
}

/* Packing rounds to nearest even, as the rest of the engine does, and
 * keeps each pair of inputs apart. */
static void
test_rounding (void)
{
  /* 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even is 1 */
  float w[4] = { 1.0f + 1.0f / 256, 0.0f, 1.0f + 3.0f / 256, 2.0f };
  guint16 x[2] = { k_bf16_bits (1.0f), k_bf16_bits (0.5f) };
  float y[2];
  guint16 *packed = g_malloc (clip_bf16dot_size (2, 2) + 64);
  guint16 *aligned = (guint16 *) (((guintptr) packed + 63) & ~(guintptr) 63);

  if (!clip_bf16dot_supported ()) {
    g_test_skip ("this CPU has no AVX512_BF16");
  } else {
    clip_bf16dot_pack (w, FALSE, 2, 2, aligned);
    clip_bf16dot_product (aligned, 2, 2, x, 2, 1, NULL, y, NULL, 0, FALSE,
        FALSE, 0, 1);
    g_assert_cmpfloat (y[0], ==, 1.0f);
    g_assert_cmpfloat (y[1], ==, 1.0f + 4.0f / 256 + 1.0f);
  }
  g_free (packed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bf16dot/products", test_products);
  g_test_add_func ("/bf16dot/rounding", test_rounding);
  return g_test_run ();
}
