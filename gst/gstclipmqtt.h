/* gstclipmqtt.h: an asynchronous MQTT publisher for clippublish.
 *
 * A thread of its own owns the libmosquitto connection; the streaming
 * thread only appends to a bounded queue, so a broker that is slow, down
 * or gone never stalls the pipeline. When the queue is full the oldest
 * message is dropped and counted. Lost connections are retried with
 * exponential backoff; messages sent but not yet acknowledged (QoS 1, 2)
 * when a connection dies go back to the head of the queue, so with QoS >= 1
 * every message is delivered at least once unless it is dropped. */
#ifndef __GST_CLIP_MQTT_H__
#define __GST_CLIP_MQTT_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstClipMqtt GstClipMqtt;

typedef struct
{
  const gchar *host;
  gint port;
  const gchar *topic;
  const gchar *client_id;       /* NULL: made unique from host name and pid */
  gint qos;                     /* 0, 1 or 2 */
  guint max_queue;              /* messages waiting, not counting in flight */
  gdouble reconnect_max;        /* longest wait between attempts, seconds */
  gint keepalive;               /* seconds */
} GstClipMqttParams;

/* Starts the publisher thread (which connects in the background). */
GstClipMqtt *gst_clip_mqtt_new (const GstClipMqttParams * params);

/* Queues @payload (taking it). Returns FALSE if the queue was full and the
 * oldest message was dropped to make room. */
gboolean gst_clip_mqtt_publish (GstClipMqtt * mqtt, gchar * payload);

/* Waits up to @timeout_us until every queued message has been handed to
 * the broker (acknowledged with QoS >= 1). Returns the number still
 * undelivered (0 on success). */
guint gst_clip_mqtt_drain (GstClipMqtt * mqtt, gint64 timeout_us);

/* Makes a gst_clip_mqtt_drain() in progress (and later ones) return at
 * once: the element is stopping. */
void gst_clip_mqtt_interrupt (GstClipMqtt * mqtt);

/* Messages delivered (acknowledged with QoS >= 1, written with QoS 0). */
guint64 gst_clip_mqtt_get_published (GstClipMqtt * mqtt);

/* Messages dropped because the queue was full. */
guint64 gst_clip_mqtt_get_dropped (GstClipMqtt * mqtt);

/* Whether the broker has accepted the current connection. */
gboolean gst_clip_mqtt_is_connected (GstClipMqtt * mqtt);

/* Stops the thread and closes the connection; returns how many messages
 * were still undelivered (and are discarded), and the final counts. */
guint gst_clip_mqtt_free (GstClipMqtt * mqtt, guint64 * published,
    guint64 * dropped);

G_END_DECLS

#endif
