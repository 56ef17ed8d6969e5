/* fingerprint.c: which model a set of text embeddings belongs to.
 *
 * Hashing every byte of a real text tower (250 MB for ViT-B/32) takes over
 * a second with SHA-256 on this class of machine: too slow for every start
 * of a pipeline. Instead the hash covers the name, dtype and shape of every
 * tensor outside the vision tower (so any change of architecture, dtype or
 * vocabulary size shows), every byte of the small tensors (biases,
 * LayerNorms, logit_scale) and 64 evenly spaced 1 KiB pieces of the large
 * ones: any fine-tune or retraining changes all of them. The vision tower
 * is left out on purpose: text embeddings do not depend on it. */
#include "model_internal.h"

#include <string.h>

#define SMALL_TENSOR (64 * 1024)
#define N_PIECES 64
#define PIECE 1024

/* Tensors the text embeddings cannot depend on. */
static gboolean
is_vision_or_buffer (const char *name)
{
  return g_str_has_prefix (name, "vision_model.")
      || g_str_has_prefix (name, "visual_projection")
      || g_str_has_prefix (name, "visual.")
      || g_str_has_suffix (name, "position_ids");
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  const StTensor *ta = *(const StTensor * const *) a;
  const StTensor *tb = *(const StTensor * const *) b;
  return strcmp (ta->name, tb->name);
}

static void
hash_tensor (GChecksum *sum, const StTensor *t)
{
  char head[256];
  int len = g_snprintf (head, sizeof head, "%s|%s|%d", t->name,
      st_dtype_name (t->dtype), t->ndim);

  g_checksum_update (sum, (const guchar *) head, len + 1);
  for (int d = 0; d < t->ndim; d++) {
    guint64 dim = GUINT64_TO_LE ((guint64) t->shape[d]);
    g_checksum_update (sum, (const guchar *) &dim, sizeof dim);
  }
  if (t->nbytes <= SMALL_TENSOR) {
    g_checksum_update (sum, t->data, t->nbytes);
    return;
  }
  for (int i = 0; i < N_PIECES; i++) {
    size_t at = (size_t) ((guint64) (t->nbytes - PIECE) * i / (N_PIECES - 1));
    g_checksum_update (sum, t->data + at, PIECE);
  }
}

char *
clip_model_fingerprint (const ClipModel *model)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  GPtrArray *tensors = g_ptr_array_new ();
  char *hex;

  g_checksum_update (sum, (const guchar *) "clip-text-fingerprint-v1", -1);
  for (size_t i = 0; i < st_n_tensors (model->st); i++) {
    const StTensor *t = st_tensor_at (model->st, i);
    if (!is_vision_or_buffer (t->name))
      g_ptr_array_add (tensors, (gpointer) t);
  }
  /* The order of the header is no part of the weights. */
  g_ptr_array_sort (tensors, compare_names);
  for (guint i = 0; i < tensors->len; i++) {
    const StTensor *t = g_ptr_array_index (tensors, i);
    hash_tensor (sum, t);
    /* each sample maps the file's pages around it (up to 2 MB): the
     * native backend reads none of them but rows of the token table */
    if (model->native)
      clip_model_release_range (t->data, t->nbytes);
  }
  g_ptr_array_free (tensors, TRUE);
  if (model->native)
    clip_model_release_mapping (model);

  hex = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return hex;
}
