/* fileio.h: opening input files without ever blocking on them.
 *
 * open() of a FIFO waits for a writer, and reading a character device such
 * as /dev/zero never ends: a path given by a user (a model, a vocabulary, a
 * labels file) is therefore opened with O_NONBLOCK and read only when it is
 * a regular file. Errors are G_FILE_ERROR and name the path and what it is. */
#ifndef CLIP_FILEIO_H
#define CLIP_FILEIO_H

#include <glib.h>

G_BEGIN_DECLS

/* Opens @path read-only (close-on-exec) if it is a regular file; returns the
 * descriptor (blocking mode, at offset 0) or -1 with @error set. */
int clip_open_regular (const char *path, GError **error);

/* Reads the regular file @path whole, as g_file_get_contents() does (the
 * contents are NUL-terminated; @length may be NULL). */
gboolean clip_file_get_contents (const char *path, char **contents,
    gsize *length, GError **error);

/* clip_file_get_contents() with every failure in CLIP_ERROR_IO, as the
 * engine's loaders report them. */
gboolean clip_file_read_io (const char *path, char **contents, gsize *length,
    GError **error);

G_END_DECLS

#endif
