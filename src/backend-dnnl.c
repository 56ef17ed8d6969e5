/* backend-dnnl.c: the native backend on oneDNN. At load every weight
 * matrix is reordered once into the blocked layout oneDNN's kernels want
 * (so no product re-packs weights), Q, K and V become one matrix, and bias,
 * activation and residual additions ride on the product as post-ops (int8
 * products end in int8.c instead; attention runs on the C kernel of
 * attention.c, through backend.c). A
 * workspace keeps the primitives it has made, for its thread count, keyed
 * by shape: oneDNN runs on OpenMP, whose thread count is per calling
 * thread, so workspaces never disturb one another. */
#include "backend.h"

#include "bf16fma.h"
#include "kernels.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

/* Rows the weight layout is chosen for; products of other sizes reuse it. */
#define PACK_ROWS 64
/* Primitives a workspace keeps before it starts over. */
#define MAX_PRIMITIVES 96

struct _ClipPacked {
  dnnl_memory_desc_t wmd;      /* the packed layout */
  dnnl_memory_t w;             /* weights in that layout, in the arena */
  dnnl_memory_t b;             /* bias [1, n], or NULL */
  int k, n;
  ClipPrecision precision;     /* fp32, bf16 or int8 (per column scales) */
  gboolean emulated;           /* bf16 on a CPU oneDNN has no bf16 kernel
                                * for: bf16 values held and multiplied in
                                * fp32, the same numbers, slower */
  gboolean widened;            /* bf16 where FMA outruns bf16's dot
                                * products: weights packed by bf16fma.c,
                                * multiplied there in fp32 */
  float *scales;               /* int8: [n], W[:, j] = scales[j] * Wq[:, j] */
  float *colsum;               /* int8: [n], the sum of Wq[:, j] */
  const float *bias;           /* int8: the bias values (zeros if none) */
  const guint32 *panels;       /* widened: the weights as bf16fma.c packs
                                * them, in the arena */
  const struct _ClipPacked *same;     /* the first packed matrix of the same
                                       * shape, precision and bias: its
                                       * primitives serve this one too */
  size_t offset;               /* of the weights in the arena */
};

typedef struct _ClipNative {
  dnnl_engine_t engine;
  dnnl_stream_t stream;        /* for packing at load */
  GPtrArray *packed;           /* ClipPacked *, all of the model's */
  GPtrArray *buffers;          /* fused biases */
  int u8_top;                  /* int8: highest activation level */
  guint8 *arena;               /* every packed weight matrix */
} ClipNative;

/* What makes two linear products' primitives the same. */
typedef struct {
  int m;                       /* rows */
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
  int threads;                 /* what the primitives were made for */
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

/* ------------------------------------------------------------ helpers */

/* Memory for every packed matrix of a model, on huge pages where the
 * system allows: fewer page faults at load and TLB misses in products. */
static guint8 *
arena_new (size_t size)
{
  const size_t huge = 2 << 20;
  void *p = NULL;

  size = MAX ((size + huge - 1) & ~(huge - 1), huge);
  if (posix_memalign (&p, huge, size) != 0)
    return NULL;
  madvise (p, size, MADV_HUGEPAGE);
  return p;
}

static gboolean
check (dnnl_status_t s, const char *what, GError **error)
{
  if (s == dnnl_success)
    return TRUE;
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT, "oneDNN: %s failed: %s",
      what, dnnl_status2str (s));
  return FALSE;
}

/* Records the first failure of a pass in the workspace. */
static gboolean
ws_check (ClipWorkspace *ws, dnnl_status_t s, const char *what)
{
  return check (s, what, ws->error ? NULL : &ws->error);
}

static void
md_2d_typed (dnnl_memory_desc_t *md, int rows, int cols,
    dnnl_data_type_t type, dnnl_format_tag_t tag)
{
  dnnl_dims_t dims = { rows, cols };
  dnnl_memory_desc_init_by_tag (md, 2, dims, type, tag);
}

static void
md_2d (dnnl_memory_desc_t *md, int rows, int cols, dnnl_format_tag_t tag)
{
  md_2d_typed (md, rows, cols, dnnl_f32, tag);
}

/* What a product's input and weights are held in. */
static dnnl_data_type_t
src_type (const ClipPacked *p)
{
  return p->emulated ? dnnl_f32 : p->precision == CLIP_PRECISION_BF16
      ? dnnl_bf16 : p->precision == CLIP_PRECISION_INT8 ? dnnl_u8 : dnnl_f32;
}

static dnnl_data_type_t
weight_type (const ClipPacked *p)
{
  return p->precision == CLIP_PRECISION_INT8 ? dnnl_s8 : src_type (p);
}

static dnnl_primitive_attr_t
new_attr (void)
{
  dnnl_primitive_attr_t attr;
  dnnl_primitive_attr_create (&attr);
  dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user);
  return attr;
}

/* --------------------------------------------------------------- model */

static void
packed_free (gpointer data)
{
  ClipPacked *p = data;
  if (p->w)
    dnnl_memory_destroy (p->w);
  if (p->b)
    dnnl_memory_destroy (p->b);
  g_free (p->scales);
  g_free (p->colsum);
  g_free (p);
}

/* The matmul description of a product of @m rows through @p (whose wmd may
 * still be format "any"); the caller adds the attributes. */
static gboolean
describe_linear (const ClipPacked *p, int m, dnnl_data_type_t dst_type,
    dnnl_matmul_desc_t *desc, GError **error)
{
  dnnl_memory_desc_t src, dst, bmd;

  md_2d_typed (&src, m, p->k, src_type (p), dnnl_ab);
  md_2d_typed (&dst, m, p->n, dst_type, dnnl_ab);
  md_2d (&bmd, 1, p->n, dnnl_ab);
  return check (dnnl_matmul_desc_init (desc, &src, &p->wmd,
          p->b && p->precision != CLIP_PRECISION_INT8 ? &bmd : NULL, &dst),
      "matmul description", error);
}

/* The layout oneDNN picks for @p's weights. */
static gboolean
choose_layout (ClipNative *nat, ClipPacked *p, GError **error)
{
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_attr_t attr = new_attr ();
  dnnl_dims_t wdims = { p->k, p->n };
  gboolean ok;

  dnnl_memory_desc_init_by_tag (&p->wmd, 2, wdims, weight_type (p),
      dnnl_format_tag_any);
  ok = describe_linear (p, PACK_ROWS, dnnl_f32, &desc, error);
  dnnl_status_t st = ok ? dnnl_primitive_desc_create (&pd, &desc, attr,
      nat->engine, NULL) : dnnl_success;
  if (st == dnnl_unimplemented && p->precision == CLIP_PRECISION_BF16
      && !p->emulated) {
    dnnl_primitive_attr_destroy (attr);
    p->emulated = TRUE;
    return choose_layout (nat, p, error);
  }
  ok = ok && check (st, "matmul", error);
  dnnl_primitive_attr_destroy (attr);
  if (!ok)
    return FALSE;
  p->wmd = *dnnl_primitive_desc_query_md (pd, dnnl_query_weights_md, 0);
  dnnl_primitive_desc_destroy (pd);
  return TRUE;
}

/* Copies made while packing, one of each kind, as large as the largest
 * layer needs and used by every layer in turn. Packing runs on a thread of
 * its own (apart.c), whose malloc arena kept the pages of copies made and
 * freed layer by layer among the buffers that stay (6-7 MB of a
 * ViT-B/32's peak RSS); made once, peak RSS is 3-6 MB below what it was
 * on the caller's thread. */
typedef struct {
  float *fused;                /* Q, K and V side by side */
  float *rounded;              /* bf16 values as floats (no AVX512_BF16) */
  gint8 *q;                    /* int8 weights */
} PackCopies;

/* Symmetric int8 weights, one scale per output column, into @q in the
 * same plain layout as @w. */
static void
quantize_weights (ClipPacked *p, const float *w, gboolean transposed,
    gint8 *q)
{
  size_t k = p->k, n = p->n;
  /* element (i, j) of W^T ([k, n]) */
#define AT(i, j) (transposed ? (i) * n + (j) : (j) * k + (i))

  p->scales = g_new (float, n);
  p->colsum = g_new (float, n);
  for (size_t j = 0; j < n; j++) {
    float amax = 0;
    for (size_t i = 0; i < k; i++)
      amax = MAX (amax, fabsf (w[AT (i, j)]));
    float scale = amax > 0 ? amax / 127.0f : 1.0f;
    p->scales[j] = scale;
    gint32 sum = 0;
    for (size_t i = 0; i < k; i++) {
      q[AT (i, j)] = (gint8) lrintf (w[AT (i, j)] / scale);
      sum += q[AT (i, j)];
    }
    p->colsum[j] = (float) sum;          /* exact: |sum| < 2^24 */
  }
#undef AT
}

/* Reorders W ([n, k] row-major, or [k, n] when @transposed) into @p's
 * layout and type at @dst (bf16 is rounded to nearest even by oneDNN). */
static gboolean
reorder_weights (ClipNative *nat, ClipPacked *p, const float *w,
    gboolean transposed, void *dst, const PackCopies *copies,
    GError **error)
{
  dnnl_memory_desc_t plain;
  dnnl_primitive_desc_t rpd = NULL;
  dnnl_primitive_t reorder = NULL;
  dnnl_memory_t from = NULL;
  void *q = NULL;
  gboolean ok = FALSE;

  md_2d (&plain, p->k, p->n, transposed ? dnnl_ab : dnnl_ba);
  if (p->precision == CLIP_PRECISION_INT8) {
    quantize_weights (p, w, transposed, copies->q);
    q = copies->q;
    plain.data_type = dnnl_s8;
  } else if (p->emulated) {
    for (size_t i = 0; i < (size_t) p->k * p->n; i++)
      copies->rounded[i] = k_round_bf16 (w[i]);
    q = copies->rounded;
  }
  if (check (dnnl_memory_create (&p->w, &p->wmd, nat->engine, dst),
          "packed weights", error)
      && check (dnnl_memory_create (&from, &plain, nat->engine,
              q ? (void *) q : (void *) w), "weights", error)
      && check (dnnl_reorder_primitive_desc_create (&rpd, &plain,
              nat->engine, &p->wmd, nat->engine, NULL), "reorder", error)
      && check (dnnl_primitive_create (&reorder, rpd), "reorder", error)) {
    dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, from },
      { DNNL_ARG_TO, p->w } };
    ok = check (dnnl_primitive_execute (reorder, nat->stream, 2, args),
        "reorder", error) && check (dnnl_stream_wait (nat->stream),
        "reorder", error);
  }
  if (reorder)
    dnnl_primitive_destroy (reorder);
  if (rpd)
    dnnl_primitive_desc_destroy (rpd);
  if (from)
    dnnl_memory_destroy (from);
  return ok;
}

/* Every linear layer of a transformer, Q, K and V counting as one; in the
 * last block, whose queries run on pooled rows alone, K and V as one and
 * Q on its own, after them (releasing Q's weights may free a converted
 * copy that holds K and V too). */
static void
collect_transformer (ClipTransformer *tf, GPtrArray *out)
{
  for (int i = 0; i < tf->layers; i++) {
    ClipBlock *b = &tf->blocks[i];
    int w = b->q.n_out;
    if (i < tf->layers - 1) {
      b->qkv = (ClipLinear) { b->q.w, b->q.b, 3 * w, w, FALSE, NULL };
      g_ptr_array_add (out, &b->qkv);
    } else {
      b->kv = (ClipLinear) { b->k.w, b->k.b, 2 * w, w, FALSE, NULL };
      g_ptr_array_add (out, &b->kv);
      g_ptr_array_add (out, &b->q);
    }
    g_ptr_array_add (out, &b->out);
    g_ptr_array_add (out, &b->fc1);
    g_ptr_array_add (out, &b->fc2);
  }
}

/* The parts of @l when it is a fused layer (qkv or kv) of a block, into
 * @parts; how many (0 if @l is not fused). */
static int
fused_parts (ClipModel *m, ClipLinear *l, ClipLinear *parts[3])
{
  ClipTransformer *tfs[2] = { &m->vision.tf, &m->text.tf };
  for (int t = 0; t < 2; t++) {
    for (int i = 0; i < tfs[t]->layers; i++) {
      ClipBlock *b = &tfs[t]->blocks[i];
      ClipLinear *all[3] = { &b->q, &b->k, &b->v };
      int first = l == &b->qkv ? 0 : l == &b->kv ? 1 : -1;
      if (first < 0)
        continue;
      for (int j = first; j < 3; j++)
        parts[j - first] = all[j];
      return 3 - first;
    }
  }
  return 0;
}

/* The @n @parts of fused layer @l as one [n w, w] matrix: OpenAI's
 * in_proj already is, others are copied into @copy. */
static const float *
fused_weights (ClipNative *nat, ClipLinear *l, ClipLinear *const *parts,
    int n, float *copy)
{
  int w = parts[0]->n_out;
  size_t ww = (size_t) w * w;
  gboolean adjacent = TRUE;

  for (int j = 1; j < n; j++)
    adjacent = adjacent && parts[j]->w == parts[0]->w + j * ww
        && parts[j]->b == parts[0]->b + j * w;
  if (adjacent)
    return parts[0]->w;
  float *bias = g_new (float, n * w);
  for (int j = 0; j < n; j++) {
    memcpy (copy + j * ww, parts[j]->w, ww * sizeof (float));
    memcpy (bias + j * w, parts[j]->b, w * sizeof (float));
  }
  l->b = bias;
  g_ptr_array_add (nat->buffers, bias);
  return copy;
}

/* Packs one layer into @dst and lets go of its plain weights. */
static gboolean
pack_one (ClipModel *m, ClipLinear *l, ClipPacked *p, void *dst,
    const PackCopies *copies, GError **error)
{
  ClipNative *nat = m->native;
  ClipLinear *parts[3];
  int n_parts = fused_parts (m, l, parts);
  const float *w = n_parts ? fused_weights (nat, l, parts, n_parts,
      copies->fused) : l->w;

  if (p->b && !check (dnnl_memory_set_data_handle (p->b, (void *) l->b),
          "bias", error))
    return FALSE;
  p->bias = l->b;
  if (!p->bias && p->precision == CLIP_PRECISION_INT8) {
    p->bias = g_new0 (float, p->n);    /* the epilogue always adds one */
    g_ptr_array_add (nat->buffers, (gpointer) p->bias);
  }
  gboolean ok = TRUE;
  if (p->widened) {
    clip_bf16fma_pack (w, l->transposed, p->k, p->n, dst);
    p->panels = dst;
  } else {
    ok = reorder_weights (nat, p, w, l->transposed, dst, copies, error);
  }
  if (n_parts) {
    for (int j = 0; j < n_parts; j++) {
      clip_model_release_weights (m, parts[j]->w, (size_t) p->k * p->k);
      parts[j]->w = NULL;
    }
  } else {
    clip_model_release_weights (m, l->w, (size_t) p->k * p->n);
  }
  l->w = NULL;
  return ok;
}

/* Whether oneDNN found @isa's instructions on this CPU (ISAs are sets of
 * feature bits). */
static gboolean
has_isa (dnnl_cpu_isa_t isa)
{
  unsigned have = (unsigned) dnnl_get_effective_cpu_isa ();
  return (have & (unsigned) isa) == (unsigned) isa;
}

/* Whether oneDNN's bf16 products beat fp32 ones on this CPU. AMX does,
 * and so did AVX512_BF16 on AMD's Zen 5, whose VDPBF16PS makes two
 * products per lane as fast as FMA makes one (a ViT-B/32 pass in 15 ms
 * against 28 in fp32). On an Emerald Rapids guest whose hypervisor hides
 * AMX it issued at a quarter of FMA's rate, half the products per
 * second, and the same pass took 46.6 ms against 35.7 in fp32; Intel's
 * other cores without AMX are taken to be alike (not measured). */
static gboolean
bf16_dots_pay (void)
{
  if (has_isa (dnnl_cpu_isa_avx512_core_amx))
    return TRUE;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init ();
  if (__builtin_cpu_is ("intel"))
    return FALSE;
#endif
  return has_isa (dnnl_cpu_isa_avx512_core_bf16);
}

/* Says once per process when a precision runs without the instructions
 * made for it: it still computes the same numbers, only slower. */
static void
note_slow_path (ClipPrecision precision)
{
  static gsize bf16_noted, int8_noted;

  if (precision == CLIP_PRECISION_BF16 && !has_isa (dnnl_cpu_isa_avx512_core_bf16)
      && g_once_init_enter (&bf16_noted)) {
    g_message ("this CPU has no AVX512_BF16 or AMX: bf16 products run on "
        "a slower path (the same numbers)");
    g_once_init_leave (&bf16_noted, 1);
  } else if (precision == CLIP_PRECISION_BF16 && !bf16_dots_pay ()) {
    g_debug ("bf16 products run as fp32 FMAs on weights held in bf16: "
        "this CPU's bf16 dot products are slower");
  }
  if (precision == CLIP_PRECISION_INT8 && !has_isa (dnnl_cpu_isa_avx512_core_vnni)
      && !has_isa (dnnl_cpu_isa_avx2_vnni) && g_once_init_enter (&int8_noted)) {
    g_message ("this CPU has no VNNI instructions: int8 products run on "
        "the slower AVX2/AVX-512 integer path");
    g_once_init_leave (&int8_noted, 1);
  }
}

gboolean
clip_dnnl_model_prepare (ClipModel *m, GError **error)
{
  ClipNative *nat = g_new0 (ClipNative, 1);
  g_autoptr (GPtrArray) layers = g_ptr_array_new ();
  size_t total = 0;
  gboolean ok = TRUE;

  m->native = nat;
  note_slow_path (m->precision);
  /* Without VNNI, u8 x s8 products go through instructions that add
   * pairs of them in 16 bits and saturate: 7-bit activations cannot. */
  nat->u8_top = has_isa (dnnl_cpu_isa_avx512_core_vnni)
      || has_isa (dnnl_cpu_isa_avx2_vnni) ? 255 : 127;
  nat->packed = g_ptr_array_new_with_free_func (packed_free);
  nat->buffers = g_ptr_array_new_with_free_func (g_free);
  if (!check (dnnl_engine_create (&nat->engine, dnnl_cpu, 0), "engine",
          error) || !check (dnnl_stream_create (&nat->stream, nat->engine,
              dnnl_stream_default_flags), "stream", error))
    return FALSE;

  g_ptr_array_add (layers, &m->vision.patch_embed);
  g_ptr_array_add (layers, &m->vision.proj);
  g_ptr_array_add (layers, &m->text.proj);
  guint first_block = layers->len;
  collect_transformer (&m->vision.tf, layers);
  collect_transformer (&m->text.tf, layers);

  /* first the layouts, so that all packed weights share one arena */
  for (guint i = 0; i < layers->len && ok; i++) {
    ClipLinear *l = g_ptr_array_index (layers, i);
    ClipPacked *p = g_new0 (ClipPacked, 1);
    p->k = l->n_in;
    p->n = l->n_out;
    /* the projections into the joint space (layers 1 and 2) stay fp32:
     * little work, and the embeddings are what users compare; the patch
     * embedding (layer 0) is 7% of an int8 pass in fp32 (precision.md) */
    p->precision = i > 0 && i < first_block ? CLIP_PRECISION_FP32
        : m->precision;
    /* (as oneDNN sees the CPU: tests cap its instruction sets) */
    p->widened = p->precision == CLIP_PRECISION_BF16 && !bf16_dots_pay ()
        && has_isa (dnnl_cpu_isa_avx512_core) && clip_bf16fma_supported ();
    l->packed = p;
    g_ptr_array_add (nat->packed, p);
    if (l->b) {
      dnnl_memory_desc_t bmd;
      md_2d (&bmd, 1, p->n, dnnl_ab);
      /* placeholder handle: the real bias is known after fusing q, k, v */
      ok = check (dnnl_memory_create (&p->b, &bmd, nat->engine,
              DNNL_MEMORY_NONE), "bias", error);
    }
    ok = ok && (p->widened || choose_layout (nat, p, error));
    /* primitives depend on the layout, not on which layer's weights */
    p->same = p;
    for (guint j = 0; j + 1 < nat->packed->len; j++) {
      const ClipPacked *o = g_ptr_array_index (nat->packed, j);
      if (o->k == p->k && o->n == p->n && o->precision == p->precision
          && o->emulated == p->emulated && o->widened == p->widened
          && (o->b != NULL) == (p->b != NULL)) {
        p->same = o;
        break;
      }
    }
    p->offset = total;
    total += ((p->widened ? clip_bf16fma_size (p->k, p->n)
            : dnnl_memory_desc_get_size (&p->wmd)) + 4095) & ~(size_t) 4095;
  }
  if (!ok)
    return FALSE;
  nat->arena = arena_new (total);
  if (!nat->arena) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "out of memory for %zu MB of packed weights", total >> 20);
    return FALSE;
  }
  size_t largest = 0;
  gboolean any_int8 = FALSE, any_emulated = FALSE;
  for (guint i = 0; i < nat->packed->len; i++) {
    const ClipPacked *p = g_ptr_array_index (nat->packed, i);
    largest = MAX (largest, (size_t) p->k * p->n);
    any_int8 = any_int8 || p->precision == CLIP_PRECISION_INT8;
    any_emulated = any_emulated || p->emulated;
  }
  PackCopies copies = {
    g_try_new (float, largest),
    any_emulated ? g_try_new (float, largest) : NULL,
    any_int8 ? g_try_new (gint8, largest) : NULL,
  };
  if (!copies.fused || (any_emulated && !copies.rounded)
      || (any_int8 && !copies.q)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO,
        "out of memory for a copy of %zu MB while packing weights",
        (largest * sizeof (float)) >> 20);
    ok = FALSE;
  }
  for (guint i = 0; i < layers->len && ok; i++) {
    ClipLinear *l = g_ptr_array_index (layers, i);
    ok = pack_one (m, l, l->packed, nat->arena + l->packed->offset, &copies,
        error);
  }
  g_free (copies.fused);
  g_free (copies.rounded);
  g_free (copies.q);
  /* reading one tensor maps the file's pages around it too */
  if (ok)
    clip_model_release_mapping (m);
  return ok;
}

void
clip_dnnl_model_clear (ClipModel *m)
{
  ClipNative *nat = m->native;

  g_ptr_array_unref (nat->packed);
  g_ptr_array_unref (nat->buffers);
  if (nat->stream)
    dnnl_stream_destroy (nat->stream);
  if (nat->engine)
    dnnl_engine_destroy (nat->engine);
  free (nat->arena);
  g_free (nat);
  m->native = NULL;
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
  size_t k = MAX (MAX (m->vision.tf.width, m->vision.tf.mlp),
      MAX (m->text.tf.width, m->text.tf.mlp));

  ws->native = wn;
  wn->prims = g_array_new (FALSE, FALSE, sizeof (Prim));
  wn->threads = ws->n_threads;
  if (m->precision != CLIP_PRECISION_FP32) {
    /* bf16 (or fp32 when bf16 is emulated) or u8 */
    gboolean int8 = m->precision == CLIP_PRECISION_INT8;
    size_t mlp = MAX (m->vision.tf.mlp, m->text.tf.mlp);
    wn->lowp = clip_workspace_alloc (ws->rows * k, sizeof (float));
    wn->hidden = clip_workspace_alloc (ws->rows * mlp, sizeof (guint16));
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
  return check (dnnl_stream_create (&wn->stream, ws->model->native->engine,
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
  if (wn->threads != ws->n_threads) {
    /* a primitive divides its work for the count it was made with */
    drop_primitives (wn);
    wn->threads = ws->n_threads;
  }
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
  dnnl_primitive_attr_t attr = new_attr ();
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
  if (describe_linear (p, key->m, key->dst_bf16 ? dnnl_bf16 : dnnl_f32,
          &desc, ws->error ? NULL : &ws->error))
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
  if (!int8) {
    key.epi = epi;
    key.act = epi == CLIP_EPI_ACT ? (int) act : 0;
  }
  key.dst_bf16 = dst_bf16;
  key.layout = p->same;
  dnnl_primitive_t prim = primitive (ws, &key, make_linear);
  md_2d_typed (&src, m, p->k, src_type (p), dnnl_ab);
  md_2d_typed (&dst, m, p->n, dst_bf16 ? dnnl_bf16 : dnnl_f32, dnnl_ab);
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

/* The end of an int8 product through @p whose input had @levels: its sums
 * @acc into y = epi (x W^T + b), its rows quantised into @next too. */
static void
int8_end (ClipWorkspace *ws, const ClipPacked *p, const ClipLevelsOut *in,
    const float *acc, int m, float *y, ClipEpilogue epi, ClipAct act,
    const ClipLevelsOut *next)
{
  ClipInt8Scales sc = { in->levels, p->scales, p->colsum, p->bias };

  if (!ws->error)
    clip_int8_epilogue (acc, m, p->n, &sc, y, epi, act, next,
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

void
clip_dnnl_linear (ClipWorkspace *ws, const ClipLinear *l, const float *x,
    int m, float *y, ClipEpilogue epi, ClipAct act)
{
  const ClipPacked *p = l->packed;
  ClipWsNative *wn = ws->native;

  if (ws->error)
    return;
  const void *in = convert_input (ws, p, x, m);
  if (p->widened) {
    size_t need = clip_bf16fma_scratch (p->k, ws->n_threads);
    if (need > wn->fma_scratch_size) {
      free (wn->fma_scratch);
      wn->fma_scratch = clip_workspace_alloc (need, sizeof (float));
      wn->fma_scratch_size = wn->fma_scratch ? need : 0;
      if (!wn->fma_scratch) {
        ws_check (ws, dnnl_out_of_memory, "scratch");
        return;
      }
    }
    clip_bf16fma_product (p->panels, p->k, p->n, in, m, p->bias, y,
        epi == CLIP_EPI_RESIDUAL, epi == CLIP_EPI_ACT, act, ws->n_threads,
        wn->fma_scratch);
    return;
  }
  if (p->precision != CLIP_PRECISION_INT8) {
    product (ws, p, in, m, y, FALSE, epi, act);
    return;
  }
  /* int8 sums go to y itself unless y is added to */
  float *acc = epi == CLIP_EPI_RESIDUAL ? wn->sums : y;
  product (ws, p, in, m, acc, FALSE, epi, act);
  int8_end (ws, p, &wn->levels, acc, m, y, epi, act, NULL);
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
    /* the hidden layer leaves fc1 as bf16, which fc2 reads as it is */
    product (ws, p1, convert_input (ws, p1, ws->t, rows), rows, wn->hidden,
        TRUE, CLIP_EPI_ACT, act);
    product (ws, p2, wn->hidden, rows, ws->x, FALSE, CLIP_EPI_RESIDUAL, 0);
  } else if (p1->precision == CLIP_PRECISION_INT8) {
    /* fc1's epilogue quantises the hidden rows for fc2 while in cache */
    product (ws, p1, convert_input (ws, p1, ws->t, rows), rows, ws->u,
        FALSE, CLIP_EPI_ACT, act);
    int8_end (ws, p1, &wn->levels, ws->u, rows, ws->u, CLIP_EPI_ACT, act,
        &wn->hidden_levels);
    product (ws, p2, wn->hidden, rows, wn->sums, FALSE, CLIP_EPI_RESIDUAL,
        0);
    int8_end (ws, p2, &wn->hidden_levels, wn->sums, rows, ws->x,
        CLIP_EPI_RESIDUAL, 0, NULL);
  } else {
    clip_dnnl_linear (ws, &b->fc1, ws->t, rows, ws->u, CLIP_EPI_ACT, act);
    clip_dnnl_linear (ws, &b->fc2, ws->u, rows, ws->x, CLIP_EPI_RESIDUAL,
        act);
  }
}
