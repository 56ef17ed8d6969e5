/* gstclipresult.h: one finished inference, kept as a small carrier buffer
 * holding a GstClipClassifyMeta, and the bus message that announces it. */
#ifndef __GST_CLIP_RESULT_H__
#define __GST_CLIP_RESULT_H__

#include <gst/gst.h>
#include "clip.h"
#include "gstclipframe.h"
#include "gstclipclassifymeta.h"

G_BEGIN_DECLS

/* The top @top_k (0: all) labels of @set by @probs, descending, as an
 * empty buffer carrying the meta: an immutable, refcounted result that the
 * streaming thread attaches to every following frame. */
GstBuffer *gst_clip_result_new (const ClipLabelSet * set, const float *probs,
    guint top_k, gdouble threshold, const GstClipStamp * stamp,
    gdouble inference_ms);

/* The meta held by a result from gst_clip_result_new(). */
GstClipClassifyMeta *gst_clip_result_get_meta (GstBuffer * result);

/* The "clipclassify" element message for @result (see docs/messages.md). */
GstMessage *gst_clip_result_new_message (GstObject * src, GstBuffer * result,
    const GstClipStamp * stamp);

G_END_DECLS

#endif
