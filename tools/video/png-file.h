/* png-file.h: writing a cairo surface as a PNG file, atomically. */
#ifndef CLIP_TOOLS_PNG_FILE_H
#define CLIP_TOOLS_PNG_FILE_H

#include <cairo.h>
#include <glib.h>

/* Writes @surface to a temporary file beside @path (mode 0644), then
 * renames it over @path, so that a reader sees the old picture or the new
 * one, never half of one. On failure nothing is left behind and @error
 * names @path. */
gboolean png_file_write (cairo_surface_t * surface, const gchar * path,
    GError ** error);

#endif
