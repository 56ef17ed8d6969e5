/* test-regions.c: inference-region=roi-list. Each region's probabilities
 * must equal those the engine gives for the same crop fed to it directly
 * (a GdkPixbuf sub-image, the engine's own preprocessing and towers, no
 * element code), a region covering the whole golden image must match
 * OpenAI's golden logits, a region of a Y'CbCr frame must match the same
 * pixels cut out by GstVideoConverter, and a real detector (facedetect, when
 * gstreamer1.0-opencv is installed) must lead to the same numbers. */
#include <math.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "clip.h"
#include "golden.h"
#include "element-common.h"

#define MODEL "tiny-quickgelu-p32-f32/hf"
/* golden texts 0..2 */
#define LABELS "a photo of a cat,a photo of a dog,an astronaut"
static const char *const labels[] = { "a photo of a cat", "a photo of a dog",
  "an astronaut"
};

#define N_LABELS 3
/* The element and the reference preprocess the same pixels with the same
 * engine: only float summation order may differ. */
#define SAME 1e-5
#define GOLDEN_TOLERANCE 0.02

static ClipModel *model;
static ClipWorkspace *ws;
static ClipLabelSet *set;
static GdkPixbuf *astronaut;

/* Engine probabilities of the (x, y, w, h) crop of @pb, in label order. */
static void
reference_probs (GdkPixbuf * pb, guint x, guint y, guint w, guint h,
    double *out)
{
  GdkPixbuf *sub = gdk_pixbuf_new_subpixbuf (pb, x, y, w, h);
  ClipImage img = clip_image_rgb (gdk_pixbuf_read_pixels (sub), w, h,
      gdk_pixbuf_get_rowstride (sub));
  float *input = g_new (float, clip_model_input_size (model));
  float embed[1024], probs[N_LABELS];
  int i;

  g_assert_true (clip_preprocess (model, &img, input, NULL));
  g_assert_true (clip_vision_encode (ws, input, 1, embed, TRUE, NULL));
  clip_label_set_score (set, embed, NULL, probs);
  for (i = 0; i < N_LABELS; i++)
    out[i] = probs[i];
  g_free (input);
  g_object_unref (sub);
}

static GstBuffer *
astronaut_frame (GstVideoInfo * info)
{
  return element_frame_from_rgb (GST_VIDEO_FORMAT_RGB,
      gdk_pixbuf_get_width (astronaut), gdk_pixbuf_get_height (astronaut),
      gdk_pixbuf_read_pixels (astronaut),
      gdk_pixbuf_get_rowstride (astronaut), info);
}

static GstHarness *
region_harness (const char *first, ...)
{
  GstHarness *h = element_harness_new (NULL, "labels", LABELS, "prompt",
      "{}", "top-k", "0", "inference-region", "roi-list", "label-cache",
      "false", NULL);
  GstVideoInfo info;
  GstBuffer *b = astronaut_frame (&info);
  GstCaps *caps = gst_video_info_to_caps (&info);
  va_list ap;

  gst_buffer_unref (b);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  if (first) {
    const char *name = first;
    va_start (ap, first);
    while (name) {
      const char *value = va_arg (ap, const char *);
      element_set_props (h->element, name, value, NULL);
      name = va_arg (ap, const char *);
    }
    va_end (ap);
  }
  return h;
}

static double
meta_prob (GstClipClassifyMeta * meta, guint region, int i)
{
  guint rank;
  gdouble score;
  const gchar *l;

  for (rank = 0; (l = gst_clip_classify_meta_get_region_result (meta, region,
              rank, &score)); rank++)
    if (strcmp (l, labels[i]) == 0)
      return score;
  return -1;
}

static void
test_regions_match_crops (void)
{
  static const guint rects[][4] = {
    {175, 64, 97, 97}, {0, 0, 512, 512}, {301, 7, 211, 140}, {3, 250, 60,
        250}
  };
  GstHarness *h = region_harness (NULL);
  GstVideoInfo info;
  GstBuffer *in = astronaut_frame (&info), *out;
  GstClipClassifyMeta *meta;
  GList *msgs;
  const GValue *regions;
  guint r;

  GST_BUFFER_PTS (in) = 0;
  for (r = 0; r < G_N_ELEMENTS (rects); r++) {
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta (in, "object",
        rects[r][0], rects[r][1], rects[r][2], rects[r][3]);
    roi->id = 10 + r;
  }
  out = gst_harness_push_and_pull (h, in);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (meta->n_results, ==, 0);
  g_assert_cmpuint (gst_clip_classify_meta_get_n_regions (meta), ==,
      G_N_ELEMENTS (rects));
  msgs = element_pop_results (h);
  g_assert_cmpuint (g_list_length (msgs), ==, 1);
  regions = gst_structure_get_value (gst_message_get_structure (msgs->data),
      "regions");
  g_assert_cmpuint (gst_value_array_get_size (regions), ==,
      G_N_ELEMENTS (rects));

  for (r = 0; r < G_N_ELEMENTS (rects); r++) {
    double want[N_LABELS];
    gint id;
    guint x, y, w, hh, i;
    const GstStructure *entry = gst_value_get_structure
        (gst_value_array_get_value (regions, r));
    gpointer state = NULL;
    GstVideoRegionOfInterestMeta *roi = NULL;
    GstStructure *param;

    for (i = 0; i <= r; i++)
      roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (out, &state,
          GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
    param = gst_video_region_of_interest_meta_get_param (roi, "clipclassify");
    g_assert_nonnull (param);

    g_assert_true (gst_clip_classify_meta_get_region (meta, r, &id, NULL, &x,
            &y, &w, &hh, NULL));
    g_assert_cmpint (id, ==, 10 + (gint) r);
    g_assert_cmpuint (x, ==, rects[r][0]);
    g_assert_cmpuint (w, ==, rects[r][2]);
    reference_probs (astronaut, x, y, w, hh, want);
    for (i = 0; i < N_LABELS; i++) {
      g_test_message ("region %u %s: %.5f (direct crop %.5f)", r, labels[i],
          meta_prob (meta, r, i), want[i]);
      g_assert_cmpfloat (fabs (meta_prob (meta, r, i) - want[i]), <=, SAME);
      g_assert_cmpfloat (fabs (element_result_score (param, labels[i]) -
              want[i]), <=, SAME);
      g_assert_cmpfloat (fabs (element_result_score (entry, labels[i]) -
              want[i]), <=, SAME);
    }
    if (r == 1) {
      /* The whole image: OpenAI's logits for image 0, texts 0..2. */
      NpyArray *l = golden_npy ("tiny-quickgelu-p32-f32/logits_per_image.npy");
      const double *row = l->data;
      double sum = 0, max = MAX (row[0], MAX (row[1], row[2]));
      for (i = 0; i < N_LABELS; i++)
        sum += exp (row[i] - max);
      for (i = 0; i < N_LABELS; i++)
        g_assert_cmpfloat (fabs (meta_prob (meta, r, i) -
                exp (row[i] - max) / sum), <=, GOLDEN_TOLERANCE);
      npy_free (l);
    }
  }
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  gst_buffer_unref (out);
  element_harness_teardown (h);
}

/* Regions of Y'CbCr frames, at odd coordinates: the element reads the
 * pixels from the chroma grid's even column (and for 4:2:0 row) before
 * them, so each region's probabilities equal those of that wider
 * rectangle cut out of the frame by GstVideoConverter and classified as a
 * whole frame. */
static void
test_regions_yuv (void)
{
  static const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_YV12,
    GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_YVYU,
  };
  static const guint rect[4] = { 301, 7, 151, 140 };
  int iw = gdk_pixbuf_get_width (astronaut);
  int ih = gdk_pixbuf_get_height (astronaut);

  for (size_t f = 0; f < G_N_ELEMENTS (formats); f++) {
    const GstVideoFormatInfo *finfo = gst_video_format_get_info (formats[f]);
    /* log2 of the chroma subsampling down: 1 for 4:2:0, 0 for 4:2:2 */
    guint down = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1);
    guint x0 = rect[0] & ~1u, y0 = rect[1] >> down << down;
    GstVideoInfo info, cut_info;
    GstBuffer *in = element_frame_from_rgb (formats[f], iw, ih,
        gdk_pixbuf_read_pixels (astronaut),
        gdk_pixbuf_get_rowstride (astronaut), &info);
    GstBuffer *cut = element_cut_out (in, &info, x0, y0,
        rect[2] + rect[0] - x0, rect[3] + rect[1] - y0, &cut_info);
    GstHarness *h = element_harness_new (NULL, "labels", LABELS, "prompt",
        "{}", "top-k", "0", "inference-region", "roi-list", "label-cache",
        "false", NULL);
    GstHarness *whole = element_harness_new (NULL, "labels", LABELS,
        "prompt", "{}", "top-k", "0", "label-cache", "false", NULL);
    GstCaps *caps = gst_video_info_to_caps (&info);
    GstBuffer *out, *out_whole;
    GstClipClassifyMeta *meta, *meta_whole;

    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
    gst_harness_set_src_caps (h, caps);
    caps = gst_video_info_to_caps (&cut_info);
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
    gst_harness_set_src_caps (whole, caps);

    gst_buffer_add_video_region_of_interest_meta (in, "object", rect[0],
        rect[1], rect[2], rect[3]);
    out = gst_harness_push_and_pull (h, in);
    out_whole = gst_harness_push_and_pull (whole, cut);
    meta = gst_buffer_get_clip_classify_meta (out);
    meta_whole = gst_buffer_get_clip_classify_meta (out_whole);
    g_assert_nonnull (meta);
    g_assert_nonnull (meta_whole);
    g_assert_cmpuint (gst_clip_classify_meta_get_n_regions (meta), ==, 1);
    for (int i = 0; i < N_LABELS; i++) {
      double want = gst_clip_classify_meta_get_score (meta_whole, labels[i]);
      g_test_message ("%s region %s: %.6f (cut out: %.6f)",
          gst_video_format_to_string (formats[f]), labels[i],
          meta_prob (meta, 0, i), want);
      g_assert_cmpfloat (want, >=, 0.0);
      g_assert_cmpfloat (fabs (meta_prob (meta, 0, i) - want), <=, SAME);
    }
    gst_buffer_unref (out);
    gst_buffer_unref (out_whole);
    element_harness_teardown (h);
    element_harness_teardown (whole);
  }
}

static void
test_filters_and_empty (void)
{
  GstHarness *h = region_harness ("object-class", "face, cat",
      "min-roi-size", "40", NULL);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstClipClassifyMeta *meta;
  GstVideoRegionOfInterestMeta *face, *car, *small;
  GList *msgs;

  /* No region at all: no meta, no message, no error. */
  in = astronaut_frame (&info);
  out = gst_harness_push_and_pull (h, in);
  g_assert_null (gst_buffer_get_clip_classify_meta (out));
  gst_buffer_unref (out);
  g_assert_null (element_pop_results (h));

  in = astronaut_frame (&info);
  face = gst_buffer_add_video_region_of_interest_meta (in, "face", 175, 64,
      97, 97);
  car = gst_buffer_add_video_region_of_interest_meta (in, "car", 0, 0, 100,
      100);
  small = gst_buffer_add_video_region_of_interest_meta (in, "cat", 0, 0, 39,
      200);
  (void) face;
  (void) car;
  (void) small;
  out = gst_harness_push_and_pull (h, in);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_clip_classify_meta_get_n_regions (meta), ==, 1);
  {
    const gchar *type;
    gpointer state = NULL;
    GstVideoRegionOfInterestMeta *roi;
    guint with_param = 0;

    g_assert_true (gst_clip_classify_meta_get_region (meta, 0, NULL, &type,
            NULL, NULL, NULL, NULL, NULL));
    g_assert_cmpstr (type, ==, "face");
    while ((roi = (GstVideoRegionOfInterestMeta *)
            gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
      if (gst_video_region_of_interest_meta_get_param (roi, "clipclassify")) {
        with_param++;
        g_assert_cmpstr (g_quark_to_string (roi->roi_type), ==, "face");
      }
    g_assert_cmpuint (with_param, ==, 1);
  }
  msgs = element_pop_results (h);
  g_assert_cmpuint (g_list_length (msgs), ==, 1);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  gst_buffer_unref (out);
  element_harness_teardown (h);
}

/* A tracked id is classified on frames 0 and 3 only: on 1 and 2 its result
 * is carried although the pixels under it changed. */
static void
test_reclassify_interval (void)
{
  GstHarness *h = region_harness ("reclassify-interval", "3", NULL);
  double first[N_LABELS], now[N_LABELS], want[N_LABELS];
  guint f;
  int i;

  reference_probs (astronaut, 175, 64, 97, 97, first);
  for (f = 0; f < 4; f++) {
    GstVideoInfo info;
    GstBuffer *in = astronaut_frame (&info), *out;
    GstVideoRegionOfInterestMeta *roi;
    /* From frame 1 on the region is moved over another part. */
    guint x = f == 0 ? 175 : 301;

    roi = gst_buffer_add_video_region_of_interest_meta (in, "face", x, 64,
        97, 97);
    roi->id = 42;
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    out = gst_harness_push_and_pull (h, in);
    for (i = 0; i < N_LABELS; i++)
      now[i] = meta_prob (gst_buffer_get_clip_classify_meta (out), 0, i);
    reference_probs (astronaut, x, 64, 97, 97, want);
    for (i = 0; i < N_LABELS; i++)
      g_assert_cmpfloat (fabs (now[i] - (f == 1 || f == 2 ? first[i] :
                  want[i])), <=, SAME);
    gst_buffer_unref (out);
  }
  /* A changed crop shows: the frame 3 result is not the carried one. */
  g_assert_cmpfloat (fabs (now[0] - first[0]) + fabs (now[2] - first[2]), >,
      1e-4);
  element_harness_teardown (h);
}

/* A tracked region announces its label once, with its id. */
static void
test_region_changes (void)
{
  GstHarness *h = region_harness (NULL);
  double want[N_LABELS];
  guint f, changes = 0;
  int best = 0, i;

  reference_probs (astronaut, 301, 7, 211, 140, want);
  for (i = 1; i < N_LABELS; i++)
    if (want[i] > want[best])
      best = i;
  for (f = 0; f < 3; f++) {
    GstVideoInfo info;
    GstBuffer *in = astronaut_frame (&info);
    GstVideoRegionOfInterestMeta *roi;
    GstMessage *msg;

    roi = gst_buffer_add_video_region_of_interest_meta (in, "object", 301, 7,
        211, 140);
    roi->id = 5;
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    gst_buffer_unref (gst_harness_push_and_pull (h, in));
    while ((msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (h->element),
                GST_MESSAGE_ELEMENT))) {
      if (gst_message_has_name (msg, "clipclassify-change")) {
        const GstStructure *s = gst_message_get_structure (msg);
        gint id;
        g_assert_true (gst_structure_get_int (s, "region-id", &id));
        g_assert_cmpint (id, ==, 5);
        g_assert_cmpstr (gst_structure_get_string (s, "previous"), ==, "");
        g_assert_cmpstr (gst_structure_get_string (s, "label"), ==,
            labels[best]);
        changes++;
      }
      gst_message_unref (msg);
    }
  }
  g_assert_cmpuint (changes, ==, 1);
  element_harness_teardown (h);
}

/* astronaut.png through facedetect: one "face" region, whose result is the
 * engine's on the crop facedetect reported. */
static void
test_facedetect (void)
{
  GstElement *pipe;
  GstBus *bus;
  GstMessage *msg;
  char *path, *desc;
  const GValue *regions;
  const GstStructure *entry;
  double want[N_LABELS];
  guint x, y, w, hh, faces = 0;
  int i;

  if (!gst_registry_check_feature_version (gst_registry_get (), "facedetect",
          1, 0, 0)) {
    g_test_skip ("facedetect (gstreamer1.0-opencv) is not installed");
    return;
  }
  path = golden_path ("images/astronaut.png");
  desc = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! videoconvert ! "
      "facedetect display=false ! clipclassify name=c model=\"%s\" "
      "labels=\"" LABELS "\" prompt={} top-k=0 inference-region=roi-list "
      "object-class=face label-cache=false ! fakesink", path,
      element_test_model ());
  pipe = gst_parse_launch (desc, NULL);
  g_assert_nonnull (pipe);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      g_error ("pipeline error");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    if (gst_message_has_name (msg, "clipclassify")) {
      regions = gst_structure_get_value (gst_message_get_structure (msg),
          "regions");
      g_assert_cmpuint (gst_value_array_get_size (regions), ==, 1);
      entry = gst_value_get_structure (gst_value_array_get_value (regions,
              0));
      g_assert_cmpstr (gst_structure_get_string (entry, "roi-type"), ==,
          "face");
      gst_structure_get_uint (entry, "x", &x);
      gst_structure_get_uint (entry, "y", &y);
      gst_structure_get_uint (entry, "width", &w);
      gst_structure_get_uint (entry, "height", &hh);
      g_test_message ("face at %u,%u %ux%u: %s", x, y, w, hh,
          gst_structure_get_string (entry, "label"));
      reference_probs (astronaut, x, y, w, hh, want);
      for (i = 0; i < N_LABELS; i++)
        g_assert_cmpfloat (fabs (element_result_score (entry, labels[i]) -
                want[i]), <=, SAME);
      faces++;
    }
    gst_message_unref (msg);
  }
  g_assert_cmpuint (faces, ==, 1);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
}

int
main (int argc, char **argv)
{
  const char *tmpl[] = { "{}" };
  ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };
  char *path;
  int ret;

  element_test_init (&argc, &argv);
  model = clip_model_load (element_test_model (), NULL, NULL);
  g_assert_nonnull (model);
  ws = clip_workspace_new (model, 1, NULL);
  set = clip_label_set_new (model, ws, labels, N_LABELS, &p, NULL);
  g_assert_nonnull (set);
  path = golden_path ("images/astronaut.png");
  astronaut = gdk_pixbuf_new_from_file (path, NULL);
  g_assert_nonnull (astronaut);
  g_free (path);

  g_test_add_func ("/clipclassify/regions/match-direct-crops",
      test_regions_match_crops);
  g_test_add_func ("/clipclassify/regions/yuv-formats", test_regions_yuv);
  g_test_add_func ("/clipclassify/regions/filters-and-empty",
      test_filters_and_empty);
  g_test_add_func ("/clipclassify/regions/reclassify-interval",
      test_reclassify_interval);
  g_test_add_func ("/clipclassify/regions/changes", test_region_changes);
  g_test_add_func ("/clipclassify/regions/facedetect", test_facedetect);
  ret = g_test_run ();

  g_object_unref (astronaut);
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (model);
  element_test_cleanup ();
  return ret;
}
