/* gstclippublish.h: the clippublish element. */
#ifndef __GST_CLIP_PUBLISH_H__
#define __GST_CLIP_PUBLISH_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <stdio.h>

#include "gstclipmqtt.h"

G_BEGIN_DECLS

#define GST_TYPE_CLIP_PUBLISH (gst_clip_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstClipPublish, gst_clip_publish, GST, CLIP_PUBLISH,
    GstBaseTransform)

struct _GstClipPublish
{
  GstBaseTransform parent;

  /* Properties, under the object lock. */
  gchar *location;
  gboolean append;
  gchar *mqtt_host;
  gint mqtt_port;
  gchar *mqtt_topic;
  gchar *mqtt_client_id;
  gint mqtt_qos;
  guint max_queue;
  gdouble reconnect_max;
  gdouble drain_timeout;
  gchar *source_id;

  /* Set up in start(), torn down in stop(). */
  FILE *file;                   /* NULL, stdout, or a file we opened */
  GstClipMqtt *mqtt;
  guint64 dropped_before;       /* dropped by earlier runs (READY cycles) */
  guint64 published_before;

  /* Streaming thread only. */
  gint width, height;
  gboolean have_last;
  guint64 last_frame;
  gboolean dropping;            /* warned about the current run of drops */
};

GST_ELEMENT_REGISTER_DECLARE (clippublish);

G_END_DECLS

#endif
