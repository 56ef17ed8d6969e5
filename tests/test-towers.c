/* test-towers.c: vision and text towers, logits and the whole path from PNG
 * to embedding, against the float64 references of OpenAI's CLIP code in the
 * golden folder, for every model and layout its manifest lists. */
#include "clip.h"
#include "golden.h"
#include "image-file.h"
#include "workspace.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Tolerances of the golden README, for fp32. */
#define TOWER_MIN_COSINE 0.99999
#define TOWER_MAX_REL_DIFF 1e-3
#define LOGIT_MAX_DIFF 1e-2
#define END_TO_END_MIN_COSINE 0.999

/* The bounds each precision promises (docs/precision.md): reduced
 * precisions are held to a cosine against the float64 reference; their
 * element and logit differences are reported, not bounded. */
typedef struct {
  double min_cos, max_rel, max_logit;
} Tolerance;

static Tolerance tol = { TOWER_MIN_COSINE, TOWER_MAX_REL_DIFF,
  LOGIT_MAX_DIFF };

typedef struct {
  JsonNode *entry;      /* the manifest's model entry */
  const char *layout;          /* key in its "layouts" */
} Case;

typedef struct {
  double worst_cos, worst_rel;
} Stats;

/* Index of the largest of @n values @stride apart. */
static size_t
vec_argmax (const double *v, size_t n, size_t stride)
{
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i * stride] > v[best * stride])
      best = i;
  return best;
}

static char *
model_path (const Case *c)
{
  JsonNode *layouts = jsondoc_member (c->entry, "layouts");
  return golden_path (jsondoc_string (jsondoc_member (layouts, c->layout)));
}

static const char *
model_name (const Case *c)
{
  return jsondoc_string (jsondoc_member (c->entry, "name"));
}

/* The backend under test: CLIP_TEST_BACKEND (auto by default), so that
 * meson runs this file once per backend. */
static ClipModelParams
test_params (void)
{
  ClipModelParams p = clip_model_default_params ();
  const char *name = g_getenv ("CLIP_TEST_BACKEND");
  const char *precision = g_getenv ("CLIP_TEST_PRECISION");
  GError *err = NULL;

  if (name && !clip_backend_from_name (name, &p.backend, &err))
    g_error ("CLIP_TEST_BACKEND: %s", err->message);
  if (precision && !clip_precision_from_name (precision, &p.precision, &err))
    g_error ("CLIP_TEST_PRECISION: %s", err->message);
  if (p.precision == CLIP_PRECISION_BF16)
    tol = (Tolerance) { 0.9995, INFINITY, INFINITY };
  else if (p.precision == CLIP_PRECISION_INT8)
    tol = (Tolerance) { 0.995, INFINITY, INFINITY };
  return p;
}

static ClipModel *
load_case (const Case *c)
{
  GError *err = NULL;
  char *path = model_path (c);
  ClipModelParams params = test_params ();
  ClipModel *m = clip_model_load (path, &params, &err);
  g_assert_no_error (err);
  g_assert_nonnull (m);
  g_free (path);
  return m;
}

static NpyArray *
case_npy (const Case *c, const char *key)
{
  return golden_npy (jsondoc_string (jsondoc_member (c->entry, key)));
}

/* Checks @n rows of @got (float32) against @ref (float64) with the tower
 * tolerances; returns the worst values seen. */
static Stats
compare_rows (const char *what, const float *got, const NpyArray *ref,
    size_t n, size_t dim, double min_cos)
{
  Stats s = { 1.0, 0.0 };
  double *ref64 = npy_to_f64 (ref);
  double *row = g_new (double, dim);
  double ref_max = vec_max_abs (ref64, n * dim);

  g_assert_cmpuint (ref->count, ==, n * dim);
  for (size_t i = 0; i < n; i++) {
    for (size_t d = 0; d < dim; d++)
      row[d] = got[i * dim + d];
    double cos = vec_cosine (row, ref64 + i * dim, dim);
    double rel = vec_max_abs_diff (row, ref64 + i * dim, dim) / ref_max;
    s.worst_cos = MIN (s.worst_cos, cos);
    s.worst_rel = MAX (s.worst_rel, rel);
    if (cos < min_cos)
      g_error ("%s row %zu: cosine %.7f below %.5f", what, i, cos, min_cos);
  }
  g_free (row);
  g_free (ref64);
  return s;
}

/* A case's model, a workspace on it, the golden token ids and the text
 * tower's float64 references. */
typedef struct {
  ClipModel *m;
  ClipWorkspace *ws;
  NpyArray *ids, *ref;
} TextFixture;

static TextFixture
text_fixture (const Case *c)
{
  TextFixture f;
  GError *err = NULL;

  f.m = load_case (c);
  f.ws = clip_workspace_new (f.m, 1, &err);
  g_assert_no_error (err);
  f.ids = golden_npy (jsondoc_string (jsondoc_member (golden_manifest (),
              "token_ids")));
  f.ref = case_npy (c, "text_embeds");
  return f;
}

static void
text_fixture_clear (TextFixture *f)
{
  npy_free (f->ids);
  npy_free (f->ref);
  clip_workspace_free (f->ws);
  clip_model_unref (f->m);
}

static void
test_text_tower (gconstpointer data)
{
  const Case *c = data;
  GError *err = NULL;
  TextFixture f = text_fixture (c);
  ClipModel *m = f.m;
  ClipWorkspace *ws = f.ws;
  NpyArray *ids = f.ids, *ref = f.ref;
  size_t n = ids->shape[0], e = clip_model_embed_dim (m);

  g_assert_cmpint (ids->dtype, ==, NPY_I32);
  g_assert_cmpuint (ids->shape[1], ==, clip_model_context_length (m));
  float *out = g_new (float, n * e);
  g_assert_true (clip_text_encode_tokens (ws, ids->data, n, out, FALSE, &err));
  g_assert_no_error (err);
  Stats s = compare_rows ("text embedding", out, ref, n, e, tol.min_cos);
  g_test_message ("%s/%s text tower: 1 - worst cosine %.1e, max |diff| %.2e of "
      "max |ref|", model_name (c), c->layout, 1 - s.worst_cos, s.worst_rel);
  g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);

  /* the same from the strings, through the tokenizer */
  JsonNode *texts = jsondoc_member (golden_manifest (), "texts");
  const char **strs = g_new0 (const char *, n);
  for (size_t i = 0; i < n; i++)
    strs[i] = jsondoc_string (golden_element (texts, i));
  float *out2 = g_new (float, n * e);
  g_assert_true (clip_text_encode (ws, strs, n, out2, FALSE, &err));
  g_assert_no_error (err);
  s = compare_rows ("text embedding from strings", out2, ref, n, e,
      tol.min_cos);
  g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);

  g_free (strs);
  g_free (out);
  g_free (out2);
  text_fixture_clear (&f);
}

/* Texts that share their first ids (a template's words) run those once
 * for all of them (workspace.c): the golden texts that start like the
 * first one ("<start> a ..."), repeated to 300 so that the prefix serves
 * two text passes (a pass takes at most CLIP_TEXT_PASS_MAX, 256, texts),
 * must each still match their own float64 reference. */
static void
test_text_shared_prefix (gconstpointer data)
{
  const Case *c = data;
  GError *err = NULL;
  TextFixture f = text_fixture (c);
  NpyArray *ids = f.ids, *ref = f.ref;
  size_t n = ids->shape[0], ctx = ids->shape[1];
  size_t e = clip_model_embed_dim (f.m);
  const gint32 *all = ids->data;
  g_autoptr (GArray) pick = g_array_new (FALSE, FALSE, sizeof (size_t));

  /* texts with the same first two ids as text 0 and more after them */
  for (size_t i = 0; i < n; i++)
    if (all[i * ctx] == all[0] && all[i * ctx + 1] == all[1]
        && all[i * ctx + 2] != 0)
      g_array_append_val (pick, i);
  g_assert_cmpuint (pick->len, >=, 2);
  size_t nb = 300;
  gint32 *batch = g_new (gint32, nb * ctx);
  for (size_t k = 0; k < nb; k++)
    memcpy (batch + k * ctx, all + g_array_index (pick, size_t,
            k % pick->len) * ctx, ctx * sizeof (gint32));

  float *out = g_new (float, nb * e);
  double *ref64 = npy_to_f64 (ref), *row = g_new (double, e);
  double ref_max = vec_max_abs (ref64, n * e), worst = 1;
  g_assert_true (clip_text_encode_tokens (f.ws, batch, nb, out, FALSE,
          &err));
  g_assert_no_error (err);
  for (size_t k = 0; k < nb; k++) {
    const double *want = ref64 + g_array_index (pick, size_t, k % pick->len)
        * e;
    for (size_t d = 0; d < e; d++)
      row[d] = out[k * e + d];
    double cos = vec_cosine (row, want, e);
    worst = MIN (worst, cos);
    if (cos < tol.min_cos)
      g_error ("text %zu with a shared prefix: cosine %.7f below %.5f", k,
          cos, tol.min_cos);
    g_assert_cmpfloat (vec_max_abs_diff (row, want, e) / ref_max, <=,
        tol.max_rel);
  }
  g_test_message ("%s/%s %u texts sharing a prefix, x %zu: 1 - worst cosine "
      "%.1e", model_name (c), c->layout, pick->len, nb, 1 - worst);

  g_free (row);
  g_free (ref64);
  g_free (out);
  g_free (batch);
  text_fixture_clear (&f);
}

static void
test_vision_tower (gconstpointer data)
{
  const Case *c = data;
  GError *err = NULL;
  ClipModel *m = load_case (c);
  /* a batch smaller than the image count exercises chunking too */
  ClipWorkspace *ws = clip_workspace_new (m, 3, &err);
  NpyArray *pix = case_npy (c, "pixels");
  NpyArray *ref = case_npy (c, "image_embeds");
  size_t n = pix->shape[0], e = clip_model_embed_dim (m);
  size_t r = clip_model_image_size (m);

  g_assert_cmpint (pix->dtype, ==, NPY_F32);
  g_assert_cmpuint (pix->shape[2], ==, r);
  float *out = g_new (float, n * e);
  g_assert_true (clip_vision_encode (ws, pix->data, n, out, FALSE, &err));
  g_assert_no_error (err);
  Stats s = compare_rows ("image embedding", out, ref, n, e, tol.min_cos);
  g_test_message ("%s/%s vision tower: 1 - worst cosine %.1e, max |diff| %.2e of "
      "max |ref|", model_name (c), c->layout, 1 - s.worst_cos, s.worst_rel);
  g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);

  /* every image in one pass: the patch embedding then reads more values
   * (3 x patch^2 a row) than any other product of a narrow model */
  ClipWorkspace *whole = clip_workspace_new (m, n, &err);
  g_assert_no_error (err);
  g_assert_true (clip_vision_encode (whole, pix->data, n, out, FALSE, &err));
  g_assert_no_error (err);
  s = compare_rows ("image embedding, one batch", out, ref, n, e,
      tol.min_cos);
  g_test_message ("%s/%s vision tower, %zu images in one pass: 1 - worst "
      "cosine %.1e, max |diff| %.2e of max |ref|", model_name (c), c->layout,
      n, 1 - s.worst_cos, s.worst_rel);
  g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);
  clip_workspace_free (whole);

  /* the same pass as two halves of the images, one thread each, as
   * batches run on AMD's families 19h and 1Ah (workspace.c) */
  ClipWorkspace *halves = clip_workspace_new (m, n, &err);
  g_assert_no_error (err);
  clip_workspace_set_threads (halves, 2);
  g_assert_true (clip_workspace_set_halves (halves, TRUE, FALSE, &err));
  g_assert_no_error (err);
  if (clip_workspace_get_threads (halves) == 2) {
    g_assert_nonnull (halves->half[0]);
    memset (out, 0, n * e * sizeof (float));
    g_assert_true (clip_vision_encode (halves, pix->data, n, out, FALSE,
            &err));
    g_assert_no_error (err);
    s = compare_rows ("image embedding, two halves", out, ref, n, e,
        tol.min_cos);
    g_test_message ("%s/%s vision tower, %zu images as two halves: 1 - "
        "worst cosine %.1e, max |diff| %.2e of max |ref|", model_name (c),
        c->layout, n, 1 - s.worst_cos, s.worst_rel);
    g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);
  } else {
    g_test_message ("one processor: no two halves to run");
  }
  clip_workspace_free (halves);

#ifdef _OPENMP
  /* two such workspaces, each on one of two OpenMP threads of the
   * caller's: within a parallel region each pass runs its halves one
   * after the other (or on a team of its own, where nesting is on) */
  ClipWorkspace *pair[2];
  float *got[2];
  gboolean done[2];
  for (int t = 0; t < 2; t++) {
    pair[t] = clip_workspace_new (m, n, &err);
    g_assert_no_error (err);
    clip_workspace_set_threads (pair[t], 2);
    g_assert_true (clip_workspace_set_halves (pair[t], TRUE, FALSE, &err));
    got[t] = g_new0 (float, n * e);
  }
#pragma omp parallel for num_threads (2)
  for (int t = 0; t < 2; t++)
    done[t] = clip_vision_encode (pair[t], pix->data, n, got[t], FALSE,
        NULL);
  for (int t = 0; t < 2; t++) {
    g_assert_true (done[t]);
    s = compare_rows ("image embedding, halves inside a parallel region",
        got[t], ref, n, e, tol.min_cos);
    g_assert_cmpfloat (s.worst_rel, <=, tol.max_rel);
    g_free (got[t]);
    clip_workspace_free (pair[t]);
  }
#endif

  /* logits from the normalised embeddings of both towers */
  NpyArray *ids = golden_npy (jsondoc_string (jsondoc_member (golden_manifest
              (), "token_ids")));
  NpyArray *logits = case_npy (c, "logits_per_image");
  size_t nt = ids->shape[0];
  float *txt = g_new (float, nt * e);
  g_assert_true (clip_text_encode_tokens (ws, ids->data, nt, txt, TRUE, &err));
  clip_l2_normalize (out, n, e);
  double *ref_logits = npy_to_f64 (logits);
  double *got_logits = g_new (double, n * nt);
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < nt; j++) {
      double dot = 0;
      for (size_t d = 0; d < e; d++)
        dot += (double) out[i * e + d] * txt[j * e + d];
      got_logits[i * nt + j] = clip_model_logit_scale (m) * dot;
      double diff = fabs (got_logits[i * nt + j] - ref_logits[i * nt + j]);
      worst = MAX (worst, diff);
    }
  }
  /* how often the best text for an image, and the best image for a text,
   * differ from float64's choice */
  int text_flips = 0, image_flips = 0;
  for (size_t i = 0; i < n; i++)
    text_flips += vec_argmax (got_logits + i * nt, nt, 1)
        != vec_argmax (ref_logits + i * nt, nt, 1);
  for (size_t j = 0; j < nt; j++)
    image_flips += vec_argmax (got_logits + j, n, nt)
        != vec_argmax (ref_logits + j, n, nt);
  g_test_message ("%s/%s logits: max |diff| %.2e; top-1 differs from float64 "
      "for %d of %zu images and %d of %zu texts", model_name (c), c->layout,
      worst, text_flips, n, image_flips, nt);
  g_assert_cmpfloat (worst, <=, tol.max_logit);
  g_free (got_logits);

  g_free (ref_logits);
  g_free (txt);
  g_free (out);
  npy_free (ids);
  npy_free (logits);
  npy_free (pix);
  npy_free (ref);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

/* PNG -> preprocessing -> vision tower -> normalised embedding, decoding
 * the file as clip-embed does. */
static void
test_end_to_end (gconstpointer data)
{
  const Case *c = data;
  GError *err = NULL;
  ClipModel *m = load_case (c);
  ClipWorkspace *ws = clip_workspace_new (m, 1, &err);
  JsonNode *images = jsondoc_member (golden_manifest (), "images");
  NpyArray *ref = case_npy (c, "image_embeds_norm");
  size_t n = golden_length (images), e = clip_model_embed_dim (m);
  float *input = g_new (float, clip_model_input_size (m));
  float *out = g_new (float, n * e);

  for (size_t i = 0; i < n; i++) {
    char *rel = g_build_filename ("images",
        jsondoc_string (golden_element (images, i)), NULL);
    char *path = golden_path (rel);
    g_assert_true (image_file_preprocess (m, path, TRUE, input, &err));
    g_assert_true (clip_vision_encode (ws, input, 1, out + i * e, TRUE, &err));
    g_assert_no_error (err);
    g_free (path);
    g_free (rel);
  }
  Stats s = compare_rows ("PNG to embedding", out, ref, n, e,
      MIN (END_TO_END_MIN_COSINE, tol.min_cos));
  g_test_message ("%s/%s PNG to embedding: 1 - worst cosine %.1e", model_name (c),
      c->layout, 1 - s.worst_cos);

  npy_free (ref);
  g_free (input);
  g_free (out);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

/* The resident bytes of this process's mappings of .safetensors files
 * (from /proc/self/smaps), and in @header those of their headers: the
 * 8-byte length and the JSON, whole pages. FALSE when none is mapped. */
static gboolean
checkpoint_rss (guint64 *rss, guint64 *header)
{
  g_autofree char *smaps = NULL;
  gboolean in_checkpoint = FALSE, found = FALSE;
  guint64 page = (guint64) sysconf (_SC_PAGESIZE);

  *rss = *header = 0;
  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL,
          NULL));
  g_auto (GStrv) lines = g_strsplit (smaps, "\n", -1);
  for (char **l = lines; *l; l++) {
    unsigned long long kb;
    if (g_ascii_isxdigit (**l) && strchr (*l, '-')) {
      /* a mapping: "start-end perms offset dev inode [path]" */
      const char *path = strchr (*l, '/');
      in_checkpoint = path && g_str_has_suffix (path, ".safetensors");
      if (in_checkpoint) {
        FILE *f = fopen (path, "rb");
        guint64 n = 0;
        g_assert_nonnull (f);
        g_assert_cmpuint (fread (&n, 8, 1, f), ==, 1);
        fclose (f);
        *header += (GUINT64_FROM_LE (n) + 8 + page - 1) / page * page;
        found = TRUE;
      }
    } else if (in_checkpoint && sscanf (*l, "Rss: %llu kB", &kb) == 1) {
      *rss += kb * 1024;
    }
  }
  return found;
}

/* The native backend keeps none of the checkpoint in memory once the
 * weights are packed, however the kernel maps file pages (folios of up
 * to 2 MB map the neighbours of every byte read): a vision pass reads
 * nothing of it, so at most the header stays resident, and one page on
 * either side of the data area. */
static void
test_checkpoint_released (gconstpointer data)
{
  const Case *c = data;
  GError *err = NULL;
  ClipModel *m = load_case (c);
  guint64 rss, header, page = (guint64) sysconf (_SC_PAGESIZE);

  if (clip_model_backend (m) != CLIP_BACKEND_NATIVE) {
    g_test_skip ("the openblas backend reads its weights in place");
    clip_model_unref (m);
    return;
  }
  ClipWorkspace *ws = clip_workspace_new (m, 2, &err);
  NpyArray *pix = case_npy (c, "pixels");
  size_t e = clip_model_embed_dim (m);
  float *out = g_new (float, 2 * e);
  g_assert_true (clip_vision_encode (ws, pix->data, 2, out, TRUE, &err));
  g_assert_no_error (err);

  g_assert_true (checkpoint_rss (&rss, &header));
  g_test_message ("%s/%s: %" G_GUINT64_FORMAT " bytes of the checkpoint "
      "resident after load and a vision pass, header %" G_GUINT64_FORMAT,
      model_name (c), c->layout, rss, header);
  g_assert_cmpuint (rss, <=, header + 2 * page);

  g_free (out);
  npy_free (pix);
  clip_workspace_free (ws);
  clip_model_unref (m);
}

/* Every layout of the same weights gives the same embeddings. */
static void
test_layouts_agree (gconstpointer data)
{
  JsonNode *entry = (JsonNode *) data;
  JsonNode *layouts = jsondoc_member (entry, "layouts");
  GError *err = NULL;
  NpyArray *pix = golden_npy (jsondoc_string (jsondoc_member (entry,
              "pixels")));
  float *first = NULL;
  size_t n = pix->shape[0], e = 0;

  for (size_t l = 0; l < golden_length (layouts); l++) {
    Case c = { entry, golden_key_at (layouts, l) };
    ClipModel *m = load_case (&c);
    ClipWorkspace *ws = clip_workspace_new (m, 4, &err);
    e = clip_model_embed_dim (m);
    float *out = g_new (float, n * e);
    g_assert_true (clip_vision_encode (ws, pix->data, n, out, TRUE, &err));
    if (!first) {
      first = out;
    } else {
      for (size_t i = 0; i < n * e; i++)
        g_assert_cmpfloat (fabsf (out[i] - first[i]), <=, 1e-5);
      g_free (out);
    }
    clip_workspace_free (ws);
    clip_model_unref (m);
  }
  g_free (first);
  npy_free (pix);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);
  JsonNode *models = jsondoc_member (golden_manifest (), "models");

  for (size_t i = 0; i < golden_length (models); i++) {
    JsonNode *entry = golden_element (models, i);
    const char *name = jsondoc_string (jsondoc_member (entry, "name"));
    JsonNode *layouts = jsondoc_member (entry, "layouts");
    for (size_t l = 0; l < golden_length (layouts); l++) {
      Case *c = g_new0 (Case, 1);
      g_ptr_array_add (cases, c);
      c->entry = entry;
      c->layout = golden_key_at (layouts, l);
      char *p = g_strdup_printf ("/towers/%s/%s/", name, c->layout);
      char *t = g_strconcat (p, "text", NULL);
      char *sp = g_strconcat (p, "text-shared-prefix", NULL);
      char *v = g_strconcat (p, "vision", NULL);
      char *e2e = g_strconcat (p, "png-to-embedding", NULL);
      char *rel = g_strconcat (p, "checkpoint-released", NULL);
      g_test_add_data_func (t, c, test_text_tower);
      g_test_add_data_func (rel, c, test_checkpoint_released);
      g_test_add_data_func (sp, c, test_text_shared_prefix);
      g_test_add_data_func (v, c, test_vision_tower);
      g_test_add_data_func (e2e, c, test_end_to_end);
      g_free (p);
      g_free (t);
      g_free (sp);
      g_free (v);
      g_free (e2e);
      g_free (rel);
    }
    if (golden_length (layouts) > 1) {
      char *p = g_strdup_printf ("/towers/%s/layouts-agree", name);
      g_test_add_data_func (p, entry, test_layouts_agree);
      g_free (p);
    }
  }
  return g_test_run ();
}
