/* search-thumbnail.c: seek + decode one frame, save it with cairo. */
#include "search-thumbnail.h"

#include <cairo.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gst/video/video.h>
#include <unistd.h>

static gboolean
wait_preroll (GstElement * pipeline, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  gboolean ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE;

  if (!msg)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "timed out decoding");
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, error, NULL);
  else if (!ok)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "no frame at that position");
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  return ok;
}

static gboolean
save_png (GstSample * sample, const gchar * png, GError ** error)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  cairo_surface_t *surface;
  cairo_status_t status;
  gchar *tmp;
  gint fd;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "cannot map the decoded frame");
    return FALSE;
  }
  /* BGRx in memory is cairo's RGB24 on little-endian machines; caps ask
   * for the one matching this machine */
  surface = cairo_image_surface_create_for_data (
      GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), CAIRO_FORMAT_RGB24,
      GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame),
      GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
  tmp = g_strdup_printf ("%s.XXXXXX", png);
  fd = g_mkstemp (tmp);
  if (fd < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", png, g_strerror (errno));
    status = CAIRO_STATUS_WRITE_ERROR;
  } else {
    close (fd);
    g_chmod (tmp, 0644);
    status = cairo_surface_write_to_png (surface, tmp);
    if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, png) != 0) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: %s", png,
          status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status)
          : g_strerror (errno));
      g_unlink (tmp);
      status = CAIRO_STATUS_WRITE_ERROR;
    }
  }
  cairo_surface_destroy (surface);
  gst_video_frame_unmap (&frame);
  g_free (tmp);
  return status == CAIRO_STATUS_SUCCESS;
}

gboolean
search_write_thumbnail (const gchar * video, GstClockTime pts, gint width,
    const gchar * png, GError ** error)
{
  /* upright, as a player shows the frame */
  gchar *desc = g_strdup_printf ("filesrc name=src ! decodebin ! "
      "videoconvert ! videoflip video-direction=auto ! videoconvert ! "
      "videoscale ! video/x-raw,format=%s,width=%d,"
      "pixel-aspect-ratio=1/1 ! fakesink name=sink enable-last-sample=true",
      G_BYTE_ORDER == G_LITTLE_ENDIAN ? "BGRx" : "xRGB", width);
  GstElement *pipeline = gst_parse_launch (desc, error), *src, *sink;
  GstSample *sample = NULL;
  gboolean ok = FALSE;

  g_free (desc);
  if (!pipeline)
    return FALSE;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", video, NULL);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  if (wait_preroll (pipeline, error)) {
    if (pts > 0 && !gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, pts))
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
          "cannot seek to %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
    else if (pts == 0 || wait_preroll (pipeline, error)) {
      g_object_get (sink, "last-sample", &sample, NULL);
      if (!sample)
        g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
            "no frame decoded");
      else
        ok = save_png (sample, png, error);
    }
  }
  if (sample)
    gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return ok;
}
