/* fileio.c: input files are read only when they are regular files. */
#include "fileio.h"

#include "clip.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

static const char *
file_kind (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

int
clip_open_regular (const char *path, GError **error)
{
  struct stat st;
  int fd, saved;

  /* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a
   * writer; it is cleared again below for the regular file we keep. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "%s: %s", path, g_strerror (saved));
    return -1;
  }
  if (fstat (fd, &st) != 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "%s: %s", path, g_strerror (saved));
    close (fd);
    return -1;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, G_FILE_ERROR,
        S_ISDIR (st.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
        "%s: is %s, not a regular file", path, file_kind (st.st_mode));
    close (fd);
    return -1;
  }
  if (fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "%s: %s", path, g_strerror (saved));
    close (fd);
    return -1;
  }
  return fd;
}

gboolean
clip_file_get_contents (const char *path, char **contents, gsize *length,
    GError **error)
{
  struct stat st;
  GByteArray *buf;
  gsize size;
  int fd = clip_open_regular (path, error);

  if (fd < 0)
    return FALSE;
  size = fstat (fd, &st) == 0 && st.st_size > 0 ? (gsize) st.st_size : 0;
  buf = g_byte_array_sized_new (size + 1);
  for (;;) {
    guint8 chunk[65536];
    gssize n = read (fd, chunk, sizeof chunk);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
          "%s: %s", path, g_strerror (saved));
      g_byte_array_free (buf, TRUE);
      close (fd);
      return FALSE;
    }
    if (n == 0)
      break;
    g_byte_array_append (buf, chunk, (guint) n);
  }
  close (fd);
  if (length)
    *length = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  *contents = (char *) g_byte_array_free (buf, FALSE);
  return TRUE;
}

gboolean
clip_file_read_io (const char *path, char **contents, gsize *length,
    GError **error)
{
  GError *err = NULL;

  if (clip_file_get_contents (path, contents, length, &err))
    return TRUE;
  if (err->domain == CLIP_ERROR)
    g_propagate_error (error, err);
  else {
    g_set_error_literal (error, CLIP_ERROR, CLIP_ERROR_IO, err->message);
    g_error_free (err);
  }
  return FALSE;
}
