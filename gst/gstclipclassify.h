/* gstclipclassify.h: the clipclassify element. */
#ifndef __GST_CLIP_CLASSIFY_H__
#define __GST_CLIP_CLASSIFY_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#include "clip.h"
#include "gstcliplabels.h"
#include "gstcliplabelstore.h"
#include "gstclipencoder.h"
#include "gstclipregions.h"
#include "gstclipsmoother.h"
#include "gstclipbatcher.h"
#include "gstclipsampler.h"
#include "gstclipworker.h"

G_BEGIN_DECLS

#define GST_TYPE_CLIP_CLASSIFY (gst_clip_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstClipClassify, gst_clip_classify, GST, CLIP_CLASSIFY,
    GstVideoFilter)

#define GST_TYPE_CLIP_CLASSIFY_MODE (gst_clip_classify_mode_get_type ())
GType gst_clip_classify_mode_get_type (void);

typedef enum
{
  GST_CLIP_CLASSIFY_MODE_SYNC,
  GST_CLIP_CLASSIFY_MODE_ASYNC,
} GstClipClassifyMode;

#define GST_TYPE_CLIP_CLASSIFY_REGION (gst_clip_classify_region_get_type ())
GType gst_clip_classify_region_get_type (void);

typedef enum
{
  GST_CLIP_CLASSIFY_REGION_FULL_FRAME,
  GST_CLIP_CLASSIFY_REGION_ROI_LIST,
} GstClipClassifyRegion;

struct _GstClipClassify
{
  GstVideoFilter parent;

  /* Properties and counters, under the object lock. */
  gchar *model_path;
  GstClipLabelSpec spec;
  guint labels_serial;          /* counts changes of the label properties */
  guint interval;
  gdouble max_rate;
  guint top_k;
  gdouble threshold;
  GstClipClassifyMode mode;
  guint threads;
  ClipPrecision precision;
  ClipBackend backend;
  gboolean post_messages;
  gboolean attach_embedding;
  GstClipClassifyRegion inference_region;
  gchar *object_class;
  guint min_roi_size;
  guint reclassify_interval;
  gdouble smoothing;
  gdouble hold;
  guint batch_size;
  guint batch_timeout;
  guint64 frames_seen;
  guint64 inferences;
  guint64 frames_skipped;
  gdouble last_inference_ms;
  GstClockTime latency;         /* sync mode: the slowest inference so far */
  GstClipLabelStore *label_store;       /* set from start() to stop() */

  /* Set up in start(), torn down in stop(). */
  ClipModel *model;
  GstClipClassifyMode running_mode;
  GstClipEncoder *encoder;      /* sync mode: used by the streaming thread */
  GstClipWorker *worker;        /* async mode */
  GstClipRegions *regions;      /* roi-list mode */
  GstClipSmoother *smoother;    /* for the element's life */
  GstClipBatchClient *batch;    /* batch-size > 1 */

  /* Streaming thread only. */
  GstClipSampler sampler;
  guint64 next_frame;

  /* The newest finished result (a carrier buffer, see gstclipresult.h)
   * and the flush generation it must belong to. */
  GMutex result_lock;
  GstBuffer *latest;
  guint generation;
};

GST_ELEMENT_REGISTER_DECLARE (clipclassify);

/* Internal to the element's files. */
/* gstclipclassifyprops.c: installs the properties and their accessors on
 * the class, and sets an instance's defaults. */
void gst_clip_classify_install_properties (GObjectClass * gobject_class);
void gst_clip_classify_init_properties (GstClipClassify * self);
/* Raises the reported latency (sync mode) to an inference of @ms. */
void gst_clip_classify_update_latency (GstClipClassify * self, gdouble ms);
/* roi-list mode: classifies the regions of @frame, posts the message. */
gboolean gst_clip_classify_infer_regions (GstClipClassify * self,
    GstVideoFrame * frame, const GstClipStamp * stamp, GError ** error);

G_END_DECLS

#endif /* __GST_CLIP_CLASSIFY_H__ */
