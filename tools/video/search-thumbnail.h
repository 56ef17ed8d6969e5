/* search-thumbnail.h: one decoded frame of a video as a small picture. */
#ifndef CLIP_SEARCH_THUMBNAIL_H
#define CLIP_SEARCH_THUMBNAIL_H

#include <cairo.h>
#include <gst/gst.h>

/* Seeks @video to @pts, decodes that frame, turns it upright as a player
 * shows it and scales it to @width pixels wide (square pixels): a new
 * RGB24 surface, or NULL with @error set. */
cairo_surface_t *search_grab_frame (const gchar * video, GstClockTime pts,
    gint width, GError ** error);

#endif
