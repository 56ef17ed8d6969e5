/* gstclipmodelcache.c: several clipclassify instances in one process that
 * name the same checkpoint share one ClipModel (weights are large and
 * immutable). The cache counts its users itself so that the model is
 * unloaded when the last element stops, and nothing is left at exit. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipmodelcache.h"

#include <stdlib.h>

typedef struct
{
  gchar *key;
  ClipModel *model;
  guint users;
} CacheEntry;

static GMutex cache_lock;
static GHashTable *cache_by_key;        /* key -> CacheEntry */

gchar *
gst_clip_model_default_path (void)
{
  const gchar *env = g_getenv ("CLIPCLASSIFY_MODEL");

  if (env && *env)
    return g_strdup (env);
#ifdef CLIP_DEFAULT_MODEL_DIR
  if (g_file_test (CLIP_DEFAULT_MODEL_DIR, G_FILE_TEST_EXISTS))
    return g_strdup (CLIP_DEFAULT_MODEL_DIR);
#endif
  return NULL;
}

/* "dir", "dir/" and "./dir" name one checkpoint: key on the real path,
 * and on what the weights are turned into at load. */
static gchar *
cache_key (const gchar * path, const ClipModelParams * params)
{
  char *real = realpath (path, NULL);
  gchar *canonical = real ? g_strdup (real) :
      g_canonicalize_filename (path, NULL);
  gchar *key = g_strdup_printf ("%s|%s|%s|%s", canonical,
      clip_backend_name (params->backend),
      clip_precision_name (params->precision),
      params->keep_sums ? "sums kept" : "sums made");

  free (real);
  g_free (canonical);
  return key;
}

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  clip_model_unref (entry->model);
  g_free (entry->key);
  g_free (entry);
}

ClipModel *
gst_clip_model_cache_acquire (const gchar * path,
    const ClipModelParams * params, GError ** error)
{
  gchar *key = cache_key (path, params);
  CacheEntry *entry;
  ClipModel *model;

  /* Loading under the lock makes two elements starting together on the
   * same checkpoint load it once. */
  g_mutex_lock (&cache_lock);
  if (!cache_by_key)
    cache_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
        cache_entry_free);

  entry = g_hash_table_lookup (cache_by_key, key);
  if (!entry) {
    model = clip_model_load (path, params, error);
    if (!model) {
      g_mutex_unlock (&cache_lock);
      g_free (key);
      return NULL;
    }
    entry = g_new0 (CacheEntry, 1);
    entry->key = key;
    entry->model = model;
    g_hash_table_insert (cache_by_key, entry->key, entry);
    key = NULL;
  }
  entry->users++;
  model = clip_model_ref (entry->model);
  g_mutex_unlock (&cache_lock);

  g_free (key);
  return model;
}

void
gst_clip_model_cache_release (ClipModel * model)
{
  GHashTableIter iter;
  gpointer value;

  if (!model)
    return;

  g_mutex_lock (&cache_lock);
  if (cache_by_key) {
    g_hash_table_iter_init (&iter, cache_by_key);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      CacheEntry *entry = value;

      if (entry->model != model)
        continue;
      if (--entry->users == 0)
        g_hash_table_iter_remove (&iter);
      break;
    }
    if (g_hash_table_size (cache_by_key) == 0)
      g_clear_pointer (&cache_by_key, g_hash_table_unref);
  }
  g_mutex_unlock (&cache_lock);

  clip_model_unref (model);
}
