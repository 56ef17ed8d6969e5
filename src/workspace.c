/* workspace.c: per-thread scratch memory and the batching entry points of
 * the towers (clip_vision_encode, clip_text_encode*). */
#include "workspace.h"

#include "kernels.h"

#include <math.h>
#include <string.h>


ClipWorkspace *
clip_workspace_new (ClipModel *model, int max_batch, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (max_batch < 1 || max_batch > 4096) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "workspace batch size %d is out of range (1-4096)", max_batch);
    return NULL;
  }
  const ClipVision *vis = &model->vision;
  const ClipText *txt = &model->text;
  ClipWorkspace *ws = g_new0 (ClipWorkspace, 1);
  ws->model = clip_model_ref (model);
  ws->max_batch = max_batch;
  ws->text_batch = CLIP_TEXT_BATCH;
  size_t vrows = (size_t) max_batch * vis->n_pos;
  size_t trows = (size_t) ws->text_batch * txt->context;
  size_t width = MAX (vis->tf.width, txt->tf.width);
  size_t mlp = MAX (vis->tf.mlp, txt->tf.mlp);
  size_t seq = MAX (vis->n_pos, txt->context);
  ws->rows = MAX (vrows, trows);
  ws->x = g_try_new (float, ws->rows * width * 6);
  ws->u = g_try_new (float, ws->rows * mlp);
  ws->scores = g_try_new (float, seq * seq);
  ws->patches = g_try_new (float, clip_model_input_size (model) * max_batch);
  ws->pooled = g_try_new (float, MAX (max_batch, ws->text_batch) * width);
  ws->ids = g_try_new (int32_t, (size_t) ws->text_batch * txt->context);
  if (!ws->x || !ws->u || !ws->scores || !ws->patches || !ws->pooled
      || !ws->ids) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "out of memory for a workspace of %d images", max_batch);
    clip_workspace_free (ws);
    return NULL;
  }
  ws->t = ws->x + ws->rows * width;
  ws->q = ws->t + ws->rows * width;
  ws->k = ws->q + ws->rows * width;
  ws->v = ws->k + ws->rows * width;
  ws->a = ws->v + ws->rows * width;
  return ws;
}

void
clip_workspace_free (ClipWorkspace *ws)
{
  if (!ws)
    return;
  g_free (ws->x);
  g_free (ws->u);
  g_free (ws->scores);
  g_free (ws->patches);
  g_free (ws->pooled);
  g_free (ws->ids);
  clip_model_unref (ws->model);
  g_free (ws);
}

ClipModel *
clip_workspace_get_model (ClipWorkspace *ws)
{
  return ws->model;
}

void
clip_workspace_set_threads (ClipWorkspace *ws, int n_threads)
{
  ws->n_threads = MAX (n_threads, 0);
}

void
clip_l2_normalize (float *rows, int n, int dim)
{
  for (int r = 0; r < n; r++) {
    float *row = rows + (size_t) r * dim;
    double sq = 0;
    for (int i = 0; i < dim; i++)
      sq += (double) row[i] * row[i];
    if (sq <= 0)
      continue;
    float inv = (float) (1.0 / sqrt (sq));
    for (int i = 0; i < dim; i++)
      row[i] *= inv;
  }
}

gboolean
clip_vision_encode (ClipWorkspace *ws, const float *pixels, int n,
    float *out, gboolean normalize, GError **error)
{
  g_return_val_if_fail (ws != NULL && (pixels != NULL || n == 0), FALSE);
  if (n < 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "negative image count %d", n);
    return FALSE;
  }
  size_t in_size = clip_model_input_size (ws->model);
  int e = ws->model->embed_dim;
  k_set_threads (ws->n_threads);
  for (int i = 0; i < n; i += ws->max_batch) {
    int m = MIN (ws->max_batch, n - i);
    clip_vision_forward (ws, pixels + in_size * i, m, out + (size_t) e * i);
  }
  if (normalize)
    clip_l2_normalize (out, n, e);
  return TRUE;
}

gboolean
clip_text_encode_tokens (ClipWorkspace *ws, const int32_t *ids, int n,
    float *out, gboolean normalize, GError **error)
{
  g_return_val_if_fail (ws != NULL && (ids != NULL || n == 0), FALSE);
  const ClipText *txt = &ws->model->text;
  for (size_t i = 0; i < (size_t) n * txt->context; i++) {
    if (ids[i] < 0 || ids[i] >= txt->vocab) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "token id %d (text %zu, position %zu) is outside the vocabulary "
          "of %d", ids[i], i / txt->context, i % txt->context, txt->vocab);
      return FALSE;
    }
  }
  int e = ws->model->embed_dim;
  k_set_threads (ws->n_threads);
  for (int i = 0; i < n; i += ws->text_batch) {
    int m = MIN (ws->text_batch, n - i);
    clip_text_forward (ws, ids + (size_t) txt->context * i, m,
        out + (size_t) e * i);
  }
  if (normalize)
    clip_l2_normalize (out, n, e);
  return TRUE;
}

gboolean
clip_text_encode (ClipWorkspace *ws, const char *const *texts, int n,
    float *out, gboolean normalize, GError **error)
{
  const ClipModel *model = ws->model;
  int ctx = model->text.context;
  int e = model->embed_dim;
  for (int i = 0; i < n; i += ws->text_batch) {
    int m = MIN (ws->text_batch, n - i);
    for (int j = 0; j < m; j++)
      if (!clip_tokenize (model, texts[i + j], ws->ids + (size_t) j * ctx,
              error))
        return FALSE;
    if (!clip_text_encode_tokens (ws, ws->ids, m, out + (size_t) e * i,
            normalize, error))
      return FALSE;
  }
  return TRUE;
}
