/* gstclipsampler.h: which frames are inferred (interval and max-rate). */
#ifndef __GST_CLIP_SAMPLER_H__
#define __GST_CLIP_SAMPLER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 origin;               /* frame index the interval counts from */
  gboolean have_slot;
  guint64 last_slot;            /* max-rate slot of the last sampled frame */
} GstClipSampler;

/* Restarts the counting at frame index @origin (start and flushes). */
void gst_clip_sampler_reset (GstClipSampler * sampler, guint64 origin);

/* Whether frame @frame, at @stream_time, is sampled:
 * (frame - origin) % interval == 0, and, when @max_rate > 0 and the
 * stream time is valid, it is the first such frame in its slot of
 * 1/max_rate seconds of stream time (slot = floor (stream_time * max_rate),
 * max_rate taken to 1/1000). A sampled frame is remembered. */
gboolean gst_clip_sampler_take (GstClipSampler * sampler, guint64 frame,
    GstClockTime stream_time, guint interval, gdouble max_rate);

G_END_DECLS

#endif
