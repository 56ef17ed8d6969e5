/* backend-dnnl.c: the native backend's products on oneDNN, through the
 * weights dnnl-pack.c packed at load. Bias, activation and residual
 * additions ride on the product as post-ops (int8 products end in int8.c
 * instead; on Intel's AVX-512 cores without AMX and on AMD's Zen 4, fp32
 * products run on bf16fma.c's panels and int8 ones on vnni.c's, which
 * scale their sums back themselves, and bf16 ones on bf16fma.c's panels
 * there and on bf16dot.c's on Zen 4; attention runs on the C kernel of
 * attention.c, through backend.c). A workspace keeps the primitives it
 * has made, keyed by shape and thread count: oneDNN runs on OpenMP,
 * whose thread count is per calling thread, so workspaces never disturb
 * one another. */
#include "dnnl-internal.h"

#include "bf16dot.h"
#include "bf16fma.h"
#include "kernels.h"
#include "vnni.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Primitives a workspace keeps before it starts over. */
#define MAX_PRIMITIVES 96

/* What makes two linear products' primitives the same. */
typedef struct {
  int m;                       /* rows */
  int threads;                 /* a primitive divides its work for the
                                * count it was made with */
  int epi, act;
  int dst_bf16;                /* writes bf16 rather than fp32 */
  const ClipPacked *layout;    /* whose weight layout */
} PrimKey;

typedef struct {
  PrimKey key;
  dnnl_primitive_t prim;
} Prim;

typedef struct _ClipWsNative {
  dnnl_stream_t stream;
  GArray *prims;               /* Prim */
  void *scratch;
  size_t scratch_size;
  dnnl_memory_t scratch_mem;   /* wraps scratch, remade when it grows */
  void *lowp;                  /* a product's input in bf16 or u8 */
  void *hidden;                /* an MLP's hidden layer in bf16 or u8 */
  float *fma_scratch;          /* widened bf16: bf16fma.c's scratch */
  size_t fma_scratch_size;     /* (floats) */
  ClipLevelsOut levels;        /* int8: lowp's levels */
  ClipLevelsOut hidden_levels; /* int8: hidden's levels */
  const float *ready;          /* lowp already holds these rows */
  int ready_rows;              /* (how many) */
  const ClipPacked *ready_for; /* as this matrix's product reads them */
  float *sums;                 /* int8: the sums of a product whose result
                                * is added to the residual stream */
} ClipWsNative;

/* Records the first failure of a pass in the workspace. */
static gboolean
ws_check (ClipWorkspace *ws, dnnl_status_t s, const char *what)
{
  return clip_dnnl_check (s, what, ws->error ? NULL : &ws->error);
}

/* ----------------------------------------------------------- workspace */

static void
drop_primitives (ClipWsNative *wn)
{
  for (guint i = 0; i < wn->prims->len; i++)
    dnnl_primitive_destroy (g_array_index (wn->prims, Prim, i).prim);
  g_array_set_size (wn->prims, 0);
}

gboolean
clip_dnnl_workspace_init (ClipWorkspace *ws, GError **error)
{
  ClipWsNative *wn = g_new0 (ClipWsNative, 1);

  const ClipModel *m = ws->model;
  /* the widest input of any product: a block's, or the patch embedding's
   * (3 x patch^2 values a row, more than a narrow model's blocks read) */
  size_t k = MAX (MAX (MAX (m->vision.tf.width, m->vision.tf.mlp),
          MAX (m->text.tf.width, m->text.tf.mlp)),
      m->vision.patch_embed.n_in);

  ws->native = wn;
  wn->prims = g_array_new (FALSE, FALSE, sizeof (Prim));
  if (m->precision != CLIP_PRECISION_FP32) {
    /* bf16 (or fp32 when bf16 is emulated) or u8 */
    gboolean int8 = m->precision == CLIP_PRECISION_INT8;
    size_t mlp = MAX (m->vision.tf.mlp, m->text.tf.mlp);
    wn->lowp = clip_workspace_alloc (ws->rows * k, sizeof (float));
    /* (bf16 rows of the hidden layer may be spaced: k_spaced_stride) */
    wn->hidden = clip_workspace_alloc (ws->rows * (mlp + 32),
        sizeof (guint16));
    /* residual products return [rows, width] */
    wn->sums = int8 ? clip_workspace_alloc (ws->rows
        * MAX (m->vision.tf.width, m->text.tf.width), sizeof (float)) : NULL;
    float *lv = int8 ? g_try_new (float, 4 * ws->rows) : NULL;
    if (lv) {
      wn->levels = (ClipLevelsOut) { wn->lowp, { lv, lv + ws->rows },
        m->native->u8_top };
      wn->hidden_levels = (ClipLevelsOut) { wn->hidden, { lv + 2 * ws->rows,
          lv + 3 * ws->rows }, m->native->u8_top };
    }
    if (!wn->lowp || !wn->hidden || (int8 && (!wn->sums || !lv))) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "out of memory for a workspace of %d images", ws->max_batch);
      return FALSE;
    }
  }
  return clip_dnnl_check (dnnl_stream_create (&wn->stream,
          ws->model->native->engine,
          dnnl_stream_default_flags), "stream", error);
}

void
clip_dnnl_workspace_clear (ClipWorkspace *ws)
{
  ClipWsNative *wn = ws->native;

  drop_primitives (wn);
  g_array_unref (wn->prims);
  if (wn->stream)
    dnnl_stream_destroy (wn->stream);
  if (wn->scratch_mem)
    dnnl_memory_destroy (wn->scratch_mem);
  free (wn->scratch);
  free (wn->lowp);
  g_free (wn->levels.levels.scale);
  free (wn->hidden);
  free (wn->fma_scratch);
  free (wn->sums);
  g_free (wn);
  ws->native = NULL;
}

void
clip_dnnl_begin (ClipWorkspace *ws)
{
  ClipWsNative *wn = ws->native;

  /* per calling thread: other threads keep their own counts */
  omp_set_num_threads (ws->n_threads);
  wn->ready = NULL;
}

/* Wraps @data in a memory object of layout @md (NULL on failure). */
static dnnl_memory_t
wrap (ClipWorkspace *ws, const dnnl_memory_desc_t *md, const void *data)
{
  dnnl_memory_t mem = NULL;
  if (!ws_check (ws, dnnl_memory_create (&mem, md, ws->model->native->engine,
              (void *) data), "memory"))
    return NULL;
  return mem;
}

/* Finds or makes the primitive for @key; @make builds its descriptor. */
static dnnl_primitive_t
primitive (ClipWorkspace *ws, const PrimKey *key,
    dnnl_primitive_desc_t (*make) (ClipWorkspace *, const PrimKey *))
{
  ClipWsNative *wn = ws->native;
  Prim p;

  for (guint i = 0; i < wn->prims->len; i++) {
    Prim *e = &g_array_index (wn->prims, Prim, i);
    if (memcmp (&e->key, key, sizeof (PrimKey)) == 0)
      return e->prim;
  }
  if (wn->prims->len >= MAX_PRIMITIVES)
    drop_primitives (wn);

  dnnl_primitive_desc_t pd = make (ws, key);
  if (!pd)
    return NULL;
  const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md (pd,
      dnnl_query_scratchpad_md, 0);
  size_t need = MAX (smd ? dnnl_memory_desc_get_size (smd) : 0, 1);
  if (need > wn->scratch_size || !wn->scratch_mem) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = { need };
    free (wn->scratch);
    if (wn->scratch_mem)
      dnnl_memory_destroy (wn->scratch_mem);
    wn->scratch_mem = NULL;
    wn->scratch = clip_workspace_alloc (need, 1);
    if (!wn->scratch) {
      ws_check (ws, dnnl_out_of_memory, "scratchpad");
      wn->scratch_size = 0;
      dnnl_primitive_desc_destroy (pd);
      return NULL;
    }
    wn->scratch_size = need;
    dnnl_memory_desc_init_by_tag (&md, 1, dims, dnnl_u8, dnnl_a);
    wn->scratch_mem = wrap (ws, &md, wn->scratch);
  }
  const char *impl = "";
  dnnl_primitive_desc_query (pd, dnnl_query_impl_info_str, 0, &impl);
  if (g_str_has_prefix (impl, "ref"))
    g_debug ("oneDNN chose its reference kernel (%s) for a product of %d "
        "rows", impl, key->m);
  p.key = *key;
  gboolean ok = ws_check (ws, dnnl_primitive_create (&p.prim, pd),
      "primitive");
  dnnl_primitive_desc_destroy (pd);
  if (!ok)
    return NULL;
  g_array_append_val (wn->prims, p);
  return p.prim;
}

/* Runs @prim on @args (the scratchpad is added here), then frees the
 * first @n_owned memory objects of @args. */
static void
run (ClipWorkspace *ws, dnnl_primitive_t prim, dnnl_exec_arg_t *args,
    int n_args, int n_owned)
{
  ClipWsNative *wn = ws->native;
  dnnl_memory_t scratch = wn->scratch_mem;

  for (int i = 0; i < n_owned; i++)
    if (!args[i].memory)
      goto out;
  if (prim && scratch) {
    args[n_args++] = (dnnl_exec_arg_t) { DNNL_ARG_SCRATCHPAD, scratch };
    if (ws_check (ws, dnnl_primitive_execute (prim, wn->stream, n_args,
                args), "execute"))
      ws_check (ws, dnnl_stream_wait (wn->stream), "execute");
  }
out:
  for (int i = 0; i < n_owned; i++)
    if (args[i].memory)
      dnnl_memory_destroy (args[i].memory);
}

/* -------------------------------------------------------------- linear */

static dnnl_primitive_desc_t
make_linear (ClipWorkspace *ws, const PrimKey *key)
{
  const ClipPacked *p = key->layout;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_attr_t attr = clip_dnnl_new_attr ();
  dnnl_post_ops_t ops;

  /* int8 products return their sums: the rest is clip_int8_epilogue's */
  dnnl_post_ops_create (&ops);
  if (key->epi == CLIP_EPI_RESIDUAL) {
    dnnl_post_ops_append_sum (ops, 1.0f);
  } else if (key->epi == CLIP_EPI_ACT) {
    /* QuickGELU is x * sigmoid (1.702 x): oneDNN's swish with alpha */
    dnnl_alg_kind_t alg = key->act == CLIP_ACT_QUICK_GELU
        ? dnnl_eltwise_swish : key->act == CLIP_ACT_GELU
        ? dnnl_eltwise_gelu_erf : dnnl_eltwise_gelu_tanh;
    dnnl_post_ops_append_eltwise (ops, 1.0f, alg, 1.702f, 0.0f);
  }
  dnnl_primitive_attr_set_post_ops (attr, ops);
  if (clip_dnnl_describe_linear (p, key->m,
          key->dst_bf16 ? dnnl_bf16 : dnnl_f32, &desc,
          ws->error ? NULL : &ws->error))
    ws_check (ws, dnnl_primitive_desc_create (&pd, &desc, attr,
            ws->model->native->engine, NULL), "matmul");
  dnnl_post_ops_destroy (ops);
  dnnl_primitive_attr_destroy (attr);
  return pd;
}

/* An all-zero key, padding included: keys are compared bytewise. */
static PrimKey
prim_key (void)
{
  PrimKey key;
  memset (&key, 0, sizeof key);
  return key;
}

/* Rounds @m rows of @k floats to bf16 into the workspace, on the
 * workspace's threads when there are enough of them. */
static const void *
to_bf16 (ClipWorkspace *ws, const float *x, int m, int k)
{
  size_t count = (size_t) m * k;
  int parts = count >= 32768 ? MAX (ws->n_threads, 1) : 1;
  size_t chunk = (count + parts - 1) / parts;
  guint16 *out = ws->native->lowp;

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    size_t at = MIN ((size_t) t * chunk, count);
    k_round_to_bf16 (x + at, MIN (chunk, count - at), out + at);
  }
  return out;
}

/* Rounds @m rows of @k floats to bf16 values as floats into the
 * workspace, on the workspace's threads when there are enough of them. */
static const float *
bf16_floats (ClipWorkspace *ws, const float *x, int m, int k)
{
  int parts = k_row_threads (m, k, ws->n_threads);
  float *out = ws->native->lowp;

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    size_t r0 = (size_t) m * t / parts, r1 = (size_t) m * (t + 1) / parts;
    k_round_bf16_floats (x + r0 * k, (r1 - r0) * k, out + r0 * k);
  }
  return out;
}

/* The input of a product through @p in the type it reads: @x itself, or
 * rounded to bf16 or quantised (into the workspace). */
static const void *
convert_input (ClipWorkspace *ws, const ClipPacked *p, const float *x, int m)
{
  ClipWsNative *wn = ws->native;
  gboolean ready = x == wn->ready && m == wn->ready_rows
      && p == wn->ready_for;

  wn->ready = NULL;
  if (ready)
    return wn->lowp;

  if (p->emulated || p->widened)
    return bf16_floats (ws, x, m, p->k);
  if (p->precision == CLIP_PRECISION_BF16)
    return to_bf16 (ws, x, m, p->k);
  if (p->precision == CLIP_PRECISION_INT8) {
    clip_int8_quantize (x, m, p->k, &wn->levels, ws->n_threads);
    return wn->lowp;
  }
  return x;
}

/* The product of @m rows @in (already in @p's input type) into @out, bf16
 * with @dst_bf16 and fp32 otherwise; with oneDNN's post-ops for @epi
 * unless int8, whose sums come out as they are. */
static void
product (ClipWorkspace *ws, const ClipPacked *p, const void *in, int m,
    void *out, gboolean dst_bf16, ClipEpilogue epi, ClipAct act)
{
  dnnl_memory_desc_t src, dst;
  gboolean int8 = p->precision == CLIP_PRECISION_INT8;

  if (ws->error)
    return;
  PrimKey key = prim_key ();
  key.m = m;
  key.threads = ws->n_threads;
  if (!int8) {
    key.epi = epi;
    key.act = epi == CLIP_EPI_ACT ? (int) act : 0;
  }
  key.dst_bf16 = dst_bf16;
  key.layout = p->same;
  dnnl_primitive_t prim = primitive (ws, &key, make_linear);
  clip_dnnl_md_2d_typed (&src, m, p->k, clip_dnnl_src_type (p), dnnl_ab);
  clip_dnnl_md_2d_typed (&dst, m, p->n, dst_bf16 ? dnnl_bf16 : dnnl_f32,
      dnnl_ab);
  dnnl_exec_arg_t args[8] = {
    { DNNL_ARG_SRC, wrap (ws, &src, in) },
    { DNNL_ARG_DST, wrap (ws, &dst, out) },
  };
  int n = 2;
  if (p->b && !int8)
    args[n++] = (dnnl_exec_arg_t) { DNNL_ARG_BIAS, p->b };
  args[n++] = (dnnl_exec_arg_t) { DNNL_ARG_WEIGHTS, p->w };
  run (ws, prim, args, n, 2);
}

/* A bf16 product through @p of @m rows @in (bf16, @ldx values apart)
 * into @y, or, unless @y16 is NULL, into @y16 in bf16, rows @ld16 values
 * apart: on bf16dot.c's panels, or on oneDNN's kernels (rows as long as
 * they are). */
static void
bf16_product (ClipWorkspace *ws, const ClipPacked *p, const guint16 *in,
    size_t ldx, int m, float *y, guint16 *y16, size_t ld16,
    ClipEpilogue epi, ClipAct act)
{
  if (ws->error)
    return;
  g_assert (p->dots || (ldx == (size_t) p->k
          && (!y16 || ld16 == (size_t) p->n)));
  if (p->dots)
    clip_bf16dot_product (p->panels, p->k, p->n, in, ldx, m, p->bias, y,
        y16, ld16, epi == CLIP_EPI_RESIDUAL, epi == CLIP_EPI_ACT, act,
        ws->n_threads);
  else if (y16)
    product (ws, p, in, m, y16, TRUE, epi, act);
  else
    product (ws, p, in, m, y, FALSE, epi, act);
}

/* An int8 product through @p of @m rows @in with @levels into y = epi (x
 * W^T + b), its rows then quantised into @next too (unless NULL): on
 * vnni.c's panels, scaled back in the product itself; otherwise oneDNN's
 * sums, into @acc unless that is NULL (then @y), scaled back by int8.c. */
static void
int8_product (ClipWorkspace *ws, const ClipPacked *p, const guint8 *in,
    const ClipLevelsOut *levels, int m, float *acc, float *y,
    ClipEpilogue epi, ClipAct act, const ClipLevelsOut *next)
{
  ClipInt8Scales sc = { levels->levels, p->scales, p->colsum, p->bias };
  float *sums = acc ? acc : y;

  if (ws->error)
    return;
  if (p->vnni) {
    clip_vnni_product (p->panels, p->k, p->n, in, m, &sc, y,
        epi == CLIP_EPI_RESIDUAL, epi == CLIP_EPI_ACT, act, ws->n_threads);
    if (next)
      clip_int8_quantize (y, m, p->n, next, ws->n_threads);
    return;
  }
  product (ws, p, in, m, sums, FALSE, epi, act);
  if (!ws->error)
    clip_int8_epilogue (sums, m, p->n, &sc, y, epi, act, next,
        ws->n_threads);
}

void
clip_dnnl_norm (ClipWorkspace *ws, const ClipNorm *ln, float eps, int rows,
    int width, const ClipLinear *next)
{
  ClipWsNative *wn = ws->native;
  const ClipPacked *p = next->packed;

  wn->ready = NULL;
  if (!p || p->emulated || p->precision == CLIP_PRECISION_FP32
      || p->k != width) {
    k_layer_norm (ws->x, ws->t, rows, width, ln, eps, ws->n_threads);
    return;
  }
  gboolean bf16 = p->precision == CLIP_PRECISION_BF16;
  int parts = k_row_threads (rows, width, ws->n_threads);

#pragma omp parallel for num_threads (parts) if (parts > 1)
  for (int t = 0; t < parts; t++) {
    for (int r = rows * t / parts; r < rows * (t + 1) / parts; r++) {
      float *y = ws->t + (size_t) r * width;
      k_layer_norm_row (ws->x + (size_t) r * width, y, width, ln, eps);
      if (p->widened)
        k_round_bf16_floats (y, width, (float *) wn->lowp + (size_t) r * width);
      else if (bf16)
        k_round_to_bf16 (y, width, (guint16 *) wn->lowp + (size_t) r * width);
      else
        clip_int8_quantize_row (y, width, r, &wn->levels);
    }
  }
  wn->ready = ws->t;
  wn->ready_rows = rows;
  wn->ready_for = p;
}

void
clip_dnnl_attention (ClipWorkspace *ws, const ClipQkv *qkv, const int *pool,
    float *out, int batch, int seq, int width, int heads, gboolean causal,
    const ClipLinear *next)
{
  ClipWsNative *wn = ws->native;
  const ClipPacked *p = next->packed;
  gboolean bf16 = p && p->precision == CLIP_PRECISION_BF16 && !p->emulated
      && !p->widened && p->k == width;

  wn->ready = NULL;
  clip_attention_tiled (ws, qkv, pool, out, bf16 ? wn->lowp : NULL, batch,
      seq, width, heads, causal);
  if (bf16) {
    wn->ready = out;
    wn->ready_rows = pool ? batch : batch * seq;
    wn->ready_for = p;
  }
}

/* The workspace's scratch for bf16fma.c's products, grown to @need
 * floats; NULL when @need is 0, or on failure (recorded in @ws, which
 * fails the pass). */
static float *
fma_scratch (ClipWorkspace *ws, size_t need)
{
  ClipWsNative *wn = ws->native;

  if (need == 0)
    return NULL;
  if (need > wn->fma_scratch_size) {
    free (wn->fma_scratch);
    wn->fma_scratch = clip_workspace_alloc (need, sizeof (float));
    wn->fma_scratch_size = wn->fma_scratch ? need : 0;
    if (!wn->fma_scratch) {
      ws_check (ws, dnnl_out_of_memory, "scratch");
      return NULL;
    }
  }
  return wn->fma_scratch;
}

/* The scratch with which @p's fp32 product of @m rows runs in Strassen's
 * blocks, or NULL for the plain product. */
static float *
strassen_scratch (ClipWorkspace *ws, const ClipPacked *p, int m)
{
  return p->strassen ? fma_scratch (ws, clip_fma32_scratch (m, p->k, p->n,
          ws->n_threads)) : NULL;
}

void
clip_dnnl_linear (ClipWorkspace *ws, const ClipLinear *l, const float *x,
    int m, float *y, ClipEpilogue epi, ClipAct act)
{
  const ClipPacked *p = l->packed;
  ClipWsNative *wn = ws->native;

  if (ws->error)
    return;
  const void *in = convert_input (ws, p, x, m);
  if (p->fma32) {
    clip_fma32_product ((const float *) p->panels, p->k, p->n, in, p->k, m,
        p->bias, y, p->n, epi == CLIP_EPI_RESIDUAL, epi == CLIP_EPI_ACT, act,
        ws->n_threads, strassen_scratch (ws, p, m),
        clip_dnnl_kept_sums (p, m));
    return;
  }
  if (p->widened) {
    float *scratch = fma_scratch (ws, clip_bf16fma_scratch (p->k,
            ws->n_threads));
    if (!scratch)
      return;
    clip_bf16fma_product (p->panels, p->k, p->n, in, m, p->bias, y,
        epi == CLIP_EPI_RESIDUAL, epi == CLIP_EPI_ACT, act, ws->n_threads,
        scratch);
    return;
  }
  if (p->precision == CLIP_PRECISION_BF16 && !p->emulated) {
    bf16_product (ws, p, in, p->k, m, y, NULL, 0, epi, act);
    return;
  }
  if (p->precision != CLIP_PRECISION_INT8) {
    product (ws, p, in, m, y, FALSE, epi, act);
    return;
  }
  /* int8 sums go to y itself unless y is added to */
  int8_product (ws, p, in, &wn->levels, m,
      epi == CLIP_EPI_RESIDUAL ? wn->sums : NULL, y, epi, act, NULL);
}

void
clip_dnnl_mlp (ClipWorkspace *ws, const ClipBlock *b, int rows, ClipAct act)
{
  const ClipPacked *p1 = b->fc1.packed, *p2 = b->fc2.packed;
  ClipWsNative *wn = ws->native;

  if (ws->error)
    return;
  if (p1->precision == CLIP_PRECISION_BF16 && !p1->emulated
      && !p1->widened) {
    /* the hidden layer leaves fc1 as bf16, which fc2 reads as it is;
     * between two products on panels its rows are spaced as they read
     * best */
    size_t ldh = p1->dots && p2->dots
        ? k_spaced_stride (p1->n, sizeof (guint16)) : p1->n;
    bf16_product (ws, p1, convert_input (ws, p1, ws->t, rows), p1->k, rows,
        ws->u, wn->hidden, ldh, CLIP_EPI_ACT, act);
    bf16_product (ws, p2, wn->hidden, ldh, rows, ws->x, NULL, 0,
        CLIP_EPI_RESIDUAL, 0);
  } else if (p1->precision == CLIP_PRECISION_INT8) {
    /* fc1's epilogue quantises the hidden rows for fc2 while in cache */
    int8_product (ws, p1, convert_input (ws, p1, ws->t, rows), &wn->levels,
        rows, NULL, ws->u, CLIP_EPI_ACT, act, &wn->hidden_levels);
    int8_product (ws, p2, wn->hidden, &wn->hidden_levels, rows, wn->sums,
        ws->x, CLIP_EPI_RESIDUAL, 0, NULL);
  } else if (p1->fma32 && p2->fma32) {
    /* the hidden rows spaced as fc2's tiles read them best */
    size_t ldh = k_spaced_stride (p1->n, sizeof (float));
    clip_fma32_product ((const float *) p1->panels, p1->k, p1->n, ws->t,
        p1->k, rows, p1->bias, ws->u, ldh, FALSE, TRUE, act, ws->n_threads,
        strassen_scratch (ws, p1, rows), clip_dnnl_kept_sums (p1, rows));
    clip_fma32_product ((const float *) p2->panels, p2->k, p2->n, ws->u,
        ldh, rows, p2->bias, ws->x, p2->n, TRUE, FALSE, act, ws->n_threads,
        strassen_scratch (ws, p2, rows), clip_dnnl_kept_sums (p2, rows));
  } else {
    clip_dnnl_linear (ws, &b->fc1, ws->t, rows, ws->u, CLIP_EPI_ACT, act);
    clip_dnnl_linear (ws, &b->fc2, ws->u, rows, ws->x, CLIP_EPI_RESIDUAL,
        act);
  }
}
