/* tag-timeline.c: FILE.timeline.png, a picture of a whole video: one row
 * per label, time along the x axis, each inference's probability of that
 * label as the intensity of its stretch of the row, and the segments
 * outlined in the row of their label. Drawn with cairo. */
#include "tag-outputs.h"
#include "png-file.h"

#include <cairo.h>
#include <math.h>

#define WIDTH 1200
#define LEFT 200                /* label column */
#define RIGHT 20
#define TOP 40                  /* title */
#define ROW 26
#define AXIS 30

static void
draw_axis (cairo_t * cr, gdouble end, gint plot_w, gint y)
{
  /* about ten ticks at a round step */
  static const gdouble steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60,
    120, 300, 600, 900, 1800, 3600, 7200
  };
  gdouble step = steps[G_N_ELEMENTS (steps) - 1], t;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (steps); i++)
    if (end / steps[i] <= 12) {
      step = steps[i];
      break;
    }
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_set_font_size (cr, 11);
  for (t = 0; t <= end + 1e-9; t += step) {
    gdouble x = LEFT + (end > 0 ? t / end : 0) * plot_w;
    gchar text[32];

    cairo_move_to (cr, floor (x) + 0.5, y);
    cairo_line_to (cr, floor (x) + 0.5, y + 5);
    cairo_stroke (cr);
    if (step >= 60)
      g_snprintf (text, sizeof text, "%d:%02d", (int) t / 60, (int) t % 60);
    else
      g_snprintf (text, sizeof text, "%g s", t);
    cairo_move_to (cr, x - 10, y + 18);
    cairo_show_text (cr, text);
  }
}

gboolean
tag_write_timeline (const gchar * path, const gchar * title,
    const TagResult * r, const GArray * segs, GError ** error)
{
  gint height = TOP + ROW * MAX (r->n_labels, 1) + AXIS;
  gint plot_w = WIDTH - LEFT - RIGHT;
  gdouble end = tag_result_end (r);
  cairo_surface_t *surface =
      cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, height);
  cairo_t *cr = cairo_create (surface);
  gboolean ok;
  guint i, l;

  if (end <= 0)
    end = 1;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
      CAIRO_FONT_WEIGHT_NORMAL);

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_font_size (cr, 14);
  cairo_move_to (cr, 10, 24);
  cairo_show_text (cr, title);

  for (l = 0; l < r->n_labels; l++) {
    gint y = TOP + l * ROW;

    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_set_font_size (cr, 12);
    cairo_move_to (cr, 10, y + ROW * 0.65);
    cairo_show_text (cr, r->labels[l]);
    /* probability: white (0) to dark blue (1) */
    for (i = 0; i < r->records->len; i++) {
      const TagRecord *rec = &g_array_index (r->records, TagRecord, i);
      gdouble t0 = (gdouble) rec->pts / GST_SECOND;
      gdouble t1 = i + 1 < r->records->len ?
          (gdouble) g_array_index (r->records, TagRecord, i + 1).pts /
          GST_SECOND : end;
      gdouble p = CLAMP (rec->scores[l], 0.0, 1.0);

      cairo_set_source_rgb (cr, 1 - 0.9 * p, 1 - 0.8 * p, 1 - 0.4 * p);
      cairo_rectangle (cr, LEFT + t0 / end * plot_w, y + 2,
          MAX ((t1 - t0) / end * plot_w, 1.0), ROW - 4);
      cairo_fill (cr);
    }
  }
  /* segments: an orange frame around each in its label's row */
  cairo_set_source_rgb (cr, 1.0, 0.5, 0.0);
  cairo_set_line_width (cr, 2);
  for (i = 0; i < segs->len; i++) {
    const TagSegment *s = &g_array_index (segs, TagSegment, i);

    cairo_rectangle (cr, LEFT + s->start / end * plot_w + 1,
        TOP + s->label * ROW + 1,
        MAX ((s->end - s->start) / end * plot_w - 2, 1.0), ROW - 2);
    cairo_stroke (cr);
  }
  draw_axis (cr, end, plot_w, TOP + ROW * r->n_labels + 2);
  cairo_destroy (cr);

  ok = png_file_write (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}
