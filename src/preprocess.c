/* preprocess.c: a video frame to CLIP's input tensor, as OpenAI's
 * torchvision pipeline does it (Resize(R, BICUBIC) on a PIL image,
 * CenterCrop(R), ToTensor, Normalize), without materialising the resized
 * frame: only the output rows and columns inside the crop are computed, and
 * source rows are converted to RGB one at a time as the resampler needs
 * them. */
#include "preprocess.h"
#include "resample.h"

#include <string.h>

/* ---------------------------------------------------------- row fetching */

/* Writes input columns @x0 .. @x1 - 1 of row @y of @image as RGB to @rgb. */
typedef void (*RowFetch) (const ClipImage *image, int y, int x0, int x1,
    uint8_t *rgb);

typedef struct {
  int bpp;                    /* bytes per pixel */
  int r, g, b;                /* byte offsets in a pixel */
} PackedLayout;

/* Indexed by ClipPixelFormat up to GRAY8; alpha and padding are ignored. */
static const PackedLayout packed_layouts[] = {
  [CLIP_PIXEL_RGB] = { 3, 0, 1, 2 },
  [CLIP_PIXEL_BGR] = { 3, 2, 1, 0 },
  [CLIP_PIXEL_RGBX] = { 4, 0, 1, 2 },
  [CLIP_PIXEL_BGRX] = { 4, 2, 1, 0 },
  [CLIP_PIXEL_XRGB] = { 4, 1, 2, 3 },
  [CLIP_PIXEL_XBGR] = { 4, 3, 2, 1 },
  [CLIP_PIXEL_RGBA] = { 4, 0, 1, 2 },
  [CLIP_PIXEL_BGRA] = { 4, 2, 1, 0 },
  [CLIP_PIXEL_ARGB] = { 4, 1, 2, 3 },
  [CLIP_PIXEL_ABGR] = { 4, 3, 2, 1 },
  [CLIP_PIXEL_GRAY8] = { 1, 0, 0, 0 },
};

static void
fetch_rgb (const ClipImage *image, int y, int x0, int x1, uint8_t *rgb)
{
  memcpy (rgb, image->planes[0] + (size_t) y * image->strides[0] + 3 * x0,
      (size_t) (x1 - x0) * 3);
}

static void
fetch_packed (const ClipImage *image, int y, int x0, int x1, uint8_t *rgb)
{
  const PackedLayout *l = &packed_layouts[image->format];
  const uint8_t *p = image->planes[0] + (size_t) y * image->strides[0]
      + (size_t) x0 * l->bpp;

  for (int x = x0; x < x1; x++, p += l->bpp, rgb += 3) {
    rgb[0] = p[l->r];
    rgb[1] = p[l->g];
    rgb[2] = p[l->b];
  }
}

/* YUV -> RGB in 16.16 fixed point, from the matrix's Kr/Kb and range. */
typedef struct {
  int y_offset;
  int32_t cy, crv, cgu, cgv, cbu;
} YuvCoeffs;

static YuvCoeffs
yuv_coeffs (ClipYuvMatrix matrix)
{
  double kr = matrix == CLIP_YUV_BT709 ? 0.2126 : 0.299;
  double kb = matrix == CLIP_YUV_BT709 ? 0.0722 : 0.114;
  double kg = 1.0 - kr - kb;
  gboolean full = matrix == CLIP_YUV_BT601_FULL;
  double ys = full ? 1.0 : 255.0 / 219.0;
  double cs = full ? 1.0 : 255.0 / 224.0;
  const double one = 65536.0;
  YuvCoeffs c = {
    .y_offset = full ? 0 : 16,
    .cy = (int32_t) (ys * one + 0.5),
    .crv = (int32_t) (2.0 * (1.0 - kr) * cs * one + 0.5),
    .cgu = (int32_t) (2.0 * kb * (1.0 - kb) / kg * cs * one + 0.5),
    .cgv = (int32_t) (2.0 * kr * (1.0 - kr) / kg * cs * one + 0.5),
    .cbu = (int32_t) (2.0 * (1.0 - kb) * cs * one + 0.5),
  };
  return c;
}

static inline uint8_t
clamp_fixed (int32_t v)
{
  v += 1 << 15;
  if (v < 0)
    return 0;
  v >>= 16;
  return v > 255 ? 255 : (uint8_t) v;
}

static inline void
yuv_to_rgb (const YuvCoeffs *c, int y, int u, int v, uint8_t *rgb)
{
  int32_t yy = (y - c->y_offset) * c->cy;
  u -= 128;
  v -= 128;
  rgb[0] = clamp_fixed (yy + c->crv * v);
  rgb[1] = clamp_fixed (yy - c->cgu * u - c->cgv * v);
  rgb[2] = clamp_fixed (yy + c->cbu * u);
}

/* Chroma is sampled at (x / 2, y / 2): the nearest site for the usual
 * MPEG-2 siting, and never outside a (w + 1) / 2 wide plane. */
static void
fetch_i420 (const ClipImage *image, int y, int x0, int x1, uint8_t *rgb)
{
  YuvCoeffs c = yuv_coeffs (image->matrix);
  const uint8_t *py = image->planes[0] + (size_t) y * image->strides[0];
  const uint8_t *pu = image->planes[1] + (size_t) (y / 2) * image->strides[1];
  const uint8_t *pv = image->planes[2] + (size_t) (y / 2) * image->strides[2];

  for (int x = x0; x < x1; x++, rgb += 3)
    yuv_to_rgb (&c, py[x], pu[x / 2], pv[x / 2], rgb);
}

static void
fetch_nv12 (const ClipImage *image, int y, int x0, int x1, uint8_t *rgb)
{
  YuvCoeffs c = yuv_coeffs (image->matrix);
  const uint8_t *py = image->planes[0] + (size_t) y * image->strides[0];
  const uint8_t *puv = image->planes[1]
      + (size_t) (y / 2) * image->strides[1];

  for (int x = x0; x < x1; x++, rgb += 3)
    yuv_to_rgb (&c, py[x], puv[x / 2 * 2], puv[x / 2 * 2 + 1], rgb);
}

/* Checks planes and strides; returns the fetcher for the format. */
static RowFetch
image_fetcher (const ClipImage *image, GError **error)
{
  int w = image->width;
  int n_planes = 1;
  gint64 min_stride[3] = { 0, 0, 0 };
  RowFetch fetch;

  if (image->width < 1 || image->height < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "image size %dx%d: width and height must be at least 1",
        image->width, image->height);
    return NULL;
  }
  switch (image->format) {
    case CLIP_PIXEL_I420:
      n_planes = 3;
      min_stride[0] = w;
      min_stride[1] = min_stride[2] = (w + 1) / 2;
      fetch = fetch_i420;
      break;
    case CLIP_PIXEL_NV12:
      n_planes = 2;
      min_stride[0] = w;
      min_stride[1] = (gint64) (w + 1) / 2 * 2;
      fetch = fetch_nv12;
      break;
    default:
      if ((unsigned) image->format >= G_N_ELEMENTS (packed_layouts)) {
        g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
            "unknown pixel format %d", (int) image->format);
        return NULL;
      }
      min_stride[0] = (gint64) w * packed_layouts[image->format].bpp;
      fetch = image->format == CLIP_PIXEL_RGB ? fetch_rgb : fetch_packed;
      break;
  }
  if ((image->format == CLIP_PIXEL_I420 || image->format == CLIP_PIXEL_NV12)
      && (unsigned) image->matrix > CLIP_YUV_BT601_FULL) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "unknown YUV matrix %d", (int) image->matrix);
    return NULL;
  }
  for (int i = 0; i < n_planes; i++) {
    if (!image->planes[i]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image plane %d is NULL", i);
      return NULL;
    }
    if (image->strides[i] < min_stride[i]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image plane %d: stride %d is smaller than a row of a %d pixel "
          "wide image (%" G_GINT64_FORMAT " bytes)", i, image->strides[i], w,
          min_stride[i]);
      return NULL;
    }
  }
  return fetch;
}

/* --------------------------------------------------------- geometry */

/* Python's round() of @twice_offset / 2: halves go to the even neighbour. */
static int
round_half_even_half (int twice_offset)
{
  int k = twice_offset / 2;
  if (twice_offset % 2 == 0)
    return k;
  return k % 2 == 0 ? k : k + 1;
}

/* torchvision's Resize(size) output for an int size: the short side becomes
 * @size, the long one int(size * long / short), truncated. */
static gboolean
resized_dims (int width, int height, int size, int *out_w, int *out_h,
    GError **error)
{
  gboolean width_short = width <= height;
  int s = width_short ? width : height;
  int l = width_short ? height : width;
  double scaled = (double) ((gint64) size * l) / s;

  /* Keep every index and PIL-style int computation far from overflow. */
  if (scaled > G_MAXINT / 4) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "image size %dx%d: aspect ratio too extreme to resize to %d",
        width, height, size);
    return FALSE;
  }
  *out_w = width_short ? size : (int) scaled;
  *out_h = width_short ? (int) scaled : size;
  return TRUE;
}

/* --------------------------------------------------------- the pipeline */

ClipImage
clip_image_rgb (const uint8_t *pixels, int width, int height, int stride)
{
  ClipImage image = {
    .format = CLIP_PIXEL_RGB,
    .width = width,
    .height = height,
    .planes = { pixels, NULL, NULL },
    .strides = { stride, 0, 0 },
    .matrix = CLIP_YUV_BT601,
  };
  return image;
}

gboolean
clip_resize_crop_rgb8 (const ClipImage *image, int size, uint8_t *out,
    GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (size < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "output size %d must be at least 1", size);
    return FALSE;
  }
  RowFetch fetch = image_fetcher (image, error);
  int out_w, out_h;
  if (!fetch
      || !resized_dims (image->width, image->height, size, &out_w, &out_h,
          error))
    return FALSE;

  int left = round_half_even_half (out_w - size);
  int top = round_half_even_half (out_h - size);
  ClipTaps htaps, vtaps;
  clip_taps_init (&htaps, image->width, out_w, left, size);
  clip_taps_init (&vtaps, image->height, out_h, top, size);

  int x0 = clip_taps_begin (&htaps), x1 = clip_taps_end (&htaps);
  int y0 = clip_taps_begin (&vtaps), y1 = clip_taps_end (&vtaps);
  size_t row_bytes = (size_t) size * 3;
  uint8_t *src_row = g_malloc ((size_t) (x1 - x0) * 3);
  uint8_t *rows = g_malloc ((size_t) (y1 - y0) * row_bytes);
  int32_t *acc = g_new (int32_t, row_bytes);

  /* Horizontal first, as PIL: rows of the cropped width, 8-bit rounded. */
  for (int y = y0; y < y1; y++) {
    fetch (image, y, x0, x1, src_row);
    clip_resample_row_rgb (&htaps, src_row, x0,
        rows + (size_t) (y - y0) * row_bytes);
  }
  for (int i = 0; i < size; i++)
    clip_resample_column (&vtaps, i, rows, y0, row_bytes, acc,
        out + (size_t) i * row_bytes);

  g_free (acc);
  g_free (rows);
  g_free (src_row);
  clip_taps_clear (&htaps);
  clip_taps_clear (&vtaps);
  return TRUE;
}

gboolean
clip_preprocess_image (const ClipImage *image, int size, const float mean[3],
    const float std[3], float *out, GError **error)
{
  g_return_val_if_fail (mean != NULL && std != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (size < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "output size %d must be at least 1", size);
    return FALSE;
  }
  size_t plane = (size_t) size * size;
  uint8_t *rgb = g_malloc (plane * 3);
  if (!clip_resize_crop_rgb8 (image, size, rgb, error)) {
    g_free (rgb);
    return FALSE;
  }

  /* ToTensor then Normalize, in float32 as torch computes them. */
  float lut[3][256];
  for (int c = 0; c < 3; c++)
    for (int v = 0; v < 256; v++)
      lut[c][v] = ((float) v / 255.0f - mean[c]) / std[c];
  for (int c = 0; c < 3; c++) {
    float *dst = out + c * plane;
    const uint8_t *src = rgb + c;
    for (size_t i = 0; i < plane; i++, src += 3)
      dst[i] = lut[c][*src];
  }
  g_free (rgb);
  return TRUE;
}
