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
#include "gstclipencoder.h"
#include "gstclipframe.h"
#include "gstclipenums.h"
#include "gstclipmodelcache.h"
#include "gstclipresult.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_clip_classify_debug);
#define GST_CAT_DEFAULT gst_clip_classify_debug

/* Regions of one frame embedded per vision-tower pass. */
#define REGION_BATCH 8

/* threads above this are clamped at start, with a warning: the engine
 * uses at most one thread per processor. */
#define MAX_USEFUL_THREADS ((int) g_get_num_processors ())

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE (GST_CLIP_FRAME_FORMATS)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

G_DEFINE_TYPE (GstClipClassify, gst_clip_classify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (clipclassify, "clipclassify", GST_RANK_NONE,
    GST_TYPE_CLIP_CLASSIFY);

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
void
gst_clip_classify_update_latency (GstClipClassify * self, gdouble ms)
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
  gdouble threshold, ms, smoothing, hold;
  gboolean post, attach, changed;
  GstBuffer *result;
  GstClipChange change = { NULL, };

  clip_label_set_score (set, embed, NULL, probs);
  ms = extra_ms + (g_get_monotonic_time () - started) / 1000.0;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  post = self->post_messages;
  attach = self->attach_embedding;
  smoothing = self->smoothing;
  hold = self->hold;
  self->inferences++;
  self->last_inference_ms = ms;
  GST_OBJECT_UNLOCK (self);

  /* A result from before a flush must not feed the fresh average. */
  g_mutex_lock (&self->result_lock);
  changed = stamp->generation == self->generation;
  g_mutex_unlock (&self->result_lock);
  changed = changed && gst_clip_smoother_update (self->smoother, -1, set,
      probs, stamp->stream_time, smoothing, hold, threshold, &change);

  result = gst_clip_result_new (set, probs, top_k, threshold, stamp, ms);
  if (attach)
    gst_clip_classify_meta_set_embedding (gst_clip_result_get_meta (result),
        embed, (guint) clip_label_set_embed_dim (set));
  g_free (probs);
  clip_label_set_unref (set);

  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s (%.3f) in %.1f ms",
      stamp->frame, gst_clip_result_get_meta (result)->labels[0],
      gst_clip_result_get_meta (result)->scores[0], ms);

  if (publish_result (self, gst_buffer_ref (result), stamp->generation)) {
    if (post)
      gst_element_post_message (GST_ELEMENT (self),
          gst_clip_result_new_message (GST_OBJECT (self), result, stamp));
    if (changed)
      gst_element_post_message (GST_ELEMENT (self),
          gst_clip_change_new_message (GST_OBJECT (self), &change, stamp,
              FALSE, 0));
  } else {
    GST_DEBUG_OBJECT (self, "result of frame %" G_GUINT64_FORMAT
        " is from before a flush: dropped", stamp->frame);
  }
  gst_buffer_unref (result);
  gst_clip_change_clear (&change);
  gst_clip_classify_update_latency (self, ms);
}

/* ---------------------------------------------------------- inference */

static gboolean
infer_sync (GstClipClassify * self, GstVideoFrame * frame,
    const GstClipStamp * stamp, GError ** error)
{
  gint64 started = g_get_monotonic_time ();
  const float *embed;

  embed = gst_clip_encoder_encode_frame (self->encoder, frame, error);
  if (!embed)
    return FALSE;
  finish_inference (self, stamp, embed, started, 0.0);
  return TRUE;
}

/* Async mode: the frame pays for a copy of its pixels, nothing more. */
static void
submit_async (GstClipClassify * self, GstVideoFrame * frame,
    const GstClipStamp * stamp)
{
  gboolean replaced = self->batch ?
      gst_clip_batch_client_submit (self->batch, frame, stamp) :
      gst_clip_worker_submit (self->worker, frame, stamp);

  if (replaced) {
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

  if (self->regions) {
    /* Regions are this frame's own: nothing is carried to other frames. */
    if (sampled && !gst_clip_classify_infer_regions (self, frame, &stamp, &error))
      goto inference_failed;
    return GST_FLOW_OK;
  }
  if (sampled && self->batch && self->running_mode ==
      GST_CLIP_CLASSIFY_MODE_SYNC) {
    /* Shared batch: this frame's result is in when drain returns. */
    gst_clip_batch_client_submit (self->batch, frame, &stamp);
    gst_clip_batch_client_drain (self->batch);
  } else if (sampled && (self->worker || self->batch)) {
    submit_async (self, frame, &stamp);
  } else if (sampled) {
    ok = infer_sync (self, frame, &stamp, &error);
  }
  if (!ok)
    goto inference_failed;

  g_mutex_lock (&self->result_lock);
  result = self->latest ? gst_buffer_ref (self->latest) : NULL;
  g_mutex_unlock (&self->result_lock);

  if (result) {
    GstClipClassifyMeta *meta = gst_clip_result_get_meta (result);

    gst_buffer_add_clip_classify_meta_from (frame->buffer, meta, sampled &&
        self->running_mode == GST_CLIP_CLASSIFY_MODE_SYNC &&
        meta->inferred_frame == index);
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
      if (self->batch)
        gst_clip_batch_client_set_flushing (self->batch, TRUE);
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Results of frames from before the flush must not be attached to
       * frames after it; the interval counts anew. */
      if (self->worker) {
        gst_clip_worker_discard (self->worker);
        gst_clip_worker_set_flushing (self->worker, FALSE);
      }
      if (self->batch) {
        gst_clip_batch_client_discard (self->batch);
        gst_clip_batch_client_set_flushing (self->batch, FALSE);
      }
      g_mutex_lock (&self->result_lock);
      self->generation++;
      gst_buffer_replace (&self->latest, NULL);
      g_mutex_unlock (&self->result_lock);
      gst_clip_sampler_reset (&self->sampler, self->next_frame);
      if (self->regions)
        gst_clip_regions_reset (self->regions);
      gst_clip_smoother_reset (self->smoother);
      break;
    case GST_EVENT_EOS:
      /* The messages of the last sampled frames go out before EOS does. */
      if (self->worker)
        gst_clip_worker_drain (self->worker);
      if (self->batch)
        gst_clip_batch_client_drain (self->batch);
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

static gboolean
gst_clip_classify_start (GstBaseTransform * trans)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (trans);
  GstClipLabelSpec spec = { NULL, };
  ClipLabelSet *set = NULL;
  GError *error = NULL;
  ClipModelParams params = clip_model_default_params ();
  gchar *path;
  int threads;
  guint labels_serial, batch_size, batch_timeout;
  gboolean roi_list;

  GST_OBJECT_LOCK (self);
  roi_list = self->inference_region == GST_CLIP_CLASSIFY_REGION_ROI_LIST;
  batch_size = roi_list ? 1 : self->batch_size;
  batch_timeout = self->batch_timeout;
  path = g_strdup (self->model_path);
  params.precision = self->precision;
  params.backend = self->backend;
  labels_serial = self->labels_serial;
  spec.labels = g_strdup (self->spec.labels);
  spec.labels_file = g_strdup (self->spec.labels_file);
  spec.prompt = g_strdup (self->spec.prompt);
  spec.prompt_file = g_strdup (self->spec.prompt_file);
  spec.text_embeddings = g_strdup (self->spec.text_embeddings);
  spec.cache_dir = g_strdup (self->spec.cache_dir);
  self->running_mode = self->mode;
  threads = (int) self->threads;
  self->frames_seen = self->inferences = self->frames_skipped = 0;
  self->last_inference_ms = 0.0;
  self->latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);

  /* More threads than processors only adds waiting, and far more (the
   * property allows 1024) stalled inference for minutes. */
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

  self->model = gst_clip_model_cache_acquire (path, &params, &error);
  if (!self->model)
    goto load_failed;
  GST_INFO_OBJECT (self, "model %s: %s", path,
      clip_model_describe (self->model));

  if (roi_list && self->running_mode == GST_CLIP_CLASSIFY_MODE_ASYNC)
    goto roi_list_async;

  self->encoder = gst_clip_encoder_new (self->model,
      roi_list ? REGION_BATCH : 1, threads, &error);
  if (!self->encoder)
    goto load_failed;
  if (roi_list)
    self->regions = gst_clip_regions_new ();

  set = gst_clip_label_spec_build (&spec, self->model,
      gst_clip_encoder_get_workspace (self->encoder), NULL, &error);
  if (!set)
    goto labels_failed;

  /* The labels may have changed while the set was built: the store then
   * starts right away on the newest ones. */
  GST_OBJECT_LOCK (self);
  self->label_store = gst_clip_label_store_new (self->model, set, threads,
      labels_rebuilt, self);
  if (self->labels_serial != labels_serial) {
    GST_INFO_OBJECT (self, "labels changed during start: rebuilding");
    gst_clip_label_store_request (self->label_store, &self->spec);
  }
  GST_OBJECT_UNLOCK (self);
  clip_label_set_unref (set);

  if (batch_size > 1) {
    /* Frames go to the batcher shared with the other instances. */
    self->batch = gst_clip_batcher_join (self->model, batch_size,
        batch_timeout, threads, worker_done, self, &error);
    if (!self->batch)
      goto load_failed;
  }
  if (self->running_mode == GST_CLIP_CLASSIFY_MODE_ASYNC) {
    /* The worker has an encoder of its own, on its own thread. */
    g_clear_pointer (&self->encoder, gst_clip_encoder_free);
    if (!self->batch && !(self->worker = gst_clip_worker_new (self->model,
                threads, worker_done, self, &error)))
      goto load_failed;
  } else {
    /* Measures the inference time (the LATENCY answer) before the first
     * frame and pages the weights in. */
    gdouble ms;

    if (!gst_clip_encoder_warm_up (self->encoder, &ms, &error))
      goto load_failed;
    gst_clip_classify_update_latency (self, ms);
  }

  self->next_frame = 0;
  gst_clip_sampler_reset (&self->sampler, 0);
  gst_clip_smoother_reset (self->smoother);
  g_mutex_lock (&self->result_lock);
  self->generation++;
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_unlock (&self->result_lock);

  gst_clip_label_spec_clear (&spec);
  g_free (path);
  return TRUE;

  /* ERRORS */
roi_list_async:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("inference-region=roi-list works in mode=sync only"), (NULL));
    goto cleanup;
  }
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
    if (spec.text_embeddings && *spec.text_embeddings)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not load the text embeddings: %s", error->message),
          ("text-embeddings=%s", spec.text_embeddings));
    else if (error->domain == G_FILE_ERROR)
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
  g_clear_pointer (&self->batch, gst_clip_batch_client_free);

  GST_OBJECT_LOCK (self);
  store = self->label_store;
  self->label_store = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_clip_label_store_free (store);

  g_mutex_lock (&self->result_lock);
  self->generation++;
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_unlock (&self->result_lock);

  g_clear_pointer (&self->encoder, gst_clip_encoder_free);
  g_clear_pointer (&self->regions, gst_clip_regions_free);
  g_clear_pointer (&self->model, gst_clip_model_cache_release);
  return TRUE;
}

/* ------------------------------------------------------ class and init */

static void
gst_clip_classify_finalize (GObject * object)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);

  g_free (self->model_path);
  g_free (self->object_class);
  gst_clip_smoother_free (self->smoother);
  gst_clip_label_spec_clear (&self->spec);
  gst_buffer_replace (&self->latest, NULL);
  g_mutex_clear (&self->result_lock);

  G_OBJECT_CLASS (gst_clip_classify_parent_class)->finalize (object);
}

static void
gst_clip_classify_class_init (GstClipClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->finalize = gst_clip_classify_finalize;

  gst_clip_classify_install_properties (gobject_class);

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
  gst_type_mark_as_plugin_api (GST_TYPE_CLIP_CLASSIFY_REGION, 0);
  GST_DEBUG_CATEGORY_INIT (gst_clip_classify_debug, "clipclassify", 0,
      "CLIP zero-shot classification");
}

static void
gst_clip_classify_init (GstClipClassify * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  gst_clip_classify_init_properties (self);
  self->smoother = gst_clip_smoother_new ();
  self->latency = GST_CLOCK_TIME_NONE;
  g_mutex_init (&self->result_lock);

  /* Pixels are only read: passthrough, with transform_ip still called. */
  gst_base_transform_set_passthrough (trans, TRUE);
  gst_base_transform_set_in_place (trans, TRUE);
  /* Dropping late frames is the sink's business, not an analyser's. */
  gst_base_transform_set_qos_enabled (trans, FALSE);
}
