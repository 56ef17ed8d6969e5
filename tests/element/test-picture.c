/* test-picture.c: what the element classifies is the picture the sink
 * shows.
 *
 * Pixel aspect ratio: a frame whose caps say its pixels are not square
 * (PAL 16:9 SD, 720x576 at 64/45) gives the probabilities the engine gives
 * for it with that ratio (the geometry of the picture as shown, whose
 * bytes preprocess_pil_check.py compares with Pillow), in sync, async and
 * batched mode, and not those of square pixels.
 *
 * Crop metas: a buffer whose GstVideoCropMeta says which part of it is
 * the picture (caps of the cropped size, a GstVideoMeta of the whole
 * buffer) is classified on that part only. videocrop leaves its crop to
 * downstream this way whenever the sink takes crop metas (xvimagesink,
 * ximagesink, waylandsink do), and so may decoders whose frames are
 * padded; clipclassify passes the allocation query on downstream. Every
 * result must equal the element's result for the same rectangle cut out
 * by GstVideoConverter and pushed as a frame of its own, in sync, async
 * and batched mode, and a real videocrop in front must give what it gives
 * when it copies the crop itself.
 *
 * Colorimetry: the caps' matrix and range pick the Y'CbCr matrix the
 * frame is read with.
 *
 * The bundled demo model, which knows videotestsrc's patterns, looks at
 * frames of two patterns side by side (crops) or at a rainbow none of the
 * labels names (ratio, colours), so that the right reading and the wrong
 * one get far apart answers. */
#include <math.h>
#include <string.h>

#include "clip.h"
#include "element-common.h"

/* some of the demo model's classes (models/README.md) */
#define LABELS "colour bars,checkerboard,concentric circles,snow,pinwheel"
static const char *const labels[] = { "colour bars", "checkerboard",
  "concentric circles", "snow", "pinwheel"
};

#define N_LABELS 5
/* The same pixels through the same engine: only the batch a frame ran in
 * may change the float summation order. */
#define SAME 1e-5
/* How far the whole frame's probabilities must be from the crop's, so that
 * classifying the whole buffer could not pass for classifying the crop. */
#define APART 0.05
#define FRAME_W 640
#define FRAME_H 480

/* the bundled demo model, in the source tree */
static gchar *demo_model;

/* sync, async (copies the frame for a worker thread), and a shared batch
 * (copies it for the batcher): properties for harness() */
static const char *const modes[][5] = {
  {NULL}, {"mode", "async", NULL}, {"batch-size", "2", "batch-timeout", "0",
      NULL},
};

/* A @w x @h RGB frame of videotestsrc's @pattern. */
static GstBuffer *
pattern (const char *name, int w, int h)
{
  gchar *desc = g_strdup_printf ("videotestsrc pattern=%s ! capsfilter "
      "caps=video/x-raw,format=RGB,width=%d,height=%d", name, w, h);
  GstHarness *src = gst_harness_new_parse (desc);
  GstBuffer *buf;

  gst_harness_play (src);
  buf = gst_harness_pull (src);
  g_assert_nonnull (buf);
  gst_harness_teardown (src);
  g_free (desc);
  return buf;
}

/* Colour bars on the left half, a checkerboard on the right, @w x @h
 * (@w even) in @format. */
static GstBuffer *
two_patterns (GstVideoFormat format, int w, int h, GstVideoInfo * info)
{
  GstBuffer *bars = pattern ("smpte", w / 2, h);
  GstBuffer *checkers = pattern ("checkers-8", w / 2, h);
  guint8 *rgb = g_malloc ((gsize) w * h * 3);
  GstVideoInfo half;
  GstVideoFrame fb, fc;
  GstBuffer *out;

  gst_video_info_set_format (&half, GST_VIDEO_FORMAT_RGB, w / 2, h);
  g_assert_true (gst_video_frame_map (&fb, &half, bars, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&fc, &half, checkers, GST_MAP_READ));
  for (int y = 0; y < h; y++) {
    guint8 *row = rgb + (gsize) y * w * 3;

    memcpy (row, (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fb, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&fb, 0), w / 2 * 3);
    memcpy (row + w / 2 * 3, (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fc, 0)
        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&fc, 0), w / 2 * 3);
  }
  gst_video_frame_unmap (&fb);
  gst_video_frame_unmap (&fc);
  out = element_frame_from_rgb (format, w, h, rgb, w * 3, info);
  gst_buffer_unref (bars);
  gst_buffer_unref (checkers);
  g_free (rgb);
  return out;
}

/* A harness on @info's caps (@info's size: the picture's) with the extra
 * ("name", "value") properties of @mode, at most two pairs. */
static GstHarness *
harness (const GstVideoInfo * info, const char *const *mode)
{
  /* before the harness starts the element: mode and batch-size are read
   * at start; @mode's NULL ends the list */
  GstHarness *h = element_harness_new (NULL, "model", demo_model,
      "labels", LABELS, "prompt", "{}", "top-k", "0", "label-cache", "false",
      mode[0],
      mode[1], mode[2], mode[3], NULL);
  GstCaps *caps = gst_video_info_to_caps (info);

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  return h;
}

/* Pushes @buf and returns the probabilities of its result message. */
static void
classify (GstHarness * h, GstBuffer * buf, double *probs)
{
  GstMessage *msg;

  gst_buffer_unref (gst_harness_push_and_pull (h, buf));
  msg = element_wait_result (h, ELEMENT_TEST_WAIT / GST_SECOND);
  g_assert_nonnull (msg);
  for (int i = 0; i < N_LABELS; i++) {
    probs[i] = element_result_score (gst_message_get_structure (msg),
        labels[i]);
    g_assert_cmpfloat (probs[i], >=, 0.0);
  }
  gst_message_unref (msg);
}

static double
max_diff (const double *a, const double *b)
{
  double d = 0;

  for (int i = 0; i < N_LABELS; i++)
    d = MAX (d, fabs (a[i] - b[i]));
  return d;
}

/* Logs @what and the probabilities @p, in label order. */
static void
log_probs (const char *what, const double *p)
{
  GString *s = g_string_new (what);

  for (int i = 0; i < N_LABELS; i++)
    g_string_append_printf (s, " %.6f", p[i]);
  g_test_message ("%s", s->str);
  g_string_free (s, TRUE);
}

/* The engine's probabilities (no element code) for the I420 frame @buf of
 * @info, read with @matrix, whose pixels are @par_n / @par_d wide. */
static void
engine_probs (GstBuffer * buf, const GstVideoInfo * info,
    ClipYuvMatrix matrix, int par_n, int par_d, double *out)
{
  const char *tmpl[] = { "{}" };
  ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };
  ClipModel *model = clip_model_load (demo_model, NULL, NULL);
  ClipWorkspace *ws = clip_workspace_new (model, 1, NULL);
  ClipLabelSet *set = clip_label_set_new (model, ws, labels, N_LABELS, &p,
      NULL);
  float *input = g_new (float, clip_model_input_size (model));
  float embed[1024], probs[N_LABELS];
  GstVideoFrame frame;
  ClipImage img = { CLIP_PIXEL_I420, GST_VIDEO_INFO_WIDTH (info),
    GST_VIDEO_INFO_HEIGHT (info), { NULL }, { 0 }, matrix, par_n, par_d
  };

  g_assert_nonnull (set);
  g_assert_cmpint (GST_VIDEO_INFO_FORMAT (info), ==, GST_VIDEO_FORMAT_I420);
  g_assert_cmpint (clip_model_embed_dim (model), <=, 1024);
  g_assert_true (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  for (int i = 0; i < 3; i++) {
    img.planes[i] = GST_VIDEO_FRAME_PLANE_DATA (&frame, i);
    img.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i);
  }
  g_assert_true (clip_preprocess (model, &img, input, NULL));
  g_assert_true (clip_vision_encode (ws, input, 1, embed, TRUE, NULL));
  clip_label_set_score (set, embed, NULL, probs);
  for (int i = 0; i < N_LABELS; i++)
    out[i] = probs[i];
  gst_video_frame_unmap (&frame);
  g_free (input);
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (model);
}

/* videotestsrc's rainbow as a @w x @h I420 frame: none of the labels
 * names it, so the probabilities spread, and follow the picture's
 * geometry and colours closely. */
static GstBuffer *
rainbow (int w, int h, GstVideoInfo * info)
{
  GstBuffer *rgb = pattern ("colors", w, h), *buf;
  GstVideoInfo rgb_info;
  GstVideoFrame frame;

  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGB, w, h);
  g_assert_true (gst_video_frame_map (&frame, &rgb_info, rgb, GST_MAP_READ));
  buf = element_frame_from_rgb (GST_VIDEO_FORMAT_I420, w, h,
      GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), info);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (rgb);
  return buf;
}

static void
test_pixel_aspect (void)
{
  GstVideoInfo info;
  GstBuffer *buf = rainbow (720, 576, &info);
  double want[N_LABELS], square[N_LABELS];

  /* the caps' colorimetry of 720x576 I420 is BT.601 */
  g_assert_cmpint (info.colorimetry.matrix, ==, GST_VIDEO_COLOR_MATRIX_BT601);
  engine_probs (buf, &info, CLIP_YUV_BT601, 64, 45, want);
  engine_probs (buf, &info, CLIP_YUV_BT601, 1, 1, square);
  log_probs ("engine, 64/45:", want);
  log_probs ("engine, square:", square);
  g_assert_cmpfloat (max_diff (want, square), >, APART);

  info.par_n = 64;
  info.par_d = 45;
  for (size_t m = 0; m < G_N_ELEMENTS (modes); m++) {
    GstHarness *h = harness (&info, modes[m]);
    double got[N_LABELS];

    classify (h, gst_buffer_ref (buf), got);
    element_harness_teardown (h);
    log_probs (modes[m][0] ? modes[m][0] : "sync", got);
    g_assert_cmpfloat (max_diff (got, want), <=, SAME);
  }
  gst_buffer_unref (buf);
}

/* The caps' colorimetry picks the matrix and range the frame is read with:
 * the element's probabilities are the engine's with that matrix, and not
 * those of another reading of the same bytes (BT.601 in the same range;
 * limited range for BT.601 full range; BT.709 for SMPTE 240M, read as
 * BT.601). */
static void
test_colorimetry (void)
{
  static const struct
  {
    GstVideoColorRange range;
    GstVideoColorMatrix matrix;
    ClipYuvMatrix want, other;
  } cases[] = {
    {GST_VIDEO_COLOR_RANGE_16_235, GST_VIDEO_COLOR_MATRIX_BT709,
        CLIP_YUV_BT709, CLIP_YUV_BT601},
    {GST_VIDEO_COLOR_RANGE_0_255, GST_VIDEO_COLOR_MATRIX_BT709,
        CLIP_YUV_BT709_FULL, CLIP_YUV_BT601_FULL},
    {GST_VIDEO_COLOR_RANGE_16_235, GST_VIDEO_COLOR_MATRIX_BT2020,
        CLIP_YUV_BT2020, CLIP_YUV_BT601},
    {GST_VIDEO_COLOR_RANGE_0_255, GST_VIDEO_COLOR_MATRIX_BT2020,
        CLIP_YUV_BT2020_FULL, CLIP_YUV_BT601_FULL},
    {GST_VIDEO_COLOR_RANGE_0_255, GST_VIDEO_COLOR_MATRIX_BT601,
        CLIP_YUV_BT601_FULL, CLIP_YUV_BT601},
    {GST_VIDEO_COLOR_RANGE_16_235, GST_VIDEO_COLOR_MATRIX_SMPTE240M,
        CLIP_YUV_BT601, CLIP_YUV_BT709},
  };
  GstVideoInfo info;
  GstBuffer *buf = rainbow (320, 240, &info);

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
    double want[N_LABELS], other[N_LABELS], got[N_LABELS];
    GstHarness *h;
    gchar *name;

    info.colorimetry.range = cases[i].range;
    info.colorimetry.matrix = cases[i].matrix;
    name = gst_video_colorimetry_to_string (&info.colorimetry);
    engine_probs (buf, &info, cases[i].want, 1, 1, want);
    engine_probs (buf, &info, cases[i].other, 1, 1, other);
    h = harness (&info, modes[0]);
    classify (h, gst_buffer_ref (buf), got);
    element_harness_teardown (h);
    g_test_message ("colorimetry %s", name);
    log_probs ("  element:", got);
    log_probs ("  engine, its matrix:", want);
    log_probs ("  engine, the other:", other);
    g_assert_cmpfloat (max_diff (got, want), <=, SAME);
    /* the range alone (BT.601 full against limited) moves them least:
     * 0.0185 */
    g_assert_cmpfloat (max_diff (want, other), >, APART / 5);
    g_free (name);
  }
  gst_buffer_unref (buf);
}

/* A deep copy of @whole (@whole_info) with a GstVideoMeta of its whole size
 * and a crop meta of @rect. */
static GstBuffer *
cropped_frame (GstBuffer * whole, const GstVideoInfo * whole_info,
    const guint * rect)
{
  GstBuffer *buf = gst_buffer_copy_deep (whole);
  GstVideoCropMeta *crop;

  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (whole_info), GST_VIDEO_INFO_WIDTH (whole_info),
      GST_VIDEO_INFO_HEIGHT (whole_info), GST_VIDEO_INFO_N_PLANES (whole_info),
      (gsize *) whole_info->offset, (gint *) whole_info->stride);
  crop = gst_buffer_add_video_crop_meta (buf);
  crop->x = rect[0];
  crop->y = rect[1];
  crop->width = rect[2];
  crop->height = rect[3];
  return buf;
}

static void
test_crop_meta_modes (void)
{
  static const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_GRAY8,
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_YUY2,
  };
  /* the checkerboard, on the chroma grid's even coordinates; a crop past
   * the right edge is clipped to the frame */
  static const guint rects[][4] = { {352, 96, 256, 240}, {400, 0, 400, 480} };
  static const guint outside[][4] = { {FRAME_W, 0, 64, 64}, {0, FRAME_H, 64,
      64}, {10, 10, 0, 64}, {10, 10, 64, 0} };

  for (size_t f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo whole_info;
    GstBuffer *whole = two_patterns (formats[f], FRAME_W, FRAME_H,
        &whole_info);
    double uncropped[N_LABELS];
    GstHarness *hw = harness (&whole_info, modes[0]);

    classify (hw, gst_buffer_ref (whole), uncropped);
    element_harness_teardown (hw);

    for (size_t r = 0; r < G_N_ELEMENTS (rects); r++) {
      guint w = MIN (rects[r][2], FRAME_W - rects[r][0]);
      GstVideoInfo cut_info;
      GstBuffer *cut = element_cut_out (whole, &whole_info, rects[r][0],
          rects[r][1], w, rects[r][3], &cut_info);
      double want[N_LABELS];
      GstHarness *hc = harness (&cut_info, modes[0]);

      classify (hc, cut, want);
      element_harness_teardown (hc);
      g_test_message ("%s crop %u,%u %ux%u", gst_video_format_to_string
          (formats[f]), rects[r][0], rects[r][1], w, rects[r][3]);
      log_probs ("cut out:", want);
      log_probs ("whole frame:", uncropped);
      g_assert_cmpfloat (max_diff (want, uncropped), >, APART);

      for (size_t m = 0; m < G_N_ELEMENTS (modes); m++) {
        GstBuffer *buf = cropped_frame (whole, &whole_info, rects[r]);
        /* caps of the crop's size (clipped to the frame), as the cut-out's */
        GstHarness *h = harness (&cut_info, modes[m]);
        GstCaps *caps = gst_video_info_to_caps (&whole_info);
        double got[N_LABELS], then[N_LABELS];

        classify (h, buf, got);
        log_probs (modes[m][0] ? modes[m][0] : "sync", got);
        g_assert_cmpfloat (max_diff (got, want), <=, SAME);
        /* then the whole buffer with no crop meta, on caps of its size: the
         * copy, of the same size as the last one, may be the same buffer,
         * and must not keep the last crop */
        gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1,
            NULL);
        gst_harness_set_src_caps (h, caps);
        classify (h, gst_buffer_ref (whole), then);
        element_harness_teardown (h);
        g_assert_cmpfloat (max_diff (then, uncropped), <=, SAME);
      }
    }
    /* crop metas that leave nothing inside the frame (an upstream bug):
     * the whole frame, no error */
    for (size_t r = 0; r < G_N_ELEMENTS (outside); r++) {
      GstHarness *h = harness (&whole_info, modes[0]);
      double got[N_LABELS];

      classify (h, cropped_frame (whole, &whole_info, outside[r]), got);
      element_harness_teardown (h);
      g_assert_cmpfloat (max_diff (got, uncropped), <=, SAME);
    }
    gst_buffer_unref (whole);
  }
}

/* The sink's answer to the allocation query, as a sink that takes crop
 * metas gives it. */
static GstPadProbeReturn
offer_crop_meta (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
    gst_query_add_allocation_meta (query, GST_VIDEO_CROP_META_API_TYPE, NULL);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_crop_metas (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *n = user_data;

  if (gst_buffer_get_video_crop_meta (GST_PAD_PROBE_INFO_BUFFER (info)))
    (*n)++;
  return GST_PAD_PROBE_OK;
}

/* Runs @crop (a videocrop, or an identity) between a test pattern and
 * clipclassify; the sink offers crop metas when @offer. Returns the
 * probabilities of the first frame and in @n_metas how many buffers
 * reached the sink with a crop meta. */
static void
run_pipeline (const char *crop, gboolean offer, double *probs, guint * n_metas)
{
  gchar *desc = g_strdup_printf ("videotestsrc pattern=smpte num-buffers=2 "
      "! video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! %s "
      "! clipclassify name=c model=\"%s\" labels=\"" LABELS "\" "
      "prompt={} top-k=0 label-cache=false ! fakesink name=s", crop,
      demo_model);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  gboolean got = FALSE;

  g_assert_nonnull (pipe);
  *n_metas = 0;
  if (offer)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
        offer_crop_meta, NULL, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_crop_metas,
      n_metas, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    const GstStructure *s;

    g_assert_nonnull (msg);
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), !=, GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    s = gst_message_get_structure (msg);
    if (!got && gst_structure_has_name (s, "clipclassify")) {
      for (int i = 0; i < N_LABELS; i++)
        probs[i] = element_result_score (s, labels[i]);
      got = TRUE;
    }
    gst_message_unref (msg);
  }
  g_assert_true (got);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
}

static void
test_videocrop (void)
{
  const char *crop = "videocrop left=64 right=96 top=360";
  double copied[N_LABELS], meta[N_LABELS], uncropped[N_LABELS];
  guint n_copied, n_meta, n_uncropped;

  run_pipeline (crop, FALSE, copied, &n_copied);
  run_pipeline (crop, TRUE, meta, &n_meta);
  run_pipeline ("identity", TRUE, uncropped, &n_uncropped);
  log_probs ("videocrop copying:", copied);
  log_probs ("videocrop leaving a crop meta:", meta);
  log_probs ("no crop:", uncropped);
  /* videocrop did leave its crop to the sink when offered, and only then */
  g_assert_cmpuint (n_copied, ==, 0);
  g_assert_cmpuint (n_meta, ==, 2);
  g_assert_cmpfloat (max_diff (copied, uncropped), >, APART);
  g_assert_cmpfloat (max_diff (meta, copied), <=, SAME);
}

int
main (int argc, char **argv)
{
  int ret;

  element_test_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("CLIPCLASSIFY_SOURCE_ROOT"));
  demo_model = g_build_filename (g_getenv ("CLIPCLASSIFY_SOURCE_ROOT"),
      "models", "clipclassify-demo", NULL);

  g_test_add_func ("/clipclassify/picture/pixel-aspect", test_pixel_aspect);
  g_test_add_func ("/clipclassify/picture/colorimetry", test_colorimetry);
  g_test_add_func ("/clipclassify/picture/crop-meta", test_crop_meta_modes);
  g_test_add_func ("/clipclassify/picture/videocrop", test_videocrop);
  ret = g_test_run ();

  g_free (demo_model);
  element_test_cleanup ();
  return ret;
}
