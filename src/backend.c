/* backend.c: picks the backend's implementation of each operation. The
 * towers call these; nothing above this file knows which backend runs. */
#include "backend.h"

#include "cpu.h"
#include "kernels.h"

#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_thread_num() 0
#endif

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

/* On AMD's families 19h and 1Ah. A Zen 4 guest's two virtual CPUs sat
 * now on one core complex, now on two (a cache line's round trip between
 * them 50-90 ns, then 320-390), and in the second case a batch-8 ViT-B/32
 * pass with both threads on every product took 8% longer: each product's
 * activations cross between the two complexes' caches. Two halves, whose
 * activations stay with their thread, took as long either way: in fp32,
 * 296 ms (mean of 14) against 321 on two complexes, 296 (of 21) against
 * 304 on one (bench/README.md). With no sharing of work, a core slower
 * than the other holds the pass up, as share.c says of Intel's guests.
 * A Zen 5 guest's CPUs sat mostly on two complexes (round trips of 440-530
 * ns), and there too halves made batch 8 faster, with Zen 4's panels
 * (bench/README.md); on one complex, with Strassen's sums kept, shared
 * products were faster, so a workspace runs halves only while its
 * threads sit apart (placement.c). Not measured elsewhere. */
gboolean
clip_backend_halves_pay (const ClipModel *m)
{
  return NATIVE (m) && clip_cpu_is_amd_zen3_to_5 ();
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
clip_backend_norm (ClipWorkspace *ws, const ClipNorm *ln, float eps,
    int rows, int width, const ClipLinear *next)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model)) {
    clip_dnnl_norm (ws, ln, eps, rows, width, next);
    return;
  }
#endif
  k_layer_norm (ws->x, ws->t, rows, width, ln, eps, ws->n_threads);
}

void
clip_backend_qkv (ClipWorkspace *ws, const ClipBlock *b, int rows,
    ClipQkv *out)
{
  int w = b->q.n_out;

  if (b->qkv.packed) {
    /* one product into [rows, 3 width]: q, k and v side by side */
    clip_backend_linear (ws, &b->qkv, ws->t, rows, ws->q, CLIP_EPI_NONE, 0);
    *out = (ClipQkv) { .q = ws->q, .k = ws->q + w, .v = ws->q + 2 * w,
      .ld = 3 * w, .qld = 3 * w };
    return;
  }
  clip_backend_linear (ws, &b->q, ws->t, rows, ws->q, CLIP_EPI_NONE, 0);
  clip_backend_linear (ws, &b->k, ws->t, rows, ws->k, CLIP_EPI_NONE, 0);
  clip_backend_linear (ws, &b->v, ws->t, rows, ws->v, CLIP_EPI_NONE, 0);
  *out = (ClipQkv) { .q = ws->q, .k = ws->k, .v = ws->v, .ld = w,
    .qld = w };
}

void
clip_backend_qkv_last (ClipWorkspace *ws, const ClipBlock *b, int batch,
    int seq, const int *pool, ClipQkv *out)
{
  int w = b->q.n_out, rows = batch * seq;

  if (b->kv.packed) {
    /* one product into [rows, 2 width]: k and v side by side */
    clip_backend_linear (ws, &b->kv, ws->t, rows, ws->k, CLIP_EPI_NONE, 0);
    *out = (ClipQkv) { .k = ws->k, .v = ws->k + w, .ld = 2 * w };
  } else {
    clip_backend_linear (ws, &b->k, ws->t, rows, ws->k, CLIP_EPI_NONE, 0);
    clip_backend_linear (ws, &b->v, ws->t, rows, ws->v, CLIP_EPI_NONE, 0);
    *out = (ClipQkv) { .k = ws->k, .v = ws->v, .ld = w };
  }
  if (!pool)
    return;
  /* the pooled rows of ws->t side by side, then their queries alone */
  k_pooled_rows (ws->pooled, ws->t, batch, seq, pool, w);
  clip_backend_linear (ws, &b->q, ws->pooled, batch, ws->q, CLIP_EPI_NONE,
      0);
  out->q = ws->q;
  out->qld = w;
}

const ClipLinear *
clip_backend_qkv_input (const ClipBlock *b, gboolean last)
{
  if (last)
    return b->kv.packed ? &b->kv : &b->k;
  return b->qkv.packed ? &b->qkv : &b->q;
}

void
clip_backend_mlp (ClipWorkspace *ws, const ClipBlock *b, int rows,
    ClipAct act)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model)) {
    clip_dnnl_mlp (ws, b, rows, act);
    return;
  }
#endif
  clip_blas_linear (ws, &b->fc1, ws->t, rows, ws->u, CLIP_EPI_ACT, act);
  clip_blas_linear (ws, &b->fc2, ws->u, rows, ws->x, CLIP_EPI_RESIDUAL, act);
}

void
clip_backend_attention (ClipWorkspace *ws, const ClipQkv *qkv,
    const int *pool, float *out, int batch, int seq, int width, int heads,
    gboolean causal, const ClipLinear *next)
{
#ifdef HAVE_DNNL
  if (NATIVE (ws->model)) {
    clip_dnnl_attention (ws, qkv, pool, out, batch, seq, width, heads,
        causal, next);
    return;
  }
#endif
  if (qkv->prefix > 0 || pool) {
    clip_attention_tiled (ws, qkv, pool, out, NULL, batch, seq, width,
        heads, causal);
    return;
  }
  clip_blas_attention (ws, qkv, out, batch, seq, width, heads, causal);
}

void
clip_attention_tiled (ClipWorkspace *ws, const ClipQkv *qkv,
    const int *pool, float *out, guint16 *out_bf16, int batch, int seq,
    int width, int heads, gboolean causal)
{
  int hd = width / heads, jobs = batch * heads;
  /* CLIP's heads are small: plain C tiles beat batched library products,
   * whose fixed cost per call is most of the work at these sizes */
  int threads = MIN (MIN (ws->n_threads, ws->att_threads), jobs);
  size_t per = ws->att_size;
  /* in bf16, the heads' products on bf16 inputs as the others, and
   * their output straight to bf16 */
  ClipAttentionBf16Fn head16 = out_bf16 ? k_attention_head_bf16 (hd) : NULL;

  g_assert (k_attention_scratch (qkv->prefix + seq, hd) <= per);
  if (ws->error)
    return;
  /* heads handed out as threads free up: a thread slowed by other work
   * on its core leaves the rest to the others */
#pragma omp parallel for num_threads (threads) if (threads > 1) \
    schedule (dynamic)
  for (int j = 0; j < jobs; j++) {
    int b = j / heads, h = j % heads;
    /* the queries: rows from .. from + n_q - 1 of the sequence */
    int from = pool ? pool[b] : 0, n_q = pool ? 1 : seq;
    size_t in = (size_t) b * seq * qkv->ld + h * hd;
    /* the queries' first row in Q and in @out: with a pool, both hold
     * each sequence's pooled row alone */
    size_t row = pool ? (size_t) b : (size_t) b * seq;
    ClipKeys keys[2] = {
      { qkv->pk + h * hd, qkv->pv + h * hd, qkv->pld, qkv->prefix },
      { qkv->k + in, qkv->v + in, qkv->ld, causal ? from + n_q : seq },
    };
    int first = qkv->prefix > 0 ? 0 : 1;
    size_t at = row * width + h * hd;
    const float *qh = qkv->q + row * qkv->qld + h * hd;
    float *scratch = ws->att + per * omp_get_thread_num ();
    if (head16) {
      head16 (qh, qkv->qld, n_q, keys + first, 2 - first, hd, causal,
          scratch, out_bf16 + at, width);
      continue;
    }
    k_attention_head (qh, qkv->qld, n_q, keys + first, 2 - first, hd,
        causal, scratch, out + at, width);
    for (int r = 0; out_bf16 && r < n_q; r++)
      k_round_to_bf16 (out + at + (size_t) r * width, hd,
          out_bf16 + at + (size_t) r * width);
  }
}
