/* image-file.c: image files into model input via GdkPixbuf. */
#include "image-file.h"
#include "fileio.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* GdkPixbuf's messages begin "Failed to load image “path”: ..."; the path
 * is already in ours, so keep only what follows. */
static const char *
pixbuf_reason (const GError *err)
{
  const char *tail = strstr (err->message, "\xe2\x80\x9d: ");  /* ”: */

  return tail ? tail + strlen ("\xe2\x80\x9d: ") : err->message;
}

static void
set_decode_error (const char *path, const GError *err, GError **error)
{
  if (err->domain == G_FILE_ERROR && err->code == G_FILE_ERROR_NOENT)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: no such file", path);
  else if (err->domain == G_FILE_ERROR && err->code == G_FILE_ERROR_ACCES)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: permission denied",
        path);
  else if (err->domain == G_FILE_ERROR)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: cannot read (%s)",
        path, pixbuf_reason (err));
  else if (err->domain == GDK_PIXBUF_ERROR
      && err->code == GDK_PIXBUF_ERROR_UNKNOWN_TYPE)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: not an image in a format that can be decoded (PNG, JPEG, ...)",
        path);
  else
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: not a readable image (%s)", path, pixbuf_reason (err));
}

gboolean
image_file_preprocess (const ClipModel *model, const char *path,
    gboolean upright, float *out, GError **error)
{
  GError *err = NULL;
  GStatBuf st;
  GdkPixbuf *pixbuf;
  ClipImage image;
  int n_channels;
  gboolean ok;

  /* GdkPixbuf reports a directory or an empty file as an image without
   * data; say what they are. */
  int fd;

  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "%s: is a directory, not an image file", path);
    return FALSE;
  }
  /* A FIFO or a device would block or never end in the decoder. */
  fd = clip_open_regular (path, &err);
  if (fd < 0) {
    g_set_error_literal (error, CLIP_ERROR, CLIP_ERROR_IO, err->message);
    g_error_free (err);
    return FALSE;
  }
  close (fd);

  if (g_stat (path, &st) == 0 && st.st_size == 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: empty file, not an image", path);
    return FALSE;
  }

  pixbuf = gdk_pixbuf_new_from_file (path, &err);
  if (!pixbuf) {
    set_decode_error (path, err, error);
    g_error_free (err);
    return FALSE;
  }
  if (upright) {
    /* A new pixbuf turned or mirrored as the tag says (rows and columns
     * moved, no pixel changed), or the same one with a reference more. */
    GdkPixbuf *turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);

    g_object_unref (pixbuf);
    if (!turned) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: out of memory turning the image upright", path);
      return FALSE;
    }
    pixbuf = turned;
  }

  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  if (gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || (n_channels != 3 && n_channels != 4)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: decoded to an unsupported pixel layout (%d channels of %d bits)",
        path, n_channels, gdk_pixbuf_get_bits_per_sample (pixbuf));
    g_object_unref (pixbuf);
    return FALSE;
  }

  /* The last row of a pixbuf may be shorter than the rowstride; the
   * engine reads only width pixels per row, so that is safe. */
  image = clip_image_rgb (gdk_pixbuf_read_pixels (pixbuf),
      gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
      gdk_pixbuf_get_rowstride (pixbuf));
  /* As PIL's convert ("RGB"): alpha is dropped, not composited. */
  if (n_channels == 4)
    image.format = CLIP_PIXEL_RGBX;

  ok = clip_preprocess (model, &image, out, &err);
  if (!ok) {
    g_set_error (error, err->domain, err->code, "%s: %s", path, err->message);
    g_error_free (err);
  }
  g_object_unref (pixbuf);
  return ok;
}
