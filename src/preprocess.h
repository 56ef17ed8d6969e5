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

#endif
