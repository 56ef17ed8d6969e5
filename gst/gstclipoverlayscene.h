/* gstclipoverlayscene.h: what clipoverlay draws on a frame, read from its
 * classification meta, and the pictures that draw it: a panel of the
 * frame's top labels with probability bars, or a box and a tag for each
 * classified region. */
#ifndef __GST_CLIP_OVERLAY_SCENE_H__
#define __GST_CLIP_OVERLAY_SCENE_H__

#include <gst/video/video.h>
#include <pango/pango.h>

#include "gstclipclassifymeta.h"

G_BEGIN_DECLS

typedef enum
{
  GST_CLIP_OVERLAY_POSITION_TOP_LEFT,
  GST_CLIP_OVERLAY_POSITION_TOP_RIGHT,
  GST_CLIP_OVERLAY_POSITION_BOTTOM_LEFT,
  GST_CLIP_OVERLAY_POSITION_BOTTOM_RIGHT,
} GstClipOverlayPosition;

/* How a scene is laid out on a frame of this size. */
typedef struct
{
  gint frame_width, frame_height;
  guint font_px;                /* text height in pixels, > 0 */
  guint max_labels;             /* panel lines per result; 0: all */
  GstClipOverlayPosition position;      /* of the frame panel */
  /* The frame's pixel aspect ratio, taken as square when either term
   * is 0 or less: text and the panel are drawn so that they look square
   * where the video is shown at this ratio. */
  gint par_n, par_d;
} GstClipOverlayStyle;

typedef struct _GstClipOverlayScene GstClipOverlayScene;

/* The scene of @meta on @buffer: the frame result, or each region's
 * result in the rectangle its GstVideoRegionOfInterestMeta has now on
 * @buffer (when exactly one ROI meta has its id and type), else in the
 * rectangle that was classified. */
GstClipOverlayScene *gst_clip_overlay_scene_new (const GstClipClassifyMeta *
    meta, GstBuffer * buffer, const GstClipOverlayStyle * style);

void gst_clip_overlay_scene_free (GstClipOverlayScene * scene);

/* Whether @a and @b draw the same picture (either may be NULL). */
gboolean gst_clip_overlay_scene_equal (const GstClipOverlayScene * a,
    const GstClipOverlayScene * b);

/* The scene drawn as ARGB rectangles placed on the frame, ready for
 * gst_video_overlay_composition_blend(); NULL when nothing of it falls
 * inside the frame. Text is laid out with @context (a PangoCairo one). */
GstVideoOverlayComposition *gst_clip_overlay_scene_render (const
    GstClipOverlayScene * scene, const GstClipOverlayStyle * style,
    PangoContext * context);

G_END_DECLS

#endif
