/* gstclipmodelcache.h: one loaded model per checkpoint path per process. */
#ifndef __GST_CLIP_MODEL_CACHE_H__
#define __GST_CLIP_MODEL_CACHE_H__

#include <glib.h>
#include "clip.h"

G_BEGIN_DECLS

/* The checkpoint to use when the model property is unset:
 * $CLIPCLASSIFY_MODEL, else the installed demo model, else NULL.
 * Returns a new string or NULL. */
gchar *gst_clip_model_default_path (void);

/* A reference to the model at @path loaded with @params (backend and
 * precision: the vocabulary paths are not used), loading it unless another
 * user in this process already holds it so. Release it with
 * gst_clip_model_cache_release(). */
ClipModel *gst_clip_model_cache_acquire (const gchar * path,
    const ClipModelParams * params, GError ** error);

/* Gives back a model from gst_clip_model_cache_acquire(); the last release
 * of a path unloads it. */
void gst_clip_model_cache_release (ClipModel * model);

G_END_DECLS

#endif
