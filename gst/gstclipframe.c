/* gstclipframe.c: GstVideoFrame -> ClipImage, so that the engine reads the
 * mapped planes directly with their strides and offsets, and crops of such
 * views (a buffer's GstVideoCropMeta, regions), and packed copies that
 * keep the picture (async and batched mode). */
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

/* The caps' colorimetry decides the YUV matrix and range: BT.709 and
 * BT.2020 as they say, anything else (BT.601, SMPTE 240M, unknown) as
 * BT.601; full range only when the caps say 0-255. */
static ClipYuvMatrix
yuv_matrix (const GstVideoInfo * info)
{
  const GstVideoColorimetry *cm = &GST_VIDEO_INFO_COLORIMETRY (info);
  gboolean full = cm->range == GST_VIDEO_COLOR_RANGE_0_255;

  switch (cm->matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      return full ? CLIP_YUV_BT709_FULL : CLIP_YUV_BT709;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      return full ? CLIP_YUV_BT2020_FULL : CLIP_YUV_BT2020;
    default:
      return full ? CLIP_YUV_BT601_FULL : CLIP_YUV_BT601;
  }
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
  /* resized as shown: a 720x576 frame at 64/45 as 1024x576 */
  image->par_n = GST_VIDEO_INFO_PAR_N (&frame->info);
  image->par_d = GST_VIDEO_INFO_PAR_D (&frame->info);
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

/* Bytes per pixel of plane 0 (4:2:2: two pixels in 4 bytes). */
static guint
plane0_bpp (ClipPixelFormat format)
{
  switch (format) {
    case CLIP_PIXEL_RGB:
    case CLIP_PIXEL_BGR:
      return 3;
    case CLIP_PIXEL_GRAY8:
    case CLIP_PIXEL_I420:
    case CLIP_PIXEL_NV12:
    case CLIP_PIXEL_NV21:
      return 1;
    case CLIP_PIXEL_YUY2:
    case CLIP_PIXEL_UYVY:
    case CLIP_PIXEL_YVYU:
      return 2;
    default:
      return 4;
  }
}

void
gst_clip_image_crop (const ClipImage * image, guint x, guint y, guint w,
    guint h, ClipImage * out)
{
  ClipPixelFormat f = image->format;
  gboolean yuv420 = f == CLIP_PIXEL_I420 || f == CLIP_PIXEL_NV12
      || f == CLIP_PIXEL_NV21;
  gboolean yuv422 = f == CLIP_PIXEL_YUY2 || f == CLIP_PIXEL_UYVY
      || f == CLIP_PIXEL_YVYU;

  *out = *image;
  /* Onto the chroma grid: even columns in every Y'CbCr format, even rows
   * too in 4:2:0. */
  if (yuv420 || yuv422) {
    guint x0 = x & ~1u;

    w += x - x0;
    x = x0;
  }
  if (yuv420) {
    guint y0 = y & ~1u;

    h += y - y0;
    y = y0;
    if (f == CLIP_PIXEL_I420) {
      out->planes[1] = image->planes[1] + (gsize) (y / 2) *
          image->strides[1] + x / 2;
      out->planes[2] = image->planes[2] + (gsize) (y / 2) *
          image->strides[2] + x / 2;
    } else {
      out->planes[1] = image->planes[1] + (gsize) (y / 2) *
          image->strides[1] + x;
    }
  }
  out->planes[0] = image->planes[0] + (gsize) y * image->strides[0] +
      (gsize) x * plane0_bpp (f);
  out->width = (int) w;
  out->height = (int) h;
}

/* The rectangle of @frame's GstVideoCropMeta clipped to the frame; FALSE
 * without one, or when nothing of it is inside the frame. */
static gboolean
crop_rect (const GstVideoFrame * frame, guint * x, guint * y, guint * w,
    guint * h)
{
  GstVideoCropMeta *crop = gst_buffer_get_video_crop_meta (frame->buffer);
  guint fw = GST_VIDEO_FRAME_WIDTH (frame);
  guint fh = GST_VIDEO_FRAME_HEIGHT (frame);

  if (!crop || crop->width == 0 || crop->height == 0 || crop->x >= fw ||
      crop->y >= fh)
    return FALSE;
  *x = crop->x;
  *y = crop->y;
  *w = MIN (crop->width, fw - crop->x);
  *h = MIN (crop->height, fh - crop->y);
  return TRUE;
}

gboolean
gst_clip_picture_from_frame (const GstVideoFrame * frame, ClipImage * image)
{
  ClipImage whole;
  guint x, y, w, h;

  if (!gst_clip_image_from_frame (frame, &whole))
    return FALSE;
  if (crop_rect (frame, &x, &y, &w, &h))
    gst_clip_image_crop (&whole, x, y, w, h, image);
  else
    *image = whole;
  return TRUE;
}

void
gst_clip_frame_copy_info (const GstVideoFrame * frame, GstVideoInfo * info)
{
  gst_video_info_set_format (info, GST_VIDEO_FRAME_FORMAT (frame),
      GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame));
  info->colorimetry = frame->info.colorimetry;
  info->par_n = frame->info.par_n;
  info->par_d = frame->info.par_d;
}

/* @copy gets @frame's crop meta, or loses the one it has (a recycled
 * copy) when @frame has none. */
static void
copy_crop (const GstVideoFrame * frame, GstBuffer * copy)
{
  GstVideoCropMeta *from = gst_buffer_get_video_crop_meta (frame->buffer);
  GstVideoCropMeta *to = gst_buffer_get_video_crop_meta (copy);

  if (!from) {
    if (to)
      gst_buffer_remove_meta (copy, (GstMeta *) to);
    return;
  }
  if (!to)
    to = gst_buffer_add_video_crop_meta (copy);
  to->x = from->x;
  to->y = from->y;
  to->width = from->width;
  to->height = from->height;
}

gboolean
gst_clip_frame_copy (const GstVideoFrame * frame, const GstVideoInfo * info,
    GstBuffer * copy)
{
  GstVideoFrame dst;

  if (!gst_video_frame_map (&dst, info, copy, GST_MAP_WRITE))
    return FALSE;
  gst_video_frame_copy (&dst, frame);
  gst_video_frame_unmap (&dst);
  copy_crop (frame, copy);
  return TRUE;
}
