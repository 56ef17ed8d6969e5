/* preprocess.h: frame -> normalised CLIP input, with a resampler that
 * matches PIL's antialiased bicubic. Internal to the engine. */
#ifndef CLIP_PREPROCESS_H
#define CLIP_PREPROCESS_H

#include "clip.h"

/* Shortest side of @image resized to @size (long side: floor(size * long /
 * short), as torchvision's Resize), PIL-exact bicubic (two passes,
 * horizontal then vertical, 8-bit rounding between them; a pass is skipped
 * where that axis keeps its size), centre crop @size x @size (offsets
 * round-half-even((dim - size) / 2) as torchvision's CenterCrop), x/255,
 * (x - mean[c]) / std[c], planar [3, size, size] into @out. Colour
 * conversion to RGB happens while reading source rows: no full-frame copy.
 * Fails (CLIP_ERROR_INPUT) on a width or height < 1 or a NULL plane. */
gboolean clip_preprocess_image (const ClipImage *image, int size,
    const float mean[3], const float std[3], float *out, GError **error);

/* The same up to the crop, leaving 8-bit RGB (interleaved, [size, size, 3])
 * in @out: for tests and tools. */
gboolean clip_resize_crop_rgb8 (const ClipImage *image, int size,
    uint8_t *out, GError **error);

/* A reusable preprocessing plan for one output size and normalisation: it
 * keeps the filter tables of the last frame size it saw and its scratch
 * rows, and may split large frames over threads of its own. Use from one
 * thread at a time. */
typedef struct _ClipPrep ClipPrep;

/* @n_threads >= 1 (1: only the calling thread). With @portable, uses the
 * kernels built for the baseline instruction set even where faster ones
 * run (tests compare the two). @size must be >= 1. */
ClipPrep *clip_prep_new (int size, const float mean[3], const float std[3],
    int n_threads, gboolean portable);
void clip_prep_free (ClipPrep *prep);
/* clip_preprocess_image() with @prep's size and normalisation. */
gboolean clip_prep_run (ClipPrep *prep, const ClipImage *image, float *out,
    GError **error);
/* clip_resize_crop_rgb8() with @prep's size. */
gboolean clip_prep_run_rgb8 (ClipPrep *prep, const ClipImage *image,
    uint8_t *out, GError **error);
/* Name of the kernels @prep runs ("avx512-vnni", "avx512", "avx2-vnni",
 * "avx2", "portable"). */
const char *clip_prep_kernels_name (const ClipPrep *prep);
/* Makes @prep run the kernels called @name (for tests and benchmarks that
 * compare them); FALSE, and nothing changed, when none is built under that
 * name or this CPU cannot run them. */
gboolean clip_prep_use_kernels (ClipPrep *prep, const char *name);

#endif
