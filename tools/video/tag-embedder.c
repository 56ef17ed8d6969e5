/* tag-embedder.c: see tag-embedder.h. */
#include "tag-embedder.h"

#include "gstclipframe.h"
#include "model-fingerprint.h"

struct _TagEmbedder
{
  ClipModel *model;
  gchar *fingerprint;
  GMutex lock;
  GPtrArray *free_ws;           /* ClipWorkspace *, reused */
};

TagEmbedder *
tag_embedder_new (const gchar * model_path, const gchar * precision,
    GError ** error)
{
  ClipModelParams params = clip_model_default_params ();
  TagEmbedder *e;
  gchar *fp;

  if (precision && !clip_precision_from_name (precision, &params.precision,
          error))
    return NULL;
  fp = tools_model_fingerprint (model_path, error);
  if (!fp)
    return NULL;
  e = g_new0 (TagEmbedder, 1);
  e->model = clip_model_load (model_path, &params, error);
  if (!e->model) {
    g_free (fp);
    g_free (e);
    return NULL;
  }
  e->fingerprint = fp;
  g_mutex_init (&e->lock);
  e->free_ws = g_ptr_array_new_with_free_func ((GDestroyNotify)
      clip_workspace_free);
  return e;
}

void
tag_embedder_free (TagEmbedder * e)
{
  if (!e)
    return;
  g_ptr_array_unref (e->free_ws);
  clip_model_unref (e->model);
  g_free (e->fingerprint);
  g_mutex_clear (&e->lock);
  g_free (e);
}

gint
tag_embedder_dim (const TagEmbedder * e)
{
  return clip_model_embed_dim (e->model);
}

const gchar *
tag_embedder_fingerprint (const TagEmbedder * e)
{
  return e->fingerprint;
}

gboolean
tag_embedder_embed (TagEmbedder * e, const GstVideoFrame * frame,
    float *out, GError ** error)
{
  ClipWorkspace *ws = NULL;
  float *input = g_new (float, clip_model_input_size (e->model));
  gboolean ok;

  g_mutex_lock (&e->lock);
  if (e->free_ws->len)
    ws = g_ptr_array_steal_index_fast (e->free_ws, e->free_ws->len - 1);
  g_mutex_unlock (&e->lock);
  if (!ws) {
    ws = clip_workspace_new (e->model, 1, error);
    if (!ws) {
      g_free (input);
      return FALSE;
    }
    clip_workspace_set_threads (ws, 1);
  }
  ClipImage image;
  if (!gst_clip_picture_from_frame (frame, &image)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "video format %s is not supported",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)));
    ok = FALSE;
  } else {
    ok = clip_preprocess (e->model, &image, input, error) &&
        clip_vision_encode (ws, input, 1, out, TRUE, error);
  }
  g_mutex_lock (&e->lock);
  g_ptr_array_add (e->free_ws, ws);
  g_mutex_unlock (&e->lock);
  g_free (input);
  return ok;
}
