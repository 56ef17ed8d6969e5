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

/* A borrowed engine view of all the mapped planes of @frame (no pixel is
 * copied), the plane that ROI metas place their regions on. FALSE for a
 * format the element does not negotiate. */
gboolean gst_clip_image_from_frame (const GstVideoFrame * frame,
    ClipImage * image);

/* The same view of @frame's picture: the rectangle of its buffer's
 * GstVideoCropMeta (a crop that videocrop or a decoder left to the sink,
 * with caps of the cropped size), clipped to the frame, as
 * gst_clip_image_crop() cuts it; the whole frame when the buffer has no
 * crop meta, or one that leaves nothing inside the frame. */
gboolean gst_clip_picture_from_frame (const GstVideoFrame * frame,
    ClipImage * image);

/* The layout of a packed copy of all of @frame (the source may have padded
 * strides or plane offsets from a GstVideoMeta): its format, size,
 * colorimetry and pixel aspect ratio. */
void gst_clip_frame_copy_info (const GstVideoFrame * frame,
    GstVideoInfo * info);

/* Copies @frame's planes into @copy (writable, laid out as
 * gst_clip_frame_copy_info() says in @info) and gives it @frame's
 * GstVideoCropMeta, or removes the one it has when @frame has none, so
 * that the copy's picture is @frame's. FALSE when @copy cannot be mapped. */
gboolean gst_clip_frame_copy (const GstVideoFrame * frame,
    const GstVideoInfo * info, GstBuffer * copy);

/* The view of @image inside the rectangle (@x, @y, @w, @h), which must lie
 * in the image; for the Y'CbCr formats the left edge (and for I420, NV12
 * and NV21 the top edge too) moves to an even coordinate, the chroma grid,
 * enlarging the crop by at most a pixel each way. */
void gst_clip_image_crop (const ClipImage * image, guint x, guint y, guint w,
    guint h, ClipImage * out);

G_END_DECLS

#endif
