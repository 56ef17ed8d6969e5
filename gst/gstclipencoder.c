/* gstclipencoder.c: preprocessing and the vision tower, written once. The
 * resize, crop, colour conversion and normalisation happen in the engine's
 * one pass over the mapped planes, with the filter tables of the stream's
 * frame size kept between frames; the batch goes through the tower as one
 * matrix. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipencoder.h"
#include "gstclipframe.h"

struct _GstClipEncoder
{
  ClipModel *model;
  ClipWorkspace *ws;
  ClipPreprocessor *pp;         /* on the workspace's threads */
  int max_batch;
  size_t input_size;
  float *input;                 /* [max_batch, 3, R, R] */
  float *embed;                 /* [max_batch, E] */
};

GstClipEncoder *
gst_clip_encoder_new (ClipModel * model, int max_batch, int n_threads,
    GError ** error)
{
  GstClipEncoder *enc;
  ClipWorkspace *ws;

  g_return_val_if_fail (max_batch >= 1, NULL);
  ws = clip_workspace_new (model, max_batch, error);
  if (!ws)
    return NULL;
  clip_workspace_set_threads (ws, n_threads);

  enc = g_new0 (GstClipEncoder, 1);
  enc->model = clip_model_ref (model);
  enc->ws = ws;
  enc->pp = clip_preprocessor_new (model, clip_workspace_get_threads (ws));
  enc->max_batch = max_batch;
  enc->input_size = clip_model_input_size (model);
  enc->input = g_new (float, enc->input_size * max_batch);
  enc->embed = g_new0 (float, (gsize) clip_model_embed_dim (model) *
      max_batch);
  return enc;
}

const float *
gst_clip_encoder_encode (GstClipEncoder * enc, const ClipImage * images,
    int n, GError ** error)
{
  int i;

  g_return_val_if_fail (n >= 1 && n <= enc->max_batch, NULL);
  for (i = 0; i < n; i++)
    if (!clip_preprocessor_run (enc->pp, &images[i],
            enc->input + enc->input_size * i, error))
      return NULL;
  if (!clip_vision_encode (enc->ws, enc->input, n, enc->embed, TRUE, error))
    return NULL;
  return enc->embed;
}

const float *
gst_clip_encoder_encode_frame (GstClipEncoder * enc,
    const GstVideoFrame * frame, GError ** error)
{
  ClipImage image;

  if (!gst_clip_picture_from_frame (frame, &image)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "video format %s is not supported",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)));
    return NULL;
  }
  return gst_clip_encoder_encode (enc, &image, 1, error);
}

ClipWorkspace *
gst_clip_encoder_get_workspace (GstClipEncoder * enc)
{
  return enc->ws;
}

typedef struct
{
  GstClipEncoder *enc;
  GError **error;
} WarmUp;

static gboolean
warm_up (void *data)
{
  static const guint8 black[32 * 32 * 3] = { 0 };
  WarmUp *w = data;
  ClipImage image = clip_image_rgb (black, 32, 32, 32 * 3);

  return gst_clip_encoder_encode (w->enc, &image, 1, w->error) != NULL;
}

gboolean
gst_clip_encoder_warm_up (GstClipEncoder * enc, gdouble * ms, GError ** error)
{
  WarmUp w = { enc, error };
  gint64 started = g_get_monotonic_time ();
  gboolean ok;

  /* The caller's thread (a state change) runs no more passes: on more
   * than one thread the pass runs apart, and its threads end with it. */
  if (clip_workspace_get_threads (enc->ws) > 1)
    ok = clip_run_apart (warm_up, &w);
  else
    ok = warm_up (&w);
  if (!ok)
    return FALSE;
  *ms = (g_get_monotonic_time () - started) / 1000.0;
  return TRUE;
}

int
gst_clip_encoder_max_batch (const GstClipEncoder * enc)
{
  return enc->max_batch;
}

void
gst_clip_encoder_free (GstClipEncoder * enc)
{
  if (!enc)
    return;
  g_free (enc->embed);
  g_free (enc->input);
  clip_preprocessor_free (enc->pp);
  clip_workspace_free (enc->ws);
  clip_model_unref (enc->model);
  g_free (enc);
}
