/* dnnl-pack.c: the native backend's work at load. Every weight matrix is
 * reordered once into the blocked layout oneDNN's kernels want (so no
 * product re-packs weights), or quantised to int8, or packed for
 * bf16fma.c's kernel; Q, K and V become one matrix. All packed matrices
 * share one arena. The products are backend-dnnl.c's. */
#include "dnnl-internal.h"

#include "bf16dot.h"
#include "bf16fma.h"
#include "cpu.h"
#include "strassen.h"
#include "vnni.h"
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Rows the weight layout is chosen for; products of other sizes reuse it. */
#define PACK_ROWS 64

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

const float *
clip_dnnl_kept_sums (const ClipPacked *p, int m)
{
  ClipNative *nat = p->owner;

  if (!p->keep_sums || !clip_strassen_pays (m, p->k, p->n))
    return NULL;
  /* made once for all of the model's matrices, then only read: the model
   * stays shareable */
  if (g_once_init_enter (&nat->sums_tried)) {
    float *sums = (float *) arena_new (nat->sums_size * sizeof (float));
    for (guint i = 0; i < nat->packed->len && sums; i++) {
      const ClipPacked *q = g_ptr_array_index (nat->packed, i);
      if (q->keep_sums)
        clip_strassen_make_sums (q->panels, q->k, q->n,
            sums + q->sums_offset);
    }
    if (!sums)
      g_debug ("out of memory for %zu MB of Strassen's sums of weights: "
          "products make them as they go",
          (nat->sums_size * sizeof (float)) >> 20);
    nat->sums = sums;
    g_once_init_leave (&nat->sums_tried, 1);
  }
  return nat->sums ? nat->sums + p->sums_offset : NULL;
}

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

gboolean
clip_dnnl_describe_linear (const ClipPacked *p, int m,
    dnnl_data_type_t dst_type, dnnl_matmul_desc_t *desc, GError **error)
{
  dnnl_memory_desc_t src, dst, bmd;

  clip_dnnl_md_2d_typed (&src, m, p->k, clip_dnnl_src_type (p), dnnl_ab);
  clip_dnnl_md_2d_typed (&dst, m, p->n, dst_type, dnnl_ab);
  clip_dnnl_md_2d (&bmd, 1, p->n, dnnl_ab);
  return clip_dnnl_check (dnnl_matmul_desc_init (desc, &src, &p->wmd,
          p->b && p->precision != CLIP_PRECISION_INT8 ? &bmd : NULL, &dst),
      "matmul description", error);
}

/* The layout oneDNN picks for @p's weights. */
static gboolean
choose_layout (ClipNative *nat, ClipPacked *p, GError **error)
{
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_attr_t attr = clip_dnnl_new_attr ();
  dnnl_dims_t wdims = { p->k, p->n };
  gboolean ok;

  dnnl_memory_desc_init_by_tag (&p->wmd, 2, wdims, clip_dnnl_weight_type (p),
      dnnl_format_tag_any);
  ok = clip_dnnl_describe_linear (p, PACK_ROWS, dnnl_f32, &desc, error);
  dnnl_status_t st = ok ? dnnl_primitive_desc_create (&pd, &desc, attr,
      nat->engine, NULL) : dnnl_success;
  if (st == dnnl_unimplemented && p->precision == CLIP_PRECISION_BF16
      && !p->emulated) {
    dnnl_primitive_attr_destroy (attr);
    p->emulated = TRUE;
    return choose_layout (nat, p, error);
  }
  ok = ok && clip_dnnl_check (st, "matmul", error);
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

  clip_dnnl_md_2d (&plain, p->k, p->n, transposed ? dnnl_ab : dnnl_ba);
  if (p->precision == CLIP_PRECISION_INT8) {
    quantize_weights (p, w, transposed, copies->q);
    q = copies->q;
    plain.data_type = dnnl_s8;
  } else if (p->emulated) {
    for (size_t i = 0; i < (size_t) p->k * p->n; i++)
      copies->rounded[i] = k_round_bf16 (w[i]);
    q = copies->rounded;
  }
  if (clip_dnnl_check (dnnl_memory_create (&p->w, &p->wmd, nat->engine, dst),
          "packed weights", error)
      && clip_dnnl_check (dnnl_memory_create (&from, &plain, nat->engine,
              q ? (void *) q : (void *) w), "weights", error)
      && clip_dnnl_check (dnnl_reorder_primitive_desc_create (&rpd, &plain,
              nat->engine, &p->wmd, nat->engine, NULL), "reorder", error)
      && clip_dnnl_check (dnnl_primitive_create (&reorder, rpd), "reorder",
          error)) {
    dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, from },
      { DNNL_ARG_TO, p->w } };
    ok = clip_dnnl_check (dnnl_primitive_execute (reorder, nat->stream, 2,
            args),
        "reorder", error) && clip_dnnl_check (dnnl_stream_wait (nat->stream),
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

  if (p->b && !clip_dnnl_check (dnnl_memory_set_data_handle (p->b,
              (void *) l->b), "bias", error))
    return FALSE;
  p->bias = l->b;
  if (!p->bias && p->precision == CLIP_PRECISION_INT8) {
    p->bias = g_new0 (float, p->n);    /* the epilogue always adds one */
    g_ptr_array_add (nat->buffers, (gpointer) p->bias);
  }
  gboolean ok = TRUE;
  if (p->fma32) {
    clip_fma32_pack (w, l->transposed, p->k, p->n, dst);
    p->panels = dst;
  } else if (p->vnni) {
    quantize_weights (p, w, l->transposed, copies->q);
    clip_vnni_pack (copies->q, l->transposed, p->k, p->n, dst);
    p->panels = dst;
  } else if (p->widened) {
    clip_bf16fma_pack (w, l->transposed, p->k, p->n, dst);
    p->panels = dst;
  } else if (p->dots) {
    clip_bf16dot_pack (w, l->transposed, p->k, p->n, dst);
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
  return !clip_cpu_is_intel () && has_isa (dnnl_cpu_isa_avx512_core_bf16);
}

/* Whether bf16 products run on bf16dot.c's panels rather than oneDNN's
 * kernels: on AMD's Zen 4, where an EPYC guest ran ViT-B/32's batch-1
 * products that way at 90% of what VPDBF16PS makes there, against 78%
 * for oneDNN's, and on Zen 5, where a batch-1 pass took about 5% less
 * time (bench/README.md). With AMX, and on Intel (whose dot products lose
 * to FMA: bf16fma.c), they do not. */
static gboolean
bf16_panels_pay (void)
{
  return clip_cpu_is_amd_zen3_to_5 ()
      && !has_isa (dnnl_cpu_isa_avx512_core_amx)
      && has_isa (dnnl_cpu_isa_avx512_core_bf16) && clip_bf16dot_supported ();
}

/* Whether fp32 products run on bf16fma.c's panels rather than oneDNN's
 * kernels: on Intel's AVX-512 cores without AMX, where the Emerald Rapids
 * guest ran a batch-1 ViT-B/32 pass in 29.6 ms against oneDNN's 37.6,
 * text faster, 8 images about as fast; on AMD's Zen 4, where batch 1 ran
 * as fast either way, 8 images 3% and text 6% faster; and on Zen 5, where
 * batch 1 took 5-7% less time (bench/README.md). With AMX, and on other
 * CPUs, oneDNN's fp32 kernels stay. */
static gboolean
fp32_panels_pay (void)
{
  return (clip_cpu_is_intel () || clip_cpu_is_amd_zen3_to_5 ())
      && !has_isa (dnnl_cpu_isa_avx512_core_amx)
      && has_isa (dnnl_cpu_isa_avx512_core) && clip_bf16fma_supported ();
}

/* Whether fp32 products of many rows on those panels run in Strassen's
 * seven block products rather than eight: on AMD's Zen 4, where a
 * batch-8 ViT-B/32 pass took 4-5% less time so, and on Zen 5, taken with
 * the panels and halves (bench/README.md). Not measured on Intel's
 * cores. */
static gboolean
strassen_pays (void)
{
  return clip_cpu_is_amd_zen3_to_5 ();
}

/* Whether int8 products run on vnni.c's panels rather than oneDNN's
 * kernels: on Intel's AVX512_VNNI cores without AMX, where the Emerald
 * Rapids guest ran ViT-B/32's batch-1 products 26-31% faster that way,
 * on AMD's Zen 4, where a batch-1 pass took 12.3 ms against 14.5, and on
 * Zen 5, where it took about 4% less time (bench/README.md). With AMX,
 * and on other CPUs, oneDNN's kernels stay. */
static gboolean
int8_panels_pay (void)
{
  return (clip_cpu_is_intel () || clip_cpu_is_amd_zen3_to_5 ())
      && !has_isa (dnnl_cpu_isa_avx512_core_amx)
      && has_isa (dnnl_cpu_isa_avx512_core_vnni) && clip_vnni_supported ();
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
  } else if (precision == CLIP_PRECISION_BF16 && bf16_panels_pay ()) {
    g_debug ("bf16 products run on dot-product panels fetched a panel "
        "ahead");
  }
  if (precision == CLIP_PRECISION_FP32 && fp32_panels_pay ())
    g_debug ("fp32 products run on FMA panels fetched a panel ahead");
  if (precision == CLIP_PRECISION_INT8 && int8_panels_pay ())
    g_debug ("int8 products run on VNNI panels, scaled back in registers");
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
  if (!clip_dnnl_check (dnnl_engine_create (&nat->engine, dnnl_cpu, 0),
          "engine", error)
      || !clip_dnnl_check (dnnl_stream_create (&nat->stream, nat->engine,
              dnnl_stream_default_flags), "stream", error))
    return FALSE;

  g_ptr_array_add (layers, &m->vision.patch_embed);
  g_ptr_array_add (layers, &m->vision.proj);
  g_ptr_array_add (layers, &m->text.proj);
  guint first_block = layers->len;
  collect_transformer (&m->vision.tf, layers);
  guint text_first = layers->len;
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
    p->fma32 = p->precision == CLIP_PRECISION_FP32 && fp32_panels_pay ();
    p->strassen = p->fma32 && strassen_pays ();
    size_t sums = m->keep_sums && p->strassen && i >= first_block
        && i < text_first ? clip_strassen_sums_size (p->k, p->n) : 0;
    p->keep_sums = sums > 0;
    p->owner = nat;
    p->sums_offset = nat->sums_size;
    nat->sums_size += sums;
    p->dots = p->precision == CLIP_PRECISION_BF16 && p->k % 2 == 0
        && bf16_panels_pay ();
    p->vnni = p->precision == CLIP_PRECISION_INT8 && p->k % 4 == 0
        && int8_panels_pay ();
    /* bf16fma.c's, bf16dot.c's and vnni.c's products need no oneDNN
     * layout, primitive or bias */
    gboolean on_panels = p->widened || p->fma32 || p->dots || p->vnni;
    l->packed = p;
    g_ptr_array_add (nat->packed, p);
    if (l->b && !on_panels) {
      dnnl_memory_desc_t bmd;
      clip_dnnl_md_2d (&bmd, 1, p->n, dnnl_ab);
      /* placeholder handle: the real bias is known after fusing q, k, v */
      ok = clip_dnnl_check (dnnl_memory_create (&p->b, &bmd, nat->engine,
              DNNL_MEMORY_NONE), "bias", error);
    }
    ok = ok && (on_panels || choose_layout (nat, p, error));
    /* primitives depend on the layout, not on which layer's weights */
    p->same = p;
    for (guint j = 0; j + 1 < nat->packed->len; j++) {
      const ClipPacked *o = g_ptr_array_index (nat->packed, j);
      if (o->k == p->k && o->n == p->n && o->precision == p->precision
          && o->emulated == p->emulated && o->widened == p->widened
          && o->fma32 == p->fma32 && o->dots == p->dots
          && o->vnni == p->vnni
          && (o->b != NULL) == (p->b != NULL)) {
        p->same = o;
        break;
      }
    }
    p->offset = total;
    total += ((p->fma32 ? clip_fma32_size (p->k, p->n)
            : p->widened ? clip_bf16fma_size (p->k, p->n)
            : p->dots ? clip_bf16dot_size (p->k, p->n)
            : p->vnni ? clip_vnni_size (p->k, p->n)
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
  free (nat->sums);
  g_free (nat);
  m->native = NULL;
}
