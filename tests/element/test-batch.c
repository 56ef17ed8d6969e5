/* test-batch.c: batch-size / batch-timeout. Four instances on one model
 * share one batch; each must get exactly the result the engine gives for
 * its own picture fed alone (no element code), in sync and async mode,
 * and with attach-embedding its own picture's embedding, and a lone
 * stream must not wait for partners that never come. That batches really
 * formed is read from the batcher's debug log. */
#include <math.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "clip.h"
#include "golden.h"
#include "element-common.h"

#define LABELS "a photo of a cat,a photo of a dog,an astronaut"
static const char *const labels[] = { "a photo of a cat", "a photo of a dog",
  "an astronaut"
};

#define N_LABELS 3
#define N_STREAMS 4
/* One frame alone against four in one GEMM: summation order only. */
#define TOLERANCE 1e-4

static const char *names[N_STREAMS] = { "astronaut.png", "chelsea.png",
  "coffee.png", "rocket.png"
};

static GdkPixbuf *pics[N_STREAMS];
static double want[N_STREAMS][N_LABELS];
static float want_embed[N_STREAMS][1024];
static int embed_dim;
static gint full_batches;

static void
log_func (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  if (strcmp (gst_debug_category_get_name (category), "clipbatcher") == 0
      && g_str_has_prefix (gst_debug_message_get (message), "batch of 4 "))
    g_atomic_int_inc (&full_batches);
}

static void
load_pictures (void)
{
  const char *tmpl[] = { "{}" };
  ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };
  ClipModel *m = clip_model_load (element_test_model (), NULL, NULL);
  ClipWorkspace *ws = clip_workspace_new (m, 1, NULL);
  ClipLabelSet *set = clip_label_set_new (m, ws, labels, N_LABELS, &p, NULL);
  float *input = g_new (float, clip_model_input_size (m));
  guint i;

  for (i = 0; i < N_STREAMS; i++) {
    char *rel = g_strdup_printf ("images/%s", names[i]);
    char *path = golden_path (rel);
    float embed[1024], probs[N_LABELS];
    ClipImage img;
    int k;

    pics[i] = gdk_pixbuf_new_from_file (path, NULL);
    g_assert_nonnull (pics[i]);
    img = clip_image_rgb (gdk_pixbuf_read_pixels (pics[i]),
        gdk_pixbuf_get_width (pics[i]), gdk_pixbuf_get_height (pics[i]),
        gdk_pixbuf_get_rowstride (pics[i]));
    g_assert_true (clip_preprocess (m, &img, input, NULL));
    g_assert_true (clip_vision_encode (ws, input, 1, embed, TRUE, NULL));
    clip_label_set_score (set, embed, NULL, probs);
    embed_dim = clip_model_embed_dim (m);
    g_assert_cmpint (embed_dim, <=, 1024);
    memcpy (want_embed[i], embed, embed_dim * sizeof (float));
    for (k = 0; k < N_LABELS; k++)
      want[i][k] = probs[k];
    g_free (rel);
    g_free (path);
  }
  g_free (input);
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

static GstBuffer *
picture_frame (guint i, GstCaps ** caps)
{
  GstVideoInfo info;
  GstBuffer *b = element_frame_from_rgb (GST_VIDEO_FORMAT_RGB,
      gdk_pixbuf_get_width (pics[i]), gdk_pixbuf_get_height (pics[i]),
      gdk_pixbuf_read_pixels (pics[i]), gdk_pixbuf_get_rowstride (pics[i]),
      &info);

  if (caps) {
    *caps = gst_video_info_to_caps (&info);
    gst_caps_set_simple (*caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  }
  return b;
}

/* The scores and, attached, the embedding of picture @pic. */
static void
assert_probs (GstClipClassifyMeta * meta, guint pic)
{
  const gfloat *embed;
  guint dim;
  int k;

  g_assert_nonnull (meta);
  for (k = 0; k < N_LABELS; k++)
    g_assert_cmpfloat (fabs (gst_clip_classify_meta_get_score (meta,
                labels[k]) - want[pic][k]), <=, TOLERANCE);
  embed = gst_clip_classify_meta_get_embedding (meta, &dim);
  g_assert_nonnull (embed);
  g_assert_cmpuint (dim, ==, (guint) embed_dim);
  for (k = 0; k < embed_dim; k++)
    g_assert_cmpfloat (fabs (embed[k] - want_embed[pic][k]), <=, TOLERANCE);
}

typedef struct
{
  GstHarness *h;
  guint pic;
} Stream;

static gpointer
push_one (gpointer data)
{
  Stream *s = data;
  GstBuffer *out = gst_harness_push_and_pull (s->h, picture_frame (s->pic,
          NULL));

  assert_probs (gst_buffer_get_clip_classify_meta (out), s->pic);
  g_assert_true (gst_buffer_get_clip_classify_meta (out)->from_this_frame);
  gst_buffer_unref (out);
  return NULL;
}

static GstHarness *
stream_harness (guint pic, const char *mode, const char *timeout)
{
  GstHarness *h = element_harness_new (NULL, "labels", LABELS, "prompt",
      "{}", "top-k", "0", "mode", mode, "batch-size", "4", "batch-timeout",
      timeout, "label-cache", "false", "attach-embedding", "true", NULL);
  GstCaps *caps;

  gst_buffer_unref (picture_frame (pic, &caps));
  gst_harness_set_src_caps (h, caps);
  return h;
}

static void
test_sync_shared (void)
{
  Stream s[N_STREAMS];
  GThread *t[N_STREAMS];
  guint i, round;

  /* A long timeout: the batch can only be full. */
  for (i = 0; i < N_STREAMS; i++) {
    s[i].h = stream_harness (i, "sync", "5000");
    s[i].pic = i;
  }
  g_atomic_int_set (&full_batches, 0);
  for (round = 0; round < 2; round++) {
    for (i = 0; i < N_STREAMS; i++)
      t[i] = g_thread_new ("stream", push_one, &s[i]);
    for (i = 0; i < N_STREAMS; i++)
      g_thread_join (t[i]);
  }
  g_test_message ("%d full batches of 4", g_atomic_int_get (&full_batches));
  g_assert_cmpint (g_atomic_int_get (&full_batches), ==, 2);
  for (i = 0; i < N_STREAMS; i++)
    element_harness_teardown (s[i].h);
}

/* Alone, with partners that never come: the timeout runs a batch of 1. */
static void
test_lone_stream (void)
{
  GstHarness *h = stream_harness (2, "sync", "30");
  guint k;

  for (k = 0; k < 3; k++) {
    GstBuffer *out = gst_harness_push_and_pull (h, picture_frame (2, NULL));
    assert_probs (gst_buffer_get_clip_classify_meta (out), 2);
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (element_get_u64 (h, "inferences"), ==, 3);
  element_harness_teardown (h);
}

/* Async: frames never wait; each instance's message holds its own
 * picture's result. */
static void
test_async_shared (void)
{
  GstHarness *h[2];
  guint i;

  for (i = 0; i < 2; i++)
    h[i] = stream_harness (i, "async", "30");
  for (i = 0; i < 2; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h[i], picture_frame (i,
                NULL)));
  for (i = 0; i < 2; i++) {
    GstMessage *msg;
    const GstStructure *st;
    const GValue *ls, *ss;
    guint k, j;

    g_assert_true (gst_harness_push_event (h[i], gst_event_new_eos ()));
    msg = element_wait_result (h[i], 30);
    g_assert_nonnull (msg);
    st = gst_message_get_structure (msg);
    ls = gst_structure_get_value (st, "labels");
    ss = gst_structure_get_value (st, "scores");
    for (k = 0; k < gst_value_array_get_size (ls); k++)
      for (j = 0; j < N_LABELS; j++)
        if (strcmp (labels[j], g_value_get_string
                (gst_value_array_get_value (ls, k))) == 0)
          g_assert_cmpfloat (fabs (g_value_get_double
                  (gst_value_array_get_value (ss, k)) - want[i][j]), <=,
              TOLERANCE);
    gst_message_unref (msg);
  }
  for (i = 0; i < 2; i++)
    element_harness_teardown (h[i]);
}

int
main (int argc, char **argv)
{
  int ret;
  guint i;

  element_test_init (&argc, &argv);
  golden_dir ();
  load_pictures ();
  gst_debug_set_threshold_for_name ("clipbatcher", GST_LEVEL_LOG);
  gst_debug_add_log_function (log_func, NULL, NULL);
  g_test_add_func ("/clipclassify/batch/sync-shared", test_sync_shared);
  g_test_add_func ("/clipclassify/batch/lone-stream", test_lone_stream);
  g_test_add_func ("/clipclassify/batch/async-shared", test_async_shared);
  ret = g_test_run ();
  /* Not removed: after gst_debug_remove_log_function() valgrind reports
   * the list node gst_debug_add_log_function() made as lost. */
  for (i = 0; i < N_STREAMS; i++)
    g_object_unref (pics[i]);
  element_test_cleanup ();
  return ret;
}
