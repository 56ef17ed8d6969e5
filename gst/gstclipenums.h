/* gstclipenums.h: GTypes for the engine's enums used as element
 * properties (the engine itself knows nothing of GObject). */
#ifndef __GST_CLIP_ENUMS_H__
#define __GST_CLIP_ENUMS_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* ClipPrecision: nicks fp32, bf16, int8. */
#define GST_TYPE_CLIP_PRECISION (gst_clip_precision_get_type ())
GType gst_clip_precision_get_type (void);

/* ClipBackend: nicks auto, native, openblas. */
#define GST_TYPE_CLIP_BACKEND (gst_clip_backend_get_type ())
GType gst_clip_backend_get_type (void);

G_END_DECLS

#endif
