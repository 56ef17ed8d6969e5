/* test-vnni.c: the int8 products of vnni.c (u8 levels by int8 weights on
 * AVX512_VNNI, scaled back in the same pass) against the same products
 * computed here: the integer sums exactly, in 64 bits, then scaled back
 * by int8.c's epilogue, which the other int8 path (oneDNN's sums) ends in;
 * the two must give the same numbers. Also against double precision from
 * the levels' values. Sizes that fill no panel or tile exactly, rows past
 * one cache block, the largest levels and weights (no saturation), added
 * to the output or with each activation, on one thread and on more (three
 * on two cores: threads take one another's panels as they free up).
 * The towers' golden checks run the kernel only on CPUs that pick it. */
#include "vnni.h"

#include <math.h>

typedef struct {
  int m, k, n;
} Shape;

static const Shape shapes[] = {
  { 1, 4, 1 }, { 3, 40, 33 }, { 14, 64, 32 }, { 15, 100, 70 },
  { 29, 76, 130 }, { 50, 768, 96 }, { 113, 256, 65 }, { 130, 48, 40 },
  { 9, 3072, 48 }, { 240, 64, 100 }, { 450, 64, 100 },
};

typedef enum { PLAIN, ADD, ACT, EXTREMES } Mode;

static void
check (const Shape *s, Mode mode, ClipAct act, int threads, GRand *rand)
{
  int m = s->m, k = s->k, n = s->n;
  gint8 *q = g_new (gint8, (size_t) n * k);      /* [n, k] */
  gint8 *qt = g_new (gint8, (size_t) k * n);     /* [k, n] */
  guint8 *x = g_new (guint8, (size_t) m * k);
  float *scale = g_new (float, m), *zero = g_new (float, m);
  float *sw = g_new (float, n), *colsum = g_new (float, n);
  float *bias = g_new (float, n);
  float *acc = g_new (float, (size_t) m * n);
  float *y = g_new (float, (size_t) m * n);
  float *want = g_new (float, (size_t) m * n);
  float *y0 = g_new (float, (size_t) m * n);
  gint8 *packed = g_malloc (clip_vnni_size (k, n) + 64);
  gint8 *aligned = (gint8 *) (((guintptr) packed + 63) & ~(guintptr) 63);
  double worst = 0;

  for (size_t i = 0; i < (size_t) n * k; i++)
    q[i] = mode == EXTREMES ? -127 : (gint8) g_rand_int_range (rand, -127,
        128);
  for (int j = 0; j < n; j++) {
    gint64 sum = 0;
    for (int i = 0; i < k; i++) {
      qt[(size_t) i * n + j] = q[(size_t) j * k + i];
      sum += q[(size_t) j * k + i];
    }
    colsum[j] = (float) sum;
    sw[j] = (float) g_rand_double_range (rand, 1e-3, 2e-2);
    bias[j] = (float) g_rand_double_range (rand, -1, 1);
  }
  for (size_t i = 0; i < (size_t) m * k; i++)
    x[i] = mode == EXTREMES ? 255 : (guint8) g_rand_int_range (rand, 0, 256);
  for (int r = 0; r < m; r++) {
    scale[r] = (float) g_rand_double_range (rand, 1e-3, 5e-2);
    /* the largest sums: every level 255 above a zero point of 0 */
    zero[r] = mode == EXTREMES ? 0 : (float) g_rand_int_range (rand, 0, 256);
  }
  for (size_t i = 0; i < (size_t) m * n; i++)
    y0[i] = (float) g_rand_double_range (rand, -2, 2);
  /* the exact integer sums, as oneDNN returns them (as floats) */
  for (int r = 0; r < m; r++) {
    for (int j = 0; j < n; j++) {
      gint64 sum = 0;
      for (int i = 0; i < k; i++)
        sum += (gint64) x[(size_t) r * k + i] * q[(size_t) j * k + i];
      acc[(size_t) r * n + j] = (float) sum;
    }
  }
  ClipInt8Scales sc = { { scale, zero }, sw, colsum, bias };
  ClipEpilogue epi = mode == ADD ? CLIP_EPI_RESIDUAL : mode == ACT
      ? CLIP_EPI_ACT : CLIP_EPI_NONE;
  memcpy (want, y0, (size_t) m * n * sizeof (float));
  clip_int8_epilogue (acc, m, n, &sc, want, epi, act, NULL, 1);

  for (int transposed = 0; transposed < 2; transposed++) {
    memcpy (y, y0, (size_t) m * n * sizeof (float));
    clip_vnni_pack (transposed ? qt : q, transposed, k, n, aligned);
    clip_vnni_product (aligned, k, n, x, m, &sc, y, mode == ADD,
        mode == ACT, act, threads);
    for (size_t i = 0; i < (size_t) m * n; i++) {
      /* the same operations in the same order: the same numbers (the
       * activation's vector expf aside) */
      if (mode == ACT)
        g_assert_cmpfloat_with_epsilon (y[i], want[i],
            1e-6 * (1 + fabsf (want[i])));
      else
        g_assert_cmpfloat (y[i], ==, want[i]);
    }
    /* and what the levels stand for, in double precision */
    for (int r = 0; r < m && mode != ACT; r++) {
      for (int j = 0; j < n; j++) {
        double sum = bias[j], mag = fabs (sum);
        for (int i = 0; i < k; i++) {
          double t = scale[r] * ((double) x[(size_t) r * k + i] - zero[r])
              * sw[j] * q[(size_t) j * k + i];
          sum += t;
          mag += fabs (t);
        }
        if (mode == ADD)
          sum += y0[(size_t) r * n + j];
        worst = MAX (worst, fabs (y[(size_t) r * n + j] - sum) / (mag + 1));
      }
    }
  }
  g_test_message ("%d x %d x %d, mode %d, act %d, %d threads: worst error "
      "%.3g of the sum of magnitudes", m, k, n, mode, act, threads, worst);
  /* fp32 rounding of sums of up to 2^31 and of the scales: far below */
  g_assert_cmpfloat (worst, <, 1e-5);

  g_free (q);
  g_free (qt);
  g_free (x);
  g_free (scale);
  g_free (zero);
  g_free (sw);
  g_free (colsum);
  g_free (bias);
  g_free (acc);
  g_free (y);
  g_free (want);
  g_free (y0);
  g_free (packed);
}

static void
test_products (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  if (!clip_vnni_supported ()) {
    g_test_skip ("this CPU has no AVX512_VNNI");
    g_rand_free (rand);
    return;
  }
  for (size_t i = 0; i < G_N_ELEMENTS (shapes); i++) {
    for (int threads = 1; threads <= 3; threads++) {
      check (&shapes[i], PLAIN, 0, threads, rand);
      check (&shapes[i], ADD, 0, threads, rand);
    }
    check (&shapes[i], EXTREMES, 0, 2, rand);
    for (int act = CLIP_ACT_QUICK_GELU; act <= CLIP_ACT_GELU_TANH; act++)
      check (&shapes[i], ACT, (ClipAct) act, 2, rand);
  }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vnni/products", test_products);
  return g_test_run ();
}
