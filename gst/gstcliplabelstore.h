/* gstcliplabelstore.h: the element's current label set, rebuilt in a
 * background thread when the label properties change while streaming. */
#ifndef __GST_CLIP_LABEL_STORE_H__
#define __GST_CLIP_LABEL_STORE_H__

#include <glib.h>
#include "clip.h"
#include "gstcliplabels.h"

G_BEGIN_DECLS

typedef struct _GstClipLabelStore GstClipLabelStore;

/* Called from the rebuild thread when a requested label set is in place
 * (@error NULL) or could not be built (the previous one stays). */
typedef void (*GstClipLabelStoreNotify) (gpointer user_data,
    const ClipLabelSet * set, const GError * error);

/* A store serving @initial (a reference is taken) for @model. */
GstClipLabelStore *gst_clip_label_store_new (ClipModel * model,
    ClipLabelSet * initial, int n_threads, GstClipLabelStoreNotify notify,
    gpointer user_data);

/* The current label set (a new reference): a pointer swap under a lock,
 * never blocked by a rebuild in progress. */
ClipLabelSet *gst_clip_label_store_get (GstClipLabelStore * store);

/* Rebuilds the label set from @spec (copied) in the background and swaps
 * it in when done. Requests made while one is running coalesce: only the
 * newest is built next. */
void gst_clip_label_store_request (GstClipLabelStore * store,
    const GstClipLabelSpec * spec);

/* Waits for a running rebuild, drops queued ones, frees the store. */
void gst_clip_label_store_free (GstClipLabelStore * store);

G_END_DECLS

#endif
