/* resample.h: PIL's antialiased bicubic resampling (libImaging/Resample.c,
 * 8 bits per channel), one axis at a time, restricted to a window of output
 * positions so that a crop costs only what it keeps. Internal to the
 * engine. */
#ifndef CLIP_RESAMPLE_H
#define CLIP_RESAMPLE_H

#include <glib.h>
#include <stdint.h>

/* Fixed-point weights are scaled by 2^22, as in PIL's 8-bit resampler. */
#define CLIP_RESAMPLE_PRECISION_BITS 22

/* Fixed-point filter taps for @n consecutive output positions of one axis. */
typedef struct {
  int n;                      /* output positions in the window */
  int ksize;                  /* stride between the weight rows */
  int *first;                 /* [n] first input index read */
  int *count;                 /* [n] number of input indices read */
  int32_t *weights;           /* [n, ksize] weights scaled by 2^22 */
} ClipTaps;

/* Computes the taps of output positions @out_first .. @out_first + @n - 1
 * of a resize of an axis from @in_size to @out_size, bit for bit as PIL's
 * precompute_coeffs + normalize_coeffs_8bpc (bicubic, a = -0.5); an axis
 * that keeps its size gets identity taps, as PIL then skips the pass. */
void clip_taps_init (ClipTaps *taps, int in_size, int out_size,
    int out_first, int n);
/* Frees the arrays of @taps. */
void clip_taps_clear (ClipTaps *taps);
/* First input index any position of the window reads. */
int clip_taps_begin (const ClipTaps *taps);
/* One past the last input index any position of the window reads. */
int clip_taps_end (const ClipTaps *taps);

/* How a kernel set wants the horizontal taps laid out. */
typedef enum {
  /* Steps of 4 pixels of @bpp bytes, loaded into 4 lanes each (one per
   * channel, see ClipPrepKernels.hpass); all 4 lanes of a pixel get the
   * weight of its tap as an int32, so one multiply-add serves every
   * channel. */
  CLIP_HTABLE_LANES,
  /* Steps of 16 pixels for byte dot products (VNNI): each weight as three
   * signed bytes d0 + 2^8 d1 + 2^16 d2, one 64-byte row per byte, whose
   * 16-byte block q holds, for each of the 4 channels in turn, the bytes
   * of taps 4q .. 4q + 3 of the step. */
  CLIP_HTABLE_DIGITS,
} ClipHTableLayout;

/* The horizontal taps laid out for a kernel set. Windows of @steps steps
 * start at @start[i]; where a window would run past the end of the row it
 * starts earlier, its weights shifted by as many pixels, so that its reads
 * stay inside the row whenever the row is long enough (@direct_ok). */
typedef struct {
  ClipHTableLayout layout;
  int n;                      /* output positions */
  int bpp;                    /* bytes per source pixel: 1, 3 or 4 */
  int step_px;                /* pixels per step: 4 or 16 */
  int steps;                  /* steps per window */
  int read_px;                /* pixels a window's loads touch */
  int *start;                 /* [n] first pixel of each window */
  int32_t *weights;           /* LANES: [n, steps * 16] weight of each lane */
  int8_t *digits;             /* DIGITS: [n, steps, 3, 64] */
  int first_px, end_px;       /* pixels read by all windows together */
  gboolean direct_ok;         /* all windows read only inside the row */
} ClipHTable;

/* Lays out @taps (of an axis @in_size pixels long) for @bpp-byte pixels. */
void clip_htable_init (ClipHTable *table, const ClipTaps *taps, int in_size,
    int bpp, ClipHTableLayout layout);
/* Frees the arrays of @table. */
void clip_htable_clear (ClipHTable *table);

#endif
