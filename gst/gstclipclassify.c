/* gstclipclassify.c: the clipclassify element, zero-shot classification of
 * video frames with CLIP. The work lives in the engine and in the helpers
 * beside this file; here are the decisions: which frames, which thread,
 * what goes on the buffer and the bus. */

/**
 * SECTION:element-clipclassify
 * @title: clipclassify
 *
 * Scores video frames against a set of text labels with a CLIP model
 * ("zero-shot classification") and attaches the result to the buffers as a
 * #GstClipClassifyMeta, and posts it on the bus as a "clipclassify" element
 * message. Pixels pass through unchanged.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m filesrc location=clip.mp4 ! decodebin ! \
 *     clipclassify model=clip-vit-base-patch32/ labels="person,car" \
 *     interval=15 ! fakesink
 * ]| Classifies every 15th frame of a file and prints the messages.
 * |[
 * gst-launch-1.0 v4l2src ! clipclassify model=clip-vit-base-patch32/ \
 *     labels="person,car" mode=async ! videoconvert ! autovideosink
 * ]| Classifies a camera without ever holding a frame back.
 *
 * See docs/element.md for the exact semantics of every property.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassify.h"
#include "gstclipclassifymeta.h"
#include "gstclipframe.h"
#include "gstclipmodelcache.h"
#include "gstclipresult.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_clip_classify_debug);
#define GST_CAT_DEFAULT gst_clip_classify_debug

#define DEFAULT_PROP_MODEL NULL
#define DEFAULT_PROP_LABELS NULL
#define DEFAULT_PROP_LABELS_FILE NULL
#define DEFAULT_PROP_PROMPT GST_CLIP_DEFAULT_PROMPT
#define DEFAULT_PROP_PROMPT_FILE NULL
#define DEFAULT_PROP_INTERVAL 1
#define DEFAULT_PROP_MAX_RATE 0.0
#define DEFAULT_PROP_TOP_K 5
#define DEFAULT_PROP_THRESHOLD 0.0
#define DEFAULT_PROP_MODE GST_CLIP_CLASSIFY_MODE_SYNC
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_POST_MESSAGES TRUE

/* threads above this are clamped at start, with a warning. */
#define MAX_USEFUL_THREADS MIN (4 * (int) g_get_num_processors (), 64)

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_LABELS_FILE,
  PROP_PROMPT,
  PROP_PROMPT_FILE,
  PROP_INTERVAL,
  PROP_MAX_RATE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_MODE,
  PROP_THREADS,
  PROP_POST_MESSAGES,
  PROP_FRAMES_SEEN,
  PROP_INFERENCES,
  PROP_FRAMES_SKIPPED,
  PROP_LAST_INFERENCE_MS,
};

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE (GST_CLIP_FRAME_FORMATS)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

G_DEFINE_TYPE (GstClipClassify, gst_clip_classify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (clipclassify, "clipclassify", GST_RANK_NONE,
    GST_TYPE_CLIP_CLASSIFY);

GType
gst_clip_classify_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CLIP_CLASSIFY_MODE_SYNC,
        "Each sampled frame waits for its own result", "sync"},
    {GST_CLIP_CLASSIFY_MODE_ASYNC,
          "Frames never wait: a worker thread infers the newest sampled frame",
        "async"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipClassifyMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------ results */

/* Makes @result the newest one unless a flush made it stale; takes it. */
static gboolean
publish_result (GstClipClassify * self, GstBuffer * result, guint generation)
{
  gboolean current;

  g_mutex_lock (&self->result_lock);
  current = generation == self->generation;
  if (current)
    gst_buffer_replace (&self->latest, result);
  g_mutex_unlock (&self->result_lock);
  gst_buffer_unref (result);
  return current;
}

/* In sync mode every frame that is inferred is late by the inference time:
 * a live sink must know it, or it drops those frames. */
static void
update_latency (GstClipClassify * self, gdouble ms)
{
  GstClockTime t = (GstClockTime) (ms * GST_MSECOND);
  gboolean grew = FALSE;

  GST_OBJECT_LOCK (self);
  if (self->running_mode == GST_CLIP_CLASSIFY_MODE_SYNC &&
      (!GST_CLOCK_TIME_IS_VALID (self->latency) ||
          t > self->latency + self->latency / 10)) {
    self->latency = t;
    grew = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (grew) {
    GST_DEBUG_OBJECT (self, "latency now %" GST_TIME_FORMAT, GST_TIME_ARGS (t));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* Scores @embed against the current labels and publishes the result.
 * @started is the monotonic time the inference began. */
static void
finish_inference (GstClipClassify * self, const GstClipStamp * stamp,
    const float *embed, gint64 started, gdouble extra_ms)
{
  ClipLabelSet *set = gst_clip_label_store_get (self->label_store);
  float *probs = g_new (float, clip_label_set_size (set));
  guint top_k;
  gdouble threshold, ms;
  gboolean post;
  GstBuffer *result;

  clip_label_set_score (set, embed, NULL, probs);
  ms = extra_ms + (g_get_monotonic_time () - started) / 1000.0;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  post = self->post_messages;
  self->inferences++;
  self->last_inference_ms = ms;
  GST_OBJECT_UNLOCK (self);

  result = gst_clip_result_new (set, probs, top_k, threshold, stamp, ms);
  g_free (probs);
  clip_label_set_unref (set);

  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s (%.3f) in %.1f ms",
      stamp->frame, gst_clip_result_get_meta (result)->labels[0],
      gst_clip_result_get_meta (result)->scores[0], ms);

  if (publish_result (self, gst_buffer_ref (result), stamp->generation)) {
    if (post)
      gst_element_post_message (GST_ELEMENT (self),
          gst_clip_result_new_message (GST_OBJECT (self), result, stamp));
  } else {
    GST_DEBUG_OBJECT (self, "result of frame %" G_GUINT64_FORMAT
        " is from before a flush: dropped", stamp->frame);
  }
  gst_buffer_unref (result);
  update_latency (self, ms);
}

/* ---------------------------------------------------------- inference */

static gboolean
infer_sync (GstClipClassify * self, GstVideoFrame * frame,
    const GstClipStamp * stamp, GError ** error)
{
  gint64 started = g_get_monotonic_time ();

  if (!gst_clip_frame_preprocess (self->model, frame, self->input, error))
    return FALSE;
  if (!clip_vision_encode (self->ws, self->input, 1, self->embed, TRUE, error))
    return FALSE;
  finish_inference (self, stamp, self->embed, started, 0.0);
  return TRUE;
}

/* Async mode: the frame pays for a copy of its pixels, nothing more. */
static void
submit_async (GstClipClassify * self, GstVideoFrame * frame,
    const GstClipStamp * stamp)
{
  if (gst_clip_worker_submit (self->worker, frame, stamp)) {
    GST_OBJECT_LOCK (self);
    self->frames_skipped++;
    GST_OBJECT_UNLOCK (self);
  }
}

/* Runs on the worker thread. */
static void
worker_done (gpointer user_data, const GstClipStamp * stamp,
    const float *embed, gdouble elapsed_ms, const GError * error)
{
  GstClipClassify *self = user_data;

  if (!embed) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not classify frame %" G_GUINT64_FORMAT ": %s", stamp->frame,
            error->message), (NULL));
    return;
  }
  finish_inference (self, stamp, embed, g_get_monotonic_time (), elapsed_ms);
}

/* Runs on the label store's thread. */
static void
labels_rebuilt (gpointer user_data, const ClipLabelSet * set,
    const GError * error)
{
  GstClipClassify *self = user_data;

  if (error) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("New labels not applied, the previous ones stay: %s",
            error->message), (NULL));
    return;
  }
  GST_INFO_OBJECT (self, "now classifying into %d labels",
      clip_label_set_size (set));
}

static GstFlowReturn
gst_clip_classify_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (filter);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (filter);
  guint64 index = self->next_frame++;
  GstClipStamp stamp;
  GstBuffer *result;
  GError *error = NULL;
  gboolean sampled, ok = TRUE;
  guint interval, generation;
  gdouble max_rate;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  max_rate = self->max_rate;
  self->frames_seen++;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->result_lock);
  generation = self->generation;
  g_mutex_unlock (&self->result_lock);

  gst_clip_stamp_init (&stamp, frame->buffer, &trans->segment, index,
      generation);
  sampled = gst_clip_sampler_take (&self->sampler, index, stamp.stream_time,
      interval, max_rate);

  if (sampled && self->worker)
    submit_async (self, frame, &stamp);
  else if (sampled)
    ok = infer_sync (self, frame, &stamp, &error);
  if (!ok)
    goto inference_failed;

  g_mutex_lock (&self->result_lock);
  result = self->latest ? gst_buffer_ref (self->latest) : NULL;
  g_mutex_unlock (&self->result_lock);

  if (result) {
    GstClipClassifyMeta *meta = gst_clip_result_get_meta (result);

    gst_buffer_add_clip_classify_meta_from (frame->buffer, meta,
        sampled && !self->worker && meta->inferred_frame == index);
    gst_buffer_unref (result);
  }
  return GST_FLOW_OK;

  /* ERRORS */
inference_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not classify frame %" G_GUINT64_FORMAT ": %s", index,
            error->message), (NULL));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }
}

/* In-place, and without writing a pixel: a buffer that is not writable is
 * replaced by a shallow copy (the memory is shared) so that the meta can be
 * added, and passthrough keeps GstVideoFilter mapping it read-only, which
 * never copies the pixels. */
static GstFlowReturn
gst_clip_classify_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * input, GstBuffer ** outbuf)
{
  if (gst_buffer_is_writable (input))
    *outbuf = input;
  else
    *outbuf = gst_buffer_copy (input);
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------- events */

static gboolean
gst_clip_classify_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      if (self->worker)
        gst_clip_worker_set_flushing (self->worker, TRUE);
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Results of frames from before the flush must not be attached to
       * frames after it; the interval counts anew. */
      if (self->worker) {
        gst_clip_worker_discard (self->worker);
        gst_clip_worker_set_flushing (self->worker, FALSE);
      }
      g_mutex_lock (&self->result_lock);
      self->generation++;
      gst_buffer_replace (&self->latest, NULL);
      g_mutex_unlock (&self->result_lock);
      gst_clip_sampler_reset (&self->sampler, self->next_frame);
      break;
    case GST_EVENT_EOS:
      /* The messages of the last sampled frames go out before EOS does. */
      if (self->worker)
        gst_clip_worker_drain (self->worker);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_clip_classify_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_clip_classify_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (trans);
  gboolean res;

  res = GST_BASE_TRANSFORM_CLASS (gst_clip_classify_parent_class)->query
      (trans, direction, query);

  if (res && direction == GST_PAD_SRC &&
      GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime min, max, ours;
    gboolean live;

    GST_OBJECT_LOCK (self);
    ours = self->running_mode == GST_CLIP_CLASSIFY_MODE_SYNC &&
        GST_CLOCK_TIME_IS_VALID (self->latency) ? self->latency : 0;
    GST_OBJECT_UNLOCK (self);

    gst_query_parse_latency (query, &live, &min, &max);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    gst_query_set_latency (query, live, min, max);
    GST_DEBUG_OBJECT (self, "added latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (ours));
  }
  return res;
}

/* ----------------------------------------------------- start and stop */

static gboolean gst_clip_classify_stop (GstBaseTransform * trans);

/* One inference on a small grey picture: it measures the inference time
 * (the LATENCY answer) before the first real frame and pages the weights
 * in. */
static gboolean
warm_up (GstClipClassify * self, GError ** error)
{
  static const guint8 grey[32 * 32 * 3] = { 0 };
  ClipImage image = clip_image_rgb (grey, 32, 32, 32 * 3);
  gint64 started = g_get_monotonic_time ();

  if (!clip_preprocess (self->model, &image, self->input, error) ||
      !clip_vision_encode (self->ws, self->input, 1, self->embed, TRUE, error))
    return FALSE;
  update_latency (self, (g_get_monotonic_time () - started) / 1000.0);
  return TRUE;
}

static gboolean
gst_clip_classify_start (GstBaseTransform * trans)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (trans);
  GstClipLabelSpec spec = { NULL, };
  ClipLabelSet *set = NULL;
  GError *error = NULL;
  gchar *path;
  int threads;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_path);
  spec.labels = g_strdup (self->spec.labels);
  spec.labels_file = g_strdup (self->spec.labels_file);
  spec.prompt = g_strdup (self->spec.prompt);
  spec.prompt_file = g_strdup (self->spec.prompt_file);
  self->running_mode = self->mode;
  threads = (int) self->threads;
  self->frames_seen = self->inferences = self->frames_skipped = 0;
  self->last_inference_ms = 0.0;
  self->latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);

  /* More BLAS threads than cores only adds waiting, and far more (the
   * property allows 1024; OpenBLAS builds stop at 64) stalled inference
   * for minutes. */
  if (threads > MAX_USEFUL_THREADS) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("threads=%d is more than this machine can use; using %d", threads,
            MAX_USEFUL_THREADS), (NULL));
    threads = MAX_USEFUL_THREADS;
  }

  if (!path || !*path) {
    g_free (path);
    path = gst_clip_model_default_path ();
    if (!path)
      goto no_model;
  }

  self->model = gst_clip_model_cache_acquire (path, &error);
  if (!self->model)
    goto load_failed;
  GST_INFO_OBJECT (self, "model %s: %s", path,
      clip_model_describe (self->model));

  self->ws = clip_workspace_new (self->model, 1, &error);
  if (!self->ws)
    goto load_failed;
  clip_workspace_set_threads (self->ws, threads);

  set = gst_clip_label_spec_build (&spec, self->model, self->ws, NULL,
      &error);
  if (!set)
    goto labels_failed;

  GST_OBJECT_LOCK (self);
  self->label_store = gst_clip_label_store_new (self->model, set, threads,
      labels_rebuilt, self);
  GST_OBJECT_UNLOCK (self);
  clip_label_set_unref (set);

  self->input = g_new (float, clip_model_input_size (self->model));
  self->embed = g_new (float, clip_model_embed_dim (self->model));
  if (self->running_mode == GST_CLIP_CLASSIFY_MODE_ASYNC) {
    self->worker = gst_clip_worker_new (self->model, threads, worker_done,
        self, &error);
    if (!self->worker)
      goto load_failed;
  } else if (!warm_up (self, &error)) {
    goto load_failed;
  }

  self->next_frame = 0;
  gst_clip_sampler_reset (&self->sampler, 0);
  g_mutex_lock (&self->result_lock);
  self->generation++;
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_unlock (&self->result_lock);

  gst_clip_label_spec_clear (&spec);
  g_free (path);
  return TRUE;

  /* ERRORS */
no_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No CLIP model: set the model property to a checkpoint directory "
            "or .safetensors file, or the CLIPCLASSIFY_MODEL environment "
            "variable"), ("no demo model at %s", CLIP_DEFAULT_MODEL_DIR));
    gst_clip_label_spec_clear (&spec);
    return FALSE;
  }
load_failed:
  {
    /* The engine's messages name the file at fault; the path is only added
     * when one does not. */
    gchar *what = strstr (error->message, path) ? g_strdup (error->message) :
        g_strdup_printf ("%s: %s", path, error->message);

    if (error->domain == CLIP_ERROR && error->code == CLIP_ERROR_IO)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not load CLIP model: %s", what), (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not load CLIP model: %s", what), (NULL));
    g_free (what);
    goto cleanup;
  }
labels_failed:
  {
    if (error->domain == G_FILE_ERROR)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not read the label or prompt file: %s", error->message),
          (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Could not build the label set: %s", error->message), (NULL));
    goto cleanup;
  }
cleanup:
  {
    g_clear_error (&error);
    gst_clip_label_spec_clear (&spec);
    g_free (path);
    gst_clip_classify_stop (trans);
    return FALSE;
  }
}

static gboolean
gst_clip_classify_stop (GstBaseTransform * trans)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (trans);
  GstClipLabelStore *store;

  /* The worker first: its last result still reads the label store. */
  g_clear_pointer (&self->worker, gst_clip_worker_free);

  GST_OBJECT_LOCK (self);
  store = self->label_store;
  self->label_store = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_clip_label_store_free (store);

  g_mutex_lock (&self->result_lock);
  self->generation++;
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_unlock (&self->result_lock);

  g_clear_pointer (&self->input, g_free);
  g_clear_pointer (&self->embed, g_free);
  g_clear_pointer (&self->ws, clip_workspace_free);
  g_clear_pointer (&self->model, gst_clip_model_cache_release);
  return TRUE;
}

/* --------------------------------------------------------- properties */

static void
gst_clip_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);
  gchar **target = NULL;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      target = &self->spec.labels;
      break;
    case PROP_LABELS_FILE:
      target = &self->spec.labels_file;
      break;
    case PROP_PROMPT:
      target = &self->spec.prompt;
      break;
    case PROP_PROMPT_FILE:
      target = &self->spec.prompt_file;
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_MAX_RATE:
      self->max_rate = g_value_get_double (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }

  if (target) {
    g_free (*target);
    *target = g_value_dup_string (value);
    /* While running, the new labels are built off the streaming thread. */
    if (self->label_store)
      gst_clip_label_store_request (self->label_store, &self->spec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->spec.labels);
      break;
    case PROP_LABELS_FILE:
      g_value_set_string (value, self->spec.labels_file);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, self->spec.prompt);
      break;
    case PROP_PROMPT_FILE:
      g_value_set_string (value, self->spec.prompt_file);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_MAX_RATE:
      g_value_set_double (value, self->max_rate);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_FRAMES_SEEN:
      g_value_set_uint64 (value, self->frames_seen);
      break;
    case PROP_INFERENCES:
      g_value_set_uint64 (value, self->inferences);
      break;
    case PROP_FRAMES_SKIPPED:
      g_value_set_uint64 (value, self->frames_skipped);
      break;
    case PROP_LAST_INFERENCE_MS:
      g_value_set_double (value, self->last_inference_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------ class and init */

static void
gst_clip_classify_finalize (GObject * object)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);

  g_free (self->model_path);
  gst_clip_label_spec_clear (&self->spec);
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_clear (&self->result_lock);

  G_OBJECT_CLASS (gst_clip_classify_parent_class)->finalize (object);
}

#define PLAYING_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)
#define READY_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)
#define COUNTER_FLAGS (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

static void
gst_clip_classify_class_init (GstClipClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->set_property = gst_clip_classify_set_property;
  gobject_class->get_property = gst_clip_classify_get_property;
  gobject_class->finalize = gst_clip_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "CLIP checkpoint: a Hugging Face or OpenCLIP directory or a "
          ".safetensors file. Unset: $CLIPCLASSIFY_MODEL, else the "
          "installed demo model (" CLIP_DEFAULT_MODEL_DIR "). Read at start",
          DEFAULT_PROP_MODEL, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Comma-separated labels (whitespace around each trimmed, \\, for a "
          "literal comma); with labels-file, both are used. Changing it while "
          "playing rebuilds the text embeddings in the background",
          DEFAULT_PROP_LABELS, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LABELS_FILE,
      g_param_spec_string ("labels-file", "Labels file",
          "File with one label per line (blank lines and lines starting with "
          "# ignored), added after the labels property",
          DEFAULT_PROP_LABELS_FILE, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text template; {} is replaced by each label (\"{}\": the label "
          "verbatim). Ignored when prompt-file is set",
          DEFAULT_PROP_PROMPT, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT_FILE,
      g_param_spec_string ("prompt-file", "Prompt file",
          "File of templates, one per line, ensembled (text embeddings "
          "averaged per label); overrides prompt",
          DEFAULT_PROP_PROMPT_FILE, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Infer frames 0, N, 2N, ... counted from the first frame after "
          "start or a flush", 1, G_MAXINT, DEFAULT_PROP_INTERVAL,
          PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_RATE,
      g_param_spec_double ("max-rate", "Maximum rate",
          "At most this many inferences per second of stream time: of the "
          "frames interval selects, only the first in each 1/max-rate s slot "
          "(0 = no limit)", 0.0, 1000.0, DEFAULT_PROP_MAX_RATE,
          PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top K",
          "Number of most probable labels reported (0 = all)",
          0, G_MAXINT, DEFAULT_PROP_TOP_K, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "A top probability below this is reported as no match (meta "
          "matched=FALSE, message label=\"\")", 0.0, 1.0,
          DEFAULT_PROP_THRESHOLD, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "sync: an inferred frame waits for its result; async: frames never "
          "wait and carry the newest finished result",
          GST_TYPE_CLIP_CLASSIFY_MODE, DEFAULT_PROP_MODE, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Threads per inference (0 = all cores; more than 4 x cores, at "
          "most 64, is clamped with a warning)", 0, 1024,
          DEFAULT_PROP_THREADS, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"clipclassify\" element message per inference",
          DEFAULT_PROP_POST_MESSAGES, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SEEN,
      g_param_spec_uint64 ("frames-seen", "Frames seen",
          "Frames received since start", 0, G_MAXUINT64, 0, COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INFERENCES,
      g_param_spec_uint64 ("inferences", "Inferences",
          "Inferences run since start", 0, G_MAXUINT64, 0, COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SKIPPED,
      g_param_spec_uint64 ("frames-skipped", "Frames skipped",
          "Sampled frames not inferred because the worker was busy (async: "
          "replaced by a newer sampled frame)", 0, G_MAXUINT64, 0,
          COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LAST_INFERENCE_MS,
      g_param_spec_double ("last-inference-ms", "Last inference time",
          "Wall-clock time of the last inference in milliseconds "
          "(preprocessing, vision tower, scoring)", 0.0, G_MAXDOUBLE, 0.0,
          COUNTER_FLAGS));

  gst_element_class_set_static_metadata (element_class,
      "CLIP zero-shot classifier", "Filter/Analyzer/Video",
      "Classifies video frames into text labels with a CLIP model, "
      "attaching the result as buffer meta and posting it on the bus",
      "clipclassify developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_clip_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_clip_classify_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_clip_classify_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_clip_classify_query);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_clip_classify_prepare_output_buffer);
  trans_class->transform_ip_on_passthrough = TRUE;
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_clip_classify_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_CLIP_CLASSIFY_MODE, 0);
  GST_DEBUG_CATEGORY_INIT (gst_clip_classify_debug, "clipclassify", 0,
      "CLIP zero-shot classification");
}

static void
gst_clip_classify_init (GstClipClassify * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  self->spec.prompt = g_strdup (DEFAULT_PROP_PROMPT);
  self->interval = DEFAULT_PROP_INTERVAL;
  self->max_rate = DEFAULT_PROP_MAX_RATE;
  self->top_k = DEFAULT_PROP_TOP_K;
  self->threshold = DEFAULT_PROP_THRESHOLD;
  self->mode = DEFAULT_PROP_MODE;
  self->threads = DEFAULT_PROP_THREADS;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->latency = GST_CLOCK_TIME_NONE;
  g_mutex_init (&self->result_lock);

  /* Pixels are only read: passthrough, with transform_ip still called. */
  gst_base_transform_set_passthrough (trans, TRUE);
  gst_base_transform_set_in_place (trans, TRUE);
  /* Dropping late frames is the sink's business, not an analyser's. */
  gst_base_transform_set_qos_enabled (trans, FALSE);
}
