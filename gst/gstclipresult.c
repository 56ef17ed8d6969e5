/* gstclipresult.c: top-k selection, the result carrier and the element
 * message. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipresult.h"

#include <string.h>

static gint
compare_desc (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const float *probs = user_data;
  gint ia = *(const gint *) a, ib = *(const gint *) b;

  if (probs[ia] > probs[ib])
    return -1;
  if (probs[ia] < probs[ib])
    return 1;
  return ia - ib;               /* ties keep the label order */
}

GstBuffer *
gst_clip_result_new (const ClipLabelSet * set, const float *probs,
    guint top_k, gdouble threshold, const GstClipStamp * stamp,
    gdouble inference_ms)
{
  gint n_labels = clip_label_set_size (set);
  guint n = (top_k == 0 || top_k > (guint) n_labels) ? (guint) n_labels : top_k;
  gint *order = g_new (gint, n_labels);
  const gchar **labels = g_new0 (const gchar *, n + 1);
  gdouble *scores = g_new0 (gdouble, n);
  GstBuffer *result = gst_buffer_new ();
  guint i;

  for (i = 0; i < (guint) n_labels; i++)
    order[i] = (gint) i;
  g_qsort_with_data (order, n_labels, sizeof (gint), compare_desc,
      (gpointer) probs);
  for (i = 0; i < n; i++) {
    labels[i] = clip_label_set_label (set, order[i]);
    scores[i] = probs[order[i]];
  }

  gst_buffer_add_clip_classify_meta (result, n, labels, scores,
      n > 0 && scores[0] >= threshold, stamp->pts, stamp->frame, TRUE,
      inference_ms);
  GST_BUFFER_PTS (result) = stamp->pts;

  g_free (scores);
  g_free (labels);
  g_free (order);
  return result;
}

GstClipClassifyMeta *
gst_clip_result_get_meta (GstBuffer * result)
{
  return gst_buffer_get_clip_classify_meta (result);
}

GstMessage *
gst_clip_result_new_message (GstObject * src, GstBuffer * result,
    const GstClipStamp * stamp)
{
  GstClipClassifyMeta *meta = gst_clip_result_get_meta (result);
  GValue labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  guint i;

  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (i = 0; i < meta->n_results; i++) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, meta->labels[i]);
    gst_value_array_append_and_take_value (&labels, &v);
    memset (&v, 0, sizeof (v));
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, meta->scores[i]);
    gst_value_array_append_and_take_value (&scores, &v);
    memset (&v, 0, sizeof (v));
  }

  /* No match still names the closest label in "labels"; "label" is then
   * empty so that a plain comparison never mistakes it for a detection. */
  s = gst_structure_new ("clipclassify",
      "timestamp", G_TYPE_UINT64, (guint64) stamp->pts,
      "stream-time", G_TYPE_UINT64, (guint64) stamp->stream_time,
      "running-time", G_TYPE_UINT64, (guint64) stamp->running_time,
      "duration", G_TYPE_UINT64, (guint64) stamp->duration,
      "frame", G_TYPE_UINT64, stamp->frame,
      "label", G_TYPE_STRING, meta->matched ? meta->labels[0] : "",
      "score", G_TYPE_DOUBLE, meta->n_results > 0 ? meta->scores[0] : 0.0,
      NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  gst_structure_set (s,
      "inference-ms", G_TYPE_DOUBLE, meta->inference_ms,
      "matched", G_TYPE_BOOLEAN, meta->matched, NULL);

  return gst_message_new_element (src, s);
}
