/* search-thumbnail.h: one decoded frame of a video as a small PNG. */
#ifndef CLIP_SEARCH_THUMBNAIL_H
#define CLIP_SEARCH_THUMBNAIL_H

#include <gst/gst.h>

/* Seeks @video to @pts, decodes that frame, scales it to @width pixels
 * wide (square pixels) and writes it to @png atomically. */
gboolean search_write_thumbnail (const gchar * video, GstClockTime pts,
    gint width, const gchar * png, GError ** error);

#endif
