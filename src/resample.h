/* resample.h: PIL's antialiased bicubic resampling (libImaging/Resample.c,
 * 8 bits per channel), one axis at a time, restricted to a window of output
 * positions so that a crop costs only what it keeps. Internal to the
 * engine. */
#ifndef CLIP_RESAMPLE_H
#define CLIP_RESAMPLE_H

#include <glib.h>
#include <stdint.h>

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

/* Horizontal pass over one row: @src holds interleaved RGB pixels of input
 * columns @src_first onwards, @dst receives taps->n RGB pixels. */
void clip_resample_row_rgb (const ClipTaps *taps, const uint8_t *src,
    int src_first, uint8_t *dst);

/* Vertical pass for window position @index: @rows holds consecutive rows of
 * @row_bytes bytes (input rows @rows_first onwards), @dst one output row;
 * @acc is scratch of @row_bytes ints. */
void clip_resample_column (const ClipTaps *taps, int index,
    const uint8_t *rows, int rows_first, size_t row_bytes, int32_t *acc,
    uint8_t *dst);

#endif
