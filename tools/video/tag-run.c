/* tag-run.c: one video file through decodebin ! clipclassify, as fast as
 * the machine decodes (no clock), collecting the inferences from the
 * buffers' GstClipClassifyMeta. */
#include "tag-run.h"

#include <string.h>
#include <gst/video/video.h>

#include "gstclipclassifymeta.h"
#include "gstclipresultjson.h"

typedef struct
{
  const gchar *path;
  TagResult *result;
  TagProgress *progress;
  GHashTable *label_index;      /* label -> index + 1 */
  gboolean have_last;
  guint64 last_frame;
  GstElement *pipeline;
  GstElement *convert;
  gboolean linked_video;
  gboolean embed;
  GError *embed_error;
  GMutex lock;                  /* result, while the pipeline runs */
} RunState;

static void
record_clear (gpointer data)
{
  TagRecord *r = data;

  g_free (r->json);
  g_free (r->scores);
  g_free (r->embedding);
}

void
tag_result_free (TagResult * result)
{
  if (!result)
    return;
  g_strfreev (result->labels);
  g_array_unref (result->records);
  g_free (result);
}

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RunState *st = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (buf);
  TagResult *res = st->result;
  GstClipResultJsonContext ctx = { 0, };
  TagRecord rec = { 0, };
  guint i;

  tag_progress_frame (st->progress);
  if (GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime end = GST_BUFFER_PTS (buf) +
        (GST_BUFFER_DURATION_IS_VALID (buf) ? GST_BUFFER_DURATION (buf) : 0);
    tag_progress_set (st->progress, (gint64) GST_BUFFER_PTS (buf), -2);
    g_mutex_lock (&st->lock);
    if (!GST_CLOCK_TIME_IS_VALID (res->last_pts) || end > res->last_pts)
      res->last_pts = end;
    g_mutex_unlock (&st->lock);
  }
  if (!meta || (st->have_last && meta->inferred_frame == st->last_frame))
    return GST_PAD_PROBE_OK;
  st->have_last = TRUE;
  st->last_frame = meta->inferred_frame;

  g_mutex_lock (&st->lock);
  if (!res->labels) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstVideoInfo vinfo;

    if (caps && gst_video_info_from_caps (&vinfo, caps)) {
      res->width = GST_VIDEO_INFO_WIDTH (&vinfo);
      res->height = GST_VIDEO_INFO_HEIGHT (&vinfo);
    }
    if (caps)
      gst_caps_unref (caps);
    res->n_labels = meta->n_results;
    res->labels = g_new0 (gchar *, meta->n_results + 1);
    for (i = 0; i < meta->n_results; i++) {
      res->labels[i] = g_strdup (meta->labels[i]);
      g_hash_table_insert (st->label_index, res->labels[i],
          GUINT_TO_POINTER (i + 1));
    }
  }
  rec.frame = meta->inferred_frame;
  rec.pts = meta->inferred_pts;
  rec.matched = meta->matched;
  rec.scores = g_new0 (gdouble, MAX (res->n_labels, 1));
  for (i = 0; i < meta->n_results; i++) {
    guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (st->label_index,
            meta->labels[i]));
    if (idx)
      rec.scores[idx - 1] = meta->scores[i];
  }
  /* the embedding the element scored the frame from (attach-embedding) */
  if (st->embed && meta->from_this_frame && !st->embed_error) {
    guint dim;
    const gfloat *e = gst_clip_classify_meta_get_embedding (meta, &dim);

    if (!e || (res->embed_dim && dim != (guint) res->embed_dim))
      g_set_error (&st->embed_error, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FAILED, "frame %" G_GUINT64_FORMAT " carries "
          "no image embedding of the model's width", meta->inferred_frame);
    else {
      res->embed_dim = (gint) dim;
      rec.embedding = g_memdup2 (e, dim * sizeof (gfloat));
    }
  }
  ctx.width = res->width;
  ctx.height = res->height;
  ctx.source = st->path;
  ctx.stream_time = GST_CLOCK_TIME_NONE;
  rec.json = gst_clip_result_to_json (meta, &ctx);
  g_array_append_val (res->records, rec);
  g_mutex_unlock (&st->lock);
  return GST_PAD_PROBE_OK;
}

/* Video goes to the classifier; anything else (audio, subtitles) to a
 * fakesink of its own, so that decodebin is never "not linked". */
static void
on_pad_added (GstElement * dec, GstPad * pad, gpointer data)
{
  RunState *st = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name = caps && gst_caps_get_size (caps) ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";
  GstPad *sinkpad;

  if (g_str_has_prefix (name, "video/") && !st->linked_video) {
    sinkpad = gst_element_get_static_pad (st->convert, "sink");
    if (gst_pad_link (pad, sinkpad) == GST_PAD_LINK_OK)
      st->linked_video = TRUE;
    gst_object_unref (sinkpad);
  } else {
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);

    g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (st->pipeline), sink);
    gst_element_sync_state_with_parent (sink);
    sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
  }
  if (caps)
    gst_caps_unref (caps);
}

/* A file without video would never reach EOS on the video branch. */
static void
on_no_more_pads (GstElement * dec, gpointer data)
{
  RunState *st = data;

  if (!st->linked_video)
    gst_element_post_message (st->pipeline,
        gst_message_new_application (GST_OBJECT (dec),
            gst_structure_new_empty ("clip-tag-no-video")));
}

/* Sets @name on @element from @value if the element has that property
 * (newer elements have more; older ones simply go without). Returns FALSE
 * when the element lacks it. */
static gboolean
set_if_present (GstElement * element, const gchar * name, const gchar * value)
{
  if (!value)
    return TRUE;
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (element), name))
    return FALSE;
  gst_util_set_object_arg (G_OBJECT (element), name, value);
  return TRUE;
}

void
tag_progress_set (TagProgress * p, gint64 position_ns, gint64 duration_ns)
{
  g_mutex_lock (&p->lock);
  if (position_ns != -2)
    p->position_ns = position_ns;
  if (duration_ns != -2)
    p->duration_ns = duration_ns;
  if (position_ns == 0 && duration_ns == -1)
    p->frames = 0;
  g_mutex_unlock (&p->lock);
}

void
tag_progress_frame (TagProgress * p)
{
  g_mutex_lock (&p->lock);
  p->frames++;
  g_mutex_unlock (&p->lock);
}

guint64
tag_progress_get (TagProgress * p, gint64 * position_ns, gint64 * duration_ns)
{
  guint64 frames;

  g_mutex_lock (&p->lock);
  frames = p->frames;
  if (position_ns)
    *position_ns = p->position_ns;
  if (duration_ns)
    *duration_ns = p->duration_ns;
  g_mutex_unlock (&p->lock);
  return frames;
}

/* Waits for the preroll: 0 done, 1 error (@error set), 2 no video. */
static gint
wait_async_done (GstBus * bus, GError ** error)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR | GST_MESSAGE_EOS |
      GST_MESSAGE_APPLICATION);
  gint r = 0;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, error, NULL);
    r = 1;
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_APPLICATION) {
    r = 2;
  }
  gst_message_unref (msg);
  return r;
}

TagResult *
tag_run_file (const gchar * path, const TagSettings * s,
    TagProgress * progress, GError ** error)
{
  RunState st = { 0, };
  GstElement *pipeline, *src, *dec, *classify;
  GstBus *bus;
  GstPad *pad;
  GError *err = NULL;
  gchar *dbg = NULL, *desc;
  gboolean done = FALSE;
  gint64 duration;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "%s: no such file", path);
    return NULL;
  }
  /* upright: frames turned as players show them (a phone stores portrait
   * video sideways, with an image-orientation tag) */
  if (s->upright && !gst_registry_check_feature_version (gst_registry_get (),
          "videoflip", 1, 0, 0)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the videoflip element (gstreamer1.0-plugins-good), which turns "
        "sideways video upright, is missing: install it, or pass "
        "--no-rotate");
    return NULL;
  }
  desc = g_strdup_printf ("filesrc name=src ! decodebin name=dec "
      "videoconvert name=conv ! %s clipclassify name=c mode=sync top-k=0 "
      "! fakesink name=sink sync=false",
      s->upright ? "videoflip video-direction=auto !" : "");
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipeline) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "cannot build the pipeline: %s", err->message);
    g_clear_error (&err);
    return NULL;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  classify = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  st.convert = gst_bin_get_by_name (GST_BIN (pipeline), "conv");
  st.pipeline = pipeline;
  st.path = path;
  st.progress = progress;
  st.embed = s->embed;
  st.label_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_mutex_init (&st.lock);
  st.result = g_new0 (TagResult, 1);
  st.result->records = g_array_new (FALSE, TRUE, sizeof (TagRecord));
  g_array_set_clear_func (st.result->records, record_clear);
  st.result->duration = GST_CLOCK_TIME_NONE;
  st.result->last_pts = GST_CLOCK_TIME_NONE;
  tag_progress_set (progress, 0, -1);

  g_object_set (src, "location", path, NULL);
  set_if_present (classify, "model", s->model);
  set_if_present (classify, "labels", s->labels);
  set_if_present (classify, "labels-file", s->labels_file);
  set_if_present (classify, "prompt", s->prompt);
  set_if_present (classify, "prompt-file", s->prompt_file);
  set_if_present (classify, "text-embeddings", s->text_embeddings);
  set_if_present (classify, "precision", s->precision);
  if (s->threshold >= 0)
    g_object_set (classify, "threshold", s->threshold, NULL);
  if (s->threads > 0)
    g_object_set (classify, "threads", (guint) s->threads, NULL);
  if (s->every > 0)
    g_object_set (classify, "max-rate", 1.0 / s->every, NULL);
  g_object_set (classify, "interval", s->interval > 0 ? s->interval : 1,
      NULL);
  if (s->embed)
    g_object_set (classify, "attach-embedding", TRUE, NULL);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), &st);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), &st);
  pad = gst_element_get_static_pad (classify, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &st, NULL);
  gst_object_unref (pad);

  bus = gst_element_get_bus (pipeline);
  if (s->decode == TAG_DECODE_KEYFRAMES) {
    /* key-unit trick mode: demuxers send key frames only and decoders
     * drop the rest */
    gint preroll;

    gst_element_set_state (pipeline, GST_STATE_PAUSED);
    preroll = wait_async_done (bus, &err);
    if (preroll == 1)
      goto failed;
    if (preroll == 2)
      goto stopped;
    if (!gst_element_seek (pipeline, 1.0, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT |
            GST_SEEK_FLAG_TRICKMODE | GST_SEEK_FLAG_TRICKMODE_KEY_UNITS |
            GST_SEEK_FLAG_TRICKMODE_NO_AUDIO, GST_SEEK_TYPE_SET, 0,
            GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE))
      GST_WARNING ("%s: key-unit seek refused, decoding every frame", path);
  }
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error message on the bus says why */
  }

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 200 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_APPLICATION);

    if (gst_element_query_duration (pipeline, GST_FORMAT_TIME, &duration))
      tag_progress_set (progress, -2, duration);
    if (!msg)
      continue;
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, &dbg);
        done = TRUE;
        break;
      case GST_MESSAGE_EOS:
      case GST_MESSAGE_APPLICATION:    /* no video */
        done = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
stopped:
  if (gst_element_query_duration (pipeline, GST_FORMAT_TIME, &duration))
    st.result->duration = duration;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (err)
    goto failed;
  if (!st.linked_video) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "%s: no video stream in this file", path);
    goto cleanup_fail;
  }
  if (st.embed_error) {
    g_set_error (error, st.embed_error->domain, st.embed_error->code,
        "%s: embedding a frame: %s", path, st.embed_error->message);
    g_clear_error (&st.embed_error);
    goto cleanup_fail;
  }
  if (st.result->records->len == 0) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "%s: no frame could be decoded", path);
    goto cleanup_fail;
  }
  st.result->frames_decoded = tag_progress_get (progress, NULL, NULL);
  goto cleanup;

failed:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_set_error (error, err->domain, err->code, "%s: %s", path, err->message);
  GST_INFO ("%s: %s", path, dbg ? dbg : "");
  g_clear_error (&err);
  g_clear_error (&st.embed_error);
cleanup_fail:
  tag_result_free (st.result);
  st.result = NULL;
cleanup:
  g_free (dbg);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (dec);
  gst_object_unref (classify);
  gst_object_unref (st.convert);
  gst_object_unref (pipeline);
  g_hash_table_unref (st.label_index);
  g_mutex_clear (&st.lock);
  return st.result;
}
