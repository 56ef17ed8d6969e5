/* meta-probe-example.c: reads clipclassify's meta from a pad probe; the
 * example of docs/meta.md, built and run by the test suite.
 *
 *   cc meta-probe-example.c -o meta-probe-example \
 *       $(pkg-config --cflags --libs clipclassify-1.0 gstreamer-1.0)
 *   ./meta-probe-example clip-vit-base-patch32/ "person,car,dog"
 */
#include <gst/gst.h>
#include <gstclipclassifymeta.h>

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (buffer);
  guint i;

  if (!meta)                    /* before the first result */
    return GST_PAD_PROBE_OK;

  g_print ("buffer %" GST_TIME_FORMAT ": %s frame %" G_GUINT64_FORMAT
      " (%s):", GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
      meta->from_this_frame ? "inferred" : "carried over from",
      meta->inferred_frame, meta->matched ? "match" : "no match");
  for (i = 0; i < meta->n_results; i++)
    g_print (" %s=%.3f", meta->labels[i], meta->scores[i]);
  g_print ("\n");
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *classify, *sink;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;
  int status = 0;

  gst_init (&argc, &argv);
  if (argc < 3) {
    g_printerr ("usage: %s MODEL LABELS\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch ("videotestsrc num-buffers=10 ! "
      "clipclassify name=c interval=4 ! fakesink name=sink", NULL);
  classify = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  g_object_set (classify, "model", argv[1], "labels", argv[2], NULL);
  gst_object_unref (classify);

  /* Any pad downstream of clipclassify sees the meta. */
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("%s\n", err->message);
    g_error_free (err);
    status = 1;
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return status;
}
