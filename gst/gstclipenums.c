/* gstclipenums.c: the precision and backend property types. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipenums.h"

#include "clip.h"

GType
gst_clip_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CLIP_PRECISION_FP32, "float32 throughout: the reference numerics "
          "(cosine >= 0.99999 to OpenAI's float64 embeddings)", "fp32"},
    {CLIP_PRECISION_BF16, "bf16 weights and matrix inputs, float32 sums: "
          "half the weight memory, about twice as fast on CPUs with "
          "AVX512_BF16 or AMX (cosine >= 0.9995)", "bf16"},
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
