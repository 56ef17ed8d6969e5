/* backend.h: the compute interface the towers run on: linear layers with a
 * fused epilogue and multi-head attention over a whole batch, implemented
 * twice: on oneDNN ("native", weights packed at load) and on OpenBLAS
 * (portable fp32). Both take the workspace's own thread count. Internal. */
#ifndef CLIP_BACKEND_H
#define CLIP_BACKEND_H

#include "workspace.h"

/* What a linear layer does with its product. */
typedef enum {
  CLIP_EPI_NONE,               /* y = x W^T + b */
  CLIP_EPI_ACT,                /* y = act (x W^T + b) */
  CLIP_EPI_RESIDUAL,           /* y += x W^T + b (the residual stream) */
} ClipEpilogue;

/* Q, K and V of a batch as row views: row r of K starts at k + r * ld,
 * of V at v + r * ld, of Q at q + r * qld (for attention with a pool,
 * only the pooled row of each sequence: sequence b's at q + b * qld).
 * With @prefix > 0 every sequence's keys and values start with the same
 * @prefix rows at pk, pv (row stride pld), computed once for the batch:
 * the sequences hold only the positions after them. */
typedef struct {
  const float *q, *k, *v;
  int ld, qld;
  const float *pk, *pv;
  int pld, prefix;
} ClipQkv;

/* Prepares a loaded model for its backend (native: packs every weight
 * matrix). Frees what it made in clip_backend_model_clear(). */
gboolean clip_backend_model_prepare (ClipModel *m, GError **error);
void clip_backend_model_clear (ClipModel *m);

/* Per-workspace backend state (native: stream, primitives, scratchpad). */
gboolean clip_backend_workspace_init (ClipWorkspace *ws, GError **error);
void clip_backend_workspace_clear (ClipWorkspace *ws);
/* Called before each forward pass on the calling thread. */
void clip_backend_begin (ClipWorkspace *ws);
/* Whether a vision pass of many images on two threads pays as two
 * halves, each thread on its own images. */
gboolean clip_backend_halves_pay (const ClipModel *m);

/* y[m, n_out] = epi (x[m, n_in] W^T + b). */
void clip_backend_linear (ClipWorkspace *ws, const ClipLinear *l,
    const float *x, int m, float *y, ClipEpilogue epi, ClipAct act);

/* ws->t = LayerNorm @ln (ws->x) for @rows rows of @width floats. Natively
 * in bf16 and int8 each row is also rounded or quantised, while in cache,
 * into the form the product through @next reads, and the next product of
 * ws->t through @next takes it as it is. */
void clip_backend_norm (ClipWorkspace *ws, const ClipNorm *ln, float eps,
    int rows, int width, const ClipLinear *next);

/* q, k, v of @block for @rows rows of ws->t, into ws->q (and ws->k, ws->v). */
void clip_backend_qkv (ClipWorkspace *ws, const ClipBlock *block, int rows,
    ClipQkv *out);

/* The same for a tower's last block, whose queries are only ever needed
 * on pooled rows: k and v for all @batch * @seq rows of ws->t, into ws->k
 * (and ws->v); q, with @pool, for row pool[b] of each sequence b alone,
 * into ws->q, row b for sequence b (without @pool, no q at all). */
void clip_backend_qkv_last (ClipWorkspace *ws, const ClipBlock *block,
    int batch, int seq, const int *pool, ClipQkv *out);

/* The layer whose product first reads ws->t after @block's first
 * LayerNorm: q, k and v fused natively, else q; in a tower's @last block
 * k and v fused natively, else k. */
const ClipLinear *clip_backend_qkv_input (const ClipBlock *block,
    gboolean last);

/* x += fc2 (act (fc1 (t))) for @rows rows of ws->t and ws->x: the MLP of
 * @block, its hidden layer in ws->u (or, natively in bf16 and int8, kept
 * in the workspace in the form fc2 reads). */
void clip_backend_mlp (ClipWorkspace *ws, const ClipBlock *block, int rows,
    ClipAct act);

/* softmax (Q K^T / sqrt (d)) V for @batch sequences of @seq tokens and
 * @heads heads, into @out ([batch * seq, width]). With @pool, only row
 * pool[b] of each sequence b is a query, @qkv's Q holds that row alone
 * (as its row b), and its output goes to row b of @out ([batch, width]).
 * Natively in bf16 each head's output is also rounded for the product
 * through @next while in cache, which then takes it as it is. */
void clip_backend_attention (ClipWorkspace *ws, const ClipQkv *qkv,
    const int *pool, float *out, int batch, int seq, int width, int heads,
    gboolean causal, const ClipLinear *next);

/* Attention through the C kernel of attention.c on the workspace's
 * threads: the native backend's, and either backend's with a prefix or
 * @pool (as above); with @out_bf16, @out rounded to bf16 there too, or,
 * where the CPU multiplies bf16 (k_attention_head_bf16 ()), the heads'
 * products on bf16 inputs and their output into @out_bf16 alone. */
void clip_attention_tiled (ClipWorkspace *ws, const ClipQkv *qkv,
    const int *pool, float *out, guint16 *out_bf16, int batch, int seq,
    int width, int heads, gboolean causal);

/* The OpenBLAS implementations (backend-openblas.c). */
void clip_blas_linear (ClipWorkspace *ws, const ClipLinear *l,
    const float *x, int m, float *y, ClipEpilogue epi, ClipAct act);
void clip_blas_attention (ClipWorkspace *ws, const ClipQkv *qkv, float *out,
    int batch, int seq, int width, int heads, gboolean causal);
void clip_blas_init (void);

/* u8 levels of a product's input rows: row i is x_i = scale[i] (q_i -
 * zero[i]). */
typedef struct {
  float *scale, *zero;
} ClipRowLevels;

/* Where rows quantised to u8 levels 0 to @top go: [rows, k] levels at q,
 * each row's scale and zero point in @levels. */
typedef struct {
  guint8 *q;
  ClipRowLevels levels;
  int top;
} ClipLevelsOut;

/* What turns an int8 product's sums back into x W^T + b: weight column j
 * is col_scale[j] times its int8 values, whose sum is col_sum[j]. */
typedef struct {
  ClipRowLevels rows;
  const float *col_scale, *col_sum, *bias;
} ClipInt8Scales;

/* int8.c. Quantises @m rows of @k floats, each row with its own scale and
 * zero point, on up to @threads threads. */
void clip_int8_quantize (const float *x, int m, int k,
    const ClipLevelsOut *out, int threads);
/* Row @r of them: @row, @k floats, into out's row @r. */
void clip_int8_quantize_row (const float *row, int k, int r,
    const ClipLevelsOut *out);
/* The end of an int8 product: @m rows of @n sums @acc (may be @y unless
 * @epi adds to @y) become y = epi (x W^T + b); with @next, the rows of y
 * are then quantised into it too (the next product's input). */
void clip_int8_epilogue (const float *acc, int m, int n,
    const ClipInt8Scales *s, float *y, ClipEpilogue epi, ClipAct act,
    const ClipLevelsOut *next, int threads);

/* The oneDNN implementations (dnnl-pack.c at load, backend-dnnl.c for
 * products), when built. */
gboolean clip_dnnl_model_prepare (ClipModel *m, GError **error);
void clip_dnnl_model_clear (ClipModel *m);
gboolean clip_dnnl_workspace_init (ClipWorkspace *ws, GError **error);
void clip_dnnl_workspace_clear (ClipWorkspace *ws);
void clip_dnnl_begin (ClipWorkspace *ws);
void clip_dnnl_linear (ClipWorkspace *ws, const ClipLinear *l,
    const float *x, int m, float *y, ClipEpilogue epi, ClipAct act);
void clip_dnnl_mlp (ClipWorkspace *ws, const ClipBlock *block, int rows,
    ClipAct act);
void clip_dnnl_norm (ClipWorkspace *ws, const ClipNorm *ln, float eps,
    int rows, int width, const ClipLinear *next);
void clip_dnnl_attention (ClipWorkspace *ws, const ClipQkv *qkv,
    const int *pool, float *out, int batch, int seq, int width, int heads,
    gboolean causal, const ClipLinear *next);

#endif
