/* search-sheet.c: the moments of a search side by side in one PNG, each
 * best frame with its rank, video, times and score under it. Drawn with
 * cairo. */
#include "search-sheet.h"
#include "png-file.h"

#define FONT_SIZE 12.0

/* Shows @text at the pen, cut to @width pixels with "..." when longer. */
static void
show_fitted (cairo_t * cr, const gchar * text, gdouble width)
{
  cairo_text_extents_t ext;
  gchar *s = g_strdup (text);
  glong n = g_utf8_strlen (s, -1);

  cairo_text_extents (cr, s, &ext);
  while (ext.x_advance > width && n > 0) {
    gchar *cut = g_utf8_substring (text, 0, --n);

    g_free (s);
    s = g_strconcat (cut, "...", NULL);
    g_free (cut);
    cairo_text_extents (cr, s, &ext);
  }
  cairo_show_text (cr, s);
  g_free (s);
}

gboolean
search_write_sheet (const SearchSheetCell * cells, guint n,
    const gchar * path, GError ** error)
{
  guint cols = MAX (MIN (n, SEARCH_SHEET_COLUMNS), 1);
  guint rows = (n + cols - 1) / cols, i, r;
  gint cell_w = 1, width, height, *row_h = g_new0 (gint, MAX (rows, 1));
  cairo_surface_t *surface;
  cairo_t *cr;
  gdouble y = SEARCH_SHEET_MARGIN;
  gboolean ok;

  for (i = 0; i < n; i++) {
    cell_w = MAX (cell_w, cairo_image_surface_get_width (cells[i].frame));
    row_h[i / cols] = MAX (row_h[i / cols],
        cairo_image_surface_get_height (cells[i].frame));
  }
  width = SEARCH_SHEET_MARGIN + cols * (cell_w + SEARCH_SHEET_MARGIN);
  height = SEARCH_SHEET_MARGIN;
  for (r = 0; r < rows; r++)
    height += row_h[r] + SEARCH_SHEET_CAPTION + SEARCH_SHEET_MARGIN;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
      CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, FONT_SIZE);
  for (r = 0; r < rows; r++) {
    for (i = r * cols; i < MIN (n, (r + 1) * cols); i++) {
      gdouble x = SEARCH_SHEET_MARGIN + (i % cols) * (cell_w +
          SEARCH_SHEET_MARGIN);
      gdouble text_y = y + row_h[r] + FONT_SIZE + 2;

      cairo_set_source_surface (cr, cells[i].frame, x, y);
      cairo_paint (cr);
      cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
      cairo_move_to (cr, x, text_y);
      show_fitted (cr, cells[i].title, cell_w);
      cairo_set_source_rgb (cr, 0.7, 0.7, 0.7);
      cairo_move_to (cr, x, text_y + FONT_SIZE + 4);
      show_fitted (cr, cells[i].detail, cell_w);
    }
    y += row_h[r] + SEARCH_SHEET_CAPTION + SEARCH_SHEET_MARGIN;
  }
  cairo_destroy (cr);
  g_free (row_h);
  ok = png_file_write (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}
