/* model.c: loading a CLIP checkpoint (Hugging Face or OpenAI/OpenCLIP
 * tensor names) into the weight views the towers use. Sizes come from the
 * tensor shapes, as OpenAI's build_model() does; config files add what
 * shapes cannot tell. */
#include "model_internal.h"
#include "backend.h"
#include "preprocess.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Tensor names of one layout. Block names are relative to block_fmt. */
typedef struct {
  const char *v_blocks, *t_blocks;    /* block i is "<this><i>." */
  const char *ln1, *ln2, *q, *k, *v, *qkv, *out, *fc1, *fc2;
  const char *patch, *class_emb, *v_pos, *ln_pre, *ln_post, *v_proj;
  const char *tok_emb, *t_pos, *ln_final, *t_proj;
  gboolean proj_transposed;
} LayoutNames;

static const LayoutNames hf_names = {
  "vision_model.encoder.layers.", "text_model.encoder.layers.",
  "layer_norm1", "layer_norm2", "self_attn.q_proj", "self_attn.k_proj",
  "self_attn.v_proj", NULL, "self_attn.out_proj", "mlp.fc1", "mlp.fc2",
  "vision_model.embeddings.patch_embedding.weight",
  "vision_model.embeddings.class_embedding",
  "vision_model.embeddings.position_embedding.weight",
  "vision_model.pre_layrnorm", "vision_model.post_layernorm",
  "visual_projection.weight",
  "text_model.embeddings.token_embedding.weight",
  "text_model.embeddings.position_embedding.weight",
  "text_model.final_layer_norm", "text_projection.weight",
  FALSE,
};

static const LayoutNames openai_names = {
  "visual.transformer.resblocks.", "transformer.resblocks.",
  "ln_1", "ln_2", NULL, NULL, NULL, "attn.in_proj", "attn.out_proj",
  "mlp.c_fc", "mlp.c_proj",
  "visual.conv1.weight", "visual.class_embedding",
  "visual.positional_embedding", "visual.ln_pre", "visual.ln_post",
  "visual.proj",
  "token_embedding.weight", "positional_embedding", "ln_final",
  "text_projection",
  TRUE,
};

typedef struct {
  ClipModel *model;
  const char *file;
  GError **error;
} Loader;

static gboolean
is_float_dtype (StDtype d)
{
  return d == ST_F32 || d == ST_F16 || d == ST_BF16 || d == ST_F64;
}

static char *
shape_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* A floating tensor that must exist, or NULL with the error set. */
static const StTensor *
find (Loader *L, const char *name)
{
  if (*L->error)
    return NULL;
  const StTensor *t = st_find (L->model->st, name);
  if (!t) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s missing", L->file, name);
    return NULL;
  }
  if (!is_float_dtype (t->dtype)) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s has dtype %s, expected F32, F16 or BF16", L->file,
        name, st_dtype_name (t->dtype));
    return NULL;
  }
  return t;
}

/* Dimension @i of tensor @name (which must have @ndim dimensions), for
 * inferring sizes; 0 on error. */
static int
dim_of (Loader *L, const char *name, int ndim, int i)
{
  const StTensor *t = find (L, name);
  if (!t)
    return 0;
  if (t->ndim != ndim || t->shape[i] < 1 || t->shape[i] > (1 << 24)) {
    char *got = shape_string (t->ndim, t->shape);
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s has shape %s, expected %d non-empty dimensions",
        L->file, name, got, ndim);
    g_free (got);
    return 0;
  }
  return (int) t->shape[i];
}

/* The float32 data of tensor @name, whose shape must be the @ndim sizes
 * that follow: used in place when it is aligned F32, else converted once. */
static const float *
get (Loader *L, const char *name, int ndim, ...)
{
  const StTensor *t = find (L, name);
  if (!t)
    return NULL;
  int64_t want[8];
  va_list ap;
  va_start (ap, ndim);
  for (int i = 0; i < ndim; i++)
    want[i] = va_arg (ap, int);
  va_end (ap);

  gboolean match = t->ndim == ndim;
  for (int i = 0; match && i < ndim; i++)
    match = t->shape[i] == want[i];
  if (!match) {
    char *got = shape_string (t->ndim, t->shape);
    char *exp = shape_string (ndim, want);
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s has shape %s, expected %s", L->file, name, got, exp);
    g_free (got);
    g_free (exp);
    return NULL;
  }
  if (t->dtype == ST_F32 && ((uintptr_t) t->data % sizeof (float)) == 0)
    return (const float *) t->data;
  float *copy = g_new (float, t->numel ? t->numel : 1);
  st_to_f32 (t, copy);
  g_ptr_array_add (L->model->owned, copy);
  return copy;
}

/* @p (@count floats from get()) in memory of the model's own: what a pass
 * reads a few values at a time (biases, norms, embeddings of positions)
 * leaves the mapping, so that the backend can hand its pages back once the
 * matrices are packed; the kernel maps file pages in folios of up to 2 MB,
 * so one read of a bias would bring back its packed neighbours too. */
static const float *
own (Loader *L, const float *p, size_t count)
{
  if (!p || g_ptr_array_find (L->model->owned, p, NULL))
    return p;
  float *copy = g_memdup2 (p, count * sizeof (float));
  g_ptr_array_add (L->model->owned, copy);
  return copy;
}

static const float *
getf (Loader *L, int ndim, int d0, int d1, const char *fmt, ...)
  G_GNUC_PRINTF (5, 6);

/* get() with a printf-formatted name; two dimensions at most. */
static const float *
getf (Loader *L, int ndim, int d0, int d1, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  const float *p = ndim == 1 ? get (L, name, 1, d0) : get (L, name, 2, d0, d1);
  g_free (name);
  return p;
}

static void
get_norm (Loader *L, ClipNorm *n, const char *prefix, const char *name,
    int width)
{
  n->gain = own (L, getf (L, 1, width, 0, "%s%s.weight", prefix, name),
      width);
  n->bias = own (L, getf (L, 1, width, 0, "%s%s.bias", prefix, name), width);
}

static void
get_linear (Loader *L, ClipLinear *l, const char *prefix, const char *name,
    int n_out, int n_in)
{
  l->n_out = n_out;
  l->n_in = n_in;
  l->w = getf (L, 2, n_out, n_in, "%s%s.weight", prefix, name);
  l->b = own (L, getf (L, 1, n_out, 0, "%s%s.bias", prefix, name), n_out);
}

static int
count_layers (Loader *L, const char *blocks, const char *ln1)
{
  int n = 0;
  for (;; n++) {
    char *name = g_strdup_printf ("%s%d.%s.weight", blocks, n, ln1);
    gboolean present = st_find (L->model->st, name) != NULL;
    g_free (name);
    if (!present)
      return n;
  }
}

/* Loads the blocks of one transformer whose width is already known. */
static void
load_blocks (Loader *L, const LayoutNames *nm, const char *blocks,
    ClipTransformer *tf, int layers, int heads, int head_width)
{
  int w = tf->width;
  tf->layers = layers ? layers : count_layers (L, blocks, nm->ln1);
  if (heads)
    tf->heads = heads;
  else
    tf->heads = w / (head_width ? head_width : 64);
  if (tf->layers < 1 && !*L->error) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s0.%s.weight missing (no transformer blocks)", L->file,
        blocks, nm->ln1);
    return;
  }
  if ((tf->heads < 1 || w % tf->heads != 0) && !*L->error) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: width %d cannot be split into %d attention heads", L->file, w,
        tf->heads);
    return;
  }
  char *fc1 = g_strdup_printf ("%s0.%s.weight", blocks, nm->fc1);
  tf->mlp = dim_of (L, fc1, 2, 0);
  g_free (fc1);

  tf->blocks = g_new0 (ClipBlock, tf->layers);
  for (int i = 0; i < tf->layers && !*L->error; i++) {
    ClipBlock *b = &tf->blocks[i];
    char *p = g_strdup_printf ("%s%d.", blocks, i);
    get_norm (L, &b->ln1, p, nm->ln1, w);
    get_norm (L, &b->ln2, p, nm->ln2, w);
    if (nm->qkv) {
      /* fused [3w, w] in_proj: q, k and v are consecutive row blocks */
      const float *qkv_w = getf (L, 2, 3 * w, w, "%s%s_weight", p, nm->qkv);
      const float *qkv_b = own (L, getf (L, 1, 3 * w, 0, "%s%s_bias", p,
              nm->qkv), 3 * (size_t) w);
      ClipLinear *parts[3] = { &b->q, &b->k, &b->v };
      for (int j = 0; j < 3 && qkv_w && qkv_b; j++) {
        *parts[j] = (ClipLinear) { qkv_w + (size_t) j * w * w, qkv_b + j * w,
            w, w, FALSE, NULL };
      }
    } else {
      get_linear (L, &b->q, p, nm->q, w, w);
      get_linear (L, &b->k, p, nm->k, w, w);
      get_linear (L, &b->v, p, nm->v, w, w);
    }
    get_linear (L, &b->out, p, nm->out, w, w);
    get_linear (L, &b->fc1, p, nm->fc1, tf->mlp, w);
    get_linear (L, &b->fc2, p, nm->fc2, w, tf->mlp);
    g_free (p);
  }
}

/* A projection without bias: [E, width] (HF) or [width, E] (OpenAI). */
static void
get_projection (Loader *L, const LayoutNames *nm, ClipLinear *l,
    const char *name, int width, int embed)
{
  l->n_in = width;
  l->n_out = embed;
  l->b = NULL;
  l->transposed = nm->proj_transposed;
  l->w = nm->proj_transposed ? get (L, name, 2, width, embed)
      : get (L, name, 2, embed, width);
}

static void
load_vision (Loader *L, const LayoutNames *nm, const ClipConfig *cfg)
{
  ClipVision *v = &L->model->vision;
  int w = v->tf.width = dim_of (L, nm->patch, 4, 0);
  v->patch = dim_of (L, nm->patch, 4, 3);
  v->n_pos = dim_of (L, nm->v_pos, 2, 0);
  if (*L->error)
    return;
  v->grid = (int) lround (sqrt ((double) (v->n_pos - 1)));
  v->image_size = v->grid * v->patch;
  if (v->grid < 1 || v->grid * v->grid + 1 != v->n_pos) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s has %d positions, expected a square grid plus one "
        "class position", L->file, nm->v_pos, v->n_pos);
    return;
  }
  if (cfg->image_size && cfg->image_size != v->image_size) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: config image_size %d does not match the %d x %d grid of %d px "
        "patches in the weights", L->model->path, cfg->image_size, v->grid,
        v->grid, v->patch);
    return;
  }
  v->tf.eps = cfg->v_eps;
  v->tf.act = cfg->v_act;
  v->tf.causal = FALSE;
  v->patch_embed = (ClipLinear) {
    get (L, nm->patch, 4, w, 3, v->patch, v->patch), NULL, w,
    3 * v->patch * v->patch, FALSE, NULL };
  v->class_emb = own (L, get (L, nm->class_emb, 1, w), w);
  v->pos_emb = own (L, get (L, nm->v_pos, 2, v->n_pos, w),
      (size_t) v->n_pos * w);
  get_norm (L, &v->ln_pre, "", nm->ln_pre, w);
  get_norm (L, &v->ln_post, "", nm->ln_post, w);
  L->model->embed_dim = dim_of (L, nm->v_proj, 2, nm->proj_transposed ? 1 : 0);
  get_projection (L, nm, &v->proj, nm->v_proj, w, L->model->embed_dim);
  load_blocks (L, nm, nm->v_blocks, &v->tf, cfg->v_layers, cfg->v_heads,
      cfg->v_head_width);
}

static void
load_text (Loader *L, const LayoutNames *nm, const ClipConfig *cfg)
{
  ClipText *t = &L->model->text;
  t->vocab = dim_of (L, nm->tok_emb, 2, 0);
  int w = t->tf.width = dim_of (L, nm->tok_emb, 2, 1);
  t->context = dim_of (L, nm->t_pos, 2, 0);
  if (*L->error)
    return;
  t->tf.eps = cfg->t_eps;
  t->tf.act = cfg->t_act;
  t->tf.causal = TRUE;
  t->tok_emb = get (L, nm->tok_emb, 2, t->vocab, w);
  t->pos_emb = own (L, get (L, nm->t_pos, 2, t->context, w),
      (size_t) t->context * w);
  get_norm (L, &t->ln_final, "", nm->ln_final, w);
  get_projection (L, nm, &t->proj, nm->t_proj, w, L->model->embed_dim);
  load_blocks (L, nm, nm->t_blocks, &t->tf, cfg->t_layers, cfg->t_heads, 0);
}

static void
load_logit_scale (Loader *L)
{
  const StTensor *t = find (L, "logit_scale");
  if (!t)
    return;
  if (t->numel != 1) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor logit_scale has %zu elements, expected 1", L->file,
        t->numel);
    return;
  }
  float s;
  st_to_f32 (t, &s);
  if (!isfinite (s) || s > 20.0f) {
    g_set_error (L->error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor logit_scale holds %g, not a usable log scale", L->file,
        (double) s);
    return;
  }
  L->model->logit_scale = expf (s);
}

/* Where the weights, configs and vocabulary of @path are. */
static gboolean
locate (const char *path, char **weights, char **dir, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    static const char *candidates[] = {
      "model.safetensors", "open_clip_model.safetensors",
      "open_clip_pytorch_model.safetensors",
    };
    for (size_t i = 0; i < G_N_ELEMENTS (candidates); i++) {
      char *p = g_build_filename (path, candidates[i], NULL);
      if (g_file_test (p, G_FILE_TEST_EXISTS)) {
        *weights = p;
        *dir = g_strdup (path);
        return TRUE;
      }
      g_free (p);
    }
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "%s: no model.safetensors or open_clip_model.safetensors in this "
        "directory (PyTorch .bin checkpoints must be converted to "
        "safetensors)", path);
    return FALSE;
  }
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "%s: no such file or directory", path);
    return FALSE;
  }
  *weights = g_strdup (path);
  *dir = g_path_get_dirname (path);
  return TRUE;
}

static gboolean
load_tokenizer (ClipModel *m, const char *dir, const ClipModelParams *params,
    GError **error)
{
  char *vocab = params->vocab_path ? g_strdup (params->vocab_path)
      : g_build_filename (dir, "vocab.json", NULL);
  char *merges = params->merges_path ? g_strdup (params->merges_path)
      : g_build_filename (dir, "merges.txt", NULL);
  gboolean ok = FALSE;

  if (!g_file_test (vocab, G_FILE_TEST_EXISTS)
      || !g_file_test (merges, G_FILE_TEST_EXISTS)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "%s: the tokenizer files are missing (%s)", m->path,
        g_file_test (vocab, G_FILE_TEST_EXISTS) ? merges : vocab);
    goto out;
  }
  m->tokenizer = clip_tokenizer_load (vocab, merges, error);
  if (!m->tokenizer)
    goto out;
  if (clip_tokenizer_vocab_size (m->tokenizer) > m->text.vocab) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: holds %d tokens but the model embeds only %d", vocab,
        clip_tokenizer_vocab_size (m->tokenizer), m->text.vocab);
    goto out;
  }
  ok = TRUE;

out:
  g_free (vocab);
  g_free (merges);
  return ok;
}

/* "s" after a count other than one */
static const char *
plural (int n)
{
  return n == 1 ? "" : "s";
}

static const char *
act_name (ClipAct act)
{
  return act == CLIP_ACT_QUICK_GELU ? "quick_gelu"
      : act == CLIP_ACT_GELU ? "gelu" : "gelu_tanh";
}

void
clip_model_release_range (const void *p, size_t bytes)
{
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  uintptr_t begin = ((uintptr_t) p + page - 1) & ~(uintptr_t) (page - 1);
  uintptr_t end = ((uintptr_t) p + bytes) & ~(uintptr_t) (page - 1);
  if (end > begin)
    madvise ((void *) begin, end - begin, MADV_DONTNEED);
}

void
clip_model_release_weights (ClipModel *m, const float *w, size_t count)
{
  if (!w)
    return;
  if (g_ptr_array_remove_fast (m->owned, (gpointer) w))
    return;
  for (size_t i = 0; i < st_n_tensors (m->st); i++) {
    const StTensor *t = st_tensor_at (m->st, i);
    const guint8 *p = (const guint8 *) w;
    if (p >= t->data && p < t->data + t->nbytes) {
      clip_model_release_range (p, count * sizeof (float));
      return;
    }
  }
}

void
clip_model_release_mapping (const ClipModel *m)
{
  const guint8 *lo = NULL, *hi = NULL;

  for (size_t i = 0; i < st_n_tensors (m->st); i++) {
    const StTensor *t = st_tensor_at (m->st, i);
    if (!lo || t->data < lo)
      lo = t->data;
    if (!hi || t->data + t->nbytes > hi)
      hi = t->data + t->nbytes;
  }
  if (lo)
    clip_model_release_range (lo, hi - lo);
}

ClipModelParams
clip_model_default_params (void)
{
  ClipModelParams p = { NULL, NULL, CLIP_BACKEND_AUTO, CLIP_PRECISION_FP32,
    TRUE };
  return p;
}

static const char *const backend_names[] = { "auto", "native", "openblas" };
static const char *const precision_names[] = { "fp32", "bf16", "int8" };

const char *
clip_backend_name (ClipBackend backend)
{
  return (unsigned) backend < G_N_ELEMENTS (backend_names)
      ? backend_names[backend] : "invalid";
}

gboolean
clip_backend_from_name (const char *name, ClipBackend *backend,
    GError **error)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (backend_names); i++) {
    if (g_ascii_strcasecmp (name, backend_names[i]) == 0) {
      *backend = (ClipBackend) i;
      return TRUE;
    }
  }
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
      "unknown backend '%s' (expected auto, native or openblas)",
      name ? name : "");
  return FALSE;
}

const char *
clip_precision_name (ClipPrecision precision)
{
  return (unsigned) precision < G_N_ELEMENTS (precision_names)
      ? precision_names[precision] : "invalid";
}

gboolean
clip_precision_from_name (const char *name, ClipPrecision *precision,
    GError **error)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (precision_names); i++) {
    if (g_ascii_strcasecmp (name, precision_names[i]) == 0) {
      *precision = (ClipPrecision) i;
      return TRUE;
    }
  }
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
      "unknown precision '%s' (expected fp32, bf16 or int8)",
      name ? name : "");
  return FALSE;
}

ClipBackend
clip_model_backend (const ClipModel *model)
{
  return model->backend;
}

ClipPrecision
clip_model_precision (const ClipModel *model)
{
  return model->precision;
}

typedef struct {
  ClipModel *m;
  GError **error;
} PrepareJob;

/* The backend's packing of the weights, on a thread of its own
 * (apart.c). */
static gboolean
prepare (void *data)
{
  PrepareJob *j = data;
  return clip_backend_model_prepare (j->m, j->error);
}

ClipModel *
clip_model_load (const char *path, const ClipModelParams *params,
    GError **error)
{
  ClipModelParams defaults = clip_model_default_params ();
  char *weights = NULL, *dir = NULL;
  GError *err = NULL;
  ClipConfig cfg;

  g_return_val_if_fail (path != NULL, NULL);
  if (!params)
    params = &defaults;
  ClipBackend backend = params->backend;
  if (backend == CLIP_BACKEND_AUTO)
    backend = clip_backend_available (CLIP_BACKEND_NATIVE) ? CLIP_BACKEND_NATIVE
        : CLIP_BACKEND_OPENBLAS;
  if (backend == CLIP_BACKEND_NATIVE && !clip_backend_available (CLIP_BACKEND_NATIVE)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "backend native is not available: this build has no oneDNN");
    return NULL;
  }
  if (backend == CLIP_BACKEND_OPENBLAS
      && params->precision != CLIP_PRECISION_FP32) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "precision %s needs the native backend: backend openblas runs "
        "fp32 only", clip_precision_name (params->precision));
    return NULL;
  }
  if (!locate (path, &weights, &dir, error))
    return NULL;

  ClipModel *m = g_new0 (ClipModel, 1);
  m->ref = 1;
  m->path = g_strdup (path);
  m->owned = g_ptr_array_new_with_free_func (g_free);
  m->backend = backend;
  m->precision = params->precision;
  m->keep_sums = params->keep_sums;
  m->st = st_open (weights, &err);
  if (!m->st)
    goto fail;

  const LayoutNames *nm;
  if (st_find (m->st, hf_names.patch)) {
    m->layout = CLIP_LAYOUT_HF;
    nm = &hf_names;
  } else if (st_find (m->st, openai_names.patch)) {
    m->layout = CLIP_LAYOUT_OPENAI;
    nm = &openai_names;
  } else {
    g_set_error (&err, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: tensor %s missing (nor %s): not a CLIP checkpoint", weights,
        hf_names.patch, openai_names.patch);
    goto fail;
  }
  if (!clip_config_load (dir, m->layout, &cfg, &err))
    goto fail;

  Loader L = { m, weights, &err };
  load_vision (&L, nm, &cfg);
  load_text (&L, nm, &cfg);
  load_logit_scale (&L);
  if (err)
    goto fail;
  memcpy (m->mean, cfg.mean, sizeof (m->mean));
  memcpy (m->std, cfg.std, sizeof (m->std));
  if (!load_tokenizer (m, dir, params, &err))
    goto fail;
  PrepareJob job = { m, &err };
  if (!clip_run_apart (prepare, &job)) {
    g_prefix_error (&err, "%s: ", weights);
    goto fail;
  }

  const ClipTransformer *vt = &m->vision.tf, *tt = &m->text.tf;
  m->description = g_strdup_printf ("%s (%s layout): vision %d wide, %d "
      "layer%s, %d head%s, patch %d, %d px, %s; text %d wide, %d layer%s, "
      "%d head%s, %s; embedding %d; %s, %s", path,
      m->layout == CLIP_LAYOUT_HF ? "Hugging Face" : "OpenAI", vt->width,
      vt->layers, plural (vt->layers), vt->heads, plural (vt->heads),
      m->vision.patch, m->vision.image_size, act_name (vt->act), tt->width,
      tt->layers, plural (tt->layers), tt->heads, plural (tt->heads),
      act_name (tt->act), m->embed_dim, clip_backend_name (backend),
      clip_precision_name (m->precision));
  g_debug ("loaded %s", m->description);
  g_free (weights);
  g_free (dir);
  return m;

fail:
  g_propagate_error (error, err);
  g_free (weights);
  g_free (dir);
  clip_model_unref (m);
  return NULL;
}

ClipModel *
clip_model_ref (ClipModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->ref);
  return model;
}

void
clip_model_unref (ClipModel *model)
{
  if (!model || !g_atomic_int_dec_and_test (&model->ref))
    return;
  if (model->tokenizer)
    clip_tokenizer_free (model->tokenizer);
  clip_backend_model_clear (model);
  g_free (model->vision.tf.blocks);
  g_free (model->text.tf.blocks);
  g_ptr_array_unref (model->owned);
  st_close (model->st);
  g_free (model->description);
  g_free (model->path);
  g_free (model);
}

int
clip_model_embed_dim (const ClipModel *model)
{
  return model->embed_dim;
}

int
clip_model_image_size (const ClipModel *model)
{
  return model->vision.image_size;
}

size_t
clip_model_input_size (const ClipModel *model)
{
  return (size_t) 3 * model->vision.image_size * model->vision.image_size;
}

int
clip_model_context_length (const ClipModel *model)
{
  return model->text.context;
}

float
clip_model_logit_scale (const ClipModel *model)
{
  return model->logit_scale;
}

const char *
clip_model_describe (const ClipModel *model)
{
  return model->description;
}

gboolean
clip_tokenize (const ClipModel *model, const char *text, int32_t *ids,
    GError **error)
{
  return clip_tokenizer_encode (model->tokenizer, text, ids,
      model->text.context, error);
}

gboolean
clip_tokenize_len (const ClipModel *model, const char *text, size_t len,
    int32_t *ids, GError **error)
{
  return clip_tokenizer_encode_len (model->tokenizer, text, len, ids,
      model->text.context, error);
}

gboolean
clip_preprocess (const ClipModel *model, const ClipImage *image, float *out,
    GError **error)
{
  return clip_preprocess_image (image, model->vision.image_size, model->mean,
      model->std, out, error);
}
