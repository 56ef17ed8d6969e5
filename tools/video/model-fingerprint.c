/* model-fingerprint.c: see model-fingerprint.h. */
#include "model-fingerprint.h"

#include <string.h>

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

gchar *
tools_model_fingerprint (const gchar * path, GError ** error)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  gchar *result = NULL;
  gboolean ok = TRUE;

  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    GDir *dir = g_dir_open (path, 0, error);
    GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
    const gchar *name;
    guint i;

    if (!dir) {
      ok = FALSE;
    } else {
      while ((name = g_dir_read_name (dir)))
        if (g_str_has_suffix (name, ".safetensors") ||
            g_str_has_suffix (name, ".json") || g_str_has_suffix (name,
                ".txt"))
          g_ptr_array_add (names, g_strdup (name));
      g_dir_close (dir);
      g_ptr_array_sort (names, compare_names);
      for (i = 0; ok && i < names->len; i++) {
        gchar *full = g_build_filename (path, names->pdata[i], NULL);

        g_checksum_update (sum, names->pdata[i],
            strlen (names->pdata[i]) + 1);
        ok = hash_file (sum, full, error);
        g_free (full);
      }
      if (ok && names->len == 0) {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
            "%s: no checkpoint files in this directory", path);
        ok = FALSE;
      }
    }
    g_ptr_array_unref (names);
  } else {
    ok = hash_file (sum, path, error);
  }
  if (ok)
    result = g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
  g_checksum_free (sum);
  return result;
}
