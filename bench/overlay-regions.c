/* overlay-regions.c: what clipoverlay costs per frame when it outlines a
 * region, by the region's size, against identity in its place.
 *
 *   GST_PLUGIN_PATH=build/gst build/tests/element/bench-overlay-regions
 *
 * Each frame carries one region result (a meta made here, as
 * clipclassify's roi-list mode makes it, shared by every frame so that it
 * is drawn once); frames go through a GstHarness, 60 per run, the first
 * 10 not timed. The two elements alternate, three rounds each, and the
 * median milliseconds per frame are printed. Nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstclipclassifymeta.h"

#define FRAMES 60
#define WARMUP 10
#define ROUNDS 3

static double
run (const char *element, GstVideoFormat format, int w, int h, int rw,
    int rh)
{
  GstHarness *harness = gst_harness_new_parse (element);
  GstVideoInfo info;
  GstCaps *caps;
  GstBuffer *result = gst_buffer_new ();
  GstClipClassifyMeta *meta;
  const gchar *labels[] = { "a person" };
  const gdouble scores[] = { 0.9 };
  gint64 start = 0;

  gst_video_info_set_format (&info, format, w, h);
  caps = gst_video_info_to_caps (&info);
  gst_harness_set_src_caps (harness, caps);
  meta = gst_buffer_add_clip_classify_meta (result, 0, NULL, NULL, TRUE, 0,
      0, TRUE, 1.0);
  gst_clip_classify_meta_add_region (meta, 1, "person", 16, 48, rw, rh, 1,
      labels, scores, TRUE);

  for (int i = 0; i < FRAMES; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, info.size, NULL);

    gst_buffer_memset (in, 0, 0x80, info.size);
    gst_buffer_add_clip_classify_meta_from (in, meta, TRUE);
    if (i == WARMUP)
      start = g_get_monotonic_time ();
    gst_buffer_unref (gst_harness_push_and_pull (harness, in));
  }
  gst_buffer_unref (result);
  gst_harness_teardown (harness);
  return (g_get_monotonic_time () - start) / 1000.0 / (FRAMES - WARMUP);
}

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  static const struct
  {
    GstVideoFormat format;
    int w, h, rw, rh;
  } cases[] = {
    {GST_VIDEO_FORMAT_I420, 1920, 1080, 200, 300},
    {GST_VIDEO_FORMAT_I420, 1920, 1080, 900, 900},
    {GST_VIDEO_FORMAT_I420, 1920, 1080, 1880, 1020},
    {GST_VIDEO_FORMAT_BGRx, 1920, 1080, 1880, 1020},
    {GST_VIDEO_FORMAT_I420, 3840, 2160, 400, 600},
    {GST_VIDEO_FORMAT_I420, 3840, 2160, 3800, 2100},
  };

  gst_init (&argc, &argv);
  printf ("%-24s %14s %12s %14s\n", "frame, region", "identity ms",
      "clipoverlay", "(median ms per frame)");
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    double ident[ROUNDS], over[ROUNDS];
    char name[64];

    for (int r = 0; r < ROUNDS; r++) {
      ident[r] = run ("identity", cases[c].format, cases[c].w, cases[c].h,
          cases[c].rw, cases[c].rh);
      over[r] = run ("clipoverlay", cases[c].format, cases[c].w, cases[c].h,
          cases[c].rw, cases[c].rh);
    }
    qsort (ident, ROUNDS, sizeof (double), compare);
    qsort (over, ROUNDS, sizeof (double), compare);
    g_snprintf (name, sizeof (name), "%dx%d %s, %dx%d", cases[c].w,
        cases[c].h, gst_video_format_to_string (cases[c].format),
        cases[c].rw, cases[c].rh);
    printf ("%-24s %14.3f %12.3f\n", name, ident[ROUNDS / 2],
        over[ROUNDS / 2]);
  }
  return 0;
}
