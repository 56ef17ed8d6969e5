/* model-fingerprint.c: see model-fingerprint.h. */
#include "model-fingerprint.h"

#include <string.h>
#include <sys/stat.h>

static gboolean
hash_file (GChecksum * sum, const gchar * path, GError ** error)
{
  GMappedFile *map = g_mapped_file_new (path, FALSE, error);

  if (!map)
    return FALSE;
  g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (map),
      g_mapped_file_get_length (map));
  g_mapped_file_unref (map);
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The files hashed, in order: the names of a directory's .safetensors,
 * .json and .txt files, sorted (@is_dir TRUE); or @path itself. */
static GPtrArray *
list_files (const gchar * path, gboolean * is_dir, GError ** error)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *names;
  GDir *dir;
  const gchar *name;
  guint i;

  *is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
  if (!*is_dir) {
    g_ptr_array_add (files, g_strdup (path));
    return files;
  }
  dir = g_dir_open (path, 0, error);
  if (!dir) {
    g_ptr_array_unref (files);
    return NULL;
  }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".safetensors") ||
        g_str_has_suffix (name, ".json") || g_str_has_suffix (name, ".txt"))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++)
    g_ptr_array_add (files, g_build_filename (path, names->pdata[i], NULL));
  g_ptr_array_unref (names);
  if (files->len == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "%s: no checkpoint files in this directory", path);
    g_ptr_array_unref (files);
    return NULL;
  }
  return files;
}

static gchar *
compute (GPtrArray * files, gboolean is_dir, GError ** error)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  gboolean ok = TRUE;
  gchar *result = NULL;
  guint i;

  for (i = 0; ok && i < files->len; i++) {
    if (is_dir) {
      gchar *base = g_path_get_basename (files->pdata[i]);

      g_checksum_update (sum, (const guchar *) base, strlen (base) + 1);
      g_free (base);
    }
    ok = hash_file (sum, files->pdata[i], error);
  }
  if (ok)
    result = g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
  g_checksum_free (sum);
  return result;
}

/* What identifies the files' present contents without reading them: name,
 * size, modification and change times to the nanosecond, inode, device
 * (the change time moves on any write, and cannot be set back). NULL when
 * one cannot be read. */
static gchar *
stamp (GPtrArray * files)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < files->len; i++) {
    struct stat st;

    if (stat (files->pdata[i], &st) != 0) {
      g_string_free (s, TRUE);
      return NULL;
    }
    g_string_append_printf (s, "%s\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
        ".%09ld\t%" G_GINT64_FORMAT ".%09ld\t%" G_GUINT64_FORMAT "\t%"
        G_GUINT64_FORMAT "\n", (const gchar *) files->pdata[i],
        (gint64) st.st_size, (gint64) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
        (gint64) st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (guint64) st.st_ino,
        (guint64) st.st_dev);
  }
  return g_string_free (s, FALSE);
}

/* $XDG_CACHE_HOME/clipclassify/fingerprints/SHA256-OF-PATH.txt */
static gchar *
cache_path (const gchar * path)
{
  gchar *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  gchar *name = g_strconcat (key, ".txt", NULL);
  gchar *file = g_build_filename (g_get_user_cache_dir (), "clipclassify",
      "fingerprints", name, NULL);

  g_free (name);
  g_free (key);
  return file;
}

gchar *
tools_model_fingerprint (const gchar * path, GError ** error)
{
  gboolean is_dir;
  GPtrArray *files = list_files (path, &is_dir, error);
  gchar *now, *cache, *cached = NULL, *result = NULL;

  if (!files)
    return NULL;
  now = stamp (files);
  cache = cache_path (path);
  /* the cache: the fingerprint on the first line, then the stamp it was
   * made for; anything else is recomputed (and rewritten) */
  if (now && g_file_get_contents (cache, &cached, NULL, NULL)) {
    gchar *nl = strchr (cached, '\n');

    if (nl && nl - cached == 71 && g_str_has_prefix (cached, "sha256:") &&
        strcmp (nl + 1, now) == 0)
      result = g_strndup (cached, 71);
    g_free (cached);
  }
  if (!result) {
    result = compute (files, is_dir, error);
    if (result && now) {
      gchar *dir = g_path_get_dirname (cache);
      gchar *text = g_strconcat (result, "\n", now, NULL);

      /* written atomically; a cache that cannot be written costs only
       * the next run's time */
      if (g_mkdir_with_parents (dir, 0755) == 0)
        g_file_set_contents (cache, text, -1, NULL);
      g_free (text);
      g_free (dir);
    }
  }
  g_free (cache);
  g_free (now);
  g_ptr_array_unref (files);
  return result;
}
