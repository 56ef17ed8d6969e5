/* image-file.h: decoding image files (PNG, JPEG, anything GdkPixbuf reads)
 * into a model's preprocessed input, for the command-line tools. */
#ifndef CLIP_TOOLS_IMAGE_FILE_H
#define CLIP_TOOLS_IMAGE_FILE_H

#include "clip.h"

/* Decodes @path (alpha ignored; grayscale and palette images arrive as
 * RGB) and preprocesses it into @out ([3, R, R]). With @upright, an
 * orientation tag (EXIF in JPEG, TIFF's own) is applied first, so the
 * picture is the one a viewer shows; without it the pixels are taken as
 * stored, as PIL's Image.open reads them. Errors name the file:
 * CLIP_ERROR_IO when it cannot be read, CLIP_ERROR_FORMAT when it is not a
 * decodable 8-bit image. */
gboolean image_file_preprocess (const ClipModel *model, const char *path,
    gboolean upright, float *out, GError **error);

#endif
