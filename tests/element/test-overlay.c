/* test-overlay.c: clipoverlay draws what the classification meta says,
 * where it says, and touches nothing else.
 *
 * Frames of one flat colour carry a meta made here with known scores and
 * rectangles; the checks read the drawn frame back: bars in the
 * documented colour as long as the probabilities, region outlines on the
 * rectangles' edges, and every pixel outside the drawing unchanged. */
#include <stdlib.h>
#include <string.h>

#include "element-common.h"

/* docs/clipoverlay.md: bars and outlines of a match, and of no match. */
static const guint8 MATCH_RGB[3] = { 0x4c, 0xc2, 0x5a };
static const guint8 NOMATCH_RGB[3] = { 0x9e, 0x9e, 0x9e };

#define W 320
#define H 240
/* The "bottom-right" value of the position property. */
#define GST_CLIP_OVERLAY_TEST_BOTTOM_RIGHT 3

/* A W x H BGRx frame of one grey level, its padding bytes 0xff as
 * videoconvert and most sources write them (GStreamer's blending reads
 * them as the frame's alpha). */
static GstBuffer *
flat_frame (guint8 level)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H * 4, NULL);
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i += 4) {
    memset (map.data + i, level, 3);
    map.data[i + 3] = 0xff;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

static GstHarness *
overlay_harness_par (const char *description, const char *format,
    gint par_n, gint par_d)
{
  GstHarness *h = gst_harness_new_parse (description);
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1,pixel-aspect-ratio=%d/%d", format, W, H, par_n, par_d);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

static GstHarness *
overlay_harness (const char *description, const char *format)
{
  return overlay_harness_par (description, format, 1, 1);
}

static void
add_frame_meta (GstBuffer * buf, gboolean matched)
{
  const gchar *labels[] = { "a dog", "a cat", "a car", "a tree" };
  const gdouble scores[] = { 0.8, 0.4, 0.2, 0.1 };

  gst_buffer_add_clip_classify_meta (buf, 4, labels, scores, matched, 0, 0,
      TRUE, 1.0);
}

static gboolean
is_rgb (const guint8 * px, const guint8 rgb[3])
{
  /* BGRx */
  return px[2] == rgb[0] && px[1] == rgb[1] && px[0] == rgb[2];
}

/* The bars of @rgb pixels: at least three rows in a row whose longest run
 * of the colour has the same length, at least 4 (text strokes are
 * thinner). Returns the bars found, top to bottom, their lengths in
 * @lengths. */
static guint
find_bars (const guint8 * data, const guint8 rgb[3], guint * lengths,
    guint max_bars)
{
  guint n = 0, streak = 0, streak_len = 0;

  for (guint y = 0; y <= H; y++) {
    guint best = 0, run = 0;

    for (guint x = 0; y < H && x < W; x++) {
      run = is_rgb (data + (y * W + x) * 4, rgb) ? run + 1 : 0;
      best = MAX (best, run);
    }
    if (best >= 4 && best == streak_len) {
      streak++;
      continue;
    }
    if (streak >= 3) {
      g_assert_cmpuint (n, <, max_bars);
      lengths[n++] = streak_len;
    }
    streak = best >= 4 ? 1 : 0;
    streak_len = best;
  }
  return n;
}

/* Pixels of @out that differ from the flat @level, with their bounding box
 * (x0, y0, x1, y1) in @box. */
static guint
changed_pixels (const guint8 * out, guint8 level, guint box[4])
{
  guint n = 0;

  box[0] = W;
  box[1] = H;
  box[2] = 0;
  box[3] = 0;
  for (guint y = 0; y < H; y++)
    for (guint x = 0; x < W; x++) {
      const guint8 *px = out + (y * W + x) * 4;

      if (px[0] == level && px[1] == level && px[2] == level)
        continue;
      n++;
      box[0] = MIN (box[0], x);
      box[1] = MIN (box[1], y);
      box[2] = MAX (box[2], x + 1);
      box[3] = MAX (box[3], y + 1);
    }
  return n;
}

static void
check_panel (const char *description, gboolean matched, gboolean bottom_right)
{
  GstHarness *h = overlay_harness (description, "BGRx");
  GstBuffer *in = flat_frame (0x30), *out;
  GstMapInfo map;
  guint lengths[8], changed[4], n;

  add_frame_meta (in, matched);
  out = gst_harness_push_and_pull (h, in);
  g_assert_nonnull (gst_buffer_get_clip_classify_meta (out));
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));

  /* Three bars (max-labels=3) as long as 0.8, 0.4 and 0.2 of the width
   * a probability of 1 would fill, in the colour of a match or not. */
  n = find_bars (map.data, matched ? MATCH_RGB : NOMATCH_RGB, lengths, 8);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (lengths[0], >, 40);
  g_assert_cmpint (ABS ((gint) lengths[1] * 2 - (gint) lengths[0]), <=, 2);
  g_assert_cmpint (ABS ((gint) lengths[2] * 4 - (gint) lengths[0]), <=, 4);
  /* No bar in the other colour. */
  g_assert_cmpuint (find_bars (map.data, matched ? NOMATCH_RGB : MATCH_RGB,
          lengths, 8), ==, 0);

  /* The drawing stays in its corner: everything else is untouched. */
  g_assert_cmpuint (changed_pixels (map.data, 0x30, changed), >, 1000);
  if (bottom_right) {
    g_assert_cmpuint (changed[0], >=, W / 2);
    g_assert_cmpuint (changed[1], >=, H / 2);
    g_assert_cmpuint (changed[2], <, W);
    g_assert_cmpuint (changed[3], <, H);
  } else {
    g_assert_cmpuint (changed[0], >, 0);
    g_assert_cmpuint (changed[1], >, 0);
    g_assert_cmpuint (changed[2], <=, W / 2 + W / 4);
    g_assert_cmpuint (changed[3], <=, H / 2);
  }
  /* The panel's own corner: the frame darkened, by 60%. */
  {
    const guint8 *px = map.data + ((changed[1] + 1) * W + changed[0] + 1) * 4;

    g_assert_cmpint (ABS (px[0] - 0x30 * 4 / 10), <=, 2);
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_panel (void)
{
  check_panel ("clipoverlay font-size=14", TRUE, FALSE);
}

static void
test_panel_no_match (void)
{
  /* "no match": the bars turn grey. */
  check_panel ("clipoverlay font-size=14", FALSE, FALSE);
}

static void
test_panel_position (void)
{
  check_panel ("clipoverlay font-size=14 position=bottom-right", TRUE, TRUE);
}

static void
test_untouched (void)
{
  const char *descriptions[] = { "clipoverlay", "clipoverlay silent=true" };

  for (guint d = 0; d < G_N_ELEMENTS (descriptions); d++) {
    GstHarness *h = overlay_harness (descriptions[d], "BGRx");
    GstBuffer *in = flat_frame (0x55), *out;
    GstMapInfo map;
    guint box[4];

    /* silent: a meta, but nothing drawn; else no meta, nothing drawn. */
    if (d == 1)
      add_frame_meta (in, TRUE);
    out = gst_harness_push_and_pull (h, in);
    g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
    g_assert_cmpuint (changed_pixels (map.data, 0x55, box), ==, 0);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

static void
assert_outline (const guint8 * data, guint x, guint y, guint w, guint h,
    const guint8 rgb[3], guint8 level)
{
  /* Left, right and bottom edges are the colour, just inside them is not
   * (the top edge may be under the tag). */
  for (guint yy = y + h / 3; yy < y + h - 2; yy++) {
    g_assert_true (is_rgb (data + (yy * W + x) * 4, rgb));
    g_assert_true (is_rgb (data + (yy * W + x + w - 1) * 4, rgb));
    g_assert_cmpuint (data[(yy * W + x + w / 2) * 4], ==, level);
  }
  for (guint xx = x; xx < x + w; xx++)
    g_assert_true (is_rgb (data + ((y + h - 1) * W + xx) * 4, rgb));
  /* And just outside them, the frame. */
  g_assert_cmpuint (data[((y + h / 2) * W + x - 1) * 4], ==, level);
  g_assert_cmpuint (data[((y + h / 2) * W + x + w) * 4], ==, level);
  g_assert_cmpuint (data[((y + h) * W + x + w / 2) * 4], ==, level);
}

static void
test_regions (void)
{
  GstHarness *h = overlay_harness ("clipoverlay font-size=12", "BGRx");
  GstBuffer *in = flat_frame (0x40), *out;
  const gchar *labels[] = { "a face", "a hat" };
  const gdouble scores[] = { 0.9, 0.1 };
  GstClipClassifyMeta *meta;
  GstMapInfo map;
  guint box[4];

  meta = gst_buffer_add_clip_classify_meta (in, 0, NULL, NULL, TRUE, 0, 0,
      TRUE, 1.0);
  /* Room for the tag above the first, none above the second. */
  gst_clip_classify_meta_add_region (meta, 1, "face", 40, 60, 100, 80, 2,
      labels, scores, TRUE);
  gst_clip_classify_meta_add_region (meta, 2, "face", 200, 2, 60, 90, 2,
      labels, scores, FALSE);
  /* The third was classified at (10, 150, 50, 50); the frame has since
   * been scaled, and its ROI meta moved with it: the outline follows. */
  gst_clip_classify_meta_add_region (meta, 3, "face", 10, 150, 50, 50, 2,
      labels, scores, TRUE);
  gst_buffer_add_video_region_of_interest_meta (in, "face", 20, 160, 70, 60)
      ->id = 3;
  /* The fourth's id and type are on two ROI metas: which one it was is
   * unknown, so its outline stays where it was classified. */
  gst_clip_classify_meta_add_region (meta, 4, "face", 160, 150, 60, 50, 2,
      labels, scores, TRUE);
  gst_buffer_add_video_region_of_interest_meta (in, "face", 250, 150, 30, 30)
      ->id = 4;
  gst_buffer_add_video_region_of_interest_meta (in, "face", 100, 100, 10, 10)
      ->id = 4;

  out = gst_harness_push_and_pull (h, in);
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  assert_outline (map.data, 40, 60, 100, 80, MATCH_RGB, 0x40);
  assert_outline (map.data, 200, 2, 60, 90, NOMATCH_RGB, 0x40);
  assert_outline (map.data, 20, 160, 70, 60, MATCH_RGB, 0x40);
  assert_outline (map.data, 160, 150, 60, 50, MATCH_RGB, 0x40);
  /* The tag of the first sits above it, the frame panel is not drawn. */
  g_assert_true (is_rgb (map.data + ((60 - 2) * W + 41) * 4, MATCH_RGB));
  changed_pixels (map.data, 0x40, box);
  g_assert_cmpuint (box[0], ==, 20);
  g_assert_cmpuint (box[3], ==, 220);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* @buf drawn by @description on BGRx frames of pixel aspect ratio
 * @par_n / @par_d. */
static GstBuffer *
draw_at_par (const char *description, GstBuffer * buf, gint par_n,
    gint par_d)
{
  GstHarness *h = overlay_harness_par (description, "BGRx", par_n, par_d);
  GstBuffer *out = gst_harness_push_and_pull (h, buf);

  gst_harness_teardown (h);
  return out;
}

/* The longest run of @rgb pixels in row @y. */
static guint
longest_run (const guint8 * data, guint y, const guint8 rgb[3])
{
  guint best = 0, run = 0;

  for (guint x = 0; x < W; x++) {
    run = is_rgb (data + (y * W + x) * 4, rgb) ? run + 1 : 0;
    best = MAX (best, run);
  }
  return best;
}

/* Pixels twice as wide as they are tall (pixel-aspect-ratio=2/1): what is
 * shown on a display that honours the ratio must look as on square
 * pixels, so the panel and the tags are drawn at half their width, the
 * same height, and each column of the panel is what two columns of the
 * square one make together. Region outlines stay on their rectangles. */
static void
test_pixel_aspect_ratio (void)
{
  const gint par_n[2] = { 1, 2 };
  GstBuffer *out[2];
  GstMapInfo map[2];
  guint box[2][4], bars[2][8], tag[2];
  guint64 diff = 0, n = 0;

  for (guint i = 0; i < 2; i++) {
    GstBuffer *in = flat_frame (0x30);

    add_frame_meta (in, TRUE);
    out[i] = draw_at_par ("clipoverlay font-size=14", in, par_n[i], 1);
    g_assert_true (gst_buffer_map (out[i], &map[i], GST_MAP_READ));
    changed_pixels (map[i].data, 0x30, box[i]);
    g_assert_cmpuint (find_bars (map[i].data, MATCH_RGB, bars[i], 8), ==, 3);
  }
  g_assert_cmpuint (box[1][1], ==, box[0][1]);
  g_assert_cmpuint (box[1][3], ==, box[0][3]);
  g_assert_cmpint (ABS ((gint) box[1][0] * 2 - (gint) box[0][0]), <=, 1);
  g_assert_cmpint (ABS ((gint) box[1][2] * 2 - (gint) box[0][2]), <=, 2);
  for (guint b = 0; b < 3; b++)
    g_assert_cmpint (ABS ((gint) bars[1][b] * 2 - (gint) bars[0][b]), <=, 3);
  /* From each panel's own left edge: the square one starts at an odd
   * column, so the pairs are not the frame's. */
  for (guint y = box[1][1]; y < box[1][3]; y++)
    for (guint j = 0; box[1][0] + j < box[1][2]; j++)
      for (guint c = 0; c < 3; c++) {
        guint x0 = box[0][0] + 2 * j;
        gint wide = map[1].data[(y * W + box[1][0] + j) * 4 + c];
        gint pair = map[0].data[(y * W + x0) * 4 + c] +
            map[0].data[(y * W + MIN (x0 + 1, W - 1)) * 4 + c];

        diff += ABS (2 * wide - pair);
        n += 2;
      }
  g_test_message ("panel at 2/1 against the square one, two columns in "
      "one: mean difference %.2f levels", (gdouble) diff / n);
  g_assert_cmpfloat ((gdouble) diff / n, <, 1.0);
  for (guint i = 0; i < 2; i++) {
    gst_buffer_unmap (out[i], &map[i]);
    gst_buffer_unref (out[i]);
  }

  /* A region's tag, above its rectangle, halves too. */
  for (guint i = 0; i < 2; i++) {
    GstBuffer *in = flat_frame (0x40);
    const gchar *labels[] = { "a face with a hat" };
    const gdouble scores[] = { 0.9 };
    GstClipClassifyMeta *meta = gst_buffer_add_clip_classify_meta (in, 0,
        NULL, NULL, TRUE, 0, 0, TRUE, 1.0);

    gst_clip_classify_meta_add_region (meta, 1, "face", 40, 60, 100, 80, 1,
        labels, scores, TRUE);
    out[i] = draw_at_par ("clipoverlay font-size=12", in, par_n[i], 1);
    g_assert_true (gst_buffer_map (out[i], &map[i], GST_MAP_READ));
    assert_outline (map[i].data, 40, 60, 100, 80, MATCH_RGB, 0x40);
    tag[i] = longest_run (map[i].data, 60 - 2, MATCH_RGB);
    gst_buffer_unmap (out[i], &map[i]);
    gst_buffer_unref (out[i]);
  }
  g_assert_cmpuint (tag[0], >, 100);
  g_assert_cmpint (ABS ((gint) tag[1] * 2 - (gint) tag[0]), <=, 2);
}

/* Every plane of @out equals @ref's outside the box (x0, y0, x1, y1),
 * scaled to the plane, and differs somewhere inside it. */
static void
assert_only_inside (GstBuffer * ref, GstBuffer * out, const GstVideoInfo * info,
    const guint box[4])
{
  GstVideoFrame a, b;
  gboolean changed = FALSE;

  g_assert_true (gst_video_frame_map (&a, (GstVideoInfo *) info, ref,
          GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&b, (GstVideoInfo *) info, out,
          GST_MAP_READ));
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&a); p++) {
    guint pw = GST_VIDEO_FRAME_COMP_WIDTH (&a, p == 0 ? 0 : 1);
    guint ph = GST_VIDEO_FRAME_COMP_HEIGHT (&a, p == 0 ? 0 : 1);
    guint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&a, p == 0 ? 0 : 1);
    guint sx = W / pw, sy = H / ph;
    const guint8 *pa = GST_VIDEO_FRAME_PLANE_DATA (&a, p);
    const guint8 *pb = GST_VIDEO_FRAME_PLANE_DATA (&b, p);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&a, p);

    for (guint y = 0; y < ph; y++)
      for (guint x = 0; x < pw * ps; x++) {
        gboolean inside = x / ps * sx >= box[0] - sx && x / ps * sx < box[2]
            + sx && y * sy >= box[1] - sy && y * sy < box[3] + sy;

        if (pa[y * stride + x] == pb[y * stride + x])
          continue;
        if (!inside)
          g_error ("plane %u changed at (%u, %u), outside the drawing", p,
              x / ps, y);
        changed = TRUE;
      }
  }
  g_assert_true (changed);
  gst_video_frame_unmap (&a);
  gst_video_frame_unmap (&b);
}

static void
test_yuv_formats (void)
{
  /* Where the BGRx drawing changed pixels, and only there, the I420, NV12
   * and YUY2 ones do (give or take a chroma sample). */
  const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_YUY2
  };
  GstHarness *h = overlay_harness ("clipoverlay font-size=14", "BGRx");
  GstBuffer *in = flat_frame (0x30), *out;
  GstMapInfo map;
  guint box[4];
  guint8 rgb[W * H * 3];

  add_frame_meta (in, TRUE);
  out = gst_harness_push_and_pull (h, in);
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  changed_pixels (map.data, 0x30, box);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  memset (rgb, 0x30, sizeof (rgb));

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstBuffer *frame = element_frame_from_rgb (formats[f], W, H, rgb, W * 3,
        &info);
    GstBuffer *ref = gst_buffer_copy_deep (frame);
    GstCaps *caps = gst_video_info_to_caps (&info);

    h = gst_harness_new_parse ("clipoverlay font-size=14");
    gst_harness_set_src_caps (h, caps);
    add_frame_meta (frame, TRUE);
    out = gst_harness_push_and_pull (h, frame);
    assert_only_inside (ref, out, &info, box);
    gst_buffer_unref (out);
    gst_buffer_unref (ref);
    gst_harness_teardown (h);
  }
}

static void
test_tiny_frames_and_huge_text (void)
{
  /* Panels, regions and tags larger than the frame, up to the largest
   * rectangles a meta holds, are cut at its edges: nothing is written
   * outside the frame (the valgrind and sanitizer runs would see it). */
  const char *sizes[] = { "1,1", "3,5", "64,48" };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    gchar **wh = g_strsplit (sizes[s], ",", 2);
    gint w = atoi (wh[0]), hh = atoi (wh[1]);
    gchar *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,"
        "height=%d,framerate=30/1", w, hh);
    GstHarness *h = gst_harness_new_parse ("clipoverlay font-size=1000");
    GstVideoInfo info;
    GstBuffer *in, *out;
    GstClipClassifyMeta *meta;
    const gchar *labels[] = { "a very long label that does not fit" };
    const gdouble scores[] = { 1.0 };

    gst_harness_set_src_caps_str (h, caps);
    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, w, hh);
    in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
    gst_buffer_memset (in, 0, 0x80, GST_VIDEO_INFO_SIZE (&info));
    meta = gst_buffer_add_clip_classify_meta (in, 1, labels, scores, TRUE, 0,
        0, TRUE, 1.0);
    gst_clip_classify_meta_add_region (meta, 5, NULL, 0, 0, 10000, 10000, 1,
        labels, scores, TRUE);
    gst_clip_classify_meta_add_region (meta, 6, NULL, 0, 0, G_MAXUINT,
        G_MAXUINT, 1, labels, scores, FALSE);
    gst_clip_classify_meta_add_region (meta, 7, NULL, G_MAXUINT, G_MAXUINT,
        G_MAXUINT, G_MAXUINT, 1, labels, scores, TRUE);
    out = gst_harness_push_and_pull (h, in);
    g_assert_cmpuint (gst_buffer_get_size (out), ==,
        GST_VIDEO_INFO_SIZE (&info));
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (caps);
    g_strfreev (wh);
  }
}

static void
test_changes_while_streaming (void)
{
  /* A property set while playing applies to the next frame, and a new
   * frame size or format mid-stream is drawn on as such. */
  GstHarness *h = overlay_harness ("clipoverlay font-size=14", "BGRx");
  GstElement *overlay = gst_harness_find_element (h, "clipoverlay");
  GstBuffer *in, *out;
  GstMapInfo map;
  guint box[4];

  for (guint round = 0; round < 2; round++) {
    in = flat_frame (0x30);
    add_frame_meta (in, TRUE);
    out = gst_harness_push_and_pull (h, in);
    g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
    changed_pixels (map.data, 0x30, box);
    if (round == 0) {
      g_assert_cmpuint (box[2], <=, W / 2 + W / 4);
      g_assert_cmpuint (box[3], <=, H / 2);
    } else {
      g_assert_cmpuint (box[0], >=, W / 2);
      g_assert_cmpuint (box[1], >=, H / 2);
    }
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    g_object_set (overlay, "position", GST_CLIP_OVERLAY_TEST_BOTTOM_RIGHT,
        NULL);
  }

  /* Now GRAY8 at twice the size: the panel is in the new frame's corner
   * and the rest of it untouched. */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=640,"
      "height=480,framerate=30/1");
  in = gst_buffer_new_allocate (NULL, 640 * 480, NULL);
  gst_buffer_memset (in, 0, 0x30, 640 * 480);
  add_frame_meta (in, TRUE);
  out = gst_harness_push_and_pull (h, in);
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_cmpuint (map.size, ==, 640 * 480);
  for (guint y = 0; y < 480; y++)
    for (guint x = 0; x < 640; x++)
      if (map.data[y * 640 + x] != 0x30) {
        g_assert_cmpuint (x, >=, 320);
        g_assert_cmpuint (y, >=, 240);
      }
  /* Inside the panel's margin, near the frame's corner: darkened. */
  g_assert_cmpuint (map.data[469 * 640 + 629], <, 0x30);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_object_unref (overlay);
  gst_harness_teardown (h);
}

static void
test_after_clipclassify (void)
{
  /* The real thing: clipclassify's results drawn while playing, the
   * meta passed on, and the picture changing when the result does. */
  gchar *description = g_strdup_printf ("videotestsrc num-buffers=6 "
      "pattern=checkers-8 ! video/x-raw,format=BGRx,width=%d,height=%d ! "
      "clipclassify model=\"%s\" labels=\"colour bars,snow\" ! "
      "clipoverlay ! appsink name=sink sync=false", W, H,
      element_test_model ());
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBuffer *plain;
  guint frames = 0;
  GstVideoInfo info;

  /* The same frame without the overlay, to compare with. */
  {
    gchar *ref_description = g_strdup_printf ("videotestsrc num-buffers=1 "
        "pattern=checkers-8 ! video/x-raw,format=BGRx,width=%d,height=%d ! "
        "appsink name=sink sync=false", W, H);
    GstElement *ref = gst_parse_launch (ref_description, NULL);
    GstElement *ref_sink = gst_bin_get_by_name (GST_BIN (ref), "sink");
    GstSample *sample;

    gst_element_set_state (ref, GST_STATE_PLAYING);
    g_signal_emit_by_name (ref_sink, "pull-sample", &sample);
    g_assert_nonnull (sample);
    plain = gst_buffer_ref (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
    gst_element_set_state (ref, GST_STATE_NULL);
    gst_object_unref (ref_sink);
    gst_object_unref (ref);
    g_free (ref_description);
  }
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, W, H);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstSample *sample = NULL;
    GstBuffer *buf;
    GstClipClassifyMeta *meta;
    GstMapInfo a, b;
    guint differ = 0;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (!sample)
      break;
    buf = gst_sample_get_buffer (sample);
    meta = gst_buffer_get_clip_classify_meta (buf);
    g_assert_nonnull (meta);
    g_assert_cmpuint (meta->n_results, ==, 2);
    g_assert_true (gst_buffer_map (buf, &a, GST_MAP_READ));
    g_assert_true (gst_buffer_map (plain, &b, GST_MAP_READ));
    for (gsize i = 0; i < a.size; i += 4)
      differ += memcmp (a.data + i, b.data + i, 3) != 0;
    /* A panel in the top-left corner, the rest of the frame as it was. */
    g_assert_cmpuint (differ, >, 1000);
    g_assert_cmpuint (differ, <, W * H / 4);
    g_assert_cmpmem (a.data + (H - 1) * W * 4, W * 4,
        b.data + (H - 1) * W * 4, W * 4);
    gst_buffer_unmap (plain, &b);
    gst_buffer_unmap (buf, &a);
    gst_sample_unref (sample);
    frames++;
  }
  g_assert_cmpuint (frames, ==, 6);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_buffer_unref (plain);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (description);
}

int
main (int argc, char **argv)
{
  element_test_init (&argc, &argv);
  g_test_add_func ("/clipoverlay/panel", test_panel);
  g_test_add_func ("/clipoverlay/panel-no-match", test_panel_no_match);
  g_test_add_func ("/clipoverlay/panel-position", test_panel_position);
  g_test_add_func ("/clipoverlay/untouched", test_untouched);
  g_test_add_func ("/clipoverlay/regions", test_regions);
  g_test_add_func ("/clipoverlay/pixel-aspect-ratio",
      test_pixel_aspect_ratio);
  g_test_add_func ("/clipoverlay/yuv-formats", test_yuv_formats);
  g_test_add_func ("/clipoverlay/tiny-frames-and-huge-text",
      test_tiny_frames_and_huge_text);
  g_test_add_func ("/clipoverlay/changes-while-streaming",
      test_changes_while_streaming);
  g_test_add_func ("/clipoverlay/after-clipclassify", test_after_clipclassify);
  return g_test_run ();
}
