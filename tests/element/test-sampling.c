/* test-sampling.c: which frames are inferred (interval, max-rate, flushes),
 * the meta on every buffer, the message fields, top-k and threshold, and
 * the meta surviving downstream elements. Sync mode, golden tiny model. */
#include <string.h>

#include "element-common.h"

#define FPS 30
#define CAPS_320 "video/x-raw,format=I420,width=320,height=240,framerate=30/1"

/* Pushes frame @i (PTS i/30 s, as videotestsrc stamps them) and returns
 * the output buffer. */
static GstBuffer *
push_frame (GstHarness * h, guint64 i)
{
  GstVideoInfo info;
  GstBuffer *in = element_pattern_frame (GST_VIDEO_FORMAT_I420, 320, 240,
      (guint) (i % 5), &info);
  GstBuffer *out;

  GST_BUFFER_PTS (in) = gst_util_uint64_scale (i, GST_SECOND, FPS);
  GST_BUFFER_DURATION (in) = gst_util_uint64_scale (i + 1, GST_SECOND, FPS)
      - GST_BUFFER_PTS (in);
  out = gst_harness_push_and_pull (h, in);
  g_assert_nonnull (out);
  return out;
}

/* The frames of @n that the documented rule infers, computed here from the
 * rule's text with exact rationals: frame k (stream time k/FPS) is a
 * candidate when k % interval == 0, and is inferred when it is the first
 * candidate in slot floor (k * rate / FPS). @rate_milli is max-rate * 1000
 * (0: no limit). */
static gboolean *
expected_frames (guint n, guint interval, guint64 rate_milli)
{
  gboolean *want = g_new0 (gboolean, n);
  gint64 last_slot = -1;
  guint k;

  for (k = 0; k < n; k++) {
    gint64 slot;

    if (k % interval != 0)
      continue;
    slot = rate_milli ? (gint64) ((k * rate_milli) / (FPS * 1000)) : k;
    if (slot == last_slot)
      continue;
    want[k] = TRUE;
    last_slot = slot;
  }
  return want;
}

/* Runs @n frames and checks inferences, messages and metas against
 * expected_frames (). */
static void
check_sampling (guint n, guint interval, const char *max_rate,
    guint64 rate_milli)
{
  char *interval_str = g_strdup_printf ("%u", interval);
  GstHarness *h = element_harness_new (CAPS_320, "labels", "person,car",
      "interval", interval_str, "max-rate", max_rate, NULL);
  gboolean *want = expected_frames (n, interval, rate_milli);
  guint64 last_inferred = G_MAXUINT64;
  guint k, n_want = 0;
  GList *msgs, *l;

  for (k = 0; k < n; k++) {
    GstBuffer *out = push_frame (h, k);
    GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (out);

    if (want[k]) {
      last_inferred = k;
      n_want++;
    }
    /* Frame 0 is always inferred, so every buffer carries a result. */
    g_assert_nonnull (meta);
    g_assert_cmpint (meta->from_this_frame, ==, want[k]);
    g_assert_cmpuint (meta->inferred_frame, ==, last_inferred);
    g_assert_cmpuint (meta->inferred_pts, ==,
        gst_util_uint64_scale (last_inferred, GST_SECOND, FPS));
    gst_buffer_unref (out);
  }

  msgs = element_pop_results (h);
  g_assert_cmpuint (g_list_length (msgs), ==, n_want);
  for (l = msgs, k = 0; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);
    guint64 frame;

    while (!want[k])
      k++;
    g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
    g_assert_cmpuint (frame, ==, k);
    k++;
  }
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

  g_assert_cmpuint (element_get_u64 (h, "frames-seen"), ==, n);
  g_assert_cmpuint (element_get_u64 (h, "inferences"), ==, n_want);
  g_assert_cmpuint (element_get_u64 (h, "frames-skipped"), ==, 0);
  g_test_message ("interval %u max-rate %s: %u of %u frames inferred",
      interval, max_rate, n_want, n);

  g_free (want);
  g_free (interval_str);
  element_harness_teardown (h);
}

static void
test_interval (void)
{
  check_sampling (31, 1, "0", 0);
  check_sampling (31, 3, "0", 0);
  check_sampling (31, 15, "0", 0);
}

static void
test_max_rate (void)
{
  check_sampling (61, 1, "10", 10000);  /* every third frame */
  check_sampling (61, 1, "7", 7000);    /* uneven spacing, 7 per second */
  check_sampling (61, 1, "0.5", 500);   /* slots longer than the stream */
  check_sampling (61, 4, "5", 5000);    /* both rules together */
}

/* After a flush the interval counts from the first new frame, and no result
 * from before the flush is attached. */
static void
test_flush_restarts_interval (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels", "person,car",
      "interval", "3", NULL);
  GstClipClassifyMeta *meta;
  GstSegment segment;
  GstBuffer *out;
  guint64 k;

  for (k = 0; k < 5; k++)       /* inferred: 0, 3 */
    gst_buffer_unref (push_frame (h, k));

  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&segment)));

  for (k = 5; k < 12; k++) {    /* inferred: 5, 8, 11 */
    out = push_frame (h, k);
    meta = gst_buffer_get_clip_classify_meta (out);
    g_assert_nonnull (meta);
    g_assert_cmpint (meta->from_this_frame, ==, (k - 5) % 3 == 0);
    g_assert_cmpuint (meta->inferred_frame, ==, k - (k - 5) % 3);
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (element_get_u64 (h, "inferences"), ==, 5);
  element_harness_teardown (h);
}

static void
assert_field_type (const GstStructure * s, const char *name, GType type)
{
  const GValue *v = gst_structure_get_value (s, name);

  if (!v)
    g_error ("message has no field %s: %" GST_PTR_FORMAT, name, s);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (v), ==, g_type_name (type));
}

/* Every field, its type and its value, in a segment whose stream time,
 * running time and PTS all differ. */
static void
test_message_fields (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels",
      "person, car ,tree\\, or bush", "interval", "2", "top-k", "2", NULL);
  GstSegment segment;
  GList *msgs, *l;
  guint64 k, i = 0;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.base = 5 * GST_SECOND;        /* running = pts + 5 s */
  segment.time = 100 * GST_SECOND;      /* stream = pts + 100 s */
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (k = 0; k < 6; k++)
    gst_buffer_unref (push_frame (h, k));

  msgs = element_pop_results (h);
  g_assert_cmpuint (g_list_length (msgs), ==, 3);
  for (l = msgs; l; l = l->next, i += 2) {
    GstMessage *msg = l->data;
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 pts = gst_util_uint64_scale (i, GST_SECOND, FPS), u;
    const GValue *labels, *scores;
    gdouble score, ms, prev = 2.0;
    const gchar *label;
    guint j;

    g_assert_true (GST_MESSAGE_SRC (msg) == GST_OBJECT (h->element));
    assert_field_type (s, "timestamp", G_TYPE_UINT64);
    assert_field_type (s, "stream-time", G_TYPE_UINT64);
    assert_field_type (s, "running-time", G_TYPE_UINT64);
    assert_field_type (s, "duration", G_TYPE_UINT64);
    assert_field_type (s, "frame", G_TYPE_UINT64);
    assert_field_type (s, "label", G_TYPE_STRING);
    assert_field_type (s, "score", G_TYPE_DOUBLE);
    assert_field_type (s, "labels", GST_TYPE_ARRAY);
    assert_field_type (s, "scores", GST_TYPE_ARRAY);
    assert_field_type (s, "inference-ms", G_TYPE_DOUBLE);

    gst_structure_get_uint64 (s, "timestamp", &u);
    g_assert_cmpuint (u, ==, pts);
    gst_structure_get_uint64 (s, "stream-time", &u);
    g_assert_cmpuint (u, ==, pts + 100 * GST_SECOND);
    gst_structure_get_uint64 (s, "running-time", &u);
    g_assert_cmpuint (u, ==, pts + 5 * GST_SECOND);
    gst_structure_get_uint64 (s, "duration", &u);
    g_assert_cmpuint (u, ==,
        gst_util_uint64_scale (i + 1, GST_SECOND, FPS) - pts);
    gst_structure_get_uint64 (s, "frame", &u);
    g_assert_cmpuint (u, ==, i);
    gst_structure_get_double (s, "inference-ms", &ms);
    g_assert_cmpfloat (ms, >, 0.0);

    labels = gst_structure_get_value (s, "labels");
    scores = gst_structure_get_value (s, "scores");
    g_assert_cmpuint (gst_value_array_get_size (labels), ==, 2);
    g_assert_cmpuint (gst_value_array_get_size (scores), ==, 2);
    for (j = 0; j < 2; j++) {
      const GValue *lv = gst_value_array_get_value (labels, j);
      const GValue *sv = gst_value_array_get_value (scores, j);
      const char *text;

      g_assert_true (G_VALUE_HOLDS_STRING (lv));
      g_assert_true (G_VALUE_HOLDS_DOUBLE (sv));
      text = g_value_get_string (lv);
      g_assert_true (!g_strcmp0 (text, "person") || !g_strcmp0 (text, "car")
          || !g_strcmp0 (text, "tree, or bush"));
      g_assert_cmpfloat (g_value_get_double (sv), <=, prev);
      prev = g_value_get_double (sv);
    }
    label = gst_structure_get_string (s, "label");
    gst_structure_get_double (s, "score", &score);
    g_assert_cmpstr (label, ==,
        g_value_get_string (gst_value_array_get_value (labels, 0)));
    g_assert_cmpfloat (score, ==,
        g_value_get_double (gst_value_array_get_value (scores, 0)));
  }
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  element_harness_teardown (h);
}

/* top-k = 0 reports every label with probabilities summing to 1; a
 * threshold above the top probability reports no match. */
static void
test_top_k_and_threshold (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels",
      "a,b,c,d,e,f,g", "top-k", "0", NULL);
  GstClipClassifyMeta *meta;
  const GstStructure *s;
  GstMessage *msg;
  GstBuffer *out;
  gboolean matched;
  gdouble sum = 0.0;
  guint j;

  out = push_frame (h, 0);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_cmpuint (meta->n_results, ==, 7);
  g_assert_null (meta->labels[7]);
  for (j = 0; j < 7; j++)
    sum += meta->scores[j];
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  g_assert_true (meta->matched);
  g_assert_cmpstr (gst_clip_classify_meta_get_top_label (meta), ==,
      meta->labels[0]);
  gst_buffer_unref (out);

  g_object_set (h->element, "top-k", 1, "threshold", 0.999, NULL);
  out = push_frame (h, 1);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_cmpuint (meta->n_results, ==, 1);
  g_assert_cmpfloat (meta->scores[0], <, 0.999);
  g_assert_false (meta->matched);
  g_assert_null (gst_clip_classify_meta_get_top_label (meta));
  gst_buffer_unref (out);

  g_list_free_full (element_pop_results (h), (GDestroyNotify)
      gst_message_unref);
  out = push_frame (h, 2);
  gst_buffer_unref (out);
  msg = element_wait_result (h, 5.0);
  g_assert_nonnull (msg);
  s = gst_message_get_structure (msg);
  g_assert_cmpstr (gst_structure_get_string (s, "label"), ==, "");
  g_assert_true (gst_structure_get_boolean (s, "matched", &matched));
  g_assert_false (matched);
  gst_message_unref (msg);
  element_harness_teardown (h);
}

/* Pixels pass through untouched; a buffer someone else still holds is not
 * written and its memory is shared, not copied. */
static void
test_pixels_untouched (void)
{
  GstHarness *h = element_harness_new (CAPS_320, "labels", "person,car",
      NULL);
  GstVideoInfo info;
  GstBuffer *in = element_pattern_frame (GST_VIDEO_FORMAT_I420, 320, 240, 3,
      &info), *out;
  GstMapInfo a, b;

  GST_BUFFER_PTS (in) = 0;
  gst_buffer_ref (in);          /* not writable for the element */
  out = gst_harness_push_and_pull (h, in);
  g_assert_true (out != in);
  g_assert_nonnull (gst_buffer_get_clip_classify_meta (out));
  g_assert_null (gst_buffer_get_clip_classify_meta (in));
  g_assert_true (gst_buffer_peek_memory (out, 0) ==
      gst_buffer_peek_memory (in, 0));
  g_assert_true (gst_buffer_map (in, &a, GST_MAP_READ));
  g_assert_true (gst_buffer_map (out, &b, GST_MAP_READ));
  g_assert_cmpuint (a.size, ==, b.size);
  g_assert_true (a.data == b.data);
  gst_buffer_unmap (out, &b);
  gst_buffer_unmap (in, &a);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  element_harness_teardown (h);
}

/* The meta survives a queue, a tee, in-place elements, a colour conversion
 * and a scaling. */
static void
test_meta_survives_downstream (void)
{
  char *launch = g_strdup_printf ("clipclassify model=\"%s\" "
      "labels=\"person,car\" ! queue ! tee ! identity ! videoconvert ! "
      "video/x-raw,format=BGRx ! videoscale ! video/x-raw,width=64,height=48 "
      "! queue", element_test_model ());
  GstHarness *h = gst_harness_new_parse (launch);
  GstClipClassifyMeta *meta;
  GstVideoInfo info;
  GstBuffer *in, *out;

  gst_harness_set_src_caps_str (h, CAPS_320);
  in = element_pattern_frame (GST_VIDEO_FORMAT_I420, 320, 240, 1, &info);
  GST_BUFFER_PTS (in) = 0;
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_nonnull (out);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 64 * 48 * 4);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_nonnull (meta);
  g_assert_true (meta->from_this_frame);
  g_assert_cmpuint (meta->n_results, ==, 2);
  g_assert_cmpfloat (gst_clip_classify_meta_get_score (meta, "person"), >=,
      0.0);
  g_assert_cmpfloat (gst_clip_classify_meta_get_score (meta, "car"), >=, 0.0);
  gst_buffer_unref (out);
  element_harness_teardown (h);
  g_free (launch);
}

int
main (int argc, char **argv)
{
  element_test_init (&argc, &argv);
  element_test_model ();

  g_test_add_func ("/clipclassify/sampling/interval", test_interval);
  g_test_add_func ("/clipclassify/sampling/max-rate", test_max_rate);
  g_test_add_func ("/clipclassify/sampling/flush-restarts-interval",
      test_flush_restarts_interval);
  g_test_add_func ("/clipclassify/results/message-fields",
      test_message_fields);
  g_test_add_func ("/clipclassify/results/top-k-threshold",
      test_top_k_and_threshold);
  g_test_add_func ("/clipclassify/results/pixels-untouched",
      test_pixels_untouched);
  g_test_add_func ("/clipclassify/results/meta-survives-downstream",
      test_meta_survives_downstream);
  return g_test_run ();
}
