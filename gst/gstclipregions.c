/* gstclipregions.c: regions of a detector upstream, each cropped from the
 * original frame (a view of the mapped planes: no copy, no scaled
 * intermediate), then resized, cropped and normalised exactly as a whole
 * frame is; all the regions of a frame go through the vision tower as one
 * batch. Results go onto the ROI metas (a "clipclassify" param), into a
 * GstClipClassifyMeta with one entry per region and into the message.
 *
 * Regions with a stable id (from a tracker) may be re-classified only every
 * reclassify-interval frames; in between, their last result is carried. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipregions.h"
#include "gstclipclassifymeta.h"

#include <string.h>

typedef struct
{
  GstVideoRegionOfInterestMeta *roi;
  guint x, y, w, h;             /* clipped to the frame */
  gint id;
  gboolean unique;              /* its id occurs once on this frame */
  gboolean reuse;               /* carried result of the same id */
  /* the result */
  guint n;
  gchar **labels;
  gdouble *scores;
  gboolean matched;
  gboolean changed;
  GstClipChange change;
} Region;

typedef struct
{
  guint64 frame;                /* when it was classified */
  guint n;
  gchar **labels;
  gdouble *scores;
  gboolean matched;
} Carried;

struct _GstClipRegions
{
  GHashTable *carried;          /* id -> Carried */
};

static void
carried_free (gpointer data)
{
  Carried *c = data;

  g_strfreev (c->labels);
  g_free (c->scores);
  g_free (c);
}

GstClipRegions *
gst_clip_regions_new (void)
{
  GstClipRegions *r = g_new0 (GstClipRegions, 1);

  r->carried = g_hash_table_new_full (NULL, NULL, NULL, carried_free);
  return r;
}

void
gst_clip_regions_free (GstClipRegions * regions)
{
  if (!regions)
    return;
  g_hash_table_unref (regions->carried);
  g_free (regions);
}

void
gst_clip_regions_reset (GstClipRegions * regions)
{
  g_hash_table_remove_all (regions->carried);
}

static gboolean
wanted_type (const GstClipRegionSettings * settings, GQuark type)
{
  const gchar *name = type ? g_quark_to_string (type) : "";
  guint i;

  if (!settings->object_class || !settings->object_class[0])
    return TRUE;
  for (i = 0; settings->object_class[i]; i++)
    if (strcmp (settings->object_class[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* The ROI metas to classify, clipped to the frame. */
static GArray *
collect (GstBuffer * buffer, guint width, guint height,
    const GstClipRegionSettings * settings)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Region));
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    Region r = { 0, };

    if (!wanted_type (settings, roi->roi_type) || roi->x >= width
        || roi->y >= height)
      continue;
    r.roi = roi;
    r.x = roi->x;
    r.y = roi->y;
    r.w = MIN (roi->w, width - roi->x);
    r.h = MIN (roi->h, height - roi->y);
    r.id = roi->id;
    if (r.w == 0 || r.h == 0 || r.w < settings->min_size
        || r.h < settings->min_size)
      continue;
    g_array_append_val (out, r);
  }
  return out;
}

static gint
compare_desc (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const float *probs = user_data;
  gint ia = *(const gint *) a, ib = *(const gint *) b;

  if (probs[ia] > probs[ib])
    return -1;
  if (probs[ia] < probs[ib])
    return 1;
  return ia - ib;
}

/* The top-k of @probs into @r, as the frame results are made. */
static void
set_result (Region * r, const ClipLabelSet * set, const float *probs,
    const GstClipRegionSettings * settings)
{
  gint n_labels = clip_label_set_size (set);
  guint n = (settings->top_k == 0 || settings->top_k > (guint) n_labels) ?
      (guint) n_labels : settings->top_k;
  gint *order = g_new (gint, n_labels);
  guint i;

  for (i = 0; i < (guint) n_labels; i++)
    order[i] = (gint) i;
  g_qsort_with_data (order, n_labels, sizeof (gint), compare_desc,
      (gpointer) probs);
  r->n = n;
  r->labels = g_new0 (gchar *, n + 1);
  r->scores = g_new0 (gdouble, MAX (n, 1));
  for (i = 0; i < n; i++) {
    r->labels[i] = g_strdup (clip_label_set_label (set, order[i]));
    r->scores[i] = probs[order[i]];
  }
  r->matched = n > 0 && r->scores[0] >= settings->threshold;
  g_free (order);
}

/* Ids that occur once on this frame can be carried; a repeated id (a
 * detector that numbers nothing, such as facedetect's 0s) cannot. */
static void
mark_reuse (GstClipRegions * regions, GArray * list, guint64 frame,
    const GstClipRegionSettings * settings)
{
  GHashTable *count = g_hash_table_new (NULL, NULL);
  guint i;

  for (i = 0; i < list->len; i++) {
    gint id = g_array_index (list, Region, i).id;
    g_hash_table_insert (count, GINT_TO_POINTER (id), GUINT_TO_POINTER
        (GPOINTER_TO_UINT (g_hash_table_lookup (count,
                    GINT_TO_POINTER (id))) + 1));
  }
  for (i = 0; i < list->len; i++) {
    Region *r = &g_array_index (list, Region, i);
    Carried *c = g_hash_table_lookup (regions->carried,
        GINT_TO_POINTER (r->id));

    r->unique = GPOINTER_TO_UINT (g_hash_table_lookup (count,
            GINT_TO_POINTER (r->id))) == 1;
    if (!r->unique || !c || settings->reclassify_interval <= 1)
      continue;
    if (frame - c->frame < settings->reclassify_interval) {
      r->reuse = TRUE;
      r->n = c->n;
      r->labels = g_strdupv (c->labels);
      r->scores = g_memdup2 (c->scores, sizeof (gdouble) * MAX (c->n, 1));
      r->matched = c->matched;
    }
  }
  g_hash_table_unref (count);
}

static void
remember (GstClipRegions * regions, const Region * r, guint64 frame)
{
  Carried *c = g_new0 (Carried, 1);

  c->frame = frame;
  c->n = r->n;
  c->labels = g_strdupv (r->labels);
  c->scores = g_memdup2 (r->scores, sizeof (gdouble) * MAX (r->n, 1));
  c->matched = r->matched;
  g_hash_table_replace (regions->carried, GINT_TO_POINTER (r->id), c);
}

/* Embeds and scores the regions that are not carried, in batches. */
static gboolean
infer (GstClipEncoder * encoder, const ClipLabelSet * set,
    const GstClipRegionSettings * settings, const GstVideoFrame * frame,
    const GstClipStamp * stamp, GArray * list, GError ** error)
{
  int max_batch = gst_clip_encoder_max_batch (encoder);
  int dim = clip_label_set_embed_dim (set);
  ClipImage full, *crops = g_new (ClipImage, max_batch);
  Region **batch = g_new (Region *, max_batch);
  float *probs = g_new (float, clip_label_set_size (set));
  gboolean ok = gst_clip_image_from_frame (frame, &full);
  guint i = 0;

  if (!ok)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "video format %s is not supported",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)));
  while (ok && i < list->len) {
    const float *embeds;
    int n = 0, k;

    for (; i < list->len && n < max_batch; i++) {
      Region *r = &g_array_index (list, Region, i);
      if (r->reuse)
        continue;
      gst_clip_image_crop (&full, r->x, r->y, r->w, r->h, &crops[n]);
      batch[n++] = r;
    }
    if (n == 0)
      break;
    embeds = gst_clip_encoder_encode (encoder, crops, n, error);
    ok = embeds != NULL;
    for (k = 0; ok && k < n; k++) {
      clip_label_set_score (set, embeds + (gsize) k * dim, NULL, probs);
      /* Only a tracked (unique) id is the same object from frame to
       * frame: its probabilities are smoothed and its changes told. */
      if (settings->smoother && batch[k]->unique)
        batch[k]->changed = gst_clip_smoother_update (settings->smoother,
            batch[k]->id, set, probs, stamp->stream_time,
            settings->smoothing, settings->hold, settings->threshold,
            &batch[k]->change);
      set_result (batch[k], set, probs, settings);
    }
  }
  g_free (probs);
  g_free (batch);
  g_free (crops);
  return ok;
}

static void
take_array (GstStructure * s, const gchar * field, GType type, guint n,
    gchar ** labels, const gdouble * scores)
{
  GValue array = G_VALUE_INIT, v = G_VALUE_INIT;
  guint i;

  g_value_init (&array, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    g_value_init (&v, type);
    if (type == G_TYPE_STRING)
      g_value_set_string (&v, labels[i]);
    else
      g_value_set_double (&v, scores[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, field, &array);
}

/* label, score, labels, scores, matched: on the ROI param and the message
 * entry alike. */
static void
set_result_fields (GstStructure * s, const Region * r)
{
  gst_structure_set (s, "label", G_TYPE_STRING,
      r->matched ? r->labels[0] : "", "score", G_TYPE_DOUBLE,
      r->n > 0 ? r->scores[0] : 0.0, NULL);
  take_array (s, "labels", G_TYPE_STRING, r->n, r->labels, NULL);
  take_array (s, "scores", G_TYPE_DOUBLE, r->n, NULL, r->scores);
  gst_structure_set (s, "matched", G_TYPE_BOOLEAN, r->matched, NULL);
}

static GstMessage *
new_message (GstObject * src, const GstClipStamp * stamp, GArray * list,
    gdouble ms)
{
  GValue regions = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  guint i;

  g_value_init (&regions, GST_TYPE_ARRAY);
  for (i = 0; i < list->len; i++) {
    const Region *r = &g_array_index (list, Region, i);
    GstStructure *e = gst_structure_new ("region",
        "id", G_TYPE_INT, r->id,
        "roi-type", G_TYPE_STRING, r->roi->roi_type ?
        g_quark_to_string (r->roi->roi_type) : "",
        "x", G_TYPE_UINT, r->x, "y", G_TYPE_UINT, r->y,
        "width", G_TYPE_UINT, r->w, "height", G_TYPE_UINT, r->h, NULL);

    set_result_fields (e, r);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, e);
    gst_value_array_append_and_take_value (&regions, &v);
  }
  s = gst_structure_new ("clipclassify",
      "timestamp", G_TYPE_UINT64, (guint64) stamp->pts,
      "stream-time", G_TYPE_UINT64, (guint64) stamp->stream_time,
      "running-time", G_TYPE_UINT64, (guint64) stamp->running_time,
      "duration", G_TYPE_UINT64, (guint64) stamp->duration,
      "frame", G_TYPE_UINT64, stamp->frame,
      "label", G_TYPE_STRING, "", "score", G_TYPE_DOUBLE, 0.0, NULL);
  take_array (s, "labels", G_TYPE_STRING, 0, NULL, NULL);
  take_array (s, "scores", G_TYPE_DOUBLE, 0, NULL, NULL);
  gst_structure_set (s, "inference-ms", G_TYPE_DOUBLE, ms,
      "matched", G_TYPE_BOOLEAN, FALSE, NULL);
  gst_structure_take_value (s, "regions", &regions);
  return gst_message_new_element (src, s);
}

gboolean
gst_clip_regions_classify (GstClipRegions * regions,
    GstClipEncoder * encoder, const ClipLabelSet * set,
    const GstClipRegionSettings * settings, GstVideoFrame * frame,
    const GstClipStamp * stamp, GstObject * src, GstMessage ** message,
    GList ** changes, GError ** error)
{
  gint64 started = g_get_monotonic_time ();
  GArray *list = collect (frame->buffer, GST_VIDEO_FRAME_WIDTH (frame),
      GST_VIDEO_FRAME_HEIGHT (frame), settings);
  GstClipClassifyMeta *meta;
  gdouble ms;
  guint i;

  *message = NULL;
  if (list->len == 0) {
    g_array_unref (list);
    return TRUE;
  }
  mark_reuse (regions, list, stamp->frame, settings);
  if (!infer (encoder, set, settings, frame, stamp, list, error)) {
    for (i = 0; i < list->len; i++) {
      g_strfreev (g_array_index (list, Region, i).labels);
      g_free (g_array_index (list, Region, i).scores);
      gst_clip_change_clear (&g_array_index (list, Region, i).change);
    }
    g_array_unref (list);
    return FALSE;
  }
  ms = (g_get_monotonic_time () - started) / 1000.0;

  meta = gst_buffer_add_clip_classify_meta (frame->buffer, 0, NULL, NULL,
      FALSE, stamp->pts, stamp->frame, TRUE, ms);
  for (i = 0; i < list->len; i++) {
    Region *r = &g_array_index (list, Region, i);
    GstStructure *param = gst_structure_new_empty ("clipclassify");

    set_result_fields (param, r);
    gst_video_region_of_interest_meta_add_param (r->roi, param);
    gst_clip_classify_meta_add_region (meta, r->id, r->roi->roi_type ?
        g_quark_to_string (r->roi->roi_type) : NULL, r->x, r->y, r->w, r->h,
        r->n, (const gchar * const *) r->labels, r->scores, r->matched);
    if (!r->reuse && r->unique && settings->reclassify_interval > 1)
      remember (regions, r, stamp->frame);
  }
  *message = new_message (src, stamp, list, ms);
  for (i = 0; i < list->len; i++) {
    Region *r = &g_array_index (list, Region, i);

    if (r->changed)
      *changes = g_list_append (*changes, gst_clip_change_new_message (src,
              &r->change, stamp, TRUE, r->id));
    g_strfreev (r->labels);
    g_free (r->scores);
    gst_clip_change_clear (&r->change);
  }
  g_array_unref (list);
  return TRUE;
}
