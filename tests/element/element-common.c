/* element-common.c: shared helpers of the clipclassify element tests. */
#include "element-common.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

void
element_test_init (int *argc, char ***argv)
{
  const char *dir = g_getenv ("CLIPCLASSIFY_PLUGIN_DIR");
  GstPlugin *plugin;
  const char *file;

  g_test_init (argc, argv, NULL);
  gst_init (argc, argv);

  plugin = gst_registry_find_plugin (gst_registry_get (), "clipclassify");
  if (!plugin)
    g_error ("plugin clipclassify not found (GST_PLUGIN_PATH_1_0=%s)",
        g_getenv ("GST_PLUGIN_PATH_1_0"));
  file = gst_plugin_get_filename (plugin);
  if (dir && !g_str_has_prefix (file, dir))
    g_error ("clipclassify was loaded from %s, not from the build tree %s",
        file, dir);
  gst_object_unref (plugin);
}

const char *
element_test_model (void)
{
  static char *path = NULL;

  if (!path)
    path = golden_path ("tiny-quickgelu-p32-f32/hf");
  return path;
}

static void
set_props_va (GstElement * element, va_list args)
{
  const char *name;

  while ((name = va_arg (args, const char *)) != NULL) {
    const char *value = va_arg (args, const char *);

    gst_util_set_object_arg (G_OBJECT (element), name, value);
  }
}

void
element_set_props (GstElement * element, ...)
{
  va_list args;

  va_start (args, element);
  set_props_va (element, args);
  va_end (args);
}

GstHarness *
element_harness_new (const char *caps, ...)
{
  GstElement *element =
      gst_object_ref_sink (gst_element_factory_make ("clipclassify", NULL));
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  va_list args;

  g_assert_nonnull (element);
  gst_element_set_bus (element, bus);
  gst_object_unref (bus);

  /* Properties first: the harness starts the element right away. */
  g_object_set (element, "model", element_test_model (), NULL);
  va_start (args, caps);
  set_props_va (element, args);
  va_end (args);

  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

void
element_harness_teardown (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);

  gst_harness_teardown (h);
  if (bus) {
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
  }
}

/* The (@x, @y, @w, @h) rectangle of @in (@in_info) converted by
 * GstVideoConverter into a new frame of @out_info: alpha opaque, no
 * dithering, no scaling when the sizes agree. */
static GstBuffer *
convert (GstBuffer * in, const GstVideoInfo * in_info, guint x, guint y,
    guint w, guint h, const GstVideoInfo * out_info)
{
  GstVideoFrame src, dst;
  GstBuffer *out = gst_buffer_new_allocate (NULL, out_info->size, NULL);
  GstVideoConverter *conv;

  g_assert_true (gst_video_frame_map (&src, in_info, in, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&dst, out_info, out, GST_MAP_WRITE));
  conv = gst_video_converter_new (in_info, out_info,
      gst_structure_new ("options",
          GST_VIDEO_CONVERTER_OPT_SRC_X, G_TYPE_INT, (gint) x,
          GST_VIDEO_CONVERTER_OPT_SRC_Y, G_TYPE_INT, (gint) y,
          GST_VIDEO_CONVERTER_OPT_SRC_WIDTH, G_TYPE_INT, (gint) w,
          GST_VIDEO_CONVERTER_OPT_SRC_HEIGHT, G_TYPE_INT, (gint) h,
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
          GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE,
          GST_VIDEO_CONVERTER_OPT_ALPHA_VALUE, G_TYPE_DOUBLE, 1.0, NULL));
  g_assert_nonnull (conv);
  gst_video_converter_frame (conv, &src, &dst);
  gst_video_converter_free (conv);
  gst_video_frame_unmap (&dst);
  gst_video_frame_unmap (&src);
  return out;
}

GstBuffer *
element_frame_from_rgb (GstVideoFormat format, int w, int h,
    const guint8 * rgb, int rgb_stride, GstVideoInfo * info)
{
  GstVideoInfo rgb_info;
  GstVideoFrame src;
  GstBuffer *src_buf, *dst_buf;
  int y;

  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGB, w, h);
  src_buf = gst_buffer_new_allocate (NULL, rgb_info.size, NULL);
  g_assert_true (gst_video_frame_map (&src, &rgb_info, src_buf, GST_MAP_WRITE));
  for (y = 0; y < h; y++)
    memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&src, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&src, 0), rgb + y * rgb_stride,
        (size_t) w * 3);
  gst_video_frame_unmap (&src);

  /* The converter's output is the reference picture in that format. */
  gst_video_info_set_format (info, format, w, h);
  dst_buf = convert (src_buf, &rgb_info, 0, 0, w, h, info);
  gst_buffer_unref (src_buf);
  return dst_buf;
}

GstBuffer *
element_cut_out (GstBuffer * in, const GstVideoInfo * info, guint x, guint y,
    guint w, guint h, GstVideoInfo * out_info)
{
  gst_video_info_set_format (out_info, GST_VIDEO_INFO_FORMAT (info), w, h);
  out_info->colorimetry = info->colorimetry;
  return convert (in, info, x, y, w, h, out_info);
}

double
element_result_score (const GstStructure * s, const char *label)
{
  const GValue *ls = gst_structure_get_value (s, "labels");
  const GValue *ss = gst_structure_get_value (s, "scores");
  guint k;

  g_assert_nonnull (ls);
  g_assert_nonnull (ss);
  for (k = 0; k < gst_value_array_get_size (ls); k++)
    if (strcmp (g_value_get_string (gst_value_array_get_value (ls, k)),
            label) == 0)
      return g_value_get_double (gst_value_array_get_value (ss, k));
  return -1;
}

GstBuffer *
element_pattern_frame (GstVideoFormat format, int w, int h, guint seed,
    GstVideoInfo * info)
{
  guint8 *rgb = g_malloc ((size_t) w * h * 3);
  GstBuffer *buf;
  int x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgb + ((size_t) y * w + x) * 3;

      p[0] = (guint8) ((x * 255) / MAX (w - 1, 1) + seed * 40);
      p[1] = (guint8) ((y * 255) / MAX (h - 1, 1) + seed * 90);
      p[2] = (guint8) (((x + y) * 128) / MAX (w + h, 1) + seed * 20);
    }
  buf = element_frame_from_rgb (format, w, h, rgb, w * 3, info);
  g_free (rgb);
  return buf;
}

static gboolean
is_result (GstMessage * msg)
{
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
      gst_structure_has_name (gst_message_get_structure (msg), "clipclassify");
}

GList *
element_pop_results (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GList *out = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) != NULL) {
    if (is_result (msg))
      out = g_list_append (out, msg);
    else
      gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return out;
}

GstMessage *
element_wait_result (GstHarness * h, double timeout_s)
{
  GstBus *bus = gst_element_get_bus (h->element);
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);
  GstMessage *msg = NULL;

  while (g_get_monotonic_time () < deadline) {
    msg = gst_bus_timed_pop (bus, 10 * GST_MSECOND);
    if (msg && is_result (msg))
      break;
    if (msg)
      gst_message_unref (msg);
    msg = NULL;
  }
  gst_object_unref (bus);
  return msg;
}

guint64
element_get_u64 (GstHarness * h, const char *name)
{
  guint64 v = 0;

  g_object_get (h->element, name, &v, NULL);
  return v;
}

void
element_wait_frame_seen (GstElement * element, guint timeout_s)
{
  gint64 t0 = g_get_monotonic_time ();
  guint64 seen = 0;

  for (;;) {
    g_object_get (element, "frames-seen", &seen, NULL);
    if (seen)
      return;
    g_assert_cmpint (g_get_monotonic_time () - t0, <,
        (gint64) timeout_s * G_USEC_PER_SEC);
    g_usleep (1000);
  }
}

static char *slow_model_dir = NULL;

static void
exit_skip_or_fail (const char *why)
{
  const char *ci = g_getenv ("CI");

  if (ci && g_ascii_strcasecmp (ci, "true") == 0) {
    g_printerr ("%s\n", why);
    exit (1);
  }
  g_print ("SKIP: %s\n", why);
  exit (77);
}

const char *
element_test_slow_model (void)
{
  const char *root = g_getenv ("CLIPCLASSIFY_SOURCE_ROOT");
  char *script, *out, *err = NULL, *tmp;
  GError *error = NULL;
  int status = 0;

  if (slow_model_dir)
    return slow_model_dir;
  /* Under valgrind every model is slow: the valgrind runs name a small one
   * here instead of writing a checkpoint. */
  if (g_getenv ("CLIPCLASSIFY_TEST_SLOW_MODEL")) {
    slow_model_dir = g_strdup (g_getenv ("CLIPCLASSIFY_TEST_SLOW_MODEL"));
    return slow_model_dir;
  }
  if (!root)
    exit_skip_or_fail ("CLIPCLASSIFY_SOURCE_ROOT is not set");

  tmp = g_dir_make_tmp ("clipclassify-test-XXXXXX", &error);
  g_assert_no_error (error);
  out = g_build_filename (tmp, "slow-model", NULL);
  script = g_build_filename (root, "tools", "make-random-checkpoint.py", NULL);
  {
    const char *argv[] = { "/usr/bin/python3", script, "--out", out,
      "--vision-width", "384", "--vision-layers", "4", "--patch", "16",
      "--image-size", "224", "--text-width", "64", "--text-layers", "1",
      "--embed-dim", "64", "--act", "quick_gelu", NULL
    };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
            NULL, NULL, NULL, &err, &status, &error) ||
        !g_spawn_check_wait_status (status, NULL)) {
      char *why = g_strdup_printf ("could not make a random checkpoint with "
          "%s: %s", script, error ? error->message : err);
      exit_skip_or_fail (why);
    }
  }
  g_free (err);
  g_free (script);
  g_free (tmp);
  slow_model_dir = out;
  return slow_model_dir;
}

/* Deletes @dir and everything below it (the tests' own temporaries). */
static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (!d)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    char *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      remove_tree (path);
    else
      g_unlink (path);
    g_free (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

void
element_test_cleanup (void)
{
  if (slow_model_dir && !g_getenv ("CLIPCLASSIFY_TEST_SLOW_MODEL")) {
    char *parent = g_path_get_dirname (slow_model_dir);

    remove_tree (parent);
    g_free (parent);
    g_clear_pointer (&slow_model_dir, g_free);
  }
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
element_median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_double);
  return n ? values[n / 2] : 0.0;
}
