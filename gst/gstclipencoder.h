/* gstclipencoder.h: the one preprocess + vision-tower path of the element,
 * used by sync mode, the warm-up and the async worker alike. */
#ifndef __GST_CLIP_ENCODER_H__
#define __GST_CLIP_ENCODER_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "clip.h"

G_BEGIN_DECLS

typedef struct _GstClipEncoder GstClipEncoder;

/* An encoder with its own workspace on @model for batches of up to
 * @max_batch images, running @n_threads BLAS threads (0: all cores). Use
 * each encoder from one thread at a time. */
GstClipEncoder *gst_clip_encoder_new (ClipModel * model, int max_batch,
    int n_threads, GError ** error);

/* Preprocesses @n images (at most max_batch) and embeds them. Returns the
 * normalised embeddings ([n, E], owned by the encoder, valid until its next
 * call) or NULL with @error set. */
const float *gst_clip_encoder_encode (GstClipEncoder * enc,
    const ClipImage * images, int n, GError ** error);

/* The same for the whole picture of one mapped frame. */
const float *gst_clip_encoder_encode_frame (GstClipEncoder * enc,
    const GstVideoFrame * frame, GError ** error);

/* The encoder's workspace, for text-tower work on the same thread. */
ClipWorkspace *gst_clip_encoder_get_workspace (GstClipEncoder * enc);

/* One inference on a small black picture through the same path as the
 * frames; @ms receives its wall-clock time. */
gboolean gst_clip_encoder_warm_up (GstClipEncoder * enc, gdouble * ms,
    GError ** error);

/* The largest batch gst_clip_encoder_encode() takes. */
int gst_clip_encoder_max_batch (const GstClipEncoder * enc);

void gst_clip_encoder_free (GstClipEncoder * enc);

G_END_DECLS

#endif
