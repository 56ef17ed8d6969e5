/* bench-preprocess.c: clip-bench's --preprocess. Builds a synthetic frame
 * of the requested size and pixel format (strides as GStreamer lays them
 * out), then times the engine's preprocessing of it frame after frame. */
#include "bench-preprocess.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
  const char *name;
  ClipPixelFormat format;
  int bpp;                    /* bytes per pixel of plane 0; 0: 4:2:2,
                               * 4 bytes a pair of pixels */
} formats[] = {
  { "rgb", CLIP_PIXEL_RGB, 3 }, { "bgr", CLIP_PIXEL_BGR, 3 },
  { "rgbx", CLIP_PIXEL_RGBX, 4 }, { "bgrx", CLIP_PIXEL_BGRX, 4 },
  { "xrgb", CLIP_PIXEL_XRGB, 4 }, { "xbgr", CLIP_PIXEL_XBGR, 4 },
  { "rgba", CLIP_PIXEL_RGBA, 4 }, { "bgra", CLIP_PIXEL_BGRA, 4 },
  { "argb", CLIP_PIXEL_ARGB, 4 }, { "abgr", CLIP_PIXEL_ABGR, 4 },
  { "gray8", CLIP_PIXEL_GRAY8, 1 }, { "i420", CLIP_PIXEL_I420, 1 },
  { "nv12", CLIP_PIXEL_NV12, 1 }, { "nv21", CLIP_PIXEL_NV21, 1 },
  { "yuy2", CLIP_PIXEL_YUY2, 0 }, { "uyvy", CLIP_PIXEL_UYVY, 0 },
  { "yvyu", CLIP_PIXEL_YVYU, 0 },
};

typedef struct {
  int width, height, format_index;
  ClipImage image;
  guint8 *data;
} Frame;

#define ROUND_UP_4(x) (((x) + 3) & ~3)

static gboolean
parse_spec (const char *spec, Frame *f, GError **error)
{
  const char *colon = strchr (spec, ':');
  char *end;
  long w, h;

  w = strtol (spec, &end, 10);
  if (*end == 'x')
    h = strtol (end + 1, &end, 10);
  else
    h = 0;
  if (!colon || end != colon || w < 1 || h < 1 || w > 16384 || h > 16384) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--preprocess %s: expected WIDTHxHEIGHT:FORMAT, e.g. 1920x1080:nv12, "
        "sides from 1 to 16384", spec);
    return FALSE;
  }
  for (size_t i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (colon + 1, formats[i].name) == 0) {
      f->width = (int) w;
      f->height = (int) h;
      f->format_index = (int) i;
      return TRUE;
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "--preprocess %s: unknown format \"%s\" (rgb, bgr, rgbx, bgrx, xrgb, "
      "xbgr, rgba, bgra, argb, abgr, gray8, i420, nv12, nv21, yuy2, uyvy, "
      "yvyu)", spec, colon + 1);
  return FALSE;
}

/* Smooth gradients with a little noise, so that nothing is constant. */
static void
fill_plane (guint8 *p, int row_bytes, int rows, int stride, guint32 seed)
{
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < row_bytes; x++) {
      seed ^= seed << 13;
      seed ^= seed >> 17;
      seed ^= seed << 5;
      p[(size_t) y * stride + x] = (guint8) ((x / 3 + 2 * y) + (seed & 15));
    }
}

static void
frame_alloc (Frame *f)
{
  int w = f->width, h = f->height;
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  ClipImage *im = &f->image;
  int bpp = formats[f->format_index].bpp;
  int row0 = bpp ? w * bpp : 4 * cw;
  ClipPixelFormat format = formats[f->format_index].format;
  gboolean semi = format == CLIP_PIXEL_NV12 || format == CLIP_PIXEL_NV21;

  memset (im, 0, sizeof *im);
  im->format = format;
  im->width = w;
  im->height = h;
  im->matrix = CLIP_YUV_BT709;
  im->strides[0] = ROUND_UP_4 (row0);
  if (im->format == CLIP_PIXEL_I420)
    im->strides[1] = im->strides[2] = ROUND_UP_4 (cw);
  else if (semi)
    im->strides[1] = ROUND_UP_4 (2 * cw);
  size_t sizes[3] = { (size_t) im->strides[0] * h,
    (size_t) im->strides[1] * ch, (size_t) im->strides[2] * ch };
  f->data = g_malloc (sizes[0] + sizes[1] + sizes[2]);
  size_t offset = 0;
  for (int i = 0; i < 3; i++) {
    if (!im->strides[i])
      continue;
    im->planes[i] = f->data + offset;
    fill_plane (f->data + offset, i ? (semi ? 2 * cw : cw) : row0,
        i ? ch : h, im->strides[i], 0x9e3779b9u + i);
    offset += sizes[i];
  }
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* CPU time of the whole process in milliseconds: on a busy machine,
 * where wall time mostly measures waiting, it is the steadier figure. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
  double median_ms, min_ms;   /* wall time per frame */
  double cpu_ms;              /* CPU time per frame, all threads */
} FrameTiming;

/* Times @pp (or clip_preprocess() when NULL) on @f. */
static gboolean
time_frames (ClipModel *model, ClipPreprocessor *pp, const Frame *f,
    int iterations, int warmup, float *out, FrameTiming *t, GError **error)
{
  double *ms = g_new (double, iterations);
  double cpu_start = 0;

  for (int i = -warmup; i < iterations; i++) {
    if (i == 0)
      cpu_start = cpu_ms ();
    gint64 start = g_get_monotonic_time ();
    if (!(pp ? clip_preprocessor_run (pp, &f->image, out, error)
            : clip_preprocess (model, &f->image, out, error))) {
      g_free (ms);
      return FALSE;
    }
    if (i >= 0)
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
  }
  t->cpu_ms = (cpu_ms () - cpu_start) / iterations;
  qsort (ms, iterations, sizeof (double), compare_doubles);
  t->median_ms = ms[iterations / 2];
  t->min_ms = ms[0];
  g_free (ms);
  return TRUE;
}

static void
print_timing (const Frame *f, int side, const char *api, int threads,
    const FrameTiming *t, gboolean json, gboolean first)
{
  if (json)
    g_print ("%s{\"width\": %d, \"height\": %d, \"format\": \"%s\", "
        "\"size\": %d, \"api\": \"%s\", \"threads\": %d, "
        "\"median_ms\": %.3f, \"min_ms\": %.3f, \"cpu_ms\": %.3f}",
        first ? "" : ", ", f->width, f->height,
        formats[f->format_index].name, side, api, threads, t->median_ms,
        t->min_ms, t->cpu_ms);
  else
    g_print ("preprocess %5dx%-5d %-5s -> %d, %-16s %d thread%s: "
        "%7.3f ms/frame (min %.3f, CPU %.3f)\n", f->width, f->height,
        formats[f->format_index].name, side, api, threads,
        threads == 1 ? " " : "s", t->median_ms, t->min_ms, t->cpu_ms);
}

gboolean
bench_preprocess (ClipModel *model, char **specs, int iterations,
    int warmup, int threads, gboolean json, GError **error)
{
  int n = (int) g_strv_length (specs), side = clip_model_image_size (model);
  Frame *frames = g_new0 (Frame, n);
  float *out = g_new (float, clip_model_input_size (model));
  ClipPreprocessor *pp = NULL;
  gboolean ok = TRUE;

  if (threads == 0)
    threads = (int) g_get_num_processors ();
  for (int i = 0; i < n && ok; i++)
    ok = parse_spec (specs[i], &frames[i], error);
  if (ok && threads > 1)
    pp = clip_preprocessor_new (model, threads);
  if (json && ok)
    g_print ("{\"preprocess\": [");
  for (int i = 0; i < n && ok; i++) {
    Frame *f = &frames[i];
    FrameTiming t;

    frame_alloc (f);
    ok = time_frames (model, NULL, f, iterations, warmup, out, &t, error);
    if (ok)
      print_timing (f, side, "clip_preprocess", 1, &t, json, i == 0);
    if (ok && pp) {
      ok = time_frames (model, pp, f, iterations, warmup, out, &t, error);
      if (ok)
        print_timing (f, side, "ClipPreprocessor", threads, &t, json, FALSE);
    }
  }
  if (json && ok)
    g_print ("]}\n");
  if (pp)
    clip_preprocessor_free (pp);
  for (int i = 0; i < n; i++)
    g_free (frames[i].data);
  g_free (frames);
  g_free (out);
  return ok;
}
