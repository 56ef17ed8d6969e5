/* gstclipenums.c: the enum types of the clipclassify element's
 * properties, the engine's among them (the engine knows nothing of
 * GObject). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassify.h"
#include "gstclipenums.h"

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

GType
gst_clip_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CLIP_PRECISION_FP32, "float32 throughout: the reference numerics "
          "(cosine >= 0.99999 to OpenAI's float64 embeddings)", "fp32"},
    {CLIP_PRECISION_BF16, "bf16 weights and matrix inputs, float32 sums: "
          "half the weight memory, about twice as fast with AMX or AMD's "
          "AVX512_BF16, less elsewhere (cosine >= 0.9995)", "bf16"},
    {CLIP_PRECISION_INT8, "int8 weights, 8-bit dynamic activations: a "
          "quarter of the weight memory, fastest on CPUs with VNNI "
          "(cosine >= 0.995)", "int8"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipPrecision", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_clip_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CLIP_BACKEND_AUTO, "native when the plugin was built with oneDNN, "
          "else openblas", "auto"},
    {CLIP_BACKEND_NATIVE, "oneDNN: weights packed once at load, fused "
          "operations, every precision", "native"},
    {CLIP_BACKEND_OPENBLAS, "OpenBLAS: the portable path, fp32 only",
        "openblas"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipBackend", values);
    g_once_init_leave (&type, t);
  }
  return type;
}
