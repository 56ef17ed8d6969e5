/* gstclipenums.c: the enum types of the clipclassify element's
 * properties. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassify.h"

GType
gst_clip_classify_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CLIP_CLASSIFY_MODE_SYNC,
        "Each sampled frame waits for its own result", "sync"},
    {GST_CLIP_CLASSIFY_MODE_ASYNC,
          "Frames never wait: a worker thread infers the newest sampled frame",
        "async"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipClassifyMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_clip_classify_region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CLIP_CLASSIFY_REGION_FULL_FRAME, "Classify the whole frame",
        "full-frame"},
    {GST_CLIP_CLASSIFY_REGION_ROI_LIST,
          "Classify each GstVideoRegionOfInterestMeta of the frame",
        "roi-list"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipClassifyRegion", values);
    g_once_init_leave (&type, t);
  }
  return type;
}
