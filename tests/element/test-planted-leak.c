/* test-planted-leak.c: proves that the valgrind element tests still see a
 * real leak. Runs a short clipclassify pipeline cleanly (the same plugins,
 * registry and suppressions as the other valgrind runs), then leaks one
 * clipclassify element on purpose in plant_leak(). Run by
 * test-planted-leak.sh, which expects valgrind to report exactly that
 * block as "definitely lost" and nothing else. */
#include "element-common.h"

/* Kept out of line so that valgrind's stack names it. */
static G_GNUC_NO_INLINE void
plant_leak (void)
{
  GstElement *leaked = gst_element_factory_make ("clipclassify", NULL);

  g_assert_nonnull (leaked);
  g_print ("planted: one clipclassify element never unreferenced\n");
}

int
main (int argc, char **argv)
{
  char *launch;
  GstElement *pipeline;
  GstBus *bus;
  GstMessage *msg;

  element_test_init (&argc, &argv);
  launch = g_strdup_printf ("videotestsrc num-buffers=3 ! "
      "video/x-raw,format=RGB,width=64,height=48 ! "
      "clipclassify model=\"%s\" labels=\"person,car\" interval=1 ! "
      "fakesink", element_test_model ());
  pipeline = gst_parse_launch (launch, NULL);
  g_assert_nonnull (pipeline);
  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 300 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);

  plant_leak ();
  return 0;
}
