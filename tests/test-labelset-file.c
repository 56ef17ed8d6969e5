/* test-labelset-file.c: label-set files and the label cache. A saved and
 * reloaded set must hold the golden text embeddings of OpenAI's code (not
 * merely what the engine wrote), and every kind of wrong file must fail
 * with an error naming it. */
#include "clip.h"
#include "golden.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define QUICK "tiny-quickgelu-p32-f32/hf"
#define GELU "tiny-gelu-p16-f16/hf"

/* Golden texts 0 and 1 are "a photo of a cat" and "a photo of a dog". */
static const char *const labels[] = { "cat", "dog" };
static const char *const templates[] = { "a photo of a {}" };

static char *tmp_dir;

static ClipModel *
load_model (const char *rel)
{
  GError *err = NULL;
  char *path = golden_path (rel);
  ClipModel *m = clip_model_load (path, NULL, &err);

  g_assert_no_error (err);
  g_free (path);
  return m;
}

static ClipLabelSet *
build_set (ClipModel *m)
{
  GError *err = NULL;
  ClipWorkspace *ws = clip_workspace_new (m, 1, &err);
  ClipLabelSetParams p = { .templates = templates, .n_templates = 1 };
  ClipLabelSet *set;

  g_assert_no_error (err);
  set = clip_label_set_new (m, ws, labels, 2, &p, &err);
  g_assert_no_error (err);
  clip_workspace_free (ws);
  return set;
}

/* The rows of @set against golden text_embeds_norm rows 0 and 1. */
static void
assert_golden (const ClipLabelSet *set, const char *model_dir)
{
  char *rel = g_strdup_printf ("%s/text_embeds_norm.npy", model_dir);
  NpyArray *ref = golden_npy (rel);
  int dim = clip_label_set_embed_dim (set);
  const double *want = ref->data;

  g_assert_cmpuint (ref->shape[1], ==, (size_t) dim);
  for (int i = 0; i < 2; i++) {
    double got[dim];
    for (int d = 0; d < dim; d++)
      got[d] = clip_label_set_embeddings (set)[i * dim + d];
    double cos = vec_cosine (got, want + (size_t) i * dim, dim);
    g_assert_cmpfloat (cos, >=, 0.99999);
  }
  npy_free (ref);
  g_free (rel);
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
test_save_load_golden (void)
{
  ClipModel *m = load_model (QUICK);
  ClipLabelSet *set = build_set (m), *back;
  char *path = tmp_file ("set.safetensors");
  GError *err = NULL;
  GDir *dir;
  const char *name;
  int n_files = 0;

  assert_golden (set, "tiny-quickgelu-p32-f32");
  g_assert_true (clip_label_set_save (set, path, &err));
  g_assert_no_error (err);

  /* Written atomically: nothing but the file itself is left. */
  dir = g_dir_open (tmp_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)))
    n_files++;
  g_dir_close (dir);
  g_assert_cmpint (n_files, ==, 1);

  back = clip_label_set_load (m, path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (clip_label_set_size (back), ==, 2);
  g_assert_cmpstr (clip_label_set_label (back, 0), ==, "cat");
  g_assert_cmpstr (clip_label_set_label (back, 1), ==, "dog");
  g_assert_cmpint (clip_label_set_n_templates (back), ==, 1);
  g_assert_cmpstr (clip_label_set_template (back, 0), ==, templates[0]);
  g_assert_cmpstr (clip_label_set_fingerprint (back), ==,
      clip_label_set_fingerprint (set));
  assert_golden (back, "tiny-quickgelu-p32-f32");
  g_assert_cmpmem (clip_label_set_embeddings (back),
      2 * clip_label_set_embed_dim (back) * sizeof (float),
      clip_label_set_embeddings (set),
      2 * clip_label_set_embed_dim (set) * sizeof (float));

  clip_label_set_unref (back);
  clip_label_set_unref (set);
  g_unlink (path);
  g_free (path);
  clip_model_unref (m);
}

static void
test_fingerprint (void)
{
  ClipModel *a = load_model (QUICK), *b = load_model (QUICK);
  ClipModel *c = load_model (GELU);
  char *fa = clip_model_fingerprint (a), *fb = clip_model_fingerprint (b);
  char *fc = clip_model_fingerprint (c);

  g_assert_cmpuint (strlen (fa), ==, 64);
  g_assert_cmpstr (fa, ==, fb);
  g_assert_cmpstr (fa, !=, fc);
  g_free (fa);
  g_free (fb);
  g_free (fc);
  clip_model_unref (a);
  clip_model_unref (b);
  clip_model_unref (c);
}

/* Writes @len bytes of @data to a new file and expects loading it with @m
 * to fail with a message naming the file and containing @what. */
static void
expect_load_error (ClipModel *m, const char *name, const void *data,
    gsize len, const char *what)
{
  char *path = tmp_file (name);
  GError *err = NULL;
  ClipLabelSet *set;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  set = clip_label_set_load (m, path, &err);
  g_assert_null (set);
  g_assert_nonnull (err);
  g_test_message ("%s: %s", name, err->message);
  g_assert_nonnull (strstr (err->message, path));
  g_assert_nonnull (strstr (err->message, what));
  g_error_free (err);
  g_unlink (path);
  g_free (path);
}

/* Replaces the first occurrence of @from by @to (same length) in @buf. */
static void
patch (char *buf, gsize len, const char *from, const char *to)
{
  gsize n = strlen (from);

  g_assert_cmpuint (n, ==, strlen (to));
  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (buf + i, from, n) == 0) {
      memcpy (buf + i, to, n);
      return;
    }
  g_assert_not_reached ();
}

static void
test_bad_files (void)
{
  ClipModel *m = load_model (QUICK), *other = load_model (GELU);
  ClipLabelSet *set = build_set (m), *set_other = build_set (other);
  char *good = tmp_file ("good.safetensors");
  char *good_other = tmp_file ("other.safetensors");
  char *data, *copy, *missing;
  gsize len;
  GError *err = NULL;

  g_assert_true (clip_label_set_save (set, good, NULL));
  g_assert_true (clip_label_set_save (set_other, good_other, NULL));
  g_assert_true (g_file_get_contents (good, &data, &len, NULL));

  /* Another model, another width: E 96 against 64. */
  g_assert_null (clip_label_set_load (m, good_other, &err));
  g_assert_nonnull (strstr (err->message, "width 96"));
  g_clear_error (&err);

  /* The same width and layout, another model's fingerprint. */
  copy = g_memdup2 (data, len);
  patch (copy, len, clip_label_set_fingerprint (set),
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  expect_load_error (m, "fingerprint.safetensors", copy, len,
      "another model");
  g_free (copy);

  /* Other precision. */
  copy = g_memdup2 (data, len);
  patch (copy, len, "\"fp32\"", "\"bf16\"");
  expect_load_error (m, "precision.safetensors", copy, len, "precision bf16");
  g_free (copy);

  /* Truncated at every length short of complete. */
  for (gsize cut = 0; cut < len; cut += cut < 64 ? 1 : 97) {
    char *path = tmp_file ("truncated.safetensors");
    g_assert_true (g_file_set_contents (path, data, (gssize) cut, NULL));
    g_assert_null (clip_label_set_load (m, path, &err));
    g_assert_nonnull (err);
    g_assert_nonnull (strstr (err->message, path));
    g_clear_error (&err);
    g_unlink (path);
    g_free (path);
  }

  /* Damaged data area: one bit of one mantissa. */
  copy = g_memdup2 (data, len);
  copy[len - 8] ^= 1;
  expect_load_error (m, "data.safetensors", copy, len, "checksum");
  g_free (copy);

  /* A model checkpoint is no label-set file. */
  {
    char *ckpt = golden_path (QUICK "/model.safetensors");
    g_assert_null (clip_label_set_load (m, ckpt, &err));
    g_assert_nonnull (strstr (err->message, ckpt));
    g_clear_error (&err);
    g_free (ckpt);
  }

  /* Labels metadata broken. */
  copy = g_memdup2 (data, len);
  patch (copy, len, "[\\\"cat", "{\\\"cat");
  expect_load_error (m, "broken.safetensors", copy, len,
      "metadata \"labels\" is not JSON");
  g_free (copy);

  /* Not there at all. */
  missing = tmp_file ("missing.safetensors");
  g_assert_null (clip_label_set_load (m, missing, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_IO);
  g_assert_nonnull (strstr (err->message, missing));
  g_clear_error (&err);

  g_free (missing);
  g_free (data);
  g_unlink (good);
  g_unlink (good_other);
  g_free (good);
  g_free (good_other);
  clip_label_set_unref (set);
  clip_label_set_unref (set_other);
  clip_model_unref (m);
  clip_model_unref (other);
}

/* The single entry of @dir (asserts there is exactly one). */
static char *
only_entry (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  char *found = NULL;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir))) {
    g_assert_null (found);
    found = g_build_filename (dir_path, name, NULL);
  }
  g_dir_close (dir);
  g_assert_nonnull (found);
  return found;
}

static ClipLabelSet *
cached (ClipModel *m, ClipWorkspace *ws, const char *cache, gboolean *hit)
{
  GError *err = NULL;
  ClipLabelSetParams p = { .templates = templates, .n_templates = 1 };
  ClipLabelSet *set = clip_label_set_new_cached (m, ws, labels, 2, &p, cache,
      hit, &err);

  g_assert_no_error (err);
  assert_golden (set, "tiny-quickgelu-p32-f32");
  return set;
}

static void
test_cache (void)
{
  ClipModel *m = load_model (QUICK);
  ClipWorkspace *ws = clip_workspace_new (m, 1, NULL);
  char *cache = tmp_file ("cache");
  char *entry;
  gboolean hit = TRUE;
  ClipLabelSet *set;

  set = cached (m, ws, cache, &hit);
  g_assert_false (hit);
  clip_label_set_unref (set);
  entry = only_entry (cache);

  set = cached (m, ws, cache, &hit);
  g_assert_true (hit);
  clip_label_set_unref (set);

  /* A damaged entry is rebuilt (and right), and replaced by a good one. */
  g_assert_true (g_file_set_contents (entry, "garbage", 7, NULL));
  set = cached (m, ws, cache, &hit);
  g_assert_false (hit);
  clip_label_set_unref (set);
  set = cached (m, ws, cache, &hit);
  g_assert_true (hit);
  clip_label_set_unref (set);

  /* No cache folder: always built, nothing written. */
  set = cached (m, ws, NULL, &hit);
  g_assert_false (hit);
  clip_label_set_unref (set);

  g_unlink (entry);
  g_rmdir (cache);
  g_free (entry);
  g_free (cache);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  golden_dir ();
  tmp_dir = g_dir_make_tmp ("clip-labelset-XXXXXX", NULL);
  g_test_add_func ("/labelset-file/save-load-golden", test_save_load_golden);
  g_test_add_func ("/labelset-file/fingerprint", test_fingerprint);
  g_test_add_func ("/labelset-file/bad-files", test_bad_files);
  g_test_add_func ("/labelset-file/cache", test_cache);
  ret = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
