/* gstclipbatcher.h: one forward pass for the frames of several element
 * instances (batch-size, batch-timeout). */
#ifndef __GST_CLIP_BATCHER_H__
#define __GST_CLIP_BATCHER_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "clip.h"
#include "gstclipframe.h"
#include "gstclipworker.h"

G_BEGIN_DECLS

typedef struct _GstClipBatcher GstClipBatcher;
typedef struct _GstClipBatchClient GstClipBatchClient;

/* Joins the batcher of @model with these settings, creating it (with its
 * thread, @n_threads BLAS threads) for the first client. Each client has
 * one pending slot, as GstClipWorker: a newer frame replaces a pending one.
 * @done is called on the batcher's thread for each finished frame. */
GstClipBatchClient *gst_clip_batcher_join (ClipModel * model,
    guint batch_size, guint timeout_ms, int n_threads, GstClipWorkerDone done,
    gpointer user_data, GError ** error);

/* Copies @frame into the client's pending slot; TRUE when it replaced a
 * pending frame not yet taken into a batch. Never waits for inference. */
gboolean gst_clip_batch_client_submit (GstClipBatchClient * client,
    const GstVideoFrame * frame, const GstClipStamp * stamp);

/* Drops the pending frame, if any (for a flush). */
void gst_clip_batch_client_discard (GstClipBatchClient * client);

/* While flushing, gst_clip_batch_client_drain() returns at once. */
void gst_clip_batch_client_set_flushing (GstClipBatchClient * client,
    gboolean flushing);

/* Waits until the client's pending and running frames are done. */
void gst_clip_batch_client_drain (GstClipBatchClient * client);

/* Drops the pending frame, waits for a running one, leaves the batcher
 * (the last client stops its thread). */
void gst_clip_batch_client_free (GstClipBatchClient * client);

G_END_DECLS

#endif
