/* bench-prepkernels.c: preprocessing on one thread with each kernel set
 * this CPU runs, side by side. Prints numbers; asserts nothing.
 *
 *   build/bench/bench-prepkernels [FRAMES]
 *
 * For 1920x1080 NV12, 3840x2160 I420, 1920x1080 RGB, 1280x720 GRAY8 and
 * 1280x720 YUY2 (a USB camera's) frames of synthetic content, to 224 x 224 with CLIP's normalisation,
 * runs FRAMES frames (default 40) per kernel set, the sets taking turns
 * frame by frame, and prints each set's median and fastest milliseconds
 * per frame. */
#include "preprocess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
  "avx512-vnni", "avx512", "avx2-vnni", "avx2", "portable",
};

static const struct {
  int width, height;
  ClipPixelFormat format;
  const char *format_name;
} frames[] = {
  { 1920, 1080, CLIP_PIXEL_NV12, "nv12" },
  { 3840, 2160, CLIP_PIXEL_I420, "i420" },
  { 1920, 1080, CLIP_PIXEL_RGB, "rgb" },
  { 1280, 720, CLIP_PIXEL_GRAY8, "gray8" },
  { 1280, 720, CLIP_PIXEL_YUY2, "yuy2" },
};

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* A frame of @format with every plane filled with a byte pattern. */
static void
frame_init (ClipImage *im, guint8 *buf, int w, int h, ClipPixelFormat format)
{
  memset (im, 0, sizeof *im);
  im->format = format;
  im->width = w;
  im->height = h;
  im->planes[0] = buf;
  if (format == CLIP_PIXEL_I420 || format == CLIP_PIXEL_NV12) {
    int cw = (w + 1) / 2;
    im->strides[0] = w;
    im->planes[1] = buf + (size_t) w * h;
    if (format == CLIP_PIXEL_I420) {
      im->strides[1] = im->strides[2] = cw;
      im->planes[2] = buf + (size_t) w * h + (size_t) cw * ((h + 1) / 2);
    } else {
      im->strides[1] = 2 * cw;
    }
  } else if (format == CLIP_PIXEL_YUY2) {
    im->strides[0] = 4 * ((w + 1) / 2);
  } else {
    im->strides[0] = w * (format == CLIP_PIXEL_RGB ? 3 : 1);
  }
}

int
main (int argc, char **argv)
{
  const float mean[3] = { 0.48145466f, 0.4578275f, 0.40821073f };
  const float std[3] = { 0.26862954f, 0.26130258f, 0.27577711f };
  int n = argc > 1 ? atoi (argv[1]) : 40;
  ClipPrep *preps[G_N_ELEMENTS (names)];
  size_t n_sets = 0;
  const char *set_names[G_N_ELEMENTS (names)];
  GError *error = NULL;

  if (n < 1) {
    fprintf (stderr, "usage: %s [FRAMES >= 1]\n", argv[0]);
    return 2;
  }
  for (size_t k = 0; k < G_N_ELEMENTS (names); k++) {
    ClipPrep *p = clip_prep_new (224, mean, std, 1, FALSE);
    if (clip_prep_use_kernels (p, names[k])) {
      set_names[n_sets] = names[k];
      preps[n_sets++] = p;
    } else {
      printf ("kernels %s: not run on this CPU\n", names[k]);
      clip_prep_free (p);
    }
  }
  float *out = g_new (float, 224 * 224 * 3);
  double *times = g_new (double, n_sets * (size_t) n);
  for (size_t f = 0; f < G_N_ELEMENTS (frames); f++) {
    int w = frames[f].width, h = frames[f].height;
    size_t bytes = (size_t) w * h * 3;
    guint8 *buf = g_malloc (bytes);
    ClipImage im;

    for (size_t i = 0; i < bytes; i++)
      buf[i] = (guint8) ((i * 2654435761u) >> 13);
    frame_init (&im, buf, w, h, frames[f].format);
    for (size_t k = 0; k < n_sets; k++)
      if (!clip_prep_run (preps[k], &im, out, &error))
        g_error ("%s", error->message);
    for (int i = 0; i < n; i++)
      for (size_t k = 0; k < n_sets; k++) {
        gint64 t0 = g_get_monotonic_time ();
        clip_prep_run (preps[k], &im, out, NULL);
        times[k * n + i] = (g_get_monotonic_time () - t0) / 1000.0;
      }
    for (size_t k = 0; k < n_sets; k++) {
      double *t = times + k * n;
      qsort (t, n, sizeof *t, cmp_double);
      printf ("%4dx%-4d %-5s 1 thread, kernels %-12s median %7.3f ms, "
          "fastest %7.3f ms\n", w, h, frames[f].format_name, set_names[k],
          t[n / 2], t[0]);
    }
    g_free (buf);
  }
  for (size_t k = 0; k < n_sets; k++)
    clip_prep_free (preps[k]);
  g_free (times);
  g_free (out);
  return 0;
}
