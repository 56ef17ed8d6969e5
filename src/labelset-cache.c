/* labelset-cache.c: label sets kept on disk, so that the second start with
 * the same model, precision, labels and templates skips the text tower
 * (1,000 labels x 80 templates take minutes). An entry is a label-set file
 * named by a hash of everything its embeddings depend on; it is loaded
 * with every check of clip_label_set_load() and compared with the request,
 * never trusted: anything wrong and it is rebuilt and replaced. */
#include "labelset_internal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

static void
hash_string (GChecksum *sum, const char *s)
{
  /* The NUL separates: ("ab", "c") and ("a", "bc") differ. */
  g_checksum_update (sum, (const guchar *) s, (gssize) strlen (s) + 1);
}

/* <cache_dir>/<sha256 of the key>.safetensors */
static char *
entry_path (const char *cache_dir, const char *fingerprint,
    ClipPrecision precision, const char *const *labels, int n_labels,
    const ClipLabelSetParams *params)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  char count[32], *name, *path;

  hash_string (sum, "clipclassify-label-cache-v1");
  hash_string (sum, fingerprint);
  hash_string (sum, clip_precision_name (precision));
  g_snprintf (count, sizeof count, "%d labels", n_labels);
  hash_string (sum, count);
  for (int i = 0; i < n_labels; i++)
    hash_string (sum, labels[i]);
  g_snprintf (count, sizeof count, "%d templates", params->n_templates);
  hash_string (sum, count);
  for (int i = 0; i < params->n_templates; i++)
    hash_string (sum, params->templates[i]);
  name = g_strconcat (g_checksum_get_string (sum), ".safetensors", NULL);
  path = g_build_filename (cache_dir, name, NULL);
  g_free (name);
  g_checksum_free (sum);
  return path;
}

/* TRUE when @set holds exactly @labels and @params' templates. */
static gboolean
matches (const ClipLabelSet *set, const char *const *labels, int n_labels,
    const ClipLabelSetParams *params)
{
  if (clip_label_set_size (set) != n_labels
      || clip_label_set_n_templates (set) != params->n_templates)
    return FALSE;
  for (int i = 0; i < n_labels; i++)
    if (strcmp (clip_label_set_label (set, i), labels[i]) != 0)
      return FALSE;
  for (int i = 0; i < params->n_templates; i++)
    if (strcmp (clip_label_set_template (set, i), params->templates[i]) != 0)
      return FALSE;
  return TRUE;
}

ClipLabelSet *
clip_label_set_new_cached (ClipModel *model, ClipWorkspace *ws,
    const char *const *labels, int n_labels,
    const ClipLabelSetParams *params, const char *cache_dir,
    gboolean *from_cache, GError **error)
{
  ClipLabelSetParams defaults = clip_label_set_default_params ();
  ClipLabelSet *set;
  GError *err = NULL;
  char *fingerprint, *path;

  if (from_cache)
    *from_cache = FALSE;
  if (!cache_dir)
    return clip_label_set_new (model, ws, labels, n_labels, params, error);
  if (!params || !params->templates || params->n_templates < 1)
    params = &defaults;
  if (n_labels < 1 || !labels)
    return clip_label_set_new (model, ws, labels, n_labels, params, error);

  fingerprint = clip_model_fingerprint (model);
  path = entry_path (cache_dir, fingerprint, model->precision, labels,
      n_labels, params);
  g_free (fingerprint);

  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    set = clip_label_set_load (model, path, &err);
    if (set && matches (set, labels, n_labels, params)) {
      g_debug ("%s: label set from the cache", path);
      if (from_cache)
        *from_cache = TRUE;
      g_free (path);
      return set;
    }
    g_message ("%s: damaged label cache entry, rebuilding it: %s", path,
        err ? err->message : "labels or templates differ");
    g_clear_error (&err);
    if (set)
      clip_label_set_unref (set);
  }

  set = clip_label_set_new (model, ws, labels, n_labels, params, error);
  if (set) {
    if (g_mkdir_with_parents (cache_dir, 0755) != 0)
      g_message ("%s: cannot create the label cache folder: %s", cache_dir,
          g_strerror (errno));
    else if (!clip_label_set_save (set, path, &err))
      g_message ("label cache not written: %s", err->message);
    g_clear_error (&err);
  }
  g_free (path);
  return set;
}
