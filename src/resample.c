/* resample.c: the arithmetic of PIL's ImagingResample for 8-bit images with
 * the BICUBIC filter, reproduced operation for operation (same double
 * expressions, same rounding to 22-bit fixed point, same integer sums) so
 * that results match Pillow byte for byte. */
#include "resample.h"

#include <math.h>
#include <string.h>

/* 32 bits minus 8 for the value and 2 for the overshoot of negative lobes. */
#define PRECISION_BITS (32 - 8 - 2)
#define BICUBIC_SUPPORT 2.0

static double
bicubic_filter (double x)
{
  const double a = -0.5;

  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/* Rounds half away from zero, as normalize_coeffs_8bpc. */
static int32_t
to_fixed (double w)
{
  if (w < 0)
    return (int32_t) (-0.5 + w * (1 << PRECISION_BITS));
  return (int32_t) (0.5 + w * (1 << PRECISION_BITS));
}

static inline uint8_t
clip8 (int32_t ss)
{
  if (ss < 0)
    return 0;
  ss >>= PRECISION_BITS;
  return ss > 255 ? 255 : (uint8_t) ss;
}

void
clip_taps_init (ClipTaps *taps, int in_size, int out_size, int out_first,
    int n)
{
  g_return_if_fail (in_size >= 1 && out_size >= 1 && n >= 1);
  g_return_if_fail (out_first >= 0 && out_first <= out_size - n);

  taps->n = n;
  taps->first = g_new (int, n);
  taps->count = g_new (int, n);

  if (in_size == out_size) {
    taps->ksize = 1;
    taps->weights = g_new (int32_t, n);
    for (int i = 0; i < n; i++) {
      taps->first[i] = out_first + i;
      taps->count[i] = 1;
      taps->weights[i] = 1 << PRECISION_BITS;
    }
    return;
  }

  /* PIL's box is (0, in_size) in float; in1 - in0 is exact. */
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = BICUBIC_SUPPORT * filterscale;
  int ksize = (int) ceil (support) * 2 + 1;
  double *k = g_new (double, ksize);

  taps->ksize = ksize;
  taps->weights = g_new0 (int32_t, (size_t) n * ksize);
  for (int i = 0; i < n; i++) {
    int xx = out_first + i;
    double center = (xx + 0.5) * scale;
    double ww = 0.0;
    double ss = 1.0 / filterscale;
    /* (int) truncates toward zero as in PIL; negatives are clamped anyway. */
    int xmin = (int) (center - support + 0.5);
    if (xmin < 0)
      xmin = 0;
    int xmax = (int) (center + support + 0.5);
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; x++) {
      double w = bicubic_filter ((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    int32_t *kw = taps->weights + (size_t) i * ksize;
    for (int x = 0; x < xmax; x++)
      kw[x] = to_fixed (ww != 0.0 ? k[x] / ww : k[x]);
    taps->first[i] = xmin;
    taps->count[i] = xmax;
  }
  g_free (k);
}

void
clip_taps_clear (ClipTaps *taps)
{
  g_clear_pointer (&taps->first, g_free);
  g_clear_pointer (&taps->count, g_free);
  g_clear_pointer (&taps->weights, g_free);
  taps->n = 0;
}

/* Both bounds of the support only grow with the output position. */
int
clip_taps_begin (const ClipTaps *taps)
{
  return taps->first[0];
}

int
clip_taps_end (const ClipTaps *taps)
{
  return taps->first[taps->n - 1] + taps->count[taps->n - 1];
}

void
clip_resample_row_rgb (const ClipTaps *taps, const uint8_t *src,
    int src_first, uint8_t *dst)
{
  for (int i = 0; i < taps->n; i++) {
    const int32_t *k = taps->weights + (size_t) i * taps->ksize;
    const uint8_t *p = src + (size_t) (taps->first[i] - src_first) * 3;
    int count = taps->count[i];
    int32_t ss0 = 1 << (PRECISION_BITS - 1);
    int32_t ss1 = ss0, ss2 = ss0;
    for (int x = 0; x < count; x++, p += 3) {
      ss0 += p[0] * k[x];
      ss1 += p[1] * k[x];
      ss2 += p[2] * k[x];
    }
    dst[3 * i + 0] = clip8 (ss0);
    dst[3 * i + 1] = clip8 (ss1);
    dst[3 * i + 2] = clip8 (ss2);
  }
}

void
clip_resample_column (const ClipTaps *taps, int index, const uint8_t *rows,
    int rows_first, size_t row_bytes, int32_t *acc, uint8_t *dst)
{
  const int32_t *k = taps->weights + (size_t) index * taps->ksize;
  const uint8_t *row = rows + (size_t) (taps->first[index] - rows_first)
      * row_bytes;
  int count = taps->count[index];

  /* Row-wise accumulation adds the same terms in the same order as PIL's
   * per-pixel loop, so the integer sums are identical. */
  for (size_t j = 0; j < row_bytes; j++)
    acc[j] = 1 << (PRECISION_BITS - 1);
  for (int y = 0; y < count; y++, row += row_bytes) {
    int32_t w = k[y];
    for (size_t j = 0; j < row_bytes; j++)
      acc[j] += row[j] * w;
  }
  for (size_t j = 0; j < row_bytes; j++)
    dst[j] = clip8 (acc[j]);
}
