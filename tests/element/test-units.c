/* test-units.c: the plugin's pure helpers on their own: label and prompt
 * parsing, the sampling rule and the model cache. */
#include <string.h>

#include <glib/gstdio.h>

#include "gstcliplabels.h"
#include "gstclipmodelcache.h"
#include "gstclipsampler.h"
#include "golden.h"

static void
assert_strv (gchar ** got, const char *const *want)
{
  guint i;

  for (i = 0; want[i]; i++) {
    g_assert_nonnull (got[i]);
    g_assert_cmpstr (got[i], ==, want[i]);
  }
  g_assert_null (got[i]);
  g_strfreev (got);
}

static void
test_parse_list (void)
{
  const char *basic[] = { "person", "car", NULL };
  const char *escaped[] = { "a, b", "c\\d", "e\\f", NULL };
  const char *inner[] = { "red  car", "a photo", NULL };
  const char *none[] = { NULL };

  assert_strv (gst_clip_labels_parse_list ("person,car"), basic);
  assert_strv (gst_clip_labels_parse_list ("  person ,\tcar  "), basic);
  assert_strv (gst_clip_labels_parse_list (",person,,car,"), basic);
  /* \, is a comma, \\ a backslash, any other backslash stays. */
  assert_strv (gst_clip_labels_parse_list ("a\\, b, c\\\\d,e\\f"), escaped);
  assert_strv (gst_clip_labels_parse_list ("red  car,a photo"), inner);
  assert_strv (gst_clip_labels_parse_list (NULL), none);
  assert_strv (gst_clip_labels_parse_list (" , ,"), none);
}

static char *
write_temp (const char *dir, const char *name, const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static void
test_files_and_spec (void)
{
  char *dir = g_dir_make_tmp ("clipclassify-test-XXXXXX", NULL);
  char *labels = write_temp (dir, "labels.txt",
      "# animals\n  cat \r\n\ndog, wet\n   # not a label\ncat\n#\nbird#1\n");
  char *prompts = write_temp (dir, "prompts.txt",
      "a photo of a {}.\n# comment\n\na drawing of a {}.\n");
  char *empty = write_temp (dir, "empty.txt", "# nothing\n\n");
  char *bad_utf8 = write_temp (dir, "bad.txt", "ok\n\xff\xfe\n");
  const char *file_labels[] = { "cat", "dog, wet", "cat", "bird#1", NULL };
  const char *merged[] = { "person", "cat", "dog, wet", "bird#1", NULL };
  const char *templates[] = { "a photo of a {}.", "a drawing of a {}.", NULL };
  const char *default_template[] = { GST_CLIP_DEFAULT_PROMPT, NULL };
  const char *bare[] = { "{}", NULL };
  GstClipLabelSpec spec = { NULL, };
  GError *error = NULL;
  gchar **out;

  assert_strv (gst_clip_labels_read_lines (labels, &error), file_labels);
  g_assert_no_error (error);

  /* The list first, then the file; duplicates dropped, first kept. */
  spec.labels = g_strdup ("person,cat");
  spec.labels_file = g_strdup (labels);
  assert_strv (gst_clip_label_spec_get_labels (&spec, &error), merged);
  g_assert_no_error (error);

  spec.prompt = NULL;
  assert_strv (gst_clip_label_spec_get_templates (&spec, &error),
      default_template);
  spec.prompt = g_strdup ("");
  assert_strv (gst_clip_label_spec_get_templates (&spec, &error), bare);
  spec.prompt_file = g_strdup (prompts);
  assert_strv (gst_clip_label_spec_get_templates (&spec, &error), templates);
  g_assert_no_error (error);

  g_free (spec.prompt_file);
  spec.prompt_file = g_strdup (empty);
  out = gst_clip_label_spec_get_templates (&spec, &error);
  g_assert_null (out);
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "empty.txt"));
  g_clear_error (&error);

  gst_clip_label_spec_clear (&spec);
  spec.labels_file = g_strdup (empty);
  out = gst_clip_label_spec_get_labels (&spec, &error);
  g_assert_null (out);
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "no labels"));
  g_clear_error (&error);

  g_free (spec.labels_file);
  spec.labels_file = g_strdup (bad_utf8);
  g_assert_null (gst_clip_label_spec_get_labels (&spec, &error));
  g_assert_nonnull (strstr (error->message, "bad.txt"));
  g_clear_error (&error);
  gst_clip_label_spec_clear (&spec);

  g_unlink (labels);
  g_unlink (prompts);
  g_unlink (empty);
  g_unlink (bad_utf8);
  g_rmdir (dir);
  g_free (labels);
  g_free (prompts);
  g_free (empty);
  g_free (bad_utf8);
  g_free (dir);
}

static void
test_sampler (void)
{
  GstClipSampler s;
  guint64 k;
  guint n = 0;

  /* interval 4 from origin 10: 10, 14, 18 */
  gst_clip_sampler_reset (&s, 10);
  for (k = 10; k < 20; k++)
    n += gst_clip_sampler_take (&s, k, GST_CLOCK_TIME_NONE, 4, 0.0);
  g_assert_cmpuint (n, ==, 3);

  /* max-rate 2: one per half second of stream time, whatever the rate */
  gst_clip_sampler_reset (&s, 0);
  g_assert_true (gst_clip_sampler_take (&s, 0, 0, 1, 2.0));
  g_assert_false (gst_clip_sampler_take (&s, 1, 499999999, 1, 2.0));
  g_assert_true (gst_clip_sampler_take (&s, 2, 500000000, 1, 2.0));
  g_assert_false (gst_clip_sampler_take (&s, 3, 999999999, 1, 2.0));
  /* a jump back in stream time (a new segment) is a new slot */
  g_assert_true (gst_clip_sampler_take (&s, 4, 0, 1, 2.0));
  /* no stream time: max-rate cannot apply */
  g_assert_true (gst_clip_sampler_take (&s, 5, GST_CLOCK_TIME_NONE, 1, 2.0));
}

static void
test_model_cache (void)
{
  char *dir = golden_path ("tiny-quickgelu-p32-f32/hf");
  char *slash = g_strconcat (dir, "/", NULL);
  char *dotted = g_build_filename (dir, ".", NULL);
  GError *error = NULL;
  ClipModelParams params = clip_model_default_params ();
  ClipModelParams blas = clip_model_default_params ();
  ClipModel *a, *b, *c, *d;

  blas.backend = CLIP_BACKEND_OPENBLAS;
  a = gst_clip_model_cache_acquire (dir, &params, &error);
  g_assert_no_error (error);
  b = gst_clip_model_cache_acquire (slash, &params, &error);
  c = gst_clip_model_cache_acquire (dotted, &params, &error);
  g_assert_no_error (error);
  /* One checkpoint, however it is spelled, is loaded once... */
  g_assert_true (a == b);
  g_assert_true (a == c);
  /* ...for each form of its weights. */
  d = gst_clip_model_cache_acquire (dir, &blas, &error);
  g_assert_no_error (error);
  g_assert_true (clip_model_backend (d) == CLIP_BACKEND_OPENBLAS);
  if (clip_model_backend (a) != CLIP_BACKEND_OPENBLAS)
    g_assert_true (a != d);
  gst_clip_model_cache_release (d);
  gst_clip_model_cache_release (c);
  gst_clip_model_cache_release (b);
  gst_clip_model_cache_release (a);

  g_assert_null (gst_clip_model_cache_acquire ("/nonexistent/model",
          &params, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_IO);
  g_clear_error (&error);

  g_free (dotted);
  g_free (slash);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden_dir ();

  g_test_add_func ("/clipclassify/units/parse-list", test_parse_list);
  g_test_add_func ("/clipclassify/units/files-and-spec", test_files_and_spec);
  g_test_add_func ("/clipclassify/units/sampler", test_sampler);
  g_test_add_func ("/clipclassify/units/model-cache", test_model_cache);
  return g_test_run ();
}
