/* gstclipframe.h: mapped video frames as engine images, and the timing of
 * the frame an inference belongs to. */
#ifndef __GST_CLIP_FRAME_H__
#define __GST_CLIP_FRAME_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "clip.h"

G_BEGIN_DECLS

/* The raw formats the element accepts, for its pad templates (the first
 * ones preferred where upstream offers several). */
#define GST_CLIP_FRAME_FORMATS \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, " \
  "I420, NV12, GRAY8, YV12, NV21, YUY2, UYVY, YVYU }"

/* Where in the stream an inferred frame sits (all in nanoseconds). */
typedef struct
{
  guint64 frame;                /* index since the element started */
  GstClockTime pts;
  GstClockTime duration;
  GstClockTime stream_time;
  GstClockTime running_time;
  guint generation;             /* flush generation it was sampled in */
} GstClipStamp;

/* Fills @stamp for @buffer in @segment. */
void gst_clip_stamp_init (GstClipStamp * stamp, GstBuffer * buffer,
    const GstSegment * segment, guint64 frame, guint generation);

/* A borrowed engine view of the planes of @frame (no pixel is copied).
 * FALSE for a format the element does not negotiate. */
gboolean gst_clip_image_from_frame (const GstVideoFrame * frame,
    ClipImage * image);

G_END_DECLS

#endif
