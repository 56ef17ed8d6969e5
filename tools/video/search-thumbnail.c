/* search-thumbnail.c: seek + decode one frame into a cairo surface. */
#include "search-thumbnail.h"

#include <gst/video/video.h>
#include <string.h>

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

/* A copy of the frame of @sample as a cairo surface of its own. */
static cairo_surface_t *
sample_surface (GstSample * sample, GError ** error)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  cairo_surface_t *surface;
  guint8 *dst;
  gint y, w, h, dst_stride;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "cannot map the decoded frame");
    return NULL;
  }
  w = GST_VIDEO_FRAME_WIDTH (&frame);
  h = GST_VIDEO_FRAME_HEIGHT (&frame);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "%dx%d picture: %s", w, h,
        cairo_status_to_string (cairo_surface_status (surface)));
    cairo_surface_destroy (surface);
    gst_video_frame_unmap (&frame);
    return NULL;
  }
  /* BGRx in memory is cairo's RGB24 on little-endian machines; caps ask
   * for the one matching this machine */
  cairo_surface_flush (surface);
  dst = cairo_image_surface_get_data (surface);
  dst_stride = cairo_image_surface_get_stride (surface);
  for (y = 0; y < h; y++)
    memcpy (dst + (gsize) y * dst_stride,
        (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), (gsize) w * 4);
  cairo_surface_mark_dirty (surface);
  gst_video_frame_unmap (&frame);
  return surface;
}

cairo_surface_t *
search_grab_frame (const gchar * video, GstClockTime pts, gint width,
    GError ** error)
{
  /* upright, as a player shows the frame */
  gchar *desc = g_strdup_printf ("filesrc name=src ! decodebin ! "
      "videoconvert ! videoflip video-direction=auto ! videoconvert ! "
      "videoscale ! video/x-raw,format=%s,width=%d,"
      "pixel-aspect-ratio=1/1 ! fakesink name=sink enable-last-sample=true",
      G_BYTE_ORDER == G_LITTLE_ENDIAN ? "BGRx" : "xRGB", width);
  GstElement *pipeline = gst_parse_launch (desc, error), *src, *sink;
  GstSample *sample = NULL;
  cairo_surface_t *surface = NULL;

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
        surface = sample_surface (sample, error);
    }
  }
  if (sample)
    gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return surface;
}
