/* test-preprocess.c: image preprocessing against the golden pixels.npy
 * (OpenAI CLIP's PIL + torchvision pipeline), pixel formats against
 * independently written colour conversions, extreme sizes, bad input, and
 * the .npy reader/writer. */
#include "golden.h"
#include "preprocess.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

/* Mean and std of @model: its Hugging Face preprocessor_config.json, else
 * the preprocess_cfg of its OpenCLIP config. */
static void
model_mean_std (JsonNode *model, float mean[3], float std[3])
{
  JsonNode *layouts = jsondoc_member (model, "layouts");
  const char *hf = jsondoc_string (jsondoc_member (layouts, "hf"));
  const char *oc = jsondoc_string (jsondoc_member (layouts, "openai"));
  g_autofree char *rel = NULL;
  const char *mean_key, *std_key;

  if (hf) {
    rel = g_build_filename (hf, "preprocessor_config.json", NULL);
    mean_key = "image_mean";
    std_key = "image_std";
  } else {
    g_assert_nonnull (oc);
    rel = g_build_filename (oc, "open_clip_config.json", NULL);
    mean_key = "mean";
    std_key = "std";
  }
  g_autofree char *path = golden_path (rel);
  GError *error = NULL;
  JsonNode *cfg = jsondoc_parse_file (path, NULL, &error);
  g_assert_no_error (error);
  JsonNode *root = hf ? cfg : jsondoc_member (cfg, "preprocess_cfg");
  JsonNode *m = jsondoc_member (root, mean_key);
  JsonNode *s = jsondoc_member (root, std_key);
  g_assert_cmpuint (golden_length (m), ==, 3);
  g_assert_cmpuint (golden_length (s), ==, 3);
  for (int c = 0; c < 3; c++) {
    mean[c] = (float) golden_number (golden_element (m, c), NAN);
    std[c] = (float) golden_number (golden_element (s, c), NAN);
    g_assert_true (isfinite (mean[c]) && std[c] > 0);
  }
  json_node_unref (cfg);
}

/* A view of a decoded PNG; alpha, if any, is ignored as PIL's
 * convert("RGB") does. */
static ClipImage
pixbuf_image (GdkPixbuf *pb)
{
  g_assert_cmpint (gdk_pixbuf_get_colorspace (pb), ==, GDK_COLORSPACE_RGB);
  g_assert_cmpint (gdk_pixbuf_get_bits_per_sample (pb), ==, 8);
  ClipImage im = {
    .format = gdk_pixbuf_get_has_alpha (pb) ? CLIP_PIXEL_RGBA
        : CLIP_PIXEL_RGB,
    .width = gdk_pixbuf_get_width (pb),
    .height = gdk_pixbuf_get_height (pb),
    .planes = { gdk_pixbuf_get_pixels (pb) },
    .strides = { gdk_pixbuf_get_rowstride (pb) },
  };
  return im;
}

/* ---------------------------------------------------------- golden */

static void
test_golden_pixels (void)
{
  JsonNode *manifest = golden_manifest ();
  JsonNode *models = jsondoc_member (manifest, "models");
  JsonNode *images = jsondoc_member (manifest, "images");
  size_t n_images = golden_length (images);

  g_assert_cmpuint (golden_length (models), >, 0);
  g_assert_cmpuint (n_images, >, 0);
  for (size_t m = 0; m < golden_length (models); m++) {
    JsonNode *model = golden_element (models, m);
    const char *name = jsondoc_string (jsondoc_member (model, "name"));
    NpyArray *ref = golden_npy (jsondoc_string (jsondoc_member (model,
                "pixels")));
    g_assert_cmpint (ref->ndim, ==, 4);
    int res = (int) golden_number (jsondoc_member (jsondoc_member (model,
                "config"), "res"), (double) ref->shape[3]);
    g_assert_cmpuint (ref->shape[0], ==, n_images);
    g_assert_cmpuint (ref->shape[1], ==, 3);
    g_assert_cmpuint (ref->shape[2], ==, (size_t) res);
    g_assert_cmpuint (ref->shape[3], ==, (size_t) res);
    double *expected = npy_to_f64 (ref);
    float mean[3], std[3];
    model_mean_std (model, mean, std);

    size_t plane = (size_t) res * res, per_image = 3 * plane;
    size_t exact = 0, within_one = 0;
    double max_levels = 0;
    float *out = g_new (float, per_image);
    for (size_t i = 0; i < n_images; i++) {
      const char *file = jsondoc_string (golden_element (images, i));
      g_autofree char *rel = g_build_filename ("images", file, NULL);
      g_autofree char *path = golden_path (rel);
      GError *error = NULL;
      GdkPixbuf *pb = gdk_pixbuf_new_from_file (path, &error);
      g_assert_no_error (error);
      ClipImage im = pixbuf_image (pb);

      g_assert_true (clip_preprocess_image (&im, res, mean, std, out,
              &error));
      g_assert_no_error (error);
      for (size_t j = 0; j < per_image; j++) {
        int c = (int) (j / plane);
        /* The distance in 8-bit levels: x = (v / 255 - mean) / std. */
        double levels = fabs (out[j] - expected[i * per_image + j])
            * std[c] * 255.0;
        exact += levels < 1e-3;
        within_one += levels <= 1.0 + 1e-3;
        max_levels = MAX (max_levels, levels);
      }
      g_object_unref (pb);
    }
    size_t total = per_image * n_images;
    g_test_message ("%s (R = %d, %zu images): exact %.4f%%, within one "
        "level %.4f%%, max %.3f levels", name, res, n_images,
        100.0 * exact / total, 100.0 * within_one / total, max_levels);
    g_assert_cmpfloat ((double) within_one / total, >=, 0.99);
    g_assert_cmpfloat (max_levels, <=, 3.0 + 1e-3);
    g_free (out);
    g_free (expected);
    npy_free (ref);
  }
}

/* ------------------------------------------------------ pixel formats */

/* Smooth colourful content with some detail: chroma subsampling costs
 * little on it, so format differences show up as conversion errors. */
static guint8 *
make_rgb (int w, int h)
{
  guint8 *rgb = g_malloc ((size_t) w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint8 *p = rgb + ((size_t) y * w + x) * 3;
      p[0] = (guint8) (127.5 + 120 * sin (x * 0.05 + y * 0.02));
      p[1] = (guint8) (127.5 + 120 * cos (x * 0.03 - y * 0.04));
      p[2] = (guint8) (255.0 * (x + y) / (w + h));
    }
  return rgb;
}

static guint8
to_u8 (double v)
{
  return (guint8) CLAMP (floor (v + 0.5), 0, 255);
}

/* Textbook RGB -> Y'CbCr: BT.601 / BT.709 studio swing, JPEG full range.
 * Chroma is the mean of each 2x2 block. */
static void
rgb_to_yuv420 (const guint8 *rgb, int w, int h, ClipYuvMatrix matrix,
    guint8 *yp, guint8 *up, guint8 *vp, int cw)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const guint8 *p = rgb + ((size_t) y * w + x) * 3;
      double r = p[0], g = p[1], b = p[2], luma;
      switch (matrix) {
        case CLIP_YUV_BT601:
          luma = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
          break;
        case CLIP_YUV_BT709:
          luma = 16 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219 / 255;
          break;
        default:
          luma = 0.299 * r + 0.587 * g + 0.114 * b;
          break;
      }
      yp[(size_t) y * w + x] = to_u8 (luma);
    }
  for (int cy = 0; cy < (h + 1) / 2; cy++)
    for (int cx = 0; cx < cw; cx++) {
      double r = 0, g = 0, b = 0, n = 0, cb, cr;
      for (int y = 2 * cy; y < MIN (2 * cy + 2, h); y++)
        for (int x = 2 * cx; x < MIN (2 * cx + 2, w); x++, n++) {
          const guint8 *p = rgb + ((size_t) y * w + x) * 3;
          r += p[0];
          g += p[1];
          b += p[2];
        }
      r /= n;
      g /= n;
      b /= n;
      switch (matrix) {
        case CLIP_YUV_BT601:
          cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
          cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
          break;
        case CLIP_YUV_BT709: {
          double ey = 0.2126 * r + 0.7152 * g + 0.0722 * b;
          cb = 128 + (b - ey) / 1.8556 * 224 / 255;
          cr = 128 + (r - ey) / 1.5748 * 224 / 255;
          break;
        }
        default:
          cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
          cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
          break;
      }
      up[(size_t) cy * cw + cx] = to_u8 (cb);
      vp[(size_t) cy * cw + cx] = to_u8 (cr);
    }
}

static void
resize_ok (const ClipImage *im, int size, guint8 *out)
{
  GError *error = NULL;
  g_assert_true (clip_resize_crop_rgb8 (im, size, out, &error));
  g_assert_no_error (error);
}

/* Returns the largest per-byte difference, and the mean in @mean_diff. */
static int
max_diff (const guint8 *a, const guint8 *b, size_t n, double *mean_diff)
{
  int worst = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    int d = abs ((int) a[i] - (int) b[i]);
    worst = MAX (worst, d);
    sum += d;
  }
  if (mean_diff)
    *mean_diff = sum / n;
  return worst;
}

static void
test_packed_formats (void)
{
  const int w = 161, h = 121, size = 64, pad = 5;
  g_autofree guint8 *rgb = make_rgb (w, h);
  g_autofree guint8 *want = g_malloc (size * size * 3);
  g_autofree guint8 *got = g_malloc (size * size * 3);
  ClipImage im = clip_image_rgb (rgb, w, h, w * 3);
  resize_ok (&im, size, want);

  /* Where R, G, B sit in each 4-byte layout; the fourth byte gets junk. */
  static const struct { ClipPixelFormat format; int r, g, b, x; } layouts[] = {
    { CLIP_PIXEL_RGBX, 0, 1, 2, 3 }, { CLIP_PIXEL_BGRX, 2, 1, 0, 3 },
    { CLIP_PIXEL_XRGB, 1, 2, 3, 0 }, { CLIP_PIXEL_XBGR, 3, 2, 1, 0 },
    { CLIP_PIXEL_RGBA, 0, 1, 2, 3 }, { CLIP_PIXEL_BGRA, 2, 1, 0, 3 },
    { CLIP_PIXEL_ARGB, 1, 2, 3, 0 }, { CLIP_PIXEL_ABGR, 3, 2, 1, 0 },
  };
  int stride4 = w * 4 + pad;
  g_autofree guint8 *buf = g_malloc ((size_t) stride4 * h);
  for (size_t f = 0; f < G_N_ELEMENTS (layouts); f++) {
    memset (buf, 0xa5, (size_t) stride4 * h);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        const guint8 *s = rgb + ((size_t) y * w + x) * 3;
        guint8 *d = buf + (size_t) y * stride4 + x * 4;
        d[layouts[f].r] = s[0];
        d[layouts[f].g] = s[1];
        d[layouts[f].b] = s[2];
        d[layouts[f].x] = (guint8) (x * 7 + y);
      }
    ClipImage v = { layouts[f].format, w, h, { buf }, { stride4 }, 0, 0, 0 };
    resize_ok (&v, size, got);
    g_assert_cmpmem (got, size * size * 3, want, size * size * 3);
  }

  /* BGR: a byte permutation, so the result must be identical. */
  int stride3 = w * 3 + pad;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        buf[(size_t) y * stride3 + x * 3 + c] =
            rgb[((size_t) y * w + x) * 3 + 2 - c];
  ClipImage bgr = { CLIP_PIXEL_BGR, w, h, { buf }, { stride3 }, 0, 0, 0 };
  resize_ok (&bgr, size, got);
  g_assert_cmpmem (got, size * size * 3, want, size * size * 3);

  /* GRAY8 must equal the RGB path on (y, y, y). */
  g_autofree guint8 *gray = g_malloc ((size_t) (w + pad) * h);
  g_autofree guint8 *gray_rgb = g_malloc ((size_t) w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint8 v = rgb[((size_t) y * w + x) * 3 + 1];
      gray[(size_t) y * (w + pad) + x] = v;
      memset (gray_rgb + ((size_t) y * w + x) * 3, v, 3);
    }
  ClipImage gim = { CLIP_PIXEL_GRAY8, w, h, { gray }, { w + pad }, 0, 0, 0 };
  ClipImage grgb = clip_image_rgb (gray_rgb, w, h, w * 3);
  resize_ok (&grgb, size, want);
  resize_ok (&gim, size, got);
  g_assert_cmpmem (got, size * size * 3, want, size * size * 3);
}

static void
check_yuv (int w, int h, int size, ClipYuvMatrix matrix)
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  g_autofree guint8 *rgb = make_rgb (w, h);
  g_autofree guint8 *yp = g_malloc ((size_t) w * h);
  g_autofree guint8 *up = g_malloc ((size_t) cw * ch);
  g_autofree guint8 *vp = g_malloc ((size_t) cw * ch);
  g_autofree guint8 *uv = g_malloc ((size_t) cw * ch * 2);
  g_autofree guint8 *want = g_malloc (size * size * 3);
  g_autofree guint8 *got = g_malloc (size * size * 3);
  double mean;

  rgb_to_yuv420 (rgb, w, h, matrix, yp, up, vp, cw);
  for (size_t i = 0; i < (size_t) cw * ch; i++) {
    uv[2 * i] = up[i];
    uv[2 * i + 1] = vp[i];
  }
  ClipImage im = clip_image_rgb (rgb, w, h, w * 3);
  resize_ok (&im, size, want);

  ClipImage i420 = { CLIP_PIXEL_I420, w, h, { yp, up, vp }, { w, cw, cw },
    matrix, 0, 0 };
  resize_ok (&i420, size, got);
  int worst = max_diff (got, want, size * size * 3, &mean);
  g_test_message ("I420 %dx%d matrix %d -> %d: max %d levels, mean %.3f",
      w, h, matrix, size, worst, mean);
  g_assert_cmpint (worst, <=, 4);
  g_assert_cmpfloat (mean, <, 1.0);

  ClipImage nv12 = { CLIP_PIXEL_NV12, w, h, { yp, uv }, { w, 2 * cw },
    matrix, 0, 0 };
  guint8 *i420_out = g_memdup2 (got, size * size * 3);
  resize_ok (&nv12, size, got);
  /* Same samples, other layout: identical output. */
  g_assert_cmpmem (got, size * size * 3, i420_out, size * size * 3);

  /* NV21 and the 4:2:2 layouts holding the same samples, each chroma row
   * twice: identical output too. */
  g_autofree guint8 *vu = g_malloc ((size_t) cw * ch * 2);
  for (size_t i = 0; i < (size_t) cw * ch; i++) {
    vu[2 * i] = vp[i];
    vu[2 * i + 1] = up[i];
  }
  ClipImage nv21 = { CLIP_PIXEL_NV21, w, h, { yp, vu }, { w, 2 * cw },
    matrix, 0, 0 };
  resize_ok (&nv21, size, got);
  g_assert_cmpmem (got, size * size * 3, i420_out, size * size * 3);

  static const struct {
    ClipPixelFormat format;
    int y0, u, y1, v;           /* bytes of a pair */
  } packed[] = {
    { CLIP_PIXEL_YUY2, 0, 1, 2, 3 }, { CLIP_PIXEL_UYVY, 1, 0, 3, 2 },
    { CLIP_PIXEL_YVYU, 0, 3, 2, 1 },
  };
  g_autofree guint8 *pairs = g_malloc ((size_t) cw * 4 * h);
  for (size_t k = 0; k < G_N_ELEMENTS (packed); k++) {
    for (int r = 0; r < h; r++)
      for (int i = 0; i < cw; i++) {
        guint8 *p = pairs + ((size_t) r * cw + i) * 4;
        size_t c = (size_t) (r / 2) * cw + i;
        p[packed[k].y0] = yp[(size_t) r * w + 2 * i];
        /* an odd width's last pair: a second luma byte of junk */
        p[packed[k].y1] = 2 * i + 1 < w ? yp[(size_t) r * w + 2 * i + 1]
            : 0xa5;
        p[packed[k].u] = up[c];
        p[packed[k].v] = vp[c];
      }
    ClipImage im422 = { packed[k].format, w, h, { pairs }, { cw * 4 },
      matrix, 0, 0 };
    resize_ok (&im422, size, got);
    g_assert_cmpmem (got, size * size * 3, i420_out, size * size * 3);
  }
  g_free (i420_out);
}

/* Textbook Y'CbCr -> RGB (3- or 4-decimal coefficients as printed in the
 * usual references) for one sample. */
static void
textbook_yuv_to_rgb (ClipYuvMatrix matrix, int y, int u, int v, double rgb[3])
{
  double cb = u - 128, cr = v - 128;
  switch (matrix) {
    case CLIP_YUV_BT601:
      rgb[0] = 1.164 * (y - 16) + 1.596 * cr;
      rgb[1] = 1.164 * (y - 16) - 0.392 * cb - 0.813 * cr;
      rgb[2] = 1.164 * (y - 16) + 2.017 * cb;
      break;
    case CLIP_YUV_BT709:
      rgb[0] = 1.164 * (y - 16) + 1.793 * cr;
      rgb[1] = 1.164 * (y - 16) - 0.213 * cb - 0.533 * cr;
      rgb[2] = 1.164 * (y - 16) + 2.112 * cb;
      break;
    case CLIP_YUV_BT2020:
      rgb[0] = 1.1644 * (y - 16) + 1.6787 * cr;
      rgb[1] = 1.1644 * (y - 16) - 0.1873 * cb - 0.6504 * cr;
      rgb[2] = 1.1644 * (y - 16) + 2.1418 * cb;
      break;
    case CLIP_YUV_BT709_FULL:
      rgb[0] = y + 1.5748 * cr;
      rgb[1] = y - 0.1873 * cb - 0.4681 * cr;
      rgb[2] = y + 1.8556 * cb;
      break;
    case CLIP_YUV_BT2020_FULL:
      rgb[0] = y + 1.4746 * cr;
      rgb[1] = y - 0.1646 * cb - 0.5714 * cr;
      rgb[2] = y + 1.8814 * cb;
      break;
    default:
      rgb[0] = y + 1.402 * cr;
      rgb[1] = y - 0.344136 * cb - 0.714136 * cr;
      rgb[2] = y + 1.772 * cb;
      break;
  }
}

/* Square image at the output size: no resampling, so every output pixel is
 * the conversion of one Y sample and the chroma of its 2x2 block. */
static void
check_yuv_samples (int side, ClipYuvMatrix matrix)
{
  int c = (side + 1) / 2;
  g_autofree guint8 *planes = g_malloc ((size_t) side * side + 2 * c * c);
  g_autofree guint8 *got = g_malloc ((size_t) side * side * 3);
  GRand *rand = g_rand_new_with_seed (side + matrix);
  /* Random samples include out-of-gamut triples: clamping is checked too. */
  for (size_t i = 0; i < (size_t) side * side + 2 * c * c; i++)
    planes[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  const guint8 *yp = planes, *up = planes + side * side, *vp = up + c * c;
  ClipImage im = { CLIP_PIXEL_I420, side, side, { yp, up, vp },
    { side, c, c }, matrix, 0, 0 };
  resize_ok (&im, side, got);

  double worst = 0;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++) {
      double want[3];
      textbook_yuv_to_rgb (matrix, yp[y * side + x], up[y / 2 * c + x / 2],
          vp[y / 2 * c + x / 2], want);
      for (int k = 0; k < 3; k++) {
        double d = fabs (got[(y * side + x) * 3 + k]
            - CLAMP (want[k], 0.0, 255.0));
        worst = MAX (worst, d);
      }
    }
  g_test_message ("I420 samples, matrix %d: max %.3f levels", matrix, worst);
  g_assert_cmpfloat (worst, <=, 1.0);
}

static void
test_yuv_formats (void)
{
  check_yuv_samples (31, CLIP_YUV_BT601);
  check_yuv_samples (31, CLIP_YUV_BT709);
  check_yuv_samples (32, CLIP_YUV_BT601_FULL);
  check_yuv_samples (33, CLIP_YUV_BT709_FULL);
  check_yuv_samples (34, CLIP_YUV_BT2020);
  check_yuv_samples (35, CLIP_YUV_BT2020_FULL);
  check_yuv (161, 121, 64, CLIP_YUV_BT601);
  check_yuv (161, 121, 64, CLIP_YUV_BT709);
  check_yuv (161, 121, 64, CLIP_YUV_BT601_FULL);
  check_yuv (75, 33, 16, CLIP_YUV_BT601);
}

/* ------------------------------------------------- sizes and bad input */

static void
check_extreme (int w, int h, int size)
{
  static const guint8 colour[3] = { 10, 200, 77 };
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  g_autofree guint8 *rgb = g_malloc ((size_t) w * h * 3);
  g_autofree guint8 *noise = g_malloc ((size_t) w * h * 3);
  g_autofree guint8 *out8 = g_malloc ((size_t) size * size * 3);
  g_autofree float *out = g_new (float, 3 * (size_t) size * size);
  const float mean[3] = { 0.5f, 0.5f, 0.5f }, std[3] = { 0.25f, 0.25f, 0.25f };
  GError *error = NULL;

  for (size_t i = 0; i < (size_t) w * h; i++)
    memcpy (rgb + 3 * i, colour, 3);
  /* A flat image stays flat: the weights of every tap set sum to one. */
  ClipImage im = clip_image_rgb (rgb, w, h, w * 3);
  resize_ok (&im, size, out8);
  for (size_t i = 0; i < (size_t) size * size; i++)
    g_assert_cmpmem (out8 + 3 * i, 3, colour, 3);

  GRand *rand = g_rand_new_with_seed (w * 31 + h);
  for (size_t i = 0; i < (size_t) w * h * 3; i++)
    noise[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  ClipImage nim = clip_image_rgb (noise, w, h, w * 3);
  g_assert_true (clip_preprocess_image (&nim, size, mean, std, out, &error));
  g_assert_no_error (error);
  for (size_t i = 0; i < 3 * (size_t) size * size; i++)
    g_assert_true (isfinite (out[i]) && fabsf (out[i]) <= 2.0f + 1e-5f);

  ClipImage yuv = { CLIP_PIXEL_I420, w, h,
    { noise, noise + (size_t) w * h, noise + (size_t) w * h + cw * ch },
    { w, cw, cw }, CLIP_YUV_BT601, 0, 0 };
  g_assert_cmpuint ((size_t) w * h + 2 * (size_t) cw * ch, <=,
      (size_t) w * h * 3);
  g_assert_true (clip_preprocess_image (&yuv, size, mean, std, out, &error));
  g_assert_no_error (error);
}

static void
test_extreme_sizes (void)
{
  static const int cases[][3] = {
    { 1, 1, 224 }, { 1, 5000, 224 }, { 5000, 1, 224 }, { 97, 301, 224 },
    { 2, 3, 224 }, { 640, 120, 224 }, { 1, 4000, 32 }, { 301, 97, 1 },
    { 1, 1, 1 }, { 3000, 2, 7 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    check_extreme (cases[i][0], cases[i][1], cases[i][2]);
}

static void
expect_input_error (const ClipImage *im, int size)
{
  guint8 out[4 * 4 * 3];
  GError *error = NULL;
  g_assert_false (clip_resize_crop_rgb8 (im, size, out, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_test_message ("rejected: %s", error->message);
  g_clear_error (&error);
}

static void
test_bad_input (void)
{
  guint8 pixels[64 * 8 * 4] = { 0 };
  ClipImage ok = clip_image_rgb (pixels, 8, 8, 24);
  ClipImage im;

  im = ok, im.width = 0;
  expect_input_error (&im, 4);
  im = ok, im.height = -3;
  expect_input_error (&im, 4);
  im = ok, im.planes[0] = NULL;
  expect_input_error (&im, 4);
  im = ok, im.strides[0] = 23;
  expect_input_error (&im, 4);
  im = ok, im.format = CLIP_PIXEL_RGBX;
  expect_input_error (&im, 4);            /* 24 < 8 * 4 */
  im = ok, im.format = (ClipPixelFormat) 99;
  expect_input_error (&im, 4);
  expect_input_error (&ok, 0);

  ClipImage i420 = { CLIP_PIXEL_I420, 7, 5, { pixels, pixels + 64,
      pixels + 128 }, { 7, 4, 4 }, CLIP_YUV_BT601, 0, 0 };
  im = i420, im.planes[2] = NULL;
  expect_input_error (&im, 4);
  im = i420, im.strides[1] = 3;
  expect_input_error (&im, 4);
  im = i420, im.matrix = (ClipYuvMatrix) 7;
  expect_input_error (&im, 4);
  ClipImage nv12 = { CLIP_PIXEL_NV12, 7, 5, { pixels, pixels + 64 },
    { 7, 8 }, CLIP_YUV_BT601, 0, 0 };
  im = nv12, im.planes[1] = NULL;
  expect_input_error (&im, 4);
  im = nv12, im.strides[1] = 7;             /* 4 UV pairs need 8 bytes */
  expect_input_error (&im, 4);
  ClipImage nv21 = nv12;
  nv21.format = CLIP_PIXEL_NV21;
  im = nv21, im.planes[1] = NULL;
  expect_input_error (&im, 4);
  ClipImage yuy2 = { CLIP_PIXEL_YUY2, 7, 5, { pixels }, { 16 },
    CLIP_YUV_BT709, 0, 0 };
  im = yuy2, im.strides[0] = 15;            /* 4 pairs need 16 bytes */
  expect_input_error (&im, 4);
  im = yuy2, im.format = CLIP_PIXEL_UYVY, im.matrix = (ClipYuvMatrix) 6;
  expect_input_error (&im, 4);
  im = yuy2, im.matrix = (ClipYuvMatrix) -1;
  expect_input_error (&im, 4);

  /* The valid ones pass. */
  guint8 out[4 * 4 * 3];
  g_assert_true (clip_resize_crop_rgb8 (&i420, 4, out, NULL));
  g_assert_true (clip_resize_crop_rgb8 (&nv12, 4, out, NULL));
  g_assert_true (clip_resize_crop_rgb8 (&nv21, 4, out, NULL));
  g_assert_true (clip_resize_crop_rgb8 (&yuy2, 4, out, NULL));
  g_assert_true (clip_resize_crop_rgb8 (&ok, 4, out, NULL));
}

/* ------------------------------------------- kernel builds and threads */

/* A frame of @format whose planes are allocated to the byte (the last row
 * of each plane exactly as long as its pixels), so that AddressSanitizer
 * sees any read past a row's end. */
typedef struct {
  ClipImage im;
  guint8 *planes[3];
} TightFrame;

static void
tight_frame_init (TightFrame *f, ClipPixelFormat format, int w, int h,
    int pad, guint32 seed)
{
  /* bytes per pixel of plane 0, up to NV21 (4:2:2: 4 bytes a pair) */
  static const int bpp[] = { 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 1, 1, 1, 1 };
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  gboolean semi = format == CLIP_PIXEL_NV12 || format == CLIP_PIXEL_NV21;
  int n_planes = format == CLIP_PIXEL_I420 ? 3 : semi ? 2 : 1;
  guint32 x = seed * 2654435761u + 1;

  memset (f, 0, sizeof *f);
  f->im.format = format;
  f->im.width = w;
  f->im.height = h;
  f->im.matrix = (ClipYuvMatrix) (seed % 6);
  for (int i = 0; i < n_planes; i++) {
    int row = i > 0 ? (semi ? 2 * cw : cw)
        : format >= CLIP_PIXEL_YUY2 ? 4 * cw : w * bpp[format];
    int rows = i == 0 ? h : ch;
    size_t bytes = (size_t) (row + pad) * (rows - 1) + row;
    f->planes[i] = g_malloc (bytes);
    /* Gradients with sparse noise (xorshift). */
    for (size_t k = 0; k < bytes; k++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      f->planes[i][k] = (guint8) (x % 7 == 0 ? x >> 8
          : (k / 3 + k % (row + pad)) * 5);
    }
    f->im.planes[i] = f->planes[i];
    f->im.strides[i] = row + pad;
  }
}

static void
tight_frame_clear (TightFrame *f)
{
  for (int i = 0; i < 3; i++)
    g_free (f->planes[i]);
}

/* Every kernel set this CPU runs, on 1 or 2 threads, gives the bytes of
 * the portable kernels on 1 and 3 threads; preprocess_pil_check.py
 * compares them with Pillow. */
static void
test_kernels_agree (void)
{
  static const int sizes[][3] = {
    { 1920, 1080, 224 }, { 1081, 1921, 224 }, { 1, 1, 224 }, { 7, 5, 32 },
    { 224, 224, 224 }, { 224, 900, 224 }, { 100, 57, 224 }, { 3, 700, 64 },
    { 333, 2, 16 }, { 640, 480, 1 }, { 3840, 2160, 224 }, { 17, 3000, 224 },
  };
  static const char *const names[] = {
    "avx512-vnni", "avx512", "avx2-vnni", "avx2",
  };
  const float mean[3] = { 0.48f, 0.45f, 0.40f };
  const float std[3] = { 0.26f, 0.26f, 0.27f };
  GError *error = NULL;
  int ran[G_N_ELEMENTS (names)] = { 0 };

  for (size_t s = 0; s < G_N_ELEMENTS (sizes); s++) {
    int w = sizes[s][0], h = sizes[s][1], size = sizes[s][2];
    size_t n8 = (size_t) size * size * 3;
    g_autofree guint8 *a = g_malloc (n8), *b = g_malloc (n8);
    g_autofree float *fa = g_new (float, n8), *fb = g_new (float, n8);
    ClipPrep *portable[2], *fast[2];

    portable[0] = clip_prep_new (size, mean, std, 1, TRUE);
    portable[1] = clip_prep_new (size, mean, std, 3, TRUE);
    fast[0] = clip_prep_new (size, mean, std, 1, FALSE);
    fast[1] = clip_prep_new (size, mean, std, 2, FALSE);
    for (int format = 0; format <= CLIP_PIXEL_YVYU; format++) {
      TightFrame f;
      /* Every format on the small frames, a few on the large ones. */
      if (w * h > 100000 && format != CLIP_PIXEL_RGB
          && format != CLIP_PIXEL_BGRX && format != CLIP_PIXEL_GRAY8
          && format != CLIP_PIXEL_I420 && format != CLIP_PIXEL_NV12
          && format != CLIP_PIXEL_YUY2)
        continue;
      tight_frame_init (&f, (ClipPixelFormat) format, w, h, format % 3,
          (guint32) (s * 16 + format));
      g_assert_true (clip_prep_run_rgb8 (portable[0], &f.im, a, &error));
      g_assert_no_error (error);
      g_assert_true (clip_prep_run_rgb8 (portable[1], &f.im, b, &error));
      g_assert_cmpmem (a, n8, b, n8);
      for (size_t k = 0; k < G_N_ELEMENTS (names); k++) {
        if (!clip_prep_use_kernels (fast[0], names[k]))
          continue;
        g_assert_true (clip_prep_use_kernels (fast[1], names[k]));
        for (int t = 0; t < 2; t++) {
          memset (b, 0, n8);
          g_assert_true (clip_prep_run_rgb8 (fast[t], &f.im, b, &error));
          g_assert_cmpmem (a, n8, b, n8);
        }
        ran[k]++;
      }
      g_assert_true (clip_preprocess_image (&f.im, size, mean, std, fa,
              &error));
      g_assert_true (clip_prep_run (fast[1], &f.im, fb, &error));
      g_assert_cmpmem (fa, n8 * sizeof (float), fb, n8 * sizeof (float));
      tight_frame_clear (&f);
    }
    for (int k = 0; k < 2; k++) {
      clip_prep_free (portable[k]);
      clip_prep_free (fast[k]);
    }
  }
  ClipPrep *p = clip_prep_new (1, NULL, NULL, 1, FALSE);
  g_test_message ("fastest kernels: %s", clip_prep_kernels_name (p));
  for (size_t k = 0; k < G_N_ELEMENTS (names); k++)
    g_test_message ("kernels %s: %s", names[k],
        ran[k] ? "agree with the portable ones" : "not run on this CPU");
  /* An unknown name is refused and leaves the kernels as they were. */
  g_assert_true (clip_prep_use_kernels (p, "portable"));
  g_assert_false (clip_prep_use_kernels (p, "no-such-kernels"));
  g_assert_cmpstr (clip_prep_kernels_name (p), ==, "portable");
  clip_prep_free (p);
}

/* ClipPreprocessor: the same floats as clip_preprocess() frame after
 * frame, across frame sizes, and still usable after a bad frame. */
static void
test_preprocessor (void)
{
  g_autofree char *dir = golden_first_layout_dir ("hf");
  g_assert_nonnull (dir);
  GError *error = NULL;
  ClipModel *model = clip_model_load (dir, NULL, &error);
  g_assert_no_error (error);
  size_t n = clip_model_input_size (model);
  g_autofree float *want = g_new (float, n), *got = g_new (float, n);
  ClipPreprocessor *pp = clip_preprocessor_new (model, 2);
  /* width, height, format, pixel aspect ratio: the same size with another
   * ratio needs other filter tables */
  static const int frames[][5] = {
    { 1920, 1080, CLIP_PIXEL_NV12 }, { 1920, 1080, CLIP_PIXEL_NV12 },
    { 641, 479, CLIP_PIXEL_BGRX }, { 1920, 1080, CLIP_PIXEL_I420 },
    { 5, 9, CLIP_PIXEL_GRAY8 }, { 720, 576, CLIP_PIXEL_YUY2, 64, 45 },
    { 720, 576, CLIP_PIXEL_YUY2, 16, 15 }, { 720, 576, CLIP_PIXEL_YUY2 },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (frames); i++) {
    TightFrame f;
    tight_frame_init (&f, (ClipPixelFormat) frames[i][2], frames[i][0],
        frames[i][1], 4, (guint32) i);
    f.im.par_n = frames[i][3];
    f.im.par_d = frames[i][4];
    g_assert_true (clip_preprocess (model, &f.im, want, &error));
    g_assert_true (clip_preprocessor_run (pp, &f.im, got, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (want, n * sizeof (float), got, n * sizeof (float));
    if (i == 2) {
      ClipImage bad = f.im;
      bad.strides[0] = 3;
      g_assert_false (clip_preprocessor_run (pp, &bad, got, &error));
      g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
      g_clear_error (&error);
    }
    tight_frame_clear (&f);
  }
  clip_preprocessor_free (pp);
  clip_model_unref (model);
}

/* Every way of saying "square pixels" gives the square result, and a
 * ratio that is not square gives another (its bytes are Pillow's:
 * preprocess_pil_check.py). */
static void
test_pixel_aspect (void)
{
  static const int square[][2] = { { 0, 0 }, { 1, 1 }, { 7, 7 }, { -3, 2 },
    { 0, 5 }, { 4, -1 } };
  int w = 90, h = 60, size = 32;
  guint8 *rgb = g_malloc ((size_t) w * h * 3);
  guint8 want[32 * 32 * 3], got[32 * 32 * 3];
  guint32 x = 1;

  for (int i = 0; i < w * h * 3; i++) {
    x = x * 1103515245u + 12345u;
    rgb[i] = (guint8) (x >> 24);
  }
  ClipImage im = clip_image_rgb (rgb, w, h, w * 3);
  resize_ok (&im, size, want);
  for (size_t k = 0; k < G_N_ELEMENTS (square); k++) {
    im.par_n = square[k][0];
    im.par_d = square[k][1];
    resize_ok (&im, size, got);
    g_assert_cmpmem (got, sizeof got, want, sizeof want);
  }
  /* shown 135 x 60: the crop takes a narrower part of the columns */
  im.par_n = 3;
  im.par_d = 2;
  resize_ok (&im, size, got);
  g_assert_true (memcmp (got, want, sizeof want) != 0);

  /* shown 2^31 - 1 wide: refused, naming both sizes */
  GError *error = NULL;
  im.par_n = G_MAXINT;
  im.par_d = 1;
  g_assert_false (clip_resize_crop_rgb8 (&im, size, got, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_test_message ("rejected: %s", error->message);
  g_assert_nonnull (strstr (error->message, "90x60, shown 2147483647x60"));
  g_clear_error (&error);
  g_free (rgb);
}

/* ---------------------------------------------------------------- npy */

static void
test_npy_roundtrip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("clip-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.npy", NULL);
  const float data[6] = { 1.5f, -2, 3, 4, 5, 6e-7f };
  const size_t shape[2] = { 2, 3 };
  GError *error = NULL;

  g_assert_nonnull (dir);
  g_assert_true (npy_save (path, NPY_F32, data, 2, shape, &error));
  g_assert_no_error (error);

  /* The layout the format specifies: magic, version 1.0, a header padded
   * with spaces to a 64-byte boundary and ending in a newline. */
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_cmpmem (bytes, 8, "\x93NUMPY\x01\x00", 8);
  size_t header_len = (guint8) bytes[8] | (size_t) (guint8) bytes[9] << 8;
  g_assert_cmpuint ((10 + header_len) % 64, ==, 0);
  g_assert_cmpint (bytes[10 + header_len - 1], ==, '\n');
  g_assert_cmpuint (len, ==, 10 + header_len + sizeof data);
  g_assert_nonnull (g_strstr_len (bytes + 10, header_len, "'<f4'"));
  g_assert_nonnull (g_strstr_len (bytes + 10, header_len, "(2, 3)"));

  NpyArray *a = npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->dtype, ==, NPY_F32);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpuint (a->shape[0], ==, 2);
  g_assert_cmpuint (a->shape[1], ==, 3);
  g_assert_cmpmem (a->data, sizeof data, data, sizeof data);
  npy_free (a);

  /* Truncated data and a big-endian header are named errors. */
  g_assert_true (g_file_set_contents (path, bytes, (gssize) len - 1, NULL));
  g_assert_null (npy_load (path, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  char *p = g_strstr_len (bytes + 10, header_len, "'<f4'");
  p[1] = '>';
  g_assert_true (g_file_set_contents (path, bytes, (gssize) len, NULL));
  g_assert_null (npy_load (path, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  g_clear_error (&error);
  a = npy_load (dir, &error);
  g_assert_null (a);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/golden-pixels", test_golden_pixels);
  g_test_add_func ("/preprocess/packed-formats", test_packed_formats);
  g_test_add_func ("/preprocess/yuv-formats", test_yuv_formats);
  g_test_add_func ("/preprocess/extreme-sizes", test_extreme_sizes);
  g_test_add_func ("/preprocess/pixel-aspect", test_pixel_aspect);
  g_test_add_func ("/preprocess/bad-input", test_bad_input);
  g_test_add_func ("/preprocess/kernels-agree", test_kernels_agree);
  g_test_add_func ("/preprocess/preprocessor", test_preprocessor);
  g_test_add_func ("/npy/roundtrip", test_npy_roundtrip);
  return g_test_run ();
}
