/* gstclippublish.c: classification results as JSON lines, to a file and
 * to an MQTT broker.
 *
 * SECTION:element-clippublish
 *
 * Placed after clipclassify, clippublish passes every buffer through
 * untouched and writes each new inference's #GstClipClassifyMeta as one
 * JSON object per line: to a file (`location`, `-` for stdout) and/or to
 * an MQTT broker (`mqtt-host`, `mqtt-topic`). Publishing to the broker is
 * asynchronous: a bounded queue in front of a thread of its own, which
 * reconnects with backoff; what the queue cannot hold is dropped, counted
 * in `dropped` and reported with a warning, and the pipeline never waits.
 *
 * Example launch line:
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! clipclassify labels="person,car" \
 *     max-rate=2 ! clippublish mqtt-host=broker.local \
 *     mqtt-topic=cameras/door source-id=door ! fakesink
 * ]|
 * and on any machine: `mosquitto_sub -h broker.local -t 'cameras/#'`.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclippublish.h"

#include <errno.h>
#include <string.h>
#include <gst/video/video.h>

#include "gstclipclassifymeta.h"
#include "gstclipresultjson.h"

GST_DEBUG_CATEGORY (gst_clip_publish_debug);
#define GST_CAT_DEFAULT gst_clip_publish_debug

#define DEFAULT_PROP_LOCATION NULL
#define DEFAULT_PROP_APPEND FALSE
#define DEFAULT_PROP_MQTT_HOST NULL
#define DEFAULT_PROP_MQTT_PORT 1883
#define DEFAULT_PROP_MQTT_TOPIC "clipclassify"
#define DEFAULT_PROP_MQTT_CLIENT_ID NULL
#define DEFAULT_PROP_MQTT_QOS 1
#define DEFAULT_PROP_MAX_QUEUE 1000
#define DEFAULT_PROP_RECONNECT_MAX 8.0
#define DEFAULT_PROP_DRAIN_TIMEOUT 5.0
#define DEFAULT_PROP_SOURCE_ID NULL
#define MQTT_KEEPALIVE_S 30

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_APPEND,
  PROP_MQTT_HOST,
  PROP_MQTT_PORT,
  PROP_MQTT_TOPIC,
  PROP_MQTT_CLIENT_ID,
  PROP_MQTT_QOS,
  PROP_MAX_QUEUE,
  PROP_RECONNECT_MAX,
  PROP_DRAIN_TIMEOUT,
  PROP_SOURCE_ID,
  PROP_PUBLISHED,
  PROP_DROPPED,
  PROP_CONNECTED,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstClipPublish, gst_clip_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (clippublish, "clippublish", GST_RANK_NONE,
    GST_TYPE_CLIP_PUBLISH);

/* Writes one line; FALSE (with errno) on failure. */
static gboolean
write_line (FILE * f, const gchar * line)
{
  return fputs (line, f) >= 0 && fputc ('\n', f) != EOF && fflush (f) == 0;
}

static gboolean
gst_clip_publish_start (GstBaseTransform * trans)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (trans);
  gchar *location = NULL;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  if (!self->location && !self->mqtt_host) {
    GST_OBJECT_UNLOCK (self);
    goto no_target;
  }
  if (self->mqtt_host) {
    GstClipMqttParams p = {
      .host = self->mqtt_host,.port = self->mqtt_port,
      .topic = self->mqtt_topic,.client_id = self->mqtt_client_id,
      .qos = self->mqtt_qos,.max_queue = self->max_queue,
      .reconnect_max = self->reconnect_max,.keepalive = MQTT_KEEPALIVE_S,
    };
    if (!self->mqtt_topic || !*self->mqtt_topic ||
        strpbrk (self->mqtt_topic, "#+")) {
      GST_OBJECT_UNLOCK (self);
      goto bad_topic;
    }
    self->mqtt = gst_clip_mqtt_new (&p);
  }
  GST_OBJECT_UNLOCK (self);

  if (location) {
    if (strcmp (location, "-") == 0) {
      self->file = stdout;
    } else {
      self->file = fopen (location, self->append ? "a" : "w");
      if (!self->file)
        goto open_failed;
    }
  }
  self->have_last = FALSE;
  self->dropping = FALSE;
  self->width = self->height = 0;
  g_free (location);
  return TRUE;

  /* ERRORS */
no_target:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Nothing to publish to: set location or mqtt-host."),
        ("both location and mqtt-host are unset"));
    return FALSE;
  }
bad_topic:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid MQTT topic \"%s\": a topic to publish to must be "
            "non-empty and contain no wildcards (# or +).",
            self->mqtt_topic ? self->mqtt_topic : ""), (NULL));
    return FALSE;
  }
open_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open \"%s\" for writing.", location),
        ("fopen: %s", g_strerror (errno)));
    g_free (location);
    if (self->mqtt) {
      gst_clip_mqtt_free (self->mqtt, NULL, NULL);
      self->mqtt = NULL;
    }
    return FALSE;
  }
}

static gboolean
gst_clip_publish_stop (GstBaseTransform * trans)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (trans);
  GstClipMqtt *mqtt;

  if (self->file && self->file != stdout)
    fclose (self->file);
  else if (self->file)
    fflush (self->file);
  self->file = NULL;
  GST_OBJECT_LOCK (self);
  mqtt = self->mqtt;
  self->mqtt = NULL;
  GST_OBJECT_UNLOCK (self);
  if (mqtt) {
    guint64 published = 0, dropped = 0;
    guint left = gst_clip_mqtt_free (mqtt, &published, &dropped);

    if (left)
      GST_WARNING_OBJECT (self, "%u results not delivered at stop", left);
    /* undelivered at stop counts as dropped */
    GST_OBJECT_LOCK (self);
    self->dropped_before += dropped + left;
    self->published_before += published;
    GST_OBJECT_UNLOCK (self);
  }
  return TRUE;
}

static gboolean
gst_clip_publish_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (trans);
  GstVideoInfo info;

  if (gst_video_info_from_caps (&info, incaps)) {
    self->width = GST_VIDEO_INFO_WIDTH (&info);
    self->height = GST_VIDEO_INFO_HEIGHT (&info);
  } else {
    self->width = self->height = 0;
  }
  return TRUE;
}

static gboolean
gst_clip_publish_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->mqtt) {
    gdouble timeout;
    guint left;

    GST_OBJECT_LOCK (self);
    timeout = self->drain_timeout;
    GST_OBJECT_UNLOCK (self);
    left = gst_clip_mqtt_drain (self->mqtt, (gint64) (timeout * 1e6));
    if (left)
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("%u results were not delivered to the MQTT broker within "
              "%.1f s of the end of the stream.", left, timeout),
          ("drain-timeout reached; they are dropped at stop"));
  }
  return GST_BASE_TRANSFORM_CLASS (gst_clip_publish_parent_class)->sink_event
      (trans, event);
}

static GstFlowReturn
gst_clip_publish_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (trans);
  GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (buf);
  GstClipResultJsonContext ctx = { 0, };
  gchar *line;

  /* one line per inference, not per buffer carrying it */
  if (!meta || (self->have_last && meta->inferred_frame == self->last_frame))
    return GST_FLOW_OK;
  self->have_last = TRUE;
  self->last_frame = meta->inferred_frame;

  ctx.width = self->width;
  ctx.height = self->height;
  ctx.stream_time = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (meta->inferred_pts) &&
      trans->segment.format == GST_FORMAT_TIME)
    ctx.stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, meta->inferred_pts);
  GST_OBJECT_LOCK (self);
  ctx.source = self->source_id;
  line = gst_clip_result_to_json (meta, &ctx);
  GST_OBJECT_UNLOCK (self);

  if (self->file && !write_line (self->file, line))
    goto write_failed;

  if (self->mqtt) {
    if (gst_clip_mqtt_publish (self->mqtt, line)) {
      self->dropping = FALSE;
    } else if (!self->dropping) {
      self->dropping = TRUE;
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("The MQTT queue is full (broker unreachable or too slow): "
              "dropping the oldest results."),
          ("max-queue reached; see the dropped property"));
    }
  } else {
    g_free (line);
  }
  return GST_FLOW_OK;

  /* ERRORS */
write_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write results to \"%s\".", self->location),
        ("%s", g_strerror (errno)));
    g_free (line);
    return GST_FLOW_ERROR;
  }
}

/* An end-of-stream drain blocks the streaming thread; stopping must not
 * wait for it. */
static GstStateChangeReturn
gst_clip_publish_change_state (GstElement * element, GstStateChange transition)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (element);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    GST_OBJECT_LOCK (self);
    if (self->mqtt)
      gst_clip_mqtt_interrupt (self->mqtt);
    GST_OBJECT_UNLOCK (self);
  }
  return GST_ELEMENT_CLASS (gst_clip_publish_parent_class)->change_state
      (element, transition);
}

static void
gst_clip_publish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_APPEND:
      self->append = g_value_get_boolean (value);
      break;
    case PROP_MQTT_HOST:
      g_free (self->mqtt_host);
      self->mqtt_host = g_value_dup_string (value);
      break;
    case PROP_MQTT_PORT:
      self->mqtt_port = g_value_get_int (value);
      break;
    case PROP_MQTT_TOPIC:
      g_free (self->mqtt_topic);
      self->mqtt_topic = g_value_dup_string (value);
      break;
    case PROP_MQTT_CLIENT_ID:
      g_free (self->mqtt_client_id);
      self->mqtt_client_id = g_value_dup_string (value);
      break;
    case PROP_MQTT_QOS:
      self->mqtt_qos = g_value_get_int (value);
      break;
    case PROP_MAX_QUEUE:
      self->max_queue = g_value_get_uint (value);
      break;
    case PROP_RECONNECT_MAX:
      self->reconnect_max = g_value_get_double (value);
      break;
    case PROP_DRAIN_TIMEOUT:
      self->drain_timeout = g_value_get_double (value);
      break;
    case PROP_SOURCE_ID:
      g_free (self->source_id);
      self->source_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_publish_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_APPEND:
      g_value_set_boolean (value, self->append);
      break;
    case PROP_MQTT_HOST:
      g_value_set_string (value, self->mqtt_host);
      break;
    case PROP_MQTT_PORT:
      g_value_set_int (value, self->mqtt_port);
      break;
    case PROP_MQTT_TOPIC:
      g_value_set_string (value, self->mqtt_topic);
      break;
    case PROP_MQTT_CLIENT_ID:
      g_value_set_string (value, self->mqtt_client_id);
      break;
    case PROP_MQTT_QOS:
      g_value_set_int (value, self->mqtt_qos);
      break;
    case PROP_MAX_QUEUE:
      g_value_set_uint (value, self->max_queue);
      break;
    case PROP_RECONNECT_MAX:
      g_value_set_double (value, self->reconnect_max);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_double (value, self->drain_timeout);
      break;
    case PROP_SOURCE_ID:
      g_value_set_string (value, self->source_id);
      break;
    case PROP_PUBLISHED:
      g_value_set_uint64 (value, self->published_before +
          (self->mqtt ? gst_clip_mqtt_get_published (self->mqtt) : 0));
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, self->dropped_before +
          (self->mqtt ? gst_clip_mqtt_get_dropped (self->mqtt) : 0));
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->mqtt &&
          gst_clip_mqtt_is_connected (self->mqtt));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_publish_finalize (GObject * object)
{
  GstClipPublish *self = GST_CLIP_PUBLISH (object);

  g_free (self->location);
  g_free (self->mqtt_host);
  g_free (self->mqtt_topic);
  g_free (self->mqtt_client_id);
  g_free (self->source_id);
  G_OBJECT_CLASS (gst_clip_publish_parent_class)->finalize (object);
}

static void
gst_clip_publish_class_init (GstClipPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_clip_publish_debug, "clippublish", 0,
      "clipclassify results to files and MQTT");

  gobject_class->set_property = gst_clip_publish_set_property;
  gobject_class->get_property = gst_clip_publish_get_property;
  gobject_class->finalize = gst_clip_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File to write one JSON line per inference to; \"-\" for stdout; "
          "unset for none", DEFAULT_PROP_LOCATION, rw));
  g_object_class_install_property (gobject_class, PROP_APPEND,
      g_param_spec_boolean ("append", "Append",
          "Append to location instead of truncating it",
          DEFAULT_PROP_APPEND, rw));
  g_object_class_install_property (gobject_class, PROP_MQTT_HOST,
      g_param_spec_string ("mqtt-host", "MQTT host",
          "MQTT broker to publish to (host name or address); unset for none",
          DEFAULT_PROP_MQTT_HOST, rw));
  g_object_class_install_property (gobject_class, PROP_MQTT_PORT,
      g_param_spec_int ("mqtt-port", "MQTT port", "MQTT broker port",
          1, 65535, DEFAULT_PROP_MQTT_PORT, rw));
  g_object_class_install_property (gobject_class, PROP_MQTT_TOPIC,
      g_param_spec_string ("mqtt-topic", "MQTT topic",
          "Topic every result is published on (no wildcards)",
          DEFAULT_PROP_MQTT_TOPIC, rw));
  g_object_class_install_property (gobject_class, PROP_MQTT_CLIENT_ID,
      g_param_spec_string ("mqtt-client-id", "MQTT client id",
          "Client identifier; unset: clippublish-HOST-PID-N, unique per "
          "element (two clients with one id disconnect each other)",
          DEFAULT_PROP_MQTT_CLIENT_ID, rw));
  g_object_class_install_property (gobject_class, PROP_MQTT_QOS,
      g_param_spec_int ("mqtt-qos", "MQTT QoS",
          "Quality of service: 0 at most once (results in flight when the "
          "connection drops are lost), 1 at least once (resent until the "
          "broker acknowledges), 2 exactly once per connection (a result "
          "whose connection dropped before the handshake ended is sent "
          "again)", 0, 2,
          DEFAULT_PROP_MQTT_QOS, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Maximum queue",
          "Results waiting for the broker beyond which the oldest are "
          "dropped (counted in dropped)", 1, 10000000,
          DEFAULT_PROP_MAX_QUEUE, rw));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_MAX,
      g_param_spec_double ("reconnect-max", "Longest reconnect delay",
          "Seconds: reconnection attempts start 0.1 s apart and double up "
          "to this", 0.1, 3600.0, DEFAULT_PROP_RECONNECT_MAX, rw));
  g_object_class_install_property (gobject_class, PROP_DRAIN_TIMEOUT,
      g_param_spec_double ("drain-timeout", "Drain timeout",
          "Seconds end-of-stream waits for queued results to reach the "
          "broker (0: do not wait)", 0.0, 3600.0,
          DEFAULT_PROP_DRAIN_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_SOURCE_ID,
      g_param_spec_string ("source-id", "Source id",
          "Written as the \"source\" field of every result (a camera name, "
          "a URI); unset: no such field", DEFAULT_PROP_SOURCE_ID, rw));
  g_object_class_install_property (gobject_class, PROP_PUBLISHED,
      g_param_spec_uint64 ("published", "Published",
          "Results delivered to the broker (acknowledged with QoS >= 1)",
          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Results dropped because the broker queue was full, or still "
          "undelivered when the element stopped", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_CONNECTED,
      g_param_spec_boolean ("connected", "Connected",
          "Whether the MQTT broker has accepted the connection", FALSE, ro));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "CLIP result publisher", "Filter/Analyzer/Video",
      "Writes clipclassify results as JSON lines to a file and to an MQTT "
      "broker, passing buffers through", "clipclassify developers");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_clip_publish_change_state);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_clip_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_clip_publish_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_clip_publish_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_clip_publish_sink_event);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_clip_publish_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
}

static void
gst_clip_publish_init (GstClipPublish * self)
{
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  self->location = g_strdup (DEFAULT_PROP_LOCATION);
  self->append = DEFAULT_PROP_APPEND;
  self->mqtt_host = g_strdup (DEFAULT_PROP_MQTT_HOST);
  self->mqtt_port = DEFAULT_PROP_MQTT_PORT;
  self->mqtt_topic = g_strdup (DEFAULT_PROP_MQTT_TOPIC);
  self->mqtt_client_id = g_strdup (DEFAULT_PROP_MQTT_CLIENT_ID);
  self->mqtt_qos = DEFAULT_PROP_MQTT_QOS;
  self->max_queue = DEFAULT_PROP_MAX_QUEUE;
  self->reconnect_max = DEFAULT_PROP_RECONNECT_MAX;
  self->drain_timeout = DEFAULT_PROP_DRAIN_TIMEOUT;
  self->source_id = g_strdup (DEFAULT_PROP_SOURCE_ID);
}
