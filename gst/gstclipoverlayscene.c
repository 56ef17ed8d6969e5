/* gstclipoverlayscene.c: the labels clipoverlay draws, and how.
 *
 * A scene is the part of a classification meta that shows: for a frame
 * result its top labels, their probabilities and whether the top one
 * passed the threshold; for regions each rectangle with its top label.
 * Scenes are compared so that a result shared by many frames is drawn
 * once; what is drawn goes through cairo and Pango into ARGB overlay
 * rectangles that GStreamer blends into any of its common formats.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipoverlayscene.h"

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

/* Colours, documented in docs/clipoverlay.md: tests look for the bars. */
#define MATCH_R (0x4c / 255.0)
#define MATCH_G (0xc2 / 255.0)
#define MATCH_B (0x5a / 255.0)
#define NOMATCH_R (0x9e / 255.0)
#define NOMATCH_G (0x9e / 255.0)
#define NOMATCH_B (0x9e / 255.0)
#define PANEL_ALPHA 0.6
/* Region coordinates are clamped here: far outside any frame, and within
 * the range of cairo's fixed-point numbers. */
#define MAX_COORDINATE (1u << 22)
/* Pixel aspect ratios are drawn as at most this far from square: text
 * squeezed further cannot be read anyway, and sizes stay far from
 * overflowing Pango's units. */
#define MAX_PAR_SCALE 16.0

typedef struct
{
  gchar *label;
  gdouble score;                /* clamped to 0..1 */
} SceneLine;

typedef struct
{
  gboolean is_region;
  gint x, y, width, height;     /* regions: the rectangle on this frame */
  gboolean matched;
  GArray *lines;                /* SceneLine, most probable first */
} SceneItem;

struct _GstClipOverlayScene
{
  GPtrArray *items;             /* SceneItem */
  GString *key;                 /* everything drawn, to compare scenes */
};

static void
scene_line_clear (gpointer data)
{
  g_free (((SceneLine *) data)->label);
}

static void
scene_item_free (gpointer data)
{
  SceneItem *item = data;

  g_array_unref (item->lines);
  g_free (item);
}

static SceneItem *
scene_add_item (GstClipOverlayScene * scene, gboolean is_region,
    gboolean matched)
{
  SceneItem *item = g_new0 (SceneItem, 1);

  item->is_region = is_region;
  item->matched = matched;
  item->lines = g_array_new (FALSE, TRUE, sizeof (SceneLine));
  g_array_set_clear_func (item->lines, scene_line_clear);
  g_ptr_array_add (scene->items, item);
  g_string_append_printf (scene->key, "%c%d|", is_region ? 'R' : 'F',
      matched);
  return item;
}

static void
scene_add_line (GstClipOverlayScene * scene, SceneItem * item,
    const gchar * label, gdouble score)
{
  SceneLine line;

  line.label = g_strdup (label ? label : "");
  line.score = isfinite (score) ? CLAMP (score, 0.0, 1.0) : 0.0;
  g_array_append_val (item->lines, line);
  /* The key holds what shows: the text and the score to a thousandth. */
  g_string_append_printf (scene->key, "%s\x1f%d\x1e", line.label,
      (gint) lround (line.score * 1000.0));
}

/* The rectangle the ROI meta with this id and type has on @buffer now,
 * when exactly one has them (an element such as videoscale may have
 * scaled it since the region was classified). */
static gboolean
roi_rectangle_now (GstBuffer * buffer, gint id, const gchar * roi_type,
    guint * x, guint * y, guint * w, guint * h)
{
  gpointer state = NULL;
  GstMeta *meta;
  GstVideoRegionOfInterestMeta *found = NULL;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    const gchar *type = roi->roi_type ? g_quark_to_string (roi->roi_type) :
        NULL;

    if (roi->id != id || g_strcmp0 (type, roi_type) != 0)
      continue;
    if (found)
      return FALSE;             /* ambiguous: the rectangle stays */
    found = roi;
  }
  if (!found)
    return FALSE;
  *x = found->x;
  *y = found->y;
  *w = found->w;
  *h = found->h;
  return TRUE;
}

static void
scene_add_regions (GstClipOverlayScene * scene,
    const GstClipClassifyMeta * meta, GstBuffer * buffer)
{
  guint n = gst_clip_classify_meta_get_n_regions (meta);

  for (guint i = 0; i < n; i++) {
    gint id;
    const gchar *roi_type, *label;
    guint x, y, w, h;
    gboolean matched;
    gdouble score = 0.0;
    SceneItem *item;

    if (!gst_clip_classify_meta_get_region (meta, i, &id, &roi_type, &x, &y,
            &w, &h, &matched))
      continue;
    roi_rectangle_now (buffer, id, roi_type, &x, &y, &w, &h);
    item = scene_add_item (scene, TRUE, matched);
    item->x = (gint) MIN (x, MAX_COORDINATE);
    item->y = (gint) MIN (y, MAX_COORDINATE);
    item->width = (gint) MIN (w, MAX_COORDINATE);
    item->height = (gint) MIN (h, MAX_COORDINATE);
    g_string_append_printf (scene->key, "%d,%d,%d,%d|", item->x, item->y,
        item->width, item->height);
    label = gst_clip_classify_meta_get_region_result (meta, i, 0, &score);
    if (label)
      scene_add_line (scene, item, label, score);
  }
}

GstClipOverlayScene *
gst_clip_overlay_scene_new (const GstClipClassifyMeta * meta,
    GstBuffer * buffer, const GstClipOverlayStyle * style)
{
  GstClipOverlayScene *scene = g_new0 (GstClipOverlayScene, 1);

  scene->items = g_ptr_array_new_with_free_func (scene_item_free);
  scene->key = g_string_new (NULL);
  g_string_append_printf (scene->key, "%dx%d:%d/%d/%u/%u/%d|",
      style->frame_width, style->frame_height, style->par_n, style->par_d,
      style->font_px, style->max_labels, (gint) style->position);

  if (meta->n_results > 0) {
    SceneItem *item = scene_add_item (scene, FALSE, meta->matched);
    guint n = meta->n_results;

    if (style->max_labels > 0)
      n = MIN (n, style->max_labels);
    for (guint i = 0; i < n; i++)
      scene_add_line (scene, item, meta->labels[i], meta->scores[i]);
  }
  scene_add_regions (scene, meta, buffer);
  return scene;
}

void
gst_clip_overlay_scene_free (GstClipOverlayScene * scene)
{
  if (!scene)
    return;
  g_ptr_array_unref (scene->items);
  g_string_free (scene->key, TRUE);
  g_free (scene);
}

gboolean
gst_clip_overlay_scene_equal (const GstClipOverlayScene * a,
    const GstClipOverlayScene * b)
{
  if (!a || !b)
    return a == b;
  return g_string_equal (a->key, b->key);
}

/* ---- drawing ---- */

/* Frame pixels across per square pixel. Text and the panel are laid out
 * in square pixels, then drawn this much narrower (or wider), so that
 * they look right where the video is shown at its pixel aspect ratio:
 * 0.70 for PAL 16:9 SD (64/45). 1 for square pixels, which draw exactly
 * as laid out. */
static gdouble
x_scale (const GstClipOverlayStyle * style)
{
  gdouble sx;

  if (style->par_n <= 0 || style->par_d <= 0 || style->par_n == style->par_d)
    return 1.0;
  sx = (gdouble) style->par_d / style->par_n;
  return CLAMP (sx, 1.0 / MAX_PAR_SCALE, MAX_PAR_SCALE);
}

/* The frame's width in the square pixels of layout. */
static gint
square_width (const GstClipOverlayStyle * style, gdouble sx)
{
  if (sx == 1.0)
    return style->frame_width;
  return (gint) MIN (lround (style->frame_width / sx), MAX_COORDINATE);
}

/* @w square pixels of layout starting at @x, in frame pixels: the first
 * column in @fx, the width (at least 1) returned. */
static gint
frame_span (gdouble sx, gint x, gint w, gint * fx)
{
  *fx = (gint) lround (x * sx);
  return MAX (1, (gint) lround ((x + (gdouble) w) * sx) - *fx);
}

/* A picture of @w x @h square pixels to lay out in, when the frame's are
 * not square: Pango lays text out badly under a scaling matrix, so text
 * is drawn square and the picture is scaled as a whole. */
static cairo_t *
square_new (gint w, gint h)
{
  cairo_surface_t *surface =
      cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  return cr;
}

/* Draws the picture of @square, @w square pixels wide, on @cr at its
 * origin, @fw pixels wide, and frees it. */
static void
square_paint (cairo_t * cr, cairo_t * square, gint w, gint fw)
{
  cairo_surface_t *surface = cairo_get_target (square);
  cairo_pattern_t *pattern;

  cairo_surface_flush (surface);
  cairo_save (cr);
  cairo_scale (cr, (gdouble) fw / w, 1.0);
  cairo_set_source_surface (cr, surface, 0, 0);
  pattern = cairo_get_source (cr);
  /* Bilinear is as sharp as cairo's "good" filter down to half the width
   * (at exactly half it is the mean of each pair of columns) and drew a
   * new 1080p result at 64/45 in 1.2 ms against 2.7; narrower than half,
   * it would skip columns. */
  cairo_pattern_set_filter (pattern, 2 * fw >= w ? CAIRO_FILTER_BILINEAR :
      CAIRO_FILTER_GOOD);
  /* Edges as sharp as the picture's, not faded into the transparent
   * outside; the canvas ends where the picture does. */
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, w, cairo_image_surface_get_height (surface));
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_destroy (square);
}

static PangoLayout *
new_layout (PangoContext * context, guint font_px, const gchar * text,
    gint max_width)
{
  PangoLayout *layout = pango_layout_new (context);
  PangoFontDescription *font = pango_font_description_from_string ("Sans");

  pango_font_description_set_absolute_size (font,
      (gdouble) font_px * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (max_width > 0) {
    pango_layout_set_width (layout, max_width * PANGO_SCALE);
    pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  }
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
show_layout (cairo_t * cr, PangoLayout * layout, gdouble x, gdouble y)
{
  cairo_move_to (cr, x, y);
  pango_cairo_update_layout (cr, layout);
  pango_cairo_show_layout (cr, layout);
}

static void
set_item_colour (cairo_t * cr, gboolean matched)
{
  if (matched)
    cairo_set_source_rgb (cr, MATCH_R, MATCH_G, MATCH_B);
  else
    cairo_set_source_rgb (cr, NOMATCH_R, NOMATCH_G, NOMATCH_B);
}

/* A picture of @w x @h pixels to draw into, placed at (@x, @y) of the
 * frame: the visible part of the box (@x, @y, @w, @h) becomes an overlay
 * rectangle; @cr draws in the box's coordinates. */
typedef struct
{
  GstBuffer *buffer;
  GstMapInfo map;
  cairo_surface_t *surface;
  cairo_t *cr;
  gint x, y, width, height;     /* the visible part, in the frame */
} Canvas;

static gboolean
canvas_open (Canvas * canvas, const GstClipOverlayStyle * style, gint x,
    gint y, gint w, gint h)
{
  gint x0 = MAX (x, 0), y0 = MAX (y, 0);
  gint x1 = MIN ((gint64) x + w, style->frame_width);
  gint y1 = MIN ((gint64) y + h, style->frame_height);
  gint stride;

  memset (canvas, 0, sizeof (*canvas));
  if (x1 <= x0 || y1 <= y0)
    return FALSE;
  canvas->x = x0;
  canvas->y = y0;
  canvas->width = x1 - x0;
  canvas->height = y1 - y0;
  stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, canvas->width);
  canvas->buffer = gst_buffer_new_allocate (NULL,
      (gsize) stride * canvas->height, NULL);
  gst_buffer_memset (canvas->buffer, 0, 0, (gsize) stride * canvas->height);
  {
    gsize offsets[GST_VIDEO_MAX_PLANES] = { 0 };
    gint strides[GST_VIDEO_MAX_PLANES] = { stride };

    gst_buffer_add_video_meta_full (canvas->buffer, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, canvas->width,
        canvas->height, 1, offsets, strides);
  }
  gst_buffer_map (canvas->buffer, &canvas->map, GST_MAP_READWRITE);
  canvas->surface = cairo_image_surface_create_for_data (canvas->map.data,
      CAIRO_FORMAT_ARGB32, canvas->width, canvas->height, stride);
  canvas->cr = cairo_create (canvas->surface);
  cairo_translate (canvas->cr, x - x0, y - y0);
  return TRUE;
}

/* Adds the picture to @composition and frees the canvas. */
static void
canvas_close (Canvas * canvas, GstVideoOverlayComposition ** composition)
{
  GstVideoOverlayRectangle *rect;

  cairo_destroy (canvas->cr);
  cairo_surface_flush (canvas->surface);
  cairo_surface_destroy (canvas->surface);
  gst_buffer_unmap (canvas->buffer, &canvas->map);
  rect = gst_video_overlay_rectangle_new_raw (canvas->buffer, canvas->x,
      canvas->y, canvas->width, canvas->height,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  gst_buffer_unref (canvas->buffer);
  if (*composition)
    gst_video_overlay_composition_add_rectangle (*composition, rect);
  else
    *composition = gst_video_overlay_composition_new (rect);
  gst_video_overlay_rectangle_unref (rect);
}

static gchar *
percent_text (gdouble score)
{
  return g_strdup_printf ("%d%%", (gint) lround (score * 100.0));
}

/* The frame result: a translucent panel in a corner, one line per label
 * (the label, its probability on the right, a bar as long as the
 * probability below), with "no match" on top when the top label did not
 * pass the threshold. */
static void
render_panel (const SceneItem * item, const GstClipOverlayStyle * style,
    PangoContext * context, GstVideoOverlayComposition ** composition)
{
  const gint s = (gint) style->font_px;
  const gint pad = MAX (2, s / 2), margin = pad;
  const gint bar_h = MAX (3, s / 4), gap = MAX (1, s / 8);
  const guint n = item->lines->len;
  const gdouble sx = x_scale (style);
  const gint frame_w = square_width (style, sx);
  gint max_inner = MAX (s, frame_w - 2 * margin - 2 * pad);
  PangoLayout **labels = g_new0 (PangoLayout *, n);
  PangoLayout **percents = g_new0 (PangoLayout *, n);
  PangoLayout *header = NULL;
  gint text_h, pct_w, label_w = 0, inner_w, panel_w, panel_h, x, y, fx, fw;
  Canvas canvas;

  {
    PangoLayout *widest = new_layout (context, style->font_px, "100%", 0);

    pango_layout_get_pixel_size (widest, &pct_w, &text_h);
    g_object_unref (widest);
  }
  for (guint i = 0; i < n; i++) {
    const SceneLine *line = &g_array_index (item->lines, SceneLine, i);
    gchar *pct = percent_text (line->score);
    gint w, h;

    labels[i] = new_layout (context, style->font_px, line->label,
        MAX (s, max_inner - s - pct_w));
    pango_layout_get_pixel_size (labels[i], &w, &h);
    label_w = MAX (label_w, w);
    text_h = MAX (text_h, h);
    percents[i] = new_layout (context, style->font_px, pct, 0);
    g_free (pct);
  }
  if (!item->matched)
    header = new_layout (context, style->font_px, "no match", max_inner);

  inner_w = MIN (MAX (label_w + s + pct_w, 6 * s), max_inner);
  panel_w = inner_w + 2 * pad;
  panel_h = 2 * pad + (header ? text_h + gap : 0) +
      (gint) n * (text_h + gap + bar_h + gap) - (n > 0 ? gap : 0);
  x = margin;
  y = margin;
  if (style->position == GST_CLIP_OVERLAY_POSITION_TOP_RIGHT ||
      style->position == GST_CLIP_OVERLAY_POSITION_BOTTOM_RIGHT)
    x = frame_w - margin - panel_w;
  if (style->position == GST_CLIP_OVERLAY_POSITION_BOTTOM_LEFT ||
      style->position == GST_CLIP_OVERLAY_POSITION_BOTTOM_RIGHT)
    y = style->frame_height - margin - panel_h;

  fw = frame_span (sx, x, panel_w, &fx);
  if (canvas_open (&canvas, style, fx, y, fw, panel_h)) {
    cairo_t *cr = fw == panel_w ? canvas.cr : square_new (panel_w, panel_h);
    gint row = pad;
    const gdouble text_grey = item->matched ? 1.0 : 0.8;

    cairo_set_source_rgba (cr, 0, 0, 0, PANEL_ALPHA);
    cairo_rectangle (cr, 0, 0, panel_w, panel_h);
    cairo_fill (cr);
    if (header) {
      cairo_set_source_rgb (cr, text_grey, text_grey, text_grey);
      show_layout (cr, header, pad, row);
      row += text_h + gap;
    }
    for (guint i = 0; i < n; i++) {
      const SceneLine *line = &g_array_index (item->lines, SceneLine, i);
      gint w, h;

      cairo_set_source_rgb (cr, text_grey, text_grey, text_grey);
      show_layout (cr, labels[i], pad, row);
      pango_layout_get_pixel_size (percents[i], &w, &h);
      show_layout (cr, percents[i], pad + inner_w - w, row);
      row += text_h + gap;
      /* A faint track the whole width, and on it, in whole pixels, a bar
       * as long as the probability. */
      cairo_set_source_rgba (cr, 1, 1, 1, 0.2);
      cairo_rectangle (cr, pad, row, inner_w, bar_h);
      cairo_fill (cr);
      set_item_colour (cr, item->matched);
      cairo_rectangle (cr, pad, row, lround (line->score * inner_w), bar_h);
      cairo_fill (cr);
      row += bar_h + gap;
    }
    if (cr != canvas.cr)
      square_paint (canvas.cr, cr, panel_w, fw);
    canvas_close (&canvas, composition);
  }

  for (guint i = 0; i < n; i++) {
    g_object_unref (labels[i]);
    g_object_unref (percents[i]);
  }
  g_free (labels);
  g_free (percents);
  if (header)
    g_object_unref (header);
}

/* A piece of a region's outline: a bar of its colour. */
static void
render_strip (const SceneItem * item, const GstClipOverlayStyle * style,
    gint x, gint y, gint w, gint h, GstVideoOverlayComposition ** composition)
{
  Canvas canvas;

  if (w <= 0 || h <= 0 || !canvas_open (&canvas, style, x, y, w, h))
    return;
  set_item_colour (canvas.cr, item->matched);
  cairo_paint (canvas.cr);
  canvas_close (&canvas, composition);
}

/* A region: its rectangle outlined inside its edges, and a tag with the
 * top label and its probability above it (inside, at the top, when there
 * is no room above).
 *
 * GStreamer's blending converts every frame row a picture covers, across
 * the whole frame, and for YUV every pixel of the picture too: one
 * picture as large as a big region cost 13 ms a frame at 1080p in I420.
 * So a large outline is drawn in pieces: the tag with the top edge, the
 * two sides and the bottom edge. */
static void
render_region (const SceneItem * item, const GstClipOverlayStyle * style,
    PangoContext * context, GstVideoOverlayComposition ** composition)
{
  const gint s = (gint) style->font_px;
  const gint line_w = MAX (2, s / 8), tag_pad = MAX (2, s / 4);
  const gdouble sx = x_scale (style);
  PangoLayout *tag = NULL;
  gint tag_w = 0, tag_fw = 0, tag_h = 0, top, head_rows, bh, fx;
  gboolean above = FALSE, hollow, split;
  Canvas canvas;

  if (item->lines->len > 0) {
    const SceneLine *line = &g_array_index (item->lines, SceneLine, 0);
    gchar *pct = percent_text (line->score);
    gchar *text = g_strdup_printf ("%s %s", line->label, pct);

    tag = new_layout (context, style->font_px, text,
        MAX (s, square_width (style, sx) - 2 * tag_pad));
    pango_layout_get_pixel_size (tag, &tag_w, &tag_h);
    tag_w += 2 * tag_pad;
    tag_fw = frame_span (sx, 0, tag_w, &fx);
    tag_h += 2 * (tag_pad / 2);
    above = item->y >= tag_h;
    g_free (text);
    g_free (pct);
  }
  /* The first picture: the tag, and the box's rows down to the tag's
   * bottom and the top edge's, or the whole box when little is left. */
  hollow = item->width >= 2 * line_w && item->height >= 2 * line_w;
  top = above ? tag_h : 0;
  head_rows = above ? line_w : MAX (line_w, tag_h);
  split = hollow && head_rows + line_w < item->height;
  bh = top + (split ? head_rows : MAX (item->height, above ? 0 : tag_h));

  if (canvas_open (&canvas, style, item->x, item->y - top,
          MAX (item->width, tag_fw), bh)) {
    cairo_t *cr = canvas.cr;

    set_item_colour (cr, item->matched);
    if (hollow) {
      /* The stroke's edges fall on whole pixels: exactly line_w inside. */
      cairo_set_line_width (cr, line_w);
      cairo_rectangle (cr, line_w / 2.0, top + line_w / 2.0,
          item->width - line_w, item->height - line_w);
      cairo_stroke (cr);
    } else {
      cairo_rectangle (cr, 0, top, item->width, item->height);
      cairo_fill (cr);
    }
    if (tag) {
      cairo_t *tcr = tag_fw == tag_w ? cr : square_new (tag_w, tag_h);

      set_item_colour (tcr, item->matched);
      cairo_rectangle (tcr, 0, 0, tag_w, tag_h);
      cairo_fill (tcr);
      cairo_set_source_rgb (tcr, 0, 0, 0);
      show_layout (tcr, tag, tag_pad, tag_pad / 2);
      if (tcr != cr)
        square_paint (cr, tcr, tag_w, tag_fw);
    }
    canvas_close (&canvas, composition);
  }
  if (split) {
    const gint side_y = item->y + head_rows;
    const gint side_h = item->height - head_rows - line_w;

    render_strip (item, style, item->x, side_y, line_w, side_h, composition);
    render_strip (item, style, item->x + item->width - line_w, side_y,
        line_w, side_h, composition);
    render_strip (item, style, item->x, item->y + item->height - line_w,
        item->width, line_w, composition);
  }
  if (tag)
    g_object_unref (tag);
}

GstVideoOverlayComposition *
gst_clip_overlay_scene_render (const GstClipOverlayScene * scene,
    const GstClipOverlayStyle * style, PangoContext * context)
{
  GstVideoOverlayComposition *composition = NULL;

  for (guint i = 0; i < scene->items->len; i++) {
    const SceneItem *item = g_ptr_array_index (scene->items, i);

    if (item->is_region)
      render_region (item, style, context, &composition);
    else
      render_panel (item, style, context, &composition);
  }
  return composition;
}
