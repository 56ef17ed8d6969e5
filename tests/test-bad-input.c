/* test-bad-input.c: damaged checkpoints, configs and inputs give a GError
 * that names the problem, never a crash. Variants of a golden checkpoint
 * are written to a temporary directory. */
#include "clip.h"
#include "golden.h"
#include "safetensors.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *tmpdir;
static char *src_dir;          /* a golden Hugging Face layout directory */

/* How a variant differs from the source checkpoint. */
typedef struct {
  const char *drop;            /* leave this tensor out */
  const char *reshape;         /* give this tensor shape [1, 2] */
  const char *retype;          /* give this tensor an integer dtype */
  const char *shift;           /* move this tensor's offsets by +4 bytes */
  gboolean overlap;            /* second tensor starts inside the first */
  gsize truncate_to;           /* cut the file to this many bytes */
  gint64 header_len;           /* write this header length instead */
} Variant;

static char *
variant_dir (const char *name)
{
  char *dir = g_build_filename (tmpdir, name, NULL);
  static const char *side[] = {
    "config.json", "vocab.json", "merges.txt", "preprocessor_config.json",
  };
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (size_t i = 0; i < G_N_ELEMENTS (side); i++) {
    char *from = g_build_filename (src_dir, side[i], NULL);
    char *to = g_build_filename (dir, side[i], NULL);
    if (g_file_test (from, G_FILE_TEST_EXISTS))
      g_assert_cmpint (symlink (from, to), ==, 0);
    g_free (from);
    g_free (to);
  }
  return dir;
}

/* The integer dtype of the same element size, so byte ranges still fit. */
static const char *
int_dtype (const StTensor *t)
{
  switch (t->nbytes / MAX (t->numel, 1)) {
    case 2:
      return "I16";
    case 8:
      return "I64";
    default:
      return "I32";
  }
}

/* Writes dir/model.safetensors: the source tensors, changed as @v says. */
static void
write_variant (const char *dir, const Variant *v)
{
  GError *err = NULL;
  char *src = g_build_filename (src_dir, "model.safetensors", NULL);
  StFile *f = st_open (src, &err);
  g_assert_no_error (err);

  GString *hdr = g_string_new ("{");
  GByteArray *data = g_byte_array_new ();
  gsize prev_begin = 0;
  for (size_t i = 0; i < st_n_tensors (f); i++) {
    const StTensor *t = st_tensor_at (f, i);
    if (g_strcmp0 (t->name, v->drop) == 0)
      continue;
    gsize begin = data->len, end = begin + t->nbytes;
    g_byte_array_append (data, t->data, t->nbytes);
    if (g_strcmp0 (t->name, v->shift) == 0) {
      begin += 4;
      end += 4;
    }
    if (v->overlap && i == 1) {
      begin = prev_begin + 2;
      end = begin + t->nbytes;
    }
    prev_begin = begin;
    g_string_append_printf (hdr, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
        hdr->len > 1 ? "," : "", t->name,
        g_strcmp0 (t->name, v->retype) == 0 ? int_dtype (t)
        : st_dtype_name (t->dtype));
    if (g_strcmp0 (t->name, v->reshape) == 0) {
      g_string_append (hdr, "1,2");
      end = begin + 2 * (t->nbytes / MAX (t->numel, 1));
    } else {
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (hdr, "%s%" G_GINT64_FORMAT, d ? "," : "",
            t->shape[d]);
    }
    g_string_append_printf (hdr, "],\"data_offsets\":[%zu,%zu]}", begin, end);
  }
  g_string_append_c (hdr, '}');

  GByteArray *file = g_byte_array_new ();
  guint64 hlen = v->header_len ? (guint64) v->header_len : hdr->len;
  for (int i = 0; i < 8; i++) {
    guint8 b = (hlen >> (8 * i)) & 0xff;
    g_byte_array_append (file, &b, 1);
  }
  g_byte_array_append (file, (guint8 *) hdr->str, hdr->len);
  g_byte_array_append (file, data->data, data->len);
  gsize len = v->truncate_to ? MIN (v->truncate_to, file->len) : file->len;
  char *out = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (g_file_set_contents (out, (char *) file->data, len, &err));

  g_free (out);
  g_byte_array_unref (file);
  g_byte_array_unref (data);
  g_string_free (hdr, TRUE);
  st_close (f);
  g_free (src);
}

/* Loading @name's variant fails with @code and a message holding every
 * one of the NULL-terminated fragments. */
static void
expect_load_error (const char *name, const Variant *v, int code, ...)
{
  char *dir = variant_dir (name);
  GError *err = NULL;
  va_list ap;

  if (v)
    write_variant (dir, v);
  ClipModel *m = clip_model_load (dir, NULL, &err);
  g_assert_null (m);
  g_assert_nonnull (err);
  g_test_message ("%s: %s", name, err->message);
  g_assert_error (err, CLIP_ERROR, code);
  va_start (ap, code);
  for (const char *frag; (frag = va_arg (ap, const char *));)
    if (!strstr (err->message, frag))
      g_error ("%s: message \"%s\" lacks \"%s\"", name, err->message, frag);
  va_end (ap);
  g_error_free (err);
  g_free (dir);
}

static void
test_truncated (void)
{
  Variant v = { .truncate_to = 100000 };
  expect_load_error ("truncated", &v, CLIP_ERROR_FORMAT, "model.safetensors",
      "truncated", NULL);
  Variant tiny = { .truncate_to = 5 };
  expect_load_error ("five-bytes", &tiny, CLIP_ERROR_FORMAT,
      "model.safetensors", "too short", NULL);
}

static void
test_header_past_end (void)
{
  Variant v = { .header_len = G_GINT64_CONSTANT (1) << 40 };
  expect_load_error ("header-len", &v, CLIP_ERROR_FORMAT, "header length",
      NULL);
  Variant garbage = { .header_len = 3 };
  expect_load_error ("header-garbage", &garbage, CLIP_ERROR_FORMAT,
      "model.safetensors", NULL);
}

static void
test_offsets (void)
{
  Variant out_of_range = { .shift = "logit_scale" };
  expect_load_error ("offset-range", &out_of_range, CLIP_ERROR_FORMAT,
      "logit_scale", "past the end", NULL);
  Variant overlap = { .overlap = TRUE };
  expect_load_error ("offset-overlap", &overlap, CLIP_ERROR_FORMAT,
      "overlap", NULL);
}

static void
test_wrong_shape_and_dtype (void)
{
  Variant shape = { .reshape = "vision_model.post_layernorm.weight" };
  expect_load_error ("shape", &shape, CLIP_ERROR_TENSOR,
      "vision_model.post_layernorm.weight", "shape [1, 2]", NULL);
  Variant dtype = { .retype = "text_projection.weight" };
  expect_load_error ("dtype", &dtype, CLIP_ERROR_TENSOR,
      "text_projection.weight", "has dtype I", NULL);
}

static void
test_missing_tensor (void)
{
  Variant v = { .drop = "vision_model.post_layernorm.weight" };
  expect_load_error ("missing", &v, CLIP_ERROR_TENSOR,
      "vision_model.post_layernorm.weight missing", NULL);
  Variant scale = { .drop = "logit_scale" };
  expect_load_error ("missing-scale", &scale, CLIP_ERROR_TENSOR,
      "logit_scale missing", NULL);
}

/* A copy of the source directory whose file @name holds @contents. */
static char *
dir_with_file (const char *dir_name, const char *name, const char *contents)
{
  char *dir = variant_dir (dir_name);
  char *path = g_build_filename (dir, name, NULL);
  Variant plain = { 0 };
  g_unlink (path);
  write_variant (dir, &plain);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_free (path);
  return dir;
}

static void
test_bad_config (void)
{
  static const struct {
    const char *json, *fragment;
  } cases[] = {
    { "{\"vision_config\": {\"hidden_act\": \"gelu\",", "config.json" },
    { "{\"vision_config\": {\"hidden_act\": \"relu6\"}}", "relu6" },
    { "{\"text_config\": {\"num_attention_heads\": 7}}", "attention heads" },
    { "{\"vision_config\": {\"image_size\": 100}}", "image_size 100" },
    { "[1, 2]", "object" },
    /* positive as a double, 0 as the float32 LayerNorm uses */
    { "{\"vision_config\": {\"layer_norm_eps\": 1e-52}}", "layer_norm_eps" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *name = g_strdup_printf ("config-%zu", i);
    char *dir = dir_with_file (name, "config.json", cases[i].json);
    GError *err = NULL;
    g_assert_null (clip_model_load (dir, NULL, &err));
    g_assert_nonnull (err);
    g_test_message ("%s", err->message);
    if (!strstr (err->message, cases[i].fragment))
      g_error ("config case %zu: \"%s\" lacks \"%s\"", i, err->message,
          cases[i].fragment);
    g_error_free (err);
    g_free (dir);
    g_free (name);
  }
}

static void
test_bad_tokenizer_files (void)
{
  char *dir = dir_with_file ("merges", "merges.txt",
      "#version: 0.2\ni n\nt h e\n");
  GError *err = NULL;
  g_assert_null (clip_model_load (dir, NULL, &err));
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "merges.txt"));
  g_assert_nonnull (strstr (err->message, "line 3"));
  g_clear_error (&err);
  g_free (dir);

  dir = dir_with_file ("vocab", "vocab.json", "{\"a\": 1, \"b\": }");
  g_assert_null (clip_model_load (dir, NULL, &err));
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "vocab.json"));
  g_clear_error (&err);
  g_free (dir);
}

static void
test_not_found (void)
{
  GError *err = NULL;
  g_assert_null (clip_model_load ("/nonexistent/clip-model", NULL, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_IO);
  g_assert_nonnull (strstr (err->message, "/nonexistent/clip-model"));
  g_clear_error (&err);

  char *empty = g_build_filename (tmpdir, "empty-dir", NULL);
  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  g_assert_null (clip_model_load (empty, NULL, &err));
  g_assert_nonnull (strstr (err->message, "model.safetensors"));
  g_clear_error (&err);
  g_free (empty);
}

static void
test_bad_text_and_labels (void)
{
  GError *err = NULL;
  ClipModel *m = clip_model_load (src_dir, NULL, &err);
  g_assert_no_error (err);
  ClipWorkspace *ws = clip_workspace_new (m, 1, &err);
  int32_t ids[1024];
  g_assert_cmpint (clip_model_context_length (m), <=, 1024);

  g_assert_false (clip_tokenize (m, "caf\xc3\x28 au lait", ids, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_clear_error (&err);

  const char *labels[] = { "cat" };
  g_assert_null (clip_label_set_new (m, ws, labels, 0, NULL, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_clear_error (&err);

  const char *bad[] = { "cat", "\xff\xfe" };
  g_assert_null (clip_label_set_new (m, ws, bad, 2, NULL, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_clear_error (&err);

  memset (ids, 0, sizeof (ids));
  ids[0] = -5;
  float out[4096];
  g_assert_cmpint (clip_model_embed_dim (m), <=, 4096);
  g_assert_false (clip_text_encode_tokens (ws, ids, 1, out, TRUE, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_INPUT);
  g_clear_error (&err);

  clip_workspace_free (ws);
  clip_model_unref (m);
}

/* Random byte damage in the header never crashes the loader. */
static void
test_header_mutations (void)
{
  char *dir = variant_dir ("mutations");
  char *path = g_build_filename (dir, "model.safetensors", NULL);
  Variant plain = { 0 };
  GError *err = NULL;
  gchar *orig;
  gsize len;
  GRand *rand = g_rand_new_with_seed (1234);

  write_variant (dir, &plain);
  g_assert_true (g_file_get_contents (path, &orig, &len, NULL));
  guint64 hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | (guint8) orig[i];
  int failures = 0;
  for (int iter = 0; iter < 300; iter++) {
    gchar *copy = g_memdup2 (orig, len);
    int flips = g_rand_int_range (rand, 1, 4);
    for (int k = 0; k < flips; k++) {
      gsize pos = g_rand_int_range (rand, 0, (gint32) MIN (hlen + 8, len));
      copy[pos] = (gchar) g_rand_int_range (rand, 0, 256);
    }
    StFile *f = st_open_bytes ((const guint8 *) copy, len, "mutated", &err);
    if (f) {
      st_close (f);
    } else {
      g_assert_nonnull (err);
      failures++;
      g_clear_error (&err);
    }
    g_free (copy);
  }
  g_test_message ("%d of 300 mutated headers rejected", failures);
  g_assert_cmpint (failures, >, 0);
  g_rand_free (rand);
  g_free (orig);
  g_free (path);
  g_free (dir);
}

typedef struct
{
  int calls, last_done, total, stop_at;
  int mark, calls_to_mark;      /* calls up to done == mark */
  gboolean hit_mark;
} Progress;

static gboolean
count_progress (int done, int total, void *user_data)
{
  Progress *p = user_data;

  g_assert_cmpint (done, >, p->last_done);
  g_assert_cmpint (done, <=, total);
  p->calls++;
  p->last_done = done;
  p->total = total;
  if (done <= p->mark)
    p->calls_to_mark = p->calls;
  p->hit_mark |= done == p->mark;
  return p->stop_at == 0 || done < p->stop_at;
}

/* The progress callback of clip_label_set_new sees every pass of texts
 * (one template on up to 256 labels) and can stop the build between two
 * of them; the texts of a template's group of labels (up to 1,024) are
 * sorted by length together and cut into passes, a pass's texts share
 * their template's first words, and each label's row is still the
 * ensemble of its own texts. */
static void
test_label_set_progress (void)
{
  GError *err = NULL;
  ClipModel *m = clip_model_load (src_dir, NULL, &err);
  g_assert_no_error (err);
  ClipWorkspace *ws = clip_workspace_new (m, 1, &err);
  g_assert_no_error (err);
  int dim = clip_model_embed_dim (m);
  /* templates of different lengths, so that sorting reorders texts */
  const char *templates[] = { "a photo of a {}.",
    "a blurry black and white photo of many small {} in the dark." };
  /* more labels than a group of 1,024, so that the second group's rows
   * are found from its own first label */
  enum { N_LABELS = 1100 };
  char *labels[N_LABELS + 1] = { NULL };
  for (int i = 0; i < N_LABELS; i++)
    labels[i] = g_strdup_printf (i % 3 ? "thing %d" : "big red thing %d", i);
  ClipLabelSetParams lp = clip_label_set_default_params ();
  lp.templates = templates;
  lp.n_templates = 2;

  /* 2,200 texts, a template at a time, in groups of 1,024 and 76
   * labels, in passes of at most 256: five or more per template, and one
   * ends where the first template does. */
  Progress all = { .mark = N_LABELS };
  lp.progress = count_progress;
  lp.progress_data = &all;
  ClipLabelSet *set = clip_label_set_new (m, ws,
      (const char *const *) labels, N_LABELS, &lp, &err);
  g_assert_no_error (err);
  g_assert_nonnull (set);
  g_test_message ("%d progress calls", all.calls);
  g_assert_cmpint (all.calls, >=, 10);
  g_assert_cmpint (all.calls_to_mark, >=, 5);
  g_assert_true (all.hit_mark);
  g_assert_cmpint (all.last_done, ==, 2 * N_LABELS);
  g_assert_cmpint (all.total, ==, 2 * N_LABELS);

  /* The callback does not change the result. */
  lp.progress = NULL;
  ClipLabelSet *plain = clip_label_set_new (m, ws,
      (const char *const *) labels, N_LABELS, &lp, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (clip_label_set_embeddings (set),
      N_LABELS * dim * sizeof (float), clip_label_set_embeddings (plain),
      N_LABELS * dim * sizeof (float));

  /* Each row against its label's two texts embedded one at a time. */
  float *e = g_new (float, 2 * dim);
  double worst = 1;
  for (int i = 0; i < N_LABELS; i++) {
    char *texts[2];
    for (int t = 0; t < 2; t++) {
      char **parts = g_strsplit (templates[t], "{}", -1);
      texts[t] = g_strjoinv (labels[i], parts);
      g_strfreev (parts);
      g_assert_true (clip_text_encode (ws, (const char *const *) &texts[t],
              1, e + t * dim, TRUE, &err));
      g_free (texts[t]);
    }
    double dot = 0, norm = 0;
    const float *row = clip_label_set_embeddings (set) + (size_t) i * dim;
    for (int d = 0; d < dim; d++) {
      double mean = e[d] + e[dim + d];
      dot += mean * row[d];
      norm += mean * mean;
    }
    worst = MIN (worst, dot / sqrt (norm));
  }
  g_test_message ("label rows against their texts one at a time: worst "
      "cosine %.9f", worst);
  g_assert_cmpfloat (worst, >, 0.999999);
  g_free (e);

  /* stopped at the end of the first template, after as many calls */
  Progress stop = { .stop_at = N_LABELS };
  lp.progress = count_progress;
  lp.progress_data = &stop;
  g_assert_null (clip_label_set_new (m, ws, (const char *const *) labels,
          N_LABELS, &lp, &err));
  g_assert_error (err, CLIP_ERROR, CLIP_ERROR_CANCELLED);
  g_test_message ("%s", err->message);
  g_clear_error (&err);
  g_assert_cmpint (stop.calls, ==, all.calls_to_mark);
  g_assert_cmpint (stop.last_done, ==, N_LABELS);

  clip_label_set_unref (plain);
  clip_label_set_unref (set);
  for (int i = 0; i < N_LABELS; i++)
    g_free (labels[i]);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* the first model with a Hugging Face layout */
  src_dir = golden_first_layout_dir ("hf");
  g_assert_nonnull (src_dir);
  tmpdir = g_dir_make_tmp ("clip-bad-input-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/bad-input/truncated", test_truncated);
  g_test_add_func ("/bad-input/header-past-end", test_header_past_end);
  g_test_add_func ("/bad-input/offsets", test_offsets);
  g_test_add_func ("/bad-input/shape-dtype", test_wrong_shape_and_dtype);
  g_test_add_func ("/bad-input/missing-tensor", test_missing_tensor);
  g_test_add_func ("/bad-input/config", test_bad_config);
  g_test_add_func ("/bad-input/tokenizer-files", test_bad_tokenizer_files);
  g_test_add_func ("/bad-input/not-found", test_not_found);
  g_test_add_func ("/bad-input/text-and-labels", test_bad_text_and_labels);
  g_test_add_func ("/bad-input/label-set-progress", test_label_set_progress);
  g_test_add_func ("/bad-input/header-mutations", test_header_mutations);
  int ret = g_test_run ();

  char *argv_rm[] = { "rm", "-rf", tmpdir, NULL };
  g_spawn_sync (NULL, argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
      NULL, NULL, NULL);
  g_free (tmpdir);
  g_free (src_dir);
  return ret;
}
