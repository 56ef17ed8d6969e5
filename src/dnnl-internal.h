/* dnnl-internal.h: what the oneDNN backend's two halves share: the packed
 * form of a weight matrix and the model's oneDNN state (made at load by
 * dnnl-pack.c, used by backend-dnnl.c's products), and small helpers.
 * Internal. */
#ifndef CLIP_DNNL_INTERNAL_H
#define CLIP_DNNL_INTERNAL_H

#include "backend.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

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
  gboolean fma32;              /* fp32 where oneDNN's products wait on
                                * memory: weights packed by bf16fma.c */
  gboolean strassen;           /* fma32, products of many rows in
                                * Strassen's blocks (strassen.c) */
  gboolean keep_sums;          /* strassen, in the vision tower: the sums
                                * of W's quadrants those products multiply
                                * by are kept once the first is made */
  size_t sums_offset;          /* of those in the model's sums, in floats */
  struct _ClipNative *owner;
  gboolean dots;               /* bf16 on AVX512_BF16 where oneDNN's
                                * kernels leave much of its rate unused:
                                * weights packed by bf16dot.c */
  gboolean vnni;               /* int8 on AVX512_VNNI without AMX: weights
                                * packed by vnni.c, multiplied there */
  float *scales;               /* int8: [n], W[:, j] = scales[j] * Wq[:, j] */
  float *colsum;               /* int8: [n], the sum of Wq[:, j] */
  const float *bias;           /* the bias values for int8 (zeros if
                                * none) and bf16fma.c's products */
  const void *panels;          /* widened, fma32, dots, vnni: the weights
                                * as bf16fma.c, bf16dot.c or vnni.c packs
                                * them, in the arena */
  const struct _ClipPacked *same;     /* the first packed matrix of the same
                                       * shape, precision and bias: its
                                       * primitives serve this one too */
  size_t offset;               /* of the weights in the arena */
};

/* The sums of @p's quadrants kept for a product of @m rows in Strassen's
 * blocks, made by the first such product (dnnl-pack.c); NULL where none
 * are kept, or memory for them ran out (the product then makes them as
 * it goes: the same numbers). */
const float *clip_dnnl_kept_sums (const ClipPacked *p, int m);

typedef struct _ClipNative {
  dnnl_engine_t engine;
  dnnl_stream_t stream;        /* for packing at load */
  GPtrArray *packed;           /* ClipPacked *, all of the model's */
  GPtrArray *buffers;          /* fused biases */
  int u8_top;                  /* int8: highest activation level */
  guint8 *arena;               /* every packed weight matrix */
  size_t sums_size;            /* floats of the kept sums of them all */
  gsize sums_tried;            /* (g_once) */
  float *sums;                 /* those sums, made by the first product
                                * that reads them */
} ClipNative;

/* Whether @s is success; if not, says which step failed in @error. */
static inline gboolean
clip_dnnl_check (dnnl_status_t s, const char *what, GError **error)
{
  if (s == dnnl_success)
    return TRUE;
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT, "oneDNN: %s failed: %s",
      what, dnnl_status2str (s));
  return FALSE;
}

static inline void
clip_dnnl_md_2d_typed (dnnl_memory_desc_t *md, int rows, int cols,
    dnnl_data_type_t type, dnnl_format_tag_t tag)
{
  dnnl_dims_t dims = { rows, cols };
  dnnl_memory_desc_init_by_tag (md, 2, dims, type, tag);
}

static inline void
clip_dnnl_md_2d (dnnl_memory_desc_t *md, int rows, int cols,
    dnnl_format_tag_t tag)
{
  clip_dnnl_md_2d_typed (md, rows, cols, dnnl_f32, tag);
}

/* What a product's input and weights are held in. */
static inline dnnl_data_type_t
clip_dnnl_src_type (const ClipPacked *p)
{
  return p->emulated ? dnnl_f32 : p->precision == CLIP_PRECISION_BF16
      ? dnnl_bf16 : p->precision == CLIP_PRECISION_INT8 ? dnnl_u8 : dnnl_f32;
}

static inline dnnl_data_type_t
clip_dnnl_weight_type (const ClipPacked *p)
{
  return p->precision == CLIP_PRECISION_INT8 ? dnnl_s8
      : clip_dnnl_src_type (p);
}

static inline dnnl_primitive_attr_t
clip_dnnl_new_attr (void)
{
  dnnl_primitive_attr_t attr;
  dnnl_primitive_attr_create (&attr);
  dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user);
  return attr;
}

/* The matmul description of a product of @m rows through @p (whose wmd may
 * still be format "any"); the caller adds the attributes. */
gboolean clip_dnnl_describe_linear (const ClipPacked *p, int m,
    dnnl_data_type_t dst_type, dnnl_matmul_desc_t *desc, GError **error);

#endif
