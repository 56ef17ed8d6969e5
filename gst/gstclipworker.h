/* gstclipworker.h: the inference thread of mode=async. */
#ifndef __GST_CLIP_WORKER_H__
#define __GST_CLIP_WORKER_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "clip.h"
#include "gstclipframe.h"

G_BEGIN_DECLS

typedef struct _GstClipWorker GstClipWorker;

/* Called on the worker thread when a job is done: @embed (the normalised
 * image embedding) is NULL and @error set if it failed. @elapsed_ms is the
 * time spent on the frame so far (copy, preprocessing, vision tower). */
typedef void (*GstClipWorkerDone) (gpointer user_data,
    const GstClipStamp * stamp, const float *embed, gdouble elapsed_ms,
    const GError * error);

/* Starts the thread, with its own workspace on @model. */
GstClipWorker *gst_clip_worker_new (ClipModel * model, int n_threads,
    GstClipWorkerDone done, gpointer user_data, GError ** error);

/* Copies the pixels of @frame and makes them the pending job, replacing
 * (dropping) a pending job the thread has not started. Never waits for an
 * inference. Returns TRUE when a job was dropped that way. */
gboolean gst_clip_worker_submit (GstClipWorker * worker,
    const GstVideoFrame * frame, const GstClipStamp * stamp);

/* Drops the pending job, if any (for a flush). */
void gst_clip_worker_discard (GstClipWorker * worker);

/* While flushing, gst_clip_worker_drain() returns at once. */
void gst_clip_worker_set_flushing (GstClipWorker * worker, gboolean flushing);

/* Waits until the pending and the running job are done (for EOS). */
void gst_clip_worker_drain (GstClipWorker * worker);

/* Finishes the running job (its result is still reported), drops the
 * pending one, joins the thread and frees everything. */
void gst_clip_worker_free (GstClipWorker * worker);

G_END_DECLS

#endif
