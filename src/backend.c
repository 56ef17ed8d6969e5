/* backend.c: picks the backend's implementation of each operation. The
 * towers call these; nothing above this file knows which backend runs. */
#include "backend.h"

gboolean
clip_backend_available (ClipBackend backend)
{
#ifdef HAVE_DNNL
  return TRUE;
#else
  return backend != CLIP_BACKEND_NATIVE;
#endif
}

#ifdef HAVE_DNNL
#define NATIVE(m) ((m)->backend == CLIP_BACKEND_NATIVE)
#else
#define NATIVE(m) FALSE
#endif

gboolean
clip_backend_model_prepare (ClipModel *m, GError **error)
{
#ifdef HAVE_DNNL
  if (NATIVE (m))
    return clip_dnnl_model_prepare (m, error);
#endif
  clip_blas_init ();
  return TRUE;
}

void
clip_backend_model_clear (ClipModel *m)
{
#ifdef HAVE_DNNL
  if (m->native)
    clip_dnnl_model_clear (m);
#endif
}

gboolean
clip_backend_workspace_init (ClipWorkspace *ws, GError **error)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model))
    return clip_dnnl_workspace_init (ws, error);
#endif
  return TRUE;
}

void
clip_backend_workspace_clear (ClipWorkspace *ws)
{
#ifdef HAVE_DNNL
  if (ws->native)
    clip_dnnl_workspace_clear (ws);
#endif
}

void
clip_backend_begin (ClipWorkspace *ws)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model))
    clip_dnnl_begin (ws);
#endif
}

void
clip_backend_linear (ClipWorkspace *ws, const ClipLinear *l, const float *x,
    int m, float *y, ClipEpilogue epi, ClipAct act)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model)) {
    clip_dnnl_linear (ws, l, x, m, y, epi, act);
    return;
  }
#endif
  clip_blas_linear (ws, l, x, m, y, epi, act);
}

void
clip_backend_qkv (ClipWorkspace *ws, const ClipBlock *b, int rows,
    ClipQkv *out)
{
  int w = b->q.n_out;

  if (b->qkv.packed) {
    /* one product into [rows, 3 width]: q, k and v side by side */
    clip_backend_linear (ws, &b->qkv, ws->t, rows, ws->q, CLIP_EPI_NONE, 0);
    *out = (ClipQkv) { ws->q, ws->q + w, ws->q + 2 * w, 3 * w };
    return;
  }
  clip_backend_linear (ws, &b->q, ws->t, rows, ws->q, CLIP_EPI_NONE, 0);
  clip_backend_linear (ws, &b->k, ws->t, rows, ws->k, CLIP_EPI_NONE, 0);
  clip_backend_linear (ws, &b->v, ws->t, rows, ws->v, CLIP_EPI_NONE, 0);
  *out = (ClipQkv) { ws->q, ws->k, ws->v, w };
}

void
clip_backend_attention (ClipWorkspace *ws, const ClipQkv *qkv, float *out,
    int batch, int seq, int width, int heads, gboolean causal)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model)) {
    clip_dnnl_attention (ws, qkv, out, batch, seq, width, heads, causal);
    return;
  }
#endif
  clip_blas_attention (ws, qkv, out, batch, seq, width, heads, causal);
}
