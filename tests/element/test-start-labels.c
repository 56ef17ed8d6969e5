/* test-start-labels.c: a change of the label properties made while start()
 * is still building the first label set is applied, not lost. The change
 * is made deterministically inside start(), from a debug log hook on the
 * message start() logs between reading the properties and building. */
#include <string.h>

#include "element-common.h"

#define CAPS "video/x-raw,format=RGB,width=64,height=48,framerate=30/1"

/* The element whose labels change, and whether they have. */
static GstElement *changing;
static gint changed;

/* start() logs the model it loaded (INFO) after it has read the label
 * properties and before it builds the first set: change them right there,
 * on start()'s own thread. */
static void
change_labels_in_start (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text;

  if (level != GST_LEVEL_INFO || object != G_OBJECT (changing)
      || strcmp (gst_debug_category_get_name (category), "clipclassify"))
    return;
  text = gst_debug_message_get (message);
  if (text && g_str_has_prefix (text, "model ")
      && g_atomic_int_compare_and_exchange (&changed, 0, 1))
    g_object_set (changing, "labels", "cat,dog,bird", NULL);
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The labels of a result message, sorted and joined by commas. */
static gchar *
message_labels (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  const GValue *labels = gst_structure_get_value (s, "labels");
  GPtrArray *names = g_ptr_array_new ();
  gchar *joined;
  guint i;

  for (i = 0; i < gst_value_array_get_size (labels); i++)
    g_ptr_array_add (names, (gpointer)
        g_value_get_string (gst_value_array_get_value (labels, i)));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (",", (gchar **) names->pdata);
  g_ptr_array_free (names, TRUE);
  return joined;
}

static void
test_labels_changed_during_start (void)
{
  GstElement *element;
  GstHarness *h;
  GstBus *bus;
  GstVideoInfo info;
  gchar *seen = NULL;
  gint64 deadline;

  element = gst_element_factory_make ("clipclassify", NULL);
  g_assert_nonnull (element);
  bus = gst_bus_new ();
  gst_element_set_bus (element, bus);
  element_set_props (element, "model", element_test_model (),
      "labels", "red,green", "top-k", "0", NULL);

  changing = element;
  gst_debug_set_threshold_for_name ("clipclassify", GST_LEVEL_INFO);
  gst_debug_add_log_function (change_labels_in_start, NULL, NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_debug_remove_log_function (change_labels_in_start);
  g_assert_cmpint (g_atomic_int_get (&changed), ==, 1);
  gst_harness_set_src_caps_str (h, CAPS);

  /* The rebuild runs in the background: frames are scored against the
   * first set until it is in place, then against the new one. */
  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline) {
    GstBuffer *in = element_pattern_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 1,
        &info);
    GstMessage *msg;

    gst_buffer_unref (gst_harness_push_and_pull (h, in));
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
      if (gst_message_has_name (msg, "clipclassify")) {
        g_free (seen);
        seen = message_labels (msg);
      }
      gst_message_unref (msg);
    }
    if (seen && strcmp (seen, "bird,cat,dog") == 0)
      break;
    g_usleep (20 * 1000);
  }
  g_assert_cmpstr (seen, ==, "bird,cat,dog");

  g_free (seen);
  gst_element_set_bus (element, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  int ret;

  element_test_init (&argc, &argv);
  g_test_add_func ("/clipclassify/start/labels-changed-during-start",
      test_labels_changed_during_start);
  ret = g_test_run ();
  element_test_cleanup ();
  return ret;
}
