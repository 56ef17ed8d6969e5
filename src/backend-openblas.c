/* backend-openblas.c: the portable fp32 path on cblas_sgemm. OpenBLAS runs
 * single-threaded here; the workspace's threads split each product by
 * output columns (and attention by sequence and head), so that a thread
 * count belongs to a workspace and never to the process. */
#include "backend.h"

#include "kernels.h"

#include <cblas.h>
#include <math.h>

/* Below this many multiply-adds a product runs on one thread. */
#define PARALLEL_MIN_MACS (1 << 18)

static gpointer
init_once (gpointer data)
{
  /* The one process-wide setting: OpenBLAS's own pool stays idle, since
   * every call comes from a workspace thread that owns its share. */
  openblas_set_num_threads (1);
  return NULL;
}

void
clip_blas_init (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_once, NULL);
}

/* Columns [n0, n1) of y = epi (x W^T + b). */
static void
linear_columns (const ClipLinear *l, const float *x, int m, float *y,
    int n0, int n1, ClipEpilogue epi, ClipAct act)
{
  int n = n1 - n0;
  const float *w = l->transposed ? l->w + n0 : l->w + (size_t) n0 * l->n_in;

  cblas_sgemm (CblasRowMajor, CblasNoTrans,
      l->transposed ? CblasNoTrans : CblasTrans,
      m, n, l->n_in, 1.0f, x, l->n_in, w, l->transposed ? l->n_out : l->n_in,
      epi == CLIP_EPI_RESIDUAL ? 1.0f : 0.0f, y + n0, l->n_out);
  for (int i = 0; i < m; i++) {
    float *row = y + (size_t) i * l->n_out + n0;
    if (l->b)
      for (int j = 0; j < n; j++)
        row[j] += l->b[n0 + j];
    if (epi == CLIP_EPI_ACT)
      k_activate (row, n, act);
  }
}

void
clip_blas_linear (ClipWorkspace *ws, const ClipLinear *l, const float *x,
    int m, float *y, ClipEpilogue epi, ClipAct act)
{
  double macs = (double) m * l->n_in * l->n_out;
  int parts = macs < PARALLEL_MIN_MACS ? 1 : MIN (ws->n_threads,
      (l->n_out + 15) / 16);

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int p = 0; p < parts; p++) {
    /* column ranges in multiples of 16 keep the kernels' panels whole */
    int chunk = ((l->n_out + parts - 1) / parts + 15) & ~15;
    int n0 = MIN (p * chunk, l->n_out), n1 = MIN (n0 + chunk, l->n_out);
    if (n1 > n0)
      linear_columns (l, x, m, y, n0, n1, epi, act);
  }
}

/* One head of one sequence; @scores holds seq * seq floats. */
static void
attention_head (const ClipQkv *qkv, float *out, int seq, int width,
    int hd, size_t row0, int col0, gboolean causal, float *scores)
{
  float scale = 1.0f / sqrtf ((float) hd);
  size_t in = row0 * qkv->ld + col0, o = row0 * width + col0;
  const float *q = qkv->q + row0 * qkv->qld + col0;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, seq, seq, hd,
      scale, q, qkv->qld, qkv->k + in, qkv->ld, 0.0f, scores, seq);
  for (int i = 0; i < seq; i++)
    k_softmax_prefix (scores + (size_t) i * seq, causal ? i + 1 : seq, seq);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, seq, hd, seq,
      1.0f, scores, seq, qkv->v + in, qkv->ld, 0.0f, out + o, width);
}

void
clip_blas_attention (ClipWorkspace *ws, const ClipQkv *qkv, float *out,
    int batch, int seq, int width, int heads, gboolean causal)
{
  int hd = width / heads, jobs = batch * heads;
  double macs = 2.0 * jobs * seq * seq * hd;
  int threads = macs < PARALLEL_MIN_MACS ? 1 : MIN (ws->n_threads, jobs);

#pragma omp parallel for num_threads (threads) if (threads > 1)
  for (int j = 0; j < jobs; j++) {
    int b = j / heads, h = j % heads;
    attention_head (qkv, out, seq, width, hd, (size_t) b * seq, h * hd,
        causal, ws->scores + (size_t) j * seq * seq);
  }
}
