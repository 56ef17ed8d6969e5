/* test-start-labels.c: a change of the label properties made while start()
 * is still building the first label set is applied, not lost. start() is
 * held inside the build deterministically: its prompt-file is a FIFO that
 * the test writes only after changing the labels. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#include "element-common.h"

#define CAPS "video/x-raw,format=RGB,width=64,height=48,framerate=30/1"

typedef struct
{
  GstElement *element;
  GstHarness *h;
} StartJob;

static gpointer
start_thread (gpointer data)
{
  StartJob *job = data;

  /* The harness starts the element: start() blocks reading the FIFO. */
  job->h = gst_harness_new_with_element (job->element, "sink", "src");
  return NULL;
}

/* The labels of a result message, joined by commas. */
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
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (",", (gchar **) names->pdata);
  g_ptr_array_free (names, TRUE);
  return joined;
}

static void
test_labels_changed_during_start (void)
{
  gchar *dir = g_dir_make_tmp ("clipclassify-start-XXXXXX", NULL);
  gchar *fifo = g_build_filename (dir, "prompts", NULL);
  StartJob job = { NULL, NULL };
  GThread *thread;
  GstBus *bus;
  GstVideoInfo info;
  gchar *seen = NULL;
  gint64 deadline;
  int fd;

  g_assert_nonnull (dir);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  job.element = gst_element_factory_make ("clipclassify", NULL);
  g_assert_nonnull (job.element);
  bus = gst_bus_new ();
  gst_element_set_bus (job.element, bus);
  element_set_props (job.element, "model", element_test_model (),
      "labels", "red,green", "prompt-file", fifo, "top-k", "0", NULL);

  thread = g_thread_new ("start", start_thread, &job);
  /* A blocking open for writing returns once start() has opened the FIFO
   * for reading: it has read the labels and is inside the build. */
  fd = open (fifo, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  element_set_props (job.element, "labels", "cat,dog,bird", NULL);
  g_assert_cmpint (write (fd, "a photo of a {}.\n", 17), ==, 17);
  close (fd);
  g_thread_join (thread);
  g_assert_nonnull (job.h);
  gst_harness_set_src_caps_str (job.h, CAPS);

  /* The rebuild the change asks for reads the prompt file again: it must
   * open the FIFO, which a non-blocking writer sees (ENXIO until then). */
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  do {
    fd = open (fifo, O_WRONLY | O_NONBLOCK);
    if (fd < 0)
      g_usleep (10 * 1000);
  } while (fd < 0 && g_get_monotonic_time () < deadline);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "a photo of a {}.\n", 17), ==, 17);
  close (fd);

  /* The rebuild runs in the background: frames are scored against the
   * first set until it is in place, then against the new one. */
  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline) {
    GstBuffer *in = element_pattern_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 1,
        &info);
    GstMessage *msg;

    gst_buffer_unref (gst_harness_push_and_pull (job.h, in));
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
  gst_element_set_bus (job.element, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_harness_teardown (job.h);
  g_unlink (fifo);
  g_rmdir (dir);
  g_free (fifo);
  g_free (dir);
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
