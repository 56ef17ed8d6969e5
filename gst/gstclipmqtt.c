/* gstclipmqtt.c: an asynchronous MQTT publisher on libmosquitto.
 *
 * Threading: the libmosquitto handle is used by the publisher thread only
 * (its callbacks run inside mosquitto_loop() on that thread). The queue,
 * the counters and the state shared with the streaming thread are under
 * mqtt->lock. A fresh handle is made for every connection, so no message
 * state survives inside libmosquitto from one connection to the next: what
 * was in flight is requeued by us, once. */
#include "gstclipmqtt.h"

#include <gst/gst.h>
#include <errno.h>
#include <mosquitto.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_EXTERN (gst_clip_publish_debug);
#define GST_CAT_DEFAULT gst_clip_publish_debug

#define MIN_BACKOFF_S 0.1
#define CONNACK_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)
#define MAX_IN_FLIGHT 100
#define LOOP_TIMEOUT_MS 20

typedef enum
{
  STATE_DISCONNECTED,
  STATE_CONNECTING,             /* TCP up, waiting for CONNACK */
  STATE_CONNECTED,
  STATE_LOST,                   /* set by callbacks: tear down and retry */
} ConnState;

struct _GstClipMqtt
{
  gchar *host, *topic, *client_id;
  gint port, qos, keepalive;
  guint max_queue;
  gdouble reconnect_max;

  GMutex lock;
  GCond cond;                   /* queue changes, delivery, stop */
  GQueue queue;                 /* gchar * payloads, oldest first */
  guint in_flight;              /* messages handed to libmosquitto */
  guint64 published, dropped;
  gboolean stopping;
  gboolean interrupted;         /* drains return at once */
  gboolean connected;

  GThread *thread;

  /* publisher thread only */
  ConnState state;
  GHashTable *flight;           /* mid -> payload */
  int early_mid;                /* acknowledged inside mosquitto_publish() */
};

static GOnce lib_once = G_ONCE_INIT;

static gpointer
lib_init (gpointer data)
{
  mosquitto_lib_init ();
  return NULL;
}

static void
on_connect (struct mosquitto *mosq, void *data, int rc)
{
  GstClipMqtt *mqtt = data;

  if (rc == 0) {
    GST_INFO ("connected to %s:%d", mqtt->host, mqtt->port);
    mqtt->state = STATE_CONNECTED;
    g_mutex_lock (&mqtt->lock);
    mqtt->connected = TRUE;
    g_mutex_unlock (&mqtt->lock);
  } else {
    GST_WARNING ("broker %s:%d refused the connection: %s", mqtt->host,
        mqtt->port, mosquitto_connack_string (rc));
    mqtt->state = STATE_LOST;
  }
}

static void
on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  GstClipMqtt *mqtt = data;

  GST_INFO ("disconnected from %s:%d (%s)", mqtt->host, mqtt->port,
      mosquitto_strerror (rc));
  mqtt->state = STATE_LOST;
}

static void
on_publish (struct mosquitto *mosq, void *data, int mid)
{
  GstClipMqtt *mqtt = data;

  /* QoS 0 messages are written, and reported, within mosquitto_publish(),
   * before send_queued() has recorded them */
  if (!g_hash_table_remove (mqtt->flight, GINT_TO_POINTER (mid))) {
    mqtt->early_mid = mid;
    return;
  }
  g_mutex_lock (&mqtt->lock);
  mqtt->in_flight--;
  mqtt->published++;
  g_cond_broadcast (&mqtt->cond);
  g_mutex_unlock (&mqtt->lock);
}

static gint
compare_mids (gconstpointer a, gconstpointer b)
{
  return GPOINTER_TO_INT (a) - GPOINTER_TO_INT (b);
}

/* Puts the messages in flight back at the head of the queue, oldest (lowest
 * message id) first, and forgets the connection. */
static void
connection_close (GstClipMqtt * mqtt, struct mosquitto **mosq)
{
  GList *mids = g_list_sort (g_hash_table_get_keys (mqtt->flight),
      compare_mids);
  GList *l;

  g_mutex_lock (&mqtt->lock);
  for (l = g_list_last (mids); l; l = l->prev) {
    gpointer payload = NULL;

    g_hash_table_steal_extended (mqtt->flight, l->data, NULL, &payload);
    g_queue_push_head (&mqtt->queue, payload);
    mqtt->in_flight--;
  }
  mqtt->connected = FALSE;
  g_mutex_unlock (&mqtt->lock);
  g_list_free (mids);

  if (*mosq) {
    mosquitto_disconnect (*mosq);
    mosquitto_destroy (*mosq);
    *mosq = NULL;
  }
  mqtt->state = STATE_DISCONNECTED;
}

/* Sleeps @seconds unless stopped; returns FALSE when stopping. */
static gboolean
wait_backoff (GstClipMqtt * mqtt, gdouble seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  gboolean go_on;

  g_mutex_lock (&mqtt->lock);
  while (!mqtt->stopping && g_get_monotonic_time () < until)
    g_cond_wait_until (&mqtt->cond, &mqtt->lock, until);
  go_on = !mqtt->stopping;
  g_mutex_unlock (&mqtt->lock);
  return go_on;
}

/* Hands queued messages to libmosquitto while there is room in flight. */
static void
send_queued (GstClipMqtt * mqtt, struct mosquitto *mosq)
{
  g_mutex_lock (&mqtt->lock);
  while (mqtt->in_flight < MAX_IN_FLIGHT && !g_queue_is_empty (&mqtt->queue)) {
    gchar *payload = g_queue_pop_head (&mqtt->queue);
    int mid = 0, rc;

    mqtt->in_flight++;
    g_mutex_unlock (&mqtt->lock);
    mqtt->early_mid = -1;
    rc = mosquitto_publish (mosq, &mid, mqtt->topic, (int) strlen (payload),
        payload, mqtt->qos, false);
    if (rc == MOSQ_ERR_SUCCESS && mqtt->early_mid != mid)
      g_hash_table_insert (mqtt->flight, GINT_TO_POINTER (mid), payload);
    g_mutex_lock (&mqtt->lock);
    if (rc == MOSQ_ERR_SUCCESS && mqtt->early_mid == mid) {
      mqtt->in_flight--;
      mqtt->published++;
      g_free (payload);
      g_cond_broadcast (&mqtt->cond);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      mqtt->in_flight--;
      g_queue_push_head (&mqtt->queue, payload);
      GST_DEBUG ("publish failed: %s", mosquitto_strerror (rc));
      mqtt->state = STATE_LOST;
      break;
    }
  }
  g_mutex_unlock (&mqtt->lock);
}

static gpointer
publisher_thread (gpointer data)
{
  GstClipMqtt *mqtt = data;
  struct mosquitto *mosq = NULL;
  gdouble backoff = MIN_BACKOFF_S;
  gint64 connect_started = 0;

  for (;;) {
    int rc;

    g_mutex_lock (&mqtt->lock);
    if (mqtt->stopping) {
      g_mutex_unlock (&mqtt->lock);
      break;
    }
    g_mutex_unlock (&mqtt->lock);

    if (mqtt->state == STATE_DISCONNECTED) {
      mosq = mosquitto_new (mqtt->client_id, true, mqtt);
      if (!mosq) {
        GST_ERROR ("cannot create a libmosquitto client");
        if (!wait_backoff (mqtt, mqtt->reconnect_max))
          break;
        continue;
      }
      mosquitto_int_option (mosq, MOSQ_OPT_PROTOCOL_VERSION,
          MQTT_PROTOCOL_V311);
      mosquitto_max_inflight_messages_set (mosq, MAX_IN_FLIGHT);
      mosquitto_connect_callback_set (mosq, on_connect);
      mosquitto_disconnect_callback_set (mosq, on_disconnect);
      mosquitto_publish_callback_set (mosq, on_publish);
      rc = mosquitto_connect (mosq, mqtt->host, mqtt->port, mqtt->keepalive);
      if (rc != MOSQ_ERR_SUCCESS) {
        GST_INFO ("cannot connect to %s:%d: %s; next attempt in %.1f s",
            mqtt->host, mqtt->port, rc == MOSQ_ERR_ERRNO ?
            g_strerror (errno) : mosquitto_strerror (rc), backoff);
        connection_close (mqtt, &mosq);
        if (!wait_backoff (mqtt, backoff))
          break;
        backoff = MIN (backoff * 2, mqtt->reconnect_max);
        continue;
      }
      mqtt->state = STATE_CONNECTING;
      connect_started = g_get_monotonic_time ();
    }

    if (mqtt->state == STATE_CONNECTED) {
      backoff = MIN_BACKOFF_S;
      send_queued (mqtt, mosq);
    }
    if (mqtt->state != STATE_LOST) {
      rc = mosquitto_loop (mosq, LOOP_TIMEOUT_MS, 1);
      if (rc != MOSQ_ERR_SUCCESS) {
        GST_INFO ("connection to %s:%d lost: %s", mqtt->host, mqtt->port,
            rc == MOSQ_ERR_ERRNO ? g_strerror (errno) :
            mosquitto_strerror (rc));
        mqtt->state = STATE_LOST;
      }
    }
    if (mqtt->state == STATE_CONNECTING &&
        g_get_monotonic_time () - connect_started > CONNACK_TIMEOUT_US) {
      GST_INFO ("no answer from %s:%d", mqtt->host, mqtt->port);
      mqtt->state = STATE_LOST;
    }
    if (mqtt->state == STATE_LOST) {
      connection_close (mqtt, &mosq);
      if (!wait_backoff (mqtt, backoff))
        break;
      backoff = MIN (backoff * 2, mqtt->reconnect_max);
    }
  }

  if (mosq)
    connection_close (mqtt, &mosq);
  return NULL;
}

GstClipMqtt *
gst_clip_mqtt_new (const GstClipMqttParams * params)
{
  GstClipMqtt *mqtt = g_new0 (GstClipMqtt, 1);

  g_once (&lib_once, lib_init, NULL);
  mqtt->host = g_strdup (params->host);
  mqtt->port = params->port;
  mqtt->topic = g_strdup (params->topic);
  if (params->client_id && *params->client_id) {
    mqtt->client_id = g_strdup (params->client_id);
  } else {
    static gint counter = 0;

    mqtt->client_id = g_strdup_printf ("clippublish-%s-%d-%d",
        g_get_host_name (), (int) getpid (),
        g_atomic_int_add (&counter, 1));
  }
  mqtt->qos = params->qos;
  mqtt->keepalive = params->keepalive;
  mqtt->max_queue = MAX (params->max_queue, 1);
  mqtt->reconnect_max = MAX (params->reconnect_max, MIN_BACKOFF_S);
  g_mutex_init (&mqtt->lock);
  g_cond_init (&mqtt->cond);
  g_queue_init (&mqtt->queue);
  mqtt->flight = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  mqtt->state = STATE_DISCONNECTED;
  mqtt->thread = g_thread_new ("clippublish-mqtt", publisher_thread, mqtt);
  return mqtt;
}

gboolean
gst_clip_mqtt_publish (GstClipMqtt * mqtt, gchar * payload)
{
  gboolean kept_all = TRUE;

  g_mutex_lock (&mqtt->lock);
  if (g_queue_get_length (&mqtt->queue) >= mqtt->max_queue) {
    g_free (g_queue_pop_head (&mqtt->queue));
    mqtt->dropped++;
    kept_all = FALSE;
  }
  g_queue_push_tail (&mqtt->queue, payload);
  g_cond_broadcast (&mqtt->cond);
  g_mutex_unlock (&mqtt->lock);
  return kept_all;
}

guint
gst_clip_mqtt_drain (GstClipMqtt * mqtt, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time () + timeout_us;
  guint left;

  g_mutex_lock (&mqtt->lock);
  while ((!g_queue_is_empty (&mqtt->queue) || mqtt->in_flight > 0) &&
      !mqtt->interrupted && g_get_monotonic_time () < until)
    g_cond_wait_until (&mqtt->cond, &mqtt->lock, until);
  left = g_queue_get_length (&mqtt->queue) + mqtt->in_flight;
  g_mutex_unlock (&mqtt->lock);
  return left;
}

void
gst_clip_mqtt_interrupt (GstClipMqtt * mqtt)
{
  g_mutex_lock (&mqtt->lock);
  mqtt->interrupted = TRUE;
  g_cond_broadcast (&mqtt->cond);
  g_mutex_unlock (&mqtt->lock);
}

guint64
gst_clip_mqtt_get_published (GstClipMqtt * mqtt)
{
  guint64 n;

  g_mutex_lock (&mqtt->lock);
  n = mqtt->published;
  g_mutex_unlock (&mqtt->lock);
  return n;
}

guint64
gst_clip_mqtt_get_dropped (GstClipMqtt * mqtt)
{
  guint64 n;

  g_mutex_lock (&mqtt->lock);
  n = mqtt->dropped;
  g_mutex_unlock (&mqtt->lock);
  return n;
}

gboolean
gst_clip_mqtt_is_connected (GstClipMqtt * mqtt)
{
  gboolean c;

  g_mutex_lock (&mqtt->lock);
  c = mqtt->connected;
  g_mutex_unlock (&mqtt->lock);
  return c;
}

guint
gst_clip_mqtt_free (GstClipMqtt * mqtt, guint64 * published,
    guint64 * dropped)
{
  guint left;

  g_mutex_lock (&mqtt->lock);
  mqtt->stopping = TRUE;
  g_cond_broadcast (&mqtt->cond);
  g_mutex_unlock (&mqtt->lock);
  g_thread_join (mqtt->thread);

  left = g_queue_get_length (&mqtt->queue);
  if (published)
    *published = mqtt->published;
  if (dropped)
    *dropped = mqtt->dropped;
  g_queue_clear_full (&mqtt->queue, g_free);
  g_hash_table_unref (mqtt->flight);
  g_mutex_clear (&mqtt->lock);
  g_cond_clear (&mqtt->cond);
  g_free (mqtt->host);
  g_free (mqtt->topic);
  g_free (mqtt->client_id);
  g_free (mqtt);
  return left;
}
