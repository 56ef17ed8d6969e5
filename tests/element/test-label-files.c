/* test-label-files.c: the text-embeddings and label-cache properties.
 * Results with a label-set file are compared with OpenAI's golden logits
 * for the same image and texts; the cache is shown to be read (an entry
 * planted with the two labels' embeddings swapped swaps the result), and a
 * damaged entry is rebuilt. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "clip.h"
#include "golden.h"
#include "element-common.h"

/* Golden texts 0, 1 and 2; image 0 is astronaut.png. */
static const char *const texts[] = { "a photo of a cat", "a photo of a dog",
  "an astronaut"
};

#define N_TEXTS 3
#define TOLERANCE 0.02          /* as test-golden's RGB formats */

static char *tmp_dir;
static char *cache_root;        /* $XDG_CACHE_HOME of this test */

/* Softmax of golden logits_per_image of image 0 over texts 0..2. */
static void
golden_probs (double *probs)
{
  NpyArray *l = golden_npy ("tiny-quickgelu-p32-f32/logits_per_image.npy");
  const double *row = l->data;
  double max = -INFINITY, sum = 0;
  int i;

  for (i = 0; i < N_TEXTS; i++)
    max = MAX (max, row[i]);
  for (i = 0; i < N_TEXTS; i++)
    sum += probs[i] = exp (row[i] - max);
  for (i = 0; i < N_TEXTS; i++)
    probs[i] /= sum;
  npy_free (l);
}

/* Pushes astronaut.png through @h (RGB) and returns the probabilities of
 * @labels (in that order) from the meta. */
static void
classify_astronaut (GstHarness * h, const char *const *labels, double *probs)
{
  char *path = golden_path ("images/astronaut.png");
  GdkPixbuf *pb = gdk_pixbuf_new_from_file (path, NULL);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstCaps *caps;
  GstClipClassifyMeta *meta;
  int i;

  g_assert_nonnull (pb);
  in = element_frame_from_rgb (GST_VIDEO_FORMAT_RGB,
      gdk_pixbuf_get_width (pb), gdk_pixbuf_get_height (pb),
      gdk_pixbuf_get_pixels (pb), gdk_pixbuf_get_rowstride (pb), &info);
  caps = gst_video_info_to_caps (&info);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  out = gst_harness_push_and_pull (h, in);
  g_assert_nonnull (out);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_nonnull (meta);
  for (i = 0; labels[i]; i++)
    probs[i] = gst_clip_classify_meta_get_score (meta, labels[i]);
  gst_buffer_unref (out);
  g_object_unref (pb);
  g_free (path);
}

static ClipModel *
load_model (const char *rel)
{
  char *path = golden_path (rel);
  ClipModel *m = clip_model_load (path, NULL, NULL);

  g_assert_nonnull (m);
  g_free (path);
  return m;
}

/* Saves the label set of @labels (prompt "{}") for @model_rel to @path. */
static void
save_set (const char *model_rel, const char *const *labels, int n,
    const char *path)
{
  ClipModel *m = load_model (model_rel);
  ClipWorkspace *ws = clip_workspace_new (m, 1, NULL);
  const char *tmpl[] = { "{}" };
  ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };
  ClipLabelSet *set = clip_label_set_new (m, ws, labels, n, &p, NULL);

  g_assert_nonnull (set);
  g_assert_true (clip_label_set_save (set, path, NULL));
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

static void
test_text_embeddings_golden (void)
{
  char *file = g_build_filename (tmp_dir, "set.safetensors", NULL);
  const char *labels[] = { texts[0], texts[1], texts[2], NULL };
  double want[N_TEXTS], got[N_TEXTS];
  GstHarness *h;
  int i;

  save_set ("tiny-quickgelu-p32-f32/hf", texts, N_TEXTS, file);
  golden_probs (want);
  /* labels are ignored when text-embeddings is set. */
  h = element_harness_new (NULL, "text-embeddings", file,
      "labels", "something else", "top-k", "0", "label-cache", "false",
      NULL);
  classify_astronaut (h, labels, got);
  for (i = 0; i < N_TEXTS; i++) {
    g_test_message ("%s: %.4f (golden %.4f)", texts[i], got[i], want[i]);
    g_assert_cmpfloat (fabs (got[i] - want[i]), <=, TOLERANCE);
  }
  element_harness_teardown (h);
  g_unlink (file);
  g_free (file);
}

/* Starting with @file as text-embeddings fails with an ERROR whose text
 * names the file and holds @what. */
static void
expect_start_error (const char *file, const char *what)
{
  GstElement *e = gst_element_factory_make ("clipclassify", NULL);
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("videotestsrc", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  GstMessage *msg;
  GError *err = NULL;

  element_set_props (e, "model", element_test_model (),
      "text-embeddings", file, NULL);
  g_object_set (src, "num-buffers", 3, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, e, sink, NULL);
  g_assert_true (gst_element_link_many (src, e, sink, NULL));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  g_test_message ("%s", err->message);
  g_assert_nonnull (strstr (err->message, file));
  g_assert_nonnull (strstr (err->message, what));
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

static void
test_text_embeddings_errors (void)
{
  char *other = g_build_filename (tmp_dir, "other.safetensors", NULL);
  char *cut = g_build_filename (tmp_dir, "cut.safetensors", NULL);
  char *missing = g_build_filename (tmp_dir, "missing.safetensors", NULL);
  char *data;
  gsize len;

  /* Made for the other golden model: width 96, not 64. */
  save_set ("tiny-gelu-p16-f16/hf", texts, N_TEXTS, other);
  expect_start_error (other, "width 96");
  g_assert_true (g_file_get_contents (other, &data, &len, NULL));
  g_assert_true (g_file_set_contents (cut, data, (gssize) len / 2, NULL));
  expect_start_error (cut, "truncated");
  expect_start_error (missing, "missing.safetensors");
  g_free (data);
  g_unlink (other);
  g_unlink (cut);
  g_free (other);
  g_free (cut);
  g_free (missing);
}

/* The single entry of the element's cache folder, or NULL. */
static char *
cache_entry (void)
{
  char *dir_path = g_build_filename (cache_root, "clipclassify", NULL);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  char *found = NULL;

  if (dir) {
    while ((name = g_dir_read_name (dir))) {
      g_assert_null (found);
      found = g_build_filename (dir_path, name, NULL);
    }
    g_dir_close (dir);
  }
  g_free (dir_path);
  return found;
}

static void
run_labels (const char *cache, double *got)
{
  const char *labels[] = { "cat", "dog", NULL };
  GstHarness *h = element_harness_new (NULL, "labels", "cat,dog",
      "prompt", "a photo of a {}", "top-k", "0", "label-cache", cache, NULL);

  classify_astronaut (h, labels, got);
  element_harness_teardown (h);
}

static void
test_cache (void)
{
  const char *swapped[] = { "dog", "cat" };
  char *entry, *planted, *data, *at;
  double first[2], again[2];
  ClipModel *m;
  ClipLabelSet *set;
  gsize len;

  /* label-cache=false writes nothing. */
  run_labels ("false", first);
  g_assert_null (cache_entry ());

  run_labels ("true", first);
  entry = cache_entry ();
  g_assert_nonnull (entry);
  m = load_model ("tiny-quickgelu-p32-f32/hf");
  set = clip_label_set_load (m, entry, NULL);
  g_assert_nonnull (set);
  clip_label_set_unref (set);

  /* Plant an entry whose rows are dog, cat but whose labels say cat, dog
   * (the same length, so the file stays valid): a start that reads the
   * cache reports the probabilities swapped. */
  planted = g_build_filename (tmp_dir, "planted.safetensors", NULL);
  {
    ClipWorkspace *ws = clip_workspace_new (m, 1, NULL);
    const char *tmpl[] = { "a photo of a {}" };
    ClipLabelSetParams p = { .templates = tmpl, .n_templates = 1 };

    set = clip_label_set_new (m, ws, swapped, 2, &p, NULL);
    g_assert_true (clip_label_set_save (set, planted, NULL));
    clip_label_set_unref (set);
    clip_workspace_free (ws);
  }
  g_assert_true (g_file_get_contents (planted, &data, &len, NULL));
  /* (memmem: the 8-byte length before the header holds NULs) */
  at = memmem (data, len, "[\\\"dog\\\",\\\"cat\\\"]",
      strlen ("[\\\"dog\\\",\\\"cat\\\"]"));
  g_assert_nonnull (at);
  memcpy (at, "[\\\"cat\\\",\\\"dog\\\"]", strlen ("[\\\"cat\\\",\\\"dog\\\"]"));
  g_assert_true (g_file_set_contents (entry, data, (gssize) len, NULL));
  run_labels ("true", again);
  g_test_message ("cat %.4f dog %.4f; from the planted entry cat %.4f dog "
      "%.4f", first[0], first[1], again[0], again[1]);
  g_assert_cmpfloat (fabs (first[0] - first[1]), >, 1e-3);
  g_assert_cmpfloat (fabs (again[0] - first[1]), <=, 1e-6);
  g_assert_cmpfloat (fabs (again[1] - first[0]), <=, 1e-6);

  /* A damaged entry is rebuilt: the right result, and a good entry. */
  g_assert_true (g_file_set_contents (entry, data, (gssize) len - 9, NULL));
  run_labels ("true", again);
  g_assert_cmpfloat (fabs (again[0] - first[0]), <=, 1e-6);
  set = clip_label_set_load (m, entry, NULL);
  g_assert_nonnull (set);
  g_assert_cmpstr (clip_label_set_label (set, 0), ==, "cat");
  clip_label_set_unref (set);

  g_unlink (entry);
  g_unlink (planted);
  g_free (planted);
  g_free (entry);
  g_free (data);
  clip_model_unref (m);
}

int
main (int argc, char **argv)
{
  int ret;

  /* Before anything asks GLib for the cache folder. */
  tmp_dir = g_dir_make_tmp ("clipclassify-labelfiles-XXXXXX", NULL);
  cache_root = g_build_filename (tmp_dir, "xdg-cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_root, TRUE);

  element_test_init (&argc, &argv);
  golden_dir ();
  g_test_add_func ("/clipclassify/label-files/text-embeddings-golden",
      test_text_embeddings_golden);
  g_test_add_func ("/clipclassify/label-files/text-embeddings-errors",
      test_text_embeddings_errors);
  g_test_add_func ("/clipclassify/label-files/cache", test_cache);
  ret = g_test_run ();
  element_test_cleanup ();
  {
    char *d = g_build_filename (cache_root, "clipclassify", NULL);
    g_rmdir (d);
    g_free (d);
  }
  g_rmdir (cache_root);
  g_rmdir (tmp_dir);
  return ret;
}
