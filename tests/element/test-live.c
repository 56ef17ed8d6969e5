/* test-live.c: changes while PLAYING (labels, caps) and the LATENCY answer.
 */
#include <string.h>

#include "element-common.h"

#define CAPS_320 "video/x-raw,format=I420,width=320,height=240,framerate=30/1"

static GstBuffer *
push_i420 (GstHarness * h, guint64 i, double *ms)
{
  GstVideoInfo info;
  GstBuffer *in = element_pattern_frame (GST_VIDEO_FORMAT_I420, 320, 240,
      (guint) (i % 3), &info), *out;
  gint64 t0;

  GST_BUFFER_PTS (in) = gst_util_uint64_scale (i, GST_SECOND, 30);
  t0 = g_get_monotonic_time ();
  out = gst_harness_push_and_pull (h, in);
  if (ms)
    *ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_nonnull (out);
  return out;
}

static gboolean
meta_has_label_prefix (GstClipClassifyMeta * meta, const char *prefix)
{
  return meta && meta->n_results > 0 &&
      g_str_has_prefix (meta->labels[0], prefix);
}

/* 300 labels take the text tower a while; the stream must not notice. */
static void
test_label_change_does_not_stall (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels", "person,car",
      "top-k", "0", NULL);
  GString *many = g_string_new (NULL);
  double ms, max_ms = 0.0, before_ms[5], rebuild_ms;
  guint64 i = 0;
  gint64 t0;
  guint j, pushes = 0;
  GstBuffer *out;
  GstClipClassifyMeta *meta;

  for (j = 0; j < G_N_ELEMENTS (before_ms); j++)
    gst_buffer_unref (push_i420 (h, i++, &before_ms[j]));
  for (j = 0; j < 300; j++)
    g_string_append_printf (many, "%sobject number %u", j ? "," : "", j);

  t0 = g_get_monotonic_time ();
  g_object_set (h->element, "labels", many->str, NULL);
  /* Setting the property only queues the rebuild. */
  g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1000.0, <, 100.0);
  for (;;) {
    out = push_i420 (h, i++, &ms);
    meta = gst_buffer_get_clip_classify_meta (out);
    pushes++;
    if (meta_has_label_prefix (meta, "object number ")) {
      g_assert_cmpuint (meta->n_results, ==, 300);
      gst_buffer_unref (out);
      break;
    }
    /* Until the swap the old set is used, whole. */
    g_assert_cmpuint (meta->n_results, ==, 2);
    max_ms = MAX (max_ms, ms);
    gst_buffer_unref (out);
    g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1e6, <, 60.0);
    g_usleep (2000);
  }
  rebuild_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_test_message ("300 labels swapped in after %.0f ms and %u frames; "
      "slowest frame meanwhile %.1f ms (median before %.1f ms)", rebuild_ms,
      pushes, max_ms, element_median (before_ms, G_N_ELEMENTS (before_ms)));
  if (pushes > 3)
    g_assert_cmpfloat (max_ms, <, rebuild_ms / 2);

  g_string_free (many, TRUE);
  element_harness_teardown (h);
}

/* In async mode too; and a bad label set while PLAYING is a warning that
 * keeps the labels in use. */
static void
test_label_change_async_and_invalid (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels", "person,car",
      "mode", "async", NULL);
  GstBus *bus = gst_element_get_bus (h->element);
  GstClipClassifyMeta *meta;
  GstMessage *warning;
  GstBuffer *out;
  guint64 i = 0;
  gint64 t0 = g_get_monotonic_time ();
  gboolean switched = FALSE;

  g_object_set (h->element, "labels", "tree,boat,house", NULL);
  while (!switched) {
    out = push_i420 (h, i++, NULL);
    meta = gst_buffer_get_clip_classify_meta (out);
    switched = meta && (!g_strcmp0 (meta->labels[0], "tree") ||
        !g_strcmp0 (meta->labels[0], "boat") ||
        !g_strcmp0 (meta->labels[0], "house"));
    gst_buffer_unref (out);
    g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1e6, <, 30.0);
    g_usleep (5000);
  }

  g_object_set (h->element, "labels", " , ", NULL);     /* no label at all */
  warning = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
      GST_MESSAGE_WARNING);
  g_assert_nonnull (warning);
  {
    GError *err = NULL;
    gst_message_parse_warning (warning, &err, NULL);
    g_assert_nonnull (strstr (err->message, "no labels"));
    g_error_free (err);
  }
  gst_message_unref (warning);
  for (t0 = g_get_monotonic_time (); (g_get_monotonic_time () - t0) < 300000;) {
    out = push_i420 (h, i++, NULL);
    meta = gst_buffer_get_clip_classify_meta (out);
    g_assert_true (meta_has_label_prefix (meta, "tree") ||
        meta_has_label_prefix (meta, "boat") ||
        meta_has_label_prefix (meta, "house"));
    gst_buffer_unref (out);
    g_usleep (10000);
  }
  gst_object_unref (bus);
  element_harness_teardown (h);
}

/* New caps mid-stream, down to 1x1 and across formats. */
static void
test_caps_change (void)
{
  static const struct
  {
    GstVideoFormat format;
    int w, h;
  } steps[] = {
    {GST_VIDEO_FORMAT_I420, 320, 240}, {GST_VIDEO_FORMAT_NV12, 640, 360},
    {GST_VIDEO_FORMAT_GRAY8, 1, 1}, {GST_VIDEO_FORMAT_RGBA, 97, 31},
    {GST_VIDEO_FORMAT_xBGR, 33, 400}, {GST_VIDEO_FORMAT_I420, 7, 5},
  };
  GstHarness *h = element_harness_new (NULL, "labels", "person,car", NULL);
  guint s, k, n = 0;

  for (s = 0; s < G_N_ELEMENTS (steps); s++) {
    GstVideoInfo info;
    GstCaps *caps;

    for (k = 0; k < 3; k++) {
      GstBuffer *in = element_pattern_frame (steps[s].format, steps[s].w,
          steps[s].h, k, &info), *out;
      GstClipClassifyMeta *meta;

      if (k == 0) {
        caps = gst_video_info_to_caps (&info);
        gst_harness_set_src_caps (h, caps);
      }
      GST_BUFFER_PTS (in) = n * GST_SECOND / 30;
      out = gst_harness_push_and_pull (h, in);
      meta = gst_buffer_get_clip_classify_meta (out);
      g_assert_nonnull (meta);
      g_assert_true (meta->from_this_frame);
      g_assert_cmpuint (meta->inferred_frame, ==, n);
      gst_buffer_unref (out);
      n++;
    }
  }
  g_assert_cmpuint (element_get_u64 (h, "inferences"), ==, n);
  element_harness_teardown (h);
}

/* Sync mode adds its measured inference time to the latency; async adds
 * nothing. */
static void
test_latency (void)
{
  const char *modes[] = { "sync", "async" };
  guint m;

  for (m = 0; m < 2; m++) {
    GstHarness *h = element_harness_new (CAPS_320, "model",
        element_test_slow_model (), "labels", "person,car", "mode", modes[m],
        "threads", "1", NULL);
    GstClockTime latency;
    double ms;

    gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
    gst_buffer_unref (push_i420 (h, 0, &ms));
    latency = gst_harness_query_latency (h);
    g_test_message ("%s: latency %.1f ms, an inferred frame took %.1f ms",
        modes[m], latency / 1e6, ms);
    if (m == 0) {
      /* At least the warm-up inference, a real measurement (the model
       * takes tens of ms); not more than a few inferences. */
      g_assert_cmpuint (latency, >, 10 * GST_MSECOND + 10 * GST_MSECOND);
      g_assert_cmpuint (latency, <, 10 * GST_MSECOND +
          (GstClockTime) (ms * 5 * GST_MSECOND));
    } else {
      g_assert_cmpuint (latency, ==, 10 * GST_MSECOND);
    }
    element_harness_teardown (h);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  element_test_init (&argc, &argv);
  element_test_model ();

  g_test_add_func ("/clipclassify/live/label-change-does-not-stall",
      test_label_change_does_not_stall);
  g_test_add_func ("/clipclassify/live/label-change-async-and-invalid",
      test_label_change_async_and_invalid);
  g_test_add_func ("/clipclassify/live/caps-change", test_caps_change);
  g_test_add_func ("/clipclassify/live/latency", test_latency);
  ret = g_test_run ();
  element_test_cleanup ();
  return ret;
}
