/* gstclipregions.h: inference-region=roi-list, classifying the regions an
 * upstream detector put on the frame (GstVideoRegionOfInterestMeta). */
#ifndef __GST_CLIP_REGIONS_H__
#define __GST_CLIP_REGIONS_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "clip.h"
#include "gstclipencoder.h"
#include "gstclipframe.h"
#include "gstclipsmoother.h"

G_BEGIN_DECLS

/* Which regions are classified and how results are reported. */
typedef struct
{
  gchar **object_class;         /* ROI types to classify; NULL: all */
  guint min_size;               /* smaller regions (either side) skipped */
  guint reclassify_interval;    /* frames between classifications of one
                                 * stable id; 0 or 1: every time */
  guint top_k;
  gdouble threshold;
  GstClipSmoother *smoother;    /* smooths regions with a unique id */
  gdouble smoothing, hold;      /* its settings (seconds) */
} GstClipRegionSettings;

typedef struct _GstClipRegions GstClipRegions;

GstClipRegions *gst_clip_regions_new (void);
void gst_clip_regions_free (GstClipRegions * regions);
/* Forgets the results carried for stable ids (a flush, a label change). */
void gst_clip_regions_reset (GstClipRegions * regions);

/* Classifies the chosen ROI metas of @frame (mapped, writable buffer) with
 * @encoder and @set: adds a "clipclassify" structure to each ROI meta's
 * params, and returns the element message (NULL when the frame has no
 * region to classify: no result, no error) after attaching a
 * GstClipClassifyMeta with the regions to the buffer, and in @changes the
 * "clipclassify-change" messages of regions whose held label changed.
 * FALSE on an inference error. */
gboolean gst_clip_regions_classify (GstClipRegions * regions,
    GstClipEncoder * encoder, const ClipLabelSet * set,
    const GstClipRegionSettings * settings, GstVideoFrame * frame,
    const GstClipStamp * stamp, GstObject * src, GstMessage ** message,
    GList ** changes, GError ** error);

G_END_DECLS

#endif
