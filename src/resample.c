/* resample.c: the arithmetic of PIL's ImagingResample for 8-bit images with
 * the BICUBIC filter, reproduced operation for operation (same double
 * expressions, same rounding to 22-bit fixed point, same integer sums) so
 * that results match Pillow byte for byte. */
#include "resample.h"

#include <math.h>
#include <string.h>

/* 32 bits minus 8 for the value and 2 for the overshoot of negative lobes. */
#define PRECISION_BITS CLIP_RESAMPLE_PRECISION_BITS
G_STATIC_ASSERT (PRECISION_BITS == 32 - 8 - 2);
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

/* The three signed bytes of @k (|k| < 2^23): k = d0 + 2^8 d1 + 2^16 d2. */
static void
to_digits (int32_t k, int8_t d[3])
{
  for (int i = 0; i < 3; i++) {
    int32_t low = (int32_t) (uint8_t) (k & 0xff);
    d[i] = (int8_t) (low >= 128 ? low - 256 : low);
    k = (k - d[i]) / 256;
  }
  g_assert (k == 0);
}

/* Weight @k of tap @t (from the window's start) of window @i. */
static void
htable_set (ClipHTable *table, int i, int t, int32_t k)
{
  if (table->layout == CLIP_HTABLE_LANES) {
    int32_t *w = table->weights + (size_t) i * table->steps * 16;
    for (int c = 0; c < 4; c++)
      w[t * 4 + c] = k;
    return;
  }
  int8_t d[3];
  int8_t *w = table->digits
      + ((size_t) i * table->steps + (size_t) (t / 16)) * 3 * 64;
  int q = (t % 16) / 4, j = t % 4;
  to_digits (k, d);
  for (int b = 0; b < 3; b++)
    for (int c = 0; c < 4; c++)
      w[b * 64 + q * 16 + c * 4 + j] = d[b];
}

void
clip_htable_init (ClipHTable *table, const ClipTaps *taps, int in_size,
    int bpp, ClipHTableLayout layout)
{
  g_return_if_fail (bpp == 1 || bpp == 3 || bpp == 4);

  /* Sized for the longest window, which is often shorter than ksize. */
  int longest = 1;
  for (int i = 0; i < taps->n; i++)
    longest = MAX (longest, taps->count[i]);
  int step_px = layout == CLIP_HTABLE_LANES ? 4 : 16;
  int steps = (longest + step_px - 1) / step_px;
  int slots = steps * step_px;
  /* The last step loads 16 bytes however many it uses (LANES), or 64
   * (DIGITS, but for grey pixels: 16). */
  int read_bytes = layout == CLIP_HTABLE_LANES
      ? (steps - 1) * 4 * bpp + 16
      : (steps - 1) * 16 * bpp + (bpp == 1 ? 16 : 64);

  memset (table, 0, sizeof *table);
  table->layout = layout;
  table->n = taps->n;
  table->bpp = bpp;
  table->step_px = step_px;
  table->steps = steps;
  table->read_px = (read_bytes + bpp - 1) / bpp;
  table->start = g_new (int, taps->n);
  if (layout == CLIP_HTABLE_LANES)
    table->weights = g_new0 (int32_t, (size_t) taps->n * steps * 16);
  else
    table->digits = g_new0 (int8_t, (size_t) taps->n * steps * 3 * 64);
  table->direct_ok = TRUE;
  for (int i = 0; i < taps->n; i++) {
    int first = taps->first[i];
    int start = first;
    const int32_t *k = taps->weights + (size_t) i * taps->ksize;

    /* Start earlier where the window's reads would pass the row's end. */
    if ((gint64) start * bpp + read_bytes > (gint64) in_size * bpp)
      start = MAX (in_size - (read_bytes + bpp - 1) / bpp, 0);
    start = MAX (start, first + taps->count[i] - slots);
    table->start[i] = start;
    for (int t = 0; t < taps->count[i]; t++)
      htable_set (table, i, first - start + t, k[t]);
    if ((gint64) start * bpp + read_bytes > (gint64) in_size * bpp)
      table->direct_ok = FALSE;
  }
  /* Both bounds only grow with the output position. */
  table->first_px = table->start[0];
  table->end_px = table->start[taps->n - 1] + table->read_px;
}

void
clip_htable_clear (ClipHTable *table)
{
  g_clear_pointer (&table->start, g_free);
  g_clear_pointer (&table->weights, g_free);
  g_clear_pointer (&table->digits, g_free);
  table->n = 0;
}
