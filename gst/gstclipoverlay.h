/* gstclipoverlay.h: the clipoverlay element. */
#ifndef __GST_CLIP_OVERLAY_H__
#define __GST_CLIP_OVERLAY_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>
#include <pango/pango.h>

#include "gstclipoverlayscene.h"

G_BEGIN_DECLS

#define GST_TYPE_CLIP_OVERLAY (gst_clip_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstClipOverlay, gst_clip_overlay, GST, CLIP_OVERLAY,
    GstVideoFilter)

#define GST_TYPE_CLIP_OVERLAY_POSITION (gst_clip_overlay_position_get_type ())
GType gst_clip_overlay_position_get_type (void);

struct _GstClipOverlay
{
  GstVideoFilter parent;

  /* Properties, under the object lock. */
  gboolean silent;
  GstClipOverlayPosition position;
  guint max_labels;
  guint font_size;

  /* Streaming thread only (set up in start(), freed in stop()). */
  PangoFontMap *font_map;
  PangoContext *context;
  GstClipOverlayScene *scene;   /* the scene last drawn */
  GstVideoOverlayComposition *composition;      /* and its picture */
  gboolean blend_failed;        /* warned for the current format */
};

GST_ELEMENT_REGISTER_DECLARE (clipoverlay);

G_END_DECLS

#endif
