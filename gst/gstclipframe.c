/* gstclipframe.c: GstVideoFrame -> ClipImage, so that the engine reads the
 * mapped planes directly with their strides and offsets. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipframe.h"

void
gst_clip_stamp_init (GstClipStamp * stamp, GstBuffer * buffer,
    const GstSegment * segment, guint64 frame, guint generation)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  stamp->frame = frame;
  stamp->pts = pts;
  stamp->duration = GST_BUFFER_DURATION (buffer);
  stamp->stream_time = GST_CLOCK_TIME_NONE;
  stamp->running_time = GST_CLOCK_TIME_NONE;
  stamp->generation = generation;
  if (GST_CLOCK_TIME_IS_VALID (pts) && segment->format == GST_FORMAT_TIME) {
    stamp->stream_time = gst_segment_to_stream_time (segment,
        GST_FORMAT_TIME, pts);
    stamp->running_time = gst_segment_to_running_time (segment,
        GST_FORMAT_TIME, pts);
  }
}

static gboolean
pixel_format (GstVideoFormat format, ClipPixelFormat * out)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:  *out = CLIP_PIXEL_RGB;   return TRUE;
    case GST_VIDEO_FORMAT_BGR:  *out = CLIP_PIXEL_BGR;   return TRUE;
    case GST_VIDEO_FORMAT_RGBx: *out = CLIP_PIXEL_RGBX;  return TRUE;
    case GST_VIDEO_FORMAT_BGRx: *out = CLIP_PIXEL_BGRX;  return TRUE;
    case GST_VIDEO_FORMAT_xRGB: *out = CLIP_PIXEL_XRGB;  return TRUE;
    case GST_VIDEO_FORMAT_xBGR: *out = CLIP_PIXEL_XBGR;  return TRUE;
    case GST_VIDEO_FORMAT_RGBA: *out = CLIP_PIXEL_RGBA;  return TRUE;
    case GST_VIDEO_FORMAT_BGRA: *out = CLIP_PIXEL_BGRA;  return TRUE;
    case GST_VIDEO_FORMAT_ARGB: *out = CLIP_PIXEL_ARGB;  return TRUE;
    case GST_VIDEO_FORMAT_ABGR: *out = CLIP_PIXEL_ABGR;  return TRUE;
    case GST_VIDEO_FORMAT_GRAY8: *out = CLIP_PIXEL_GRAY8; return TRUE;
    case GST_VIDEO_FORMAT_I420: *out = CLIP_PIXEL_I420;  return TRUE;
    case GST_VIDEO_FORMAT_NV12: *out = CLIP_PIXEL_NV12;  return TRUE;
    case GST_VIDEO_FORMAT_YV12: *out = CLIP_PIXEL_I420;  return TRUE;
    case GST_VIDEO_FORMAT_NV21: *out = CLIP_PIXEL_NV21;  return TRUE;
    case GST_VIDEO_FORMAT_YUY2: *out = CLIP_PIXEL_YUY2;  return TRUE;
    case GST_VIDEO_FORMAT_UYVY: *out = CLIP_PIXEL_UYVY;  return TRUE;
    case GST_VIDEO_FORMAT_YVYU: *out = CLIP_PIXEL_YVYU;  return TRUE;
    default:
      return FALSE;
  }
}

/* The caps' colorimetry decides the YUV matrix: a full-range stream is
 * JPEG-style BT.601 whatever it claims, BT.709 is HD, the rest SD. */
static ClipYuvMatrix
yuv_matrix (const GstVideoInfo * info)
{
  const GstVideoColorimetry *cm = &GST_VIDEO_INFO_COLORIMETRY (info);

  if (cm->range == GST_VIDEO_COLOR_RANGE_0_255)
    return CLIP_YUV_BT601_FULL;
  if (cm->matrix == GST_VIDEO_COLOR_MATRIX_BT709)
    return CLIP_YUV_BT709;
  return CLIP_YUV_BT601;
}

gboolean
gst_clip_image_from_frame (const GstVideoFrame * frame, ClipImage * image)
{
  guint i, n_planes = GST_VIDEO_FRAME_N_PLANES (frame);

  if (!pixel_format (GST_VIDEO_FRAME_FORMAT (frame), &image->format))
    return FALSE;

  image->width = GST_VIDEO_FRAME_WIDTH (frame);
  image->height = GST_VIDEO_FRAME_HEIGHT (frame);
  image->matrix = yuv_matrix (&frame->info);
  for (i = 0; i < 3; i++) {
    image->planes[i] = i < n_planes ?
        GST_VIDEO_FRAME_PLANE_DATA (frame, i) : NULL;
    image->strides[i] = i < n_planes ?
        GST_VIDEO_FRAME_PLANE_STRIDE (frame, i) : 0;
  }
  if (GST_VIDEO_FRAME_FORMAT (frame) == GST_VIDEO_FORMAT_YV12) {
    /* I420 with its chroma planes the other way round: V, then U */
    const uint8_t *v = image->planes[1];
    int v_stride = image->strides[1];

    image->planes[1] = image->planes[2];
    image->strides[1] = image->strides[2];
    image->planes[2] = v;
    image->strides[2] = v_stride;
  }
  return TRUE;
}
