/* test-smoothing.c: smoothing, hold and the clipclassify-change message.
 * The raw probabilities come from the engine run directly on the same
 * pictures; the expected averages and changes are computed here from the
 * documented rules (docs/element.md), not taken from the element. */
#include <math.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "clip.h"
#include "golden.h"
#include "element-common.h"

/* Two golden texts on which OpenAI's logits put chelsea.png and
 * rocket.png far apart (7 logits each way) with this random model. */
#define LABELS "&amp; html &lt;escapes&gt;,AAA"
static const char *const labels[] = { "&amp; html &lt;escapes&gt;", "AAA" };

#define N_LABELS 2
#define SIDE 256
#define N_FRAMES 24
#define SWITCH_AT 6             /* frames 0..5 picture A, then picture B */
#define TAU 0.2
#define HOLD 0.09

static double raw[2][N_LABELS];
static GdkPixbuf *pics[2];

/* The engine's probabilities for @pb (no element code). */
static void
engine_probs (ClipModel * m, ClipWorkspace * ws, ClipLabelSet * set,
    GdkPixbuf * pb, double *out)
{
  ClipImage img = clip_image_rgb (gdk_pixbuf_read_pixels (pb), SIDE, SIDE,
      gdk_pixbuf_get_rowstride (pb));
  float *input = g_new (float, clip_model_input_size (m));
  float embed[1024], probs[N_LABELS];
  int i;

  g_assert_true (clip_preprocess (m, &img, input, NULL));
  g_assert_true (clip_vision_encode (ws, input, 1, embed, TRUE, NULL));
  clip_label_set_score (set, embed, NULL, probs);
  for (i = 0; i < N_LABELS; i++)
    out[i] = probs[i];
  g_free (input);
}

static int
argmax (const double *p)
{
  int i, best = 0;
  for (i = 1; i < N_LABELS; i++)
    if (p[i] > p[best])
      best = i;
  return best;
}

/* Two golden pictures (scaled to SIDE x SIDE) whose top labels differ. */
static void
pick_pictures (void)
{
  static const char *names[] = { "chelsea.png", "rocket.png" };
  const char *tmpl[] = { "{}" };
  ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };
  ClipModel *m = clip_model_load (element_test_model (), NULL, NULL);
  ClipWorkspace *ws = clip_workspace_new (m, 1, NULL);
  ClipLabelSet *set = clip_label_set_new (m, ws, labels, N_LABELS, &p, NULL);
  guint i, n = 0;

  for (i = 0; i < G_N_ELEMENTS (names) && n < 2; i++) {
    char *rel = g_strdup_printf ("images/%s", names[i]);
    char *path = golden_path (rel);
    GdkPixbuf *full = gdk_pixbuf_new_from_file (path, NULL);
    GdkPixbuf *sub;

    g_assert_nonnull (full);
    sub = gdk_pixbuf_scale_simple (full, SIDE, SIDE, GDK_INTERP_BILINEAR);
    g_object_unref (full);
    engine_probs (m, ws, set, sub, raw[n]);
    if (n == 0 || argmax (raw[1]) != argmax (raw[0]))
      pics[n++] = sub;
    else
      g_object_unref (sub);
    g_free (rel);
    g_free (path);
  }
  g_assert_cmpuint (n, ==, 2);
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

typedef struct
{
  guint frame;
  const char *previous, *label;
} Change;

static void
test_smoothing_and_changes (void)
{
  GstHarness *h = element_harness_new (NULL, "labels", LABELS, "prompt",
      "{}", "top-k", "0", "smoothing", "0.2", "hold", "0.09", NULL);
  double avg[N_LABELS], a = 1.0 - exp (-(1.0 / 30) / TAU);
  const char *held = "", *candidate = NULL;
  double since = 0;
  Change want[8], got[8];
  guint n_want = 0, n_got = 0, f;
  int i;

  for (f = 0; f < N_FRAMES; f++) {
    int pic = f < SWITCH_AT ? 0 : 1;
    double t = f / 30.0;
    GstVideoInfo info;
    GstBuffer *in = element_frame_from_rgb (GST_VIDEO_FORMAT_RGB, SIDE, SIDE,
        gdk_pixbuf_read_pixels (pics[pic]),
        gdk_pixbuf_get_rowstride (pics[pic]), &info), *out;
    GstClipClassifyMeta *meta;
    GList *msgs, *l;
    const char *top;

    if (f == 0) {
      GstCaps *caps = gst_video_info_to_caps (&info);
      gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
      gst_harness_set_src_caps (h, caps);
    }
    GST_BUFFER_PTS (in) = gst_util_uint64_scale (f, GST_SECOND, 30);
    out = gst_harness_push_and_pull (h, in);

    /* The documented average and hold rule. */
    for (i = 0; i < N_LABELS; i++)
      avg[i] = f == 0 ? raw[pic][i] : avg[i] + a * (raw[pic][i] - avg[i]);
    top = labels[argmax (avg)];
    if (strcmp (top, held) == 0) {
      candidate = NULL;
    } else {
      if (!candidate || strcmp (candidate, top) != 0) {
        candidate = top;
        since = t;
      }
      if (t - since >= HOLD - 1e-9) {
        want[n_want++] = (Change) { f, held, top };
        held = top;
        candidate = NULL;
      }
    }

    meta = gst_buffer_get_clip_classify_meta (out);
    for (i = 0; i < N_LABELS; i++)
      g_assert_cmpfloat (fabs (gst_clip_classify_meta_get_score (meta,
                  labels[i]) - avg[i]), <=, 1e-5);
    gst_buffer_unref (out);

    msgs = NULL;
    {
      GstMessage *msg;
      GstBus *bus = GST_ELEMENT_BUS (h->element);
      while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
        if (gst_message_has_name (msg, "clipclassify-change"))
          msgs = g_list_append (msgs, msg);
        else
          gst_message_unref (msg);
      }
    }
    for (l = msgs; l; l = l->next) {
      const GstStructure *s = gst_message_get_structure (l->data);
      guint64 frame, st;
      g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
      g_assert_true (gst_structure_get_uint64 (s, "stream-time", &st));
      g_assert_cmpuint (st, ==, gst_util_uint64_scale (frame, GST_SECOND,
              30));
      g_assert_true (gst_structure_has_field (s, "running-time"));
      g_assert_true (gst_structure_has_field (s, "score"));
      got[n_got].frame = frame;
      got[n_got].previous = g_intern_string (gst_structure_get_string (s,
              "previous"));
      got[n_got].label = g_intern_string (gst_structure_get_string (s,
              "label"));
      n_got++;
    }
    g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  }

  g_assert_cmpuint (n_want, ==, 2);     /* "" -> A, then A -> B */
  g_assert_cmpuint (n_got, ==, n_want);
  for (f = 0; f < n_want; f++) {
    g_test_message ("change at frame %u: \"%s\" -> \"%s\"", got[f].frame,
        got[f].previous, got[f].label);
    g_assert_cmpuint (got[f].frame, ==, want[f].frame);
    g_assert_cmpstr (got[f].previous, ==, want[f].previous);
    g_assert_cmpstr (got[f].label, ==, want[f].label);
  }
  /* The first needs HOLD of stream time: frame 3 (0.1 s), not frame 0. */
  g_assert_cmpuint (got[0].frame, ==, 3);
  element_harness_teardown (h);
}

/* smoothing=0, hold=0: today's numbers, a change at the first result. */
static void
test_off (void)
{
  GstHarness *h = element_harness_new (NULL, "labels", LABELS, "prompt",
      "{}", "top-k", "0", NULL);
  GstVideoInfo info;
  GstBuffer *in = element_frame_from_rgb (GST_VIDEO_FORMAT_RGB, SIDE, SIDE,
      gdk_pixbuf_read_pixels (pics[1]), gdk_pixbuf_get_rowstride (pics[1]),
      &info), *out;
  GstCaps *caps = gst_video_info_to_caps (&info);
  GstMessage *msg;
  guint changes = 0;
  int i;

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  GST_BUFFER_PTS (in) = 0;
  out = gst_harness_push_and_pull (h, in);
  for (i = 0; i < N_LABELS; i++)
    g_assert_cmpfloat (fabs (gst_clip_classify_meta_get_score
            (gst_buffer_get_clip_classify_meta (out), labels[i]) -
            raw[1][i]), <=, 1e-5);
  while ((msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (h->element),
              GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "clipclassify-change")) {
      const GstStructure *s = gst_message_get_structure (msg);
      g_assert_cmpstr (gst_structure_get_string (s, "previous"), ==, "");
      g_assert_cmpstr (gst_structure_get_string (s, "label"), ==,
          labels[argmax (raw[1])]);
      changes++;
    }
    gst_message_unref (msg);
  }
  g_assert_cmpuint (changes, ==, 1);
  gst_buffer_unref (out);
  element_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  int ret;

  element_test_init (&argc, &argv);
  golden_dir ();
  pick_pictures ();
  g_test_add_func ("/clipclassify/smoothing/off", test_off);
  g_test_add_func ("/clipclassify/smoothing/average-and-changes",
      test_smoothing_and_changes);
  ret = g_test_run ();
  g_object_unref (pics[0]);
  g_object_unref (pics[1]);
  element_test_cleanup ();
  return ret;
}
