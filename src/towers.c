/* towers.c: the vision and text forward passes, reading top to bottom like
 * OpenAI's clip/model.py. Batches run as one [batch * tokens, width] matrix
 * so that the GEMMs stay large. Nothing here allocates. */
#include "backend.h"
#include "kernels.h"

#include <string.h>

/* Where a text prefix's keys (then values) of block @l are kept: @ctx rows
 * of @w floats each. */
static float *
prefix_keys (ClipWorkspace *ws, int l, int ctx, int w)
{
  return ws->prefix_kv + (size_t) l * 2 * ctx * w;
}

/* x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)) for every block. With @keep
 * (one sequence of a text prefix) each block's keys and values are kept in
 * ws->prefix_kv, and nothing else of the last block is run; with
 * @prefix > 0 the sequences are the positions after a prefix kept so, and
 * attend to it too. With @pool, only row pool[b] of each sequence b is
 * read after the pass: the last block runs its queries, out projection
 * and MLP on those rows alone, which end as rows 0 .. batch - 1 of ws->x
 * (keys and values still come from every row). Every pass keeps or
 * pools, so the last block never needs the queries of other rows. */
static void
transformer_forward (ClipWorkspace *ws, const ClipTransformer *tf, int batch,
    int seq, gboolean keep, int prefix, const int *pool)
{
  int rows = batch * seq;
  int w = tf->width, ctx = ws->model->text.context;

  g_assert (keep || pool);

  for (int l = 0; l < tf->layers; l++) {
    const ClipBlock *b = &tf->blocks[l];
    gboolean last = l == tf->layers - 1;
    ClipQkv qkv;

    clip_backend_norm (ws, &b->ln1, tf->eps, rows, w,
        clip_backend_qkv_input (b, last));
    if (last)
      clip_backend_qkv_last (ws, b, batch, seq, pool, &qkv);
    else
      clip_backend_qkv (ws, b, rows, &qkv);
    if (keep) {
      float *k = prefix_keys (ws, l, ctx, w), *v = k + (size_t) ctx * w;
      for (int r = 0; r < seq; r++) {
        memcpy (k + (size_t) r * w, qkv.k + (size_t) r * qkv.ld,
            w * sizeof (float));
        memcpy (v + (size_t) r * w, qkv.v + (size_t) r * qkv.ld,
            w * sizeof (float));
      }
      if (last)
        break;
    } else if (prefix > 0) {
      qkv.pk = prefix_keys (ws, l, ctx, w);
      qkv.pv = qkv.pk + (size_t) ctx * w;
      qkv.pld = w;
      qkv.prefix = prefix;
    }
    const int *only = last ? pool : NULL;
    clip_backend_attention (ws, &qkv, only, ws->a, batch, seq, w, tf->heads,
        tf->causal, &b->out);
    if (only) {
      k_pooled_rows (ws->x, ws->x, batch, seq, pool, w);
      rows = batch;
    }
    clip_backend_linear (ws, &b->out, ws->a, rows, ws->x, CLIP_EPI_RESIDUAL,
        tf->act);

    clip_backend_norm (ws, &b->ln2, tf->eps, rows, w, &b->fc1);
    clip_backend_mlp (ws, b, rows, tf->act);
  }
}

/* Unfolds [n, 3, R, R] images into [n * grid^2, 3 * P * P] rows, ordered
 * (channel, row, column) like the flattened conv1 weight. */
static void
im2col (const ClipVision *v, const float *pixels, int n, float *patches)
{
  int p = v->patch, g = v->grid, r = v->image_size;
  size_t k = (size_t) 3 * p * p;

  for (int b = 0; b < n; b++) {
    const float *img = pixels + (size_t) b * 3 * r * r;
    for (int gy = 0; gy < g; gy++) {
      for (int gx = 0; gx < g; gx++) {
        float *row = patches + ((size_t) b * g * g + gy * g + gx) * k;
        for (int c = 0; c < 3; c++)
          for (int y = 0; y < p; y++)
            memcpy (row + ((size_t) c * p + y) * p,
                img + ((size_t) c * r + gy * p + y) * r + gx * p,
                p * sizeof (float));
      }
    }
  }
}

void
clip_vision_forward (ClipWorkspace *ws, const float *pixels, int n,
    float *out)
{
  const ClipVision *v = &ws->model->vision;
  int w = v->tf.width, t = v->n_pos, g2 = v->grid * v->grid;

  /* patch embedding into the q buffer, then [class; patches] + positions */
  im2col (v, pixels, n, ws->patches);
  clip_backend_linear (ws, &v->patch_embed, ws->patches, n * g2, ws->q,
      CLIP_EPI_NONE, 0);
  for (int b = 0; b < n; b++) {
    float *seq = ws->x + (size_t) b * t * w;
    for (int i = 0; i < w; i++)
      seq[i] = v->class_emb[i] + v->pos_emb[i];
    for (int j = 1; j < t; j++) {
      const float *e = ws->q + ((size_t) b * g2 + j - 1) * w;
      const float *pos = v->pos_emb + (size_t) j * w;
      float *row = seq + (size_t) j * w;
      for (int i = 0; i < w; i++)
        row[i] = e[i] + pos[i];
    }
  }
  k_layer_norm (ws->x, ws->x, n * t, w, &v->ln_pre, v->tf.eps,
        ws->n_threads);

  /* the class token's row of each image: the first */
  memset (ws->pool, 0, n * sizeof (int));
  transformer_forward (ws, &v->tf, n, t, FALSE, 0, ws->pool);

  memcpy (ws->pooled, ws->x, (size_t) n * w * sizeof (float));
  k_layer_norm (ws->pooled, ws->pooled, n, w, &v->ln_post, v->tf.eps,
        ws->n_threads);
  clip_backend_linear (ws, &v->proj, ws->pooled, n, out, CLIP_EPI_NONE, 0);
}

int
clip_eot_position (const int32_t *ids, int context)
{
  int best = 0;
  for (int i = 1; i < context; i++)
    if (ids[i] > ids[best])
      best = i;
  return best;
}

/* The rows of positions @from .. @to - 1 of @n texts: token plus
 * position embeddings, [n, to - from, width]. */
static void
embed_tokens (ClipWorkspace *ws, const int32_t *ids, int n, int from, int to)
{
  const ClipText *txt = &ws->model->text;
  int w = txt->tf.width, ctx = txt->context, len = to - from;

  for (int b = 0; b < n; b++) {
    for (int j = 0; j < len; j++) {
      const float *tok = txt->tok_emb + (size_t) ids[(size_t) b * ctx + from
          + j] * w;
      const float *pos = txt->pos_emb + (size_t) (from + j) * w;
      float *row = ws->x + ((size_t) b * len + j) * w;
      for (int i = 0; i < w; i++)
        row[i] = tok[i] + pos[i];
    }
  }
}

void
clip_text_prefix (ClipWorkspace *ws, const int32_t *ids, int prefix)
{
  embed_tokens (ws, ids, 1, 0, prefix);
  transformer_forward (ws, &ws->model->text.tf, 1, prefix, TRUE, 0, NULL);
}

void
clip_text_forward (ClipWorkspace *ws, const int32_t *ids, int n, int prefix,
    float *out)
{
  const ClipText *txt = &ws->model->text;
  int w = txt->tf.width, ctx = txt->context;
  int *pool = ws->pool;

  /* The mask is causal, so tokens after the last pooled position cannot
   * change the result: run only as many positions as needed. */
  int seq = 1;
  for (int b = 0; b < n; b++) {
    pool[b] = clip_eot_position (ids + (size_t) b * ctx, ctx);
    seq = MAX (seq, pool[b] + 1);
  }
  embed_tokens (ws, ids, n, prefix, seq);

  int len = seq - prefix;
  for (int b = 0; b < n; b++)
    pool[b] -= prefix;
  transformer_forward (ws, &txt->tf, n, len, FALSE, prefix, pool);

  memcpy (ws->pooled, ws->x, (size_t) n * w * sizeof (float));
  k_layer_norm (ws->pooled, ws->pooled, n, w, &txt->ln_final, txt->tf.eps,
        ws->n_threads);
  clip_backend_linear (ws, &txt->proj, ws->pooled, n, out, CLIP_EPI_NONE,
      0);
}
