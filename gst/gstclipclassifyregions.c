/* gstclipclassifyregions.c: the element's roi-list path: the settings of
 * the moment, the regions classified (gstclipregions.c), the counters and
 * the message. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassify.h"

/* roi-list mode: the regions of the frame, as one batch. */
gboolean
gst_clip_classify_infer_regions (GstClipClassify * self, GstVideoFrame * frame,
    const GstClipStamp * stamp, GError ** error)
{
  GstClipRegionSettings settings;
  ClipLabelSet *set = gst_clip_label_store_get (self->label_store);
  GstMessage *msg = NULL;
  GList *changes = NULL, *l;
  gboolean ok, post;
  gdouble ms;

  GST_OBJECT_LOCK (self);
  settings.object_class = self->object_class ?
      g_strsplit (self->object_class, ",", -1) : NULL;
  settings.min_size = self->min_roi_size;
  settings.reclassify_interval = self->reclassify_interval;
  settings.top_k = self->top_k;
  settings.threshold = self->threshold;
  settings.smoother = self->smoother;
  settings.smoothing = self->smoothing;
  settings.hold = self->hold;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; settings.object_class && settings.object_class[i]; i++)
    g_strstrip (settings.object_class[i]);

  ok = gst_clip_regions_classify (self->regions, self->encoder, set,
      &settings, frame, stamp, GST_OBJECT (self), &msg, &changes, error);
  g_strfreev (settings.object_class);
  clip_label_set_unref (set);
  if (!msg)
    return ok;

  gst_structure_get_double (gst_message_get_structure (msg), "inference-ms",
      &ms);
  GST_OBJECT_LOCK (self);
  self->inferences++;
  self->last_inference_ms = ms;
  GST_OBJECT_UNLOCK (self);
  if (post)
    gst_element_post_message (GST_ELEMENT (self), msg);
  else
    gst_message_unref (msg);
  /* Change messages go out whatever post-messages says. */
  for (l = changes; l; l = l->next)
    gst_element_post_message (GST_ELEMENT (self), l->data);
  g_list_free (changes);
  gst_clip_classify_update_latency (self, ms);
  return ok;
}
