/* png-file.c: a cairo surface to a PNG file, atomically. */
#include "png-file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

gboolean
png_file_write (cairo_surface_t * surface, const gchar * path,
    GError ** error)
{
  gchar *tmp = g_strdup_printf ("%s.XXXXXX", path);
  cairo_status_t status;
  gint fd = g_mkstemp (tmp);
  int saved;

  if (fd < 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "%s: %s", path, g_strerror (saved));
    g_free (tmp);
    return FALSE;
  }
  close (fd);
  g_chmod (tmp, 0644);          /* mkstemp made it 0600 */
  status = cairo_surface_write_to_png (surface, tmp);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, path) != 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: %s", path,
        status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status) :
        g_strerror (saved));
    g_unlink (tmp);
    g_free (tmp);
    return FALSE;
  }
  g_free (tmp);
  return TRUE;
}
