/* test-demo-model.c: the bundled demo model through the element, in real
 * gst_parse_launch pipelines on videotestsrc: each class is the top label
 * on frame sizes, formats and pattern settings the training never used,
 * in every precision, and RGB and five Y'CbCr formats (4:2:0 and 4:2:2)
 * at 1280x720 give the same answers. */
#include "element-common.h"

#include "clip.h"

#define MIN_ACCURACY 0.95
#define FRAMES 8

/* The classes' first wordings (models/README.md), as the labels. */
static const char *labels =
    "colour bars,snow,black frame,white frame,red,green,blue,bouncing ball,"
    "checkerboard,concentric circles,pinwheel,gradient,rainbow";

typedef struct {
  const char *label;           /* the expected top label */
  const char *source;          /* videotestsrc properties */
  gboolean square;             /* the ball leaves a wide frame's centre */
} Scene;

static const Scene scenes[] = {
  { "colour bars", "pattern=smpte", FALSE },
  { "colour bars", "pattern=smpte75", FALSE },
  { "colour bars", "pattern=smpte100", FALSE },
  { "snow", "pattern=snow", FALSE },
  { "black frame", "pattern=black", FALSE },
  { "white frame", "pattern=white", FALSE },
  { "red", "pattern=red", FALSE },
  { "green", "pattern=green", FALSE },
  { "blue", "pattern=blue", FALSE },
  { "bouncing ball", "pattern=ball motion=wavy", TRUE },
  { "bouncing ball", "pattern=ball motion=sweep foreground-color=0xffffff00",
      TRUE },
  { "checkerboard", "pattern=checkers-8", FALSE },
  { "concentric circles", "pattern=circular", FALSE },
  { "concentric circles", "pattern=zone-plate kx2=20 ky2=20", FALSE },
  { "pinwheel", "pattern=pinwheel", FALSE },
  { "pinwheel", "pattern=spokes", FALSE },
  { "gradient", "pattern=gradient", FALSE },
  { "rainbow", "pattern=colors", FALSE },
};

static const char *
demo_model (void)
{
  const char *dir = g_getenv ("CLIPCLASSIFY_DEMO_MODEL");
  g_assert_nonnull (dir);
  return dir;
}

/* Runs @source at @w x @h in @format through clipclassify and returns the
 * top label of every inference, in order. */
static GPtrArray *
classify_in (const char *source, const char *format, int w, int h,
    const char *precision)
{
  GError *err = NULL;
  char *desc = g_strdup_printf ("videotestsrc %s num-buffers=%d ! "
      "video/x-raw,format=%s,width=%d,height=%d,framerate=30/1 ! "
      "clipclassify model=\"%s\" labels=\"%s\" precision=%s ! fakesink",
      source, FRAMES, format, w, h, demo_model (), labels, precision);
  GstElement *pipe = gst_parse_launch (desc, &err);
  g_assert_no_error (err);
  GstBus *bus = gst_element_get_bus (pipe);
  GPtrArray *tops = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    g_assert_nonnull (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, NULL);
      g_error ("%s: %s", desc, err->message);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "clipclassify"))
      g_ptr_array_add (tops, g_strdup (gst_structure_get_string (s,
                  "label")));
    gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_assert_cmpuint (tops->len, ==, FRAMES);
  return tops;
}

static GPtrArray *
classify (const char *source, const char *format, int w, int h)
{
  return classify_in (source, format, w, h, "fp32");
}

/* Held-out sizes and formats (none of these sizes was used in training):
 * the share of frames whose top label is right, in @precision. */
static double
held_out_accuracy (const char *precision)
{
  static const struct {
    int w, h;
    const char *format;
  } wide[] = { { 1280, 720, "I420" }, { 400, 300, "RGB" },
    { 333, 251, "NV12" } }, square[] = { { 480, 480, "I420" },
    { 301, 301, "BGRx" }, { 250, 250, "NV12" } };
  guint right = 0, total = 0;

  for (size_t i = 0; i < G_N_ELEMENTS (scenes); i++) {
    const Scene *sc = &scenes[i];
    for (size_t k = 0; k < G_N_ELEMENTS (wide); k++) {
      int w = sc->square ? square[k].w : wide[k].w;
      int h = sc->square ? square[k].h : wide[k].h;
      const char *f = sc->square ? square[k].format : wide[k].format;
      GPtrArray *tops = classify_in (sc->source, f, w, h, precision);
      guint ok = 0;
      for (guint j = 0; j < tops->len; j++)
        ok += g_strcmp0 (g_ptr_array_index (tops, j), sc->label) == 0;
      if (ok < tops->len)
        g_test_message ("%s: %s %dx%d %s: %u of %u frames \"%s\" (first: "
            "%s)", precision, sc->source, w, h, f, ok, tops->len, sc->label,
            (const char *) g_ptr_array_index (tops, 0));
      right += ok;
      total += tops->len;
      g_ptr_array_unref (tops);
    }
  }
  g_test_message ("held-out accuracy through the element, %s: %u of %u "
      "frames (%.1f%%)", precision, right, total, 100.0 * right / total);
  return (double) right / total;
}

static void
test_held_out_accuracy (void)
{
  g_assert_cmpfloat (held_out_accuracy ("fp32"), >=, MIN_ACCURACY);
}

/* bf16 loses none of fp32's accuracy, int8 at most one point. */
static void
test_precisions (void)
{
  double fp32 = held_out_accuracy ("fp32");
  double bf16 = held_out_accuracy ("bf16");
  double int8 = held_out_accuracy ("int8");

  g_assert_cmpfloat (bf16, >=, fp32);
  g_assert_cmpfloat (int8, >=, fp32 - 0.01);
}

/* The same frames at 1280x720 as RGB and as Y'CbCr from videotestsrc:
 * same answers. */
static void
test_formats_agree (void)
{
  static const char *const formats[] = { "I420", "NV12", "YUY2", "UYVY",
    "NV21" };

  for (size_t i = 0; i < G_N_ELEMENTS (scenes); i++) {
    const char *src = scenes[i].source;
    GPtrArray *rgb = classify (src, "RGB", 1280, 720);
    for (size_t f = 0; f < G_N_ELEMENTS (formats); f++) {
      GPtrArray *tops = classify (src, formats[f], 1280, 720);
      for (guint j = 0; j < rgb->len; j++)
        g_assert_cmpstr (g_ptr_array_index (tops, j), ==,
            g_ptr_array_index (rgb, j));
      g_ptr_array_unref (tops);
    }
    g_ptr_array_unref (rgb);
  }
}

int
main (int argc, char **argv)
{
  element_test_init (&argc, &argv);
  g_test_add_func ("/clipclassify/demo-model/held-out-accuracy",
      test_held_out_accuracy);
  if (clip_backend_available (CLIP_BACKEND_NATIVE))
    g_test_add_func ("/clipclassify/demo-model/precisions", test_precisions);
  g_test_add_func ("/clipclassify/demo-model/formats-agree",
      test_formats_agree);
  int ret = g_test_run ();
  element_test_cleanup ();
  return ret;
}
