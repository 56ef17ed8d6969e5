/* search-sheet.h: one picture of all of a search's moments. */
#ifndef CLIP_SEARCH_SHEET_H
#define CLIP_SEARCH_SHEET_H

#include <cairo.h>
#include <glib.h>

typedef struct
{
  cairo_surface_t *frame;       /* the moment's best frame (borrowed) */
  const gchar *title;           /* first caption line: rank and video */
  const gchar *detail;          /* second line: times and score */
} SearchSheetCell;

/* Lays @n cells out in rows of up to SEARCH_SHEET_COLUMNS, best first,
 * left to right, each frame above its two caption lines (cut with "..."
 * when wider than the frame), on a dark ground, and writes the picture to
 * @path atomically. */
#define SEARCH_SHEET_COLUMNS 4
#define SEARCH_SHEET_MARGIN 8
#define SEARCH_SHEET_CAPTION 36
gboolean search_write_sheet (const SearchSheetCell * cells, guint n,
    const gchar * path, GError ** error);

#endif
