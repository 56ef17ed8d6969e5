/* gstclipsmoother.h: smoothing of the probabilities over time and the
 * held top label whose changes the element announces. */
#ifndef __GST_CLIP_SMOOTHER_H__
#define __GST_CLIP_SMOOTHER_H__

#include <gst/gst.h>
#include "clip.h"
#include "gstclipframe.h"

G_BEGIN_DECLS

typedef struct _GstClipSmoother GstClipSmoother;

/* A change of the held top label, to announce. */
typedef struct
{
  gchar *previous;              /* "" for the first result of a stream */
  gchar *label;                 /* "" for no match */
  gdouble score;                /* smoothed probability of @label's class */
} GstClipChange;

GstClipSmoother *gst_clip_smoother_new (void);
void gst_clip_smoother_free (GstClipSmoother * smoother);

/* Forgets every stream's state (flush, new segment of stream time). */
void gst_clip_smoother_reset (GstClipSmoother * smoother);

/* Feeds the probabilities @probs (over @set, in label order) of one
 * inference at @stream_time of the stream @key (-1: the frame; else a
 * region id) and replaces them by their exponential moving average with
 * time constant @smoothing seconds (0: unchanged). A new label set starts
 * the average afresh. Returns TRUE and fills @change when the held top
 * label changed: the smoothed top label (or "" when its probability is
 * below @threshold) must have been on top for @hold seconds of stream time
 * before it counts. Clear @change with gst_clip_change_clear(). */
gboolean gst_clip_smoother_update (GstClipSmoother * smoother, gint key,
    const ClipLabelSet * set, float *probs, GstClockTime stream_time,
    gdouble smoothing, gdouble hold, gdouble threshold,
    GstClipChange * change);

void gst_clip_change_clear (GstClipChange * change);

/* The "clipclassify-change" element message (docs/messages.md). */
GstMessage *gst_clip_change_new_message (GstObject * src,
    const GstClipChange * change, const GstClipStamp * stamp,
    gboolean is_region, gint region_id);

G_END_DECLS

#endif
