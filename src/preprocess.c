/* preprocess.c: a video frame to CLIP's input tensor, as OpenAI's
 * torchvision pipeline does it (Resize(R, BICUBIC) on a PIL image,
 * CenterCrop(R), ToTensor, Normalize), without materialising the resized
 * frame: only the output rows and columns inside the crop are computed.
 * Source rows are read in place where their bytes can be resampled as
 * they are (packed RGB formats), or converted to RGB one at a time into a
 * small buffer; horizontally resampled rows go round a ring just deep
 * enough for the vertical filter. Output rows are independent, so a large
 * frame is split into bands of output rows, one per thread. */
#include "preprocess.h"
#include "prepkernels.h"

#include <string.h>

/* ------------------------------------------------------ pixel formats */

/* How the resampler reads a format: packed pixels of @bpp bytes in place,
 * or (YUV) converted to 4-byte R, G, B, 0. */
typedef struct {
  int bpp;                    /* bytes per resampled pixel */
  int lanes[3];               /* byte of R, G, B inside one */
  int n_planes;
  gboolean yuv;
  gboolean yuv422;            /* packed 4:2:2: chroma of its own each row */
} FormatInfo;

/* Indexed by ClipPixelFormat up to GRAY8; alpha and padding are ignored. */
static const FormatInfo packed_formats[] = {
  [CLIP_PIXEL_RGB] = { 3, { 0, 1, 2 }, 1, FALSE },
  [CLIP_PIXEL_BGR] = { 3, { 2, 1, 0 }, 1, FALSE },
  [CLIP_PIXEL_RGBX] = { 4, { 0, 1, 2 }, 1, FALSE },
  [CLIP_PIXEL_BGRX] = { 4, { 2, 1, 0 }, 1, FALSE },
  [CLIP_PIXEL_XRGB] = { 4, { 1, 2, 3 }, 1, FALSE },
  [CLIP_PIXEL_XBGR] = { 4, { 3, 2, 1 }, 1, FALSE },
  [CLIP_PIXEL_RGBA] = { 4, { 0, 1, 2 }, 1, FALSE },
  [CLIP_PIXEL_BGRA] = { 4, { 2, 1, 0 }, 1, FALSE },
  [CLIP_PIXEL_ARGB] = { 4, { 1, 2, 3 }, 1, FALSE },
  [CLIP_PIXEL_ABGR] = { 4, { 3, 2, 1 }, 1, FALSE },
  [CLIP_PIXEL_GRAY8] = { 1, { 0, 0, 0 }, 1, FALSE },
};

static const FormatInfo yuv_formats[] = {
  [0] = { 4, { 0, 1, 2 }, 3, TRUE, FALSE },     /* I420 */
  [1] = { 4, { 0, 1, 2 }, 2, TRUE, FALSE },     /* NV12, NV21 */
  [2] = { 4, { 0, 1, 2 }, 1, TRUE, TRUE },      /* YUY2, UYVY, YVYU */
};

/* Checks size, planes and strides; returns how to read the format. */
static const FormatInfo *
image_format (const ClipImage *image, GError **error)
{
  int w = image->width;
  gint64 min_stride[3] = { 0, 0, 0 };
  const FormatInfo *f;

  if (image->width < 1 || image->height < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "image size %dx%d: width and height must be at least 1",
        image->width, image->height);
    return NULL;
  }
  switch (image->format) {
    case CLIP_PIXEL_I420:
      f = &yuv_formats[0];
      min_stride[0] = w;
      min_stride[1] = min_stride[2] = (w + 1) / 2;
      break;
    case CLIP_PIXEL_NV12:
    case CLIP_PIXEL_NV21:
      f = &yuv_formats[1];
      min_stride[0] = w;
      min_stride[1] = (gint64) (w + 1) / 2 * 2;
      break;
    case CLIP_PIXEL_YUY2:
    case CLIP_PIXEL_UYVY:
    case CLIP_PIXEL_YVYU:
      f = &yuv_formats[2];
      min_stride[0] = (gint64) (w + 1) / 2 * 4;
      break;
    default:
      if ((unsigned) image->format >= G_N_ELEMENTS (packed_formats)) {
        g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
            "unknown pixel format %d", (int) image->format);
        return NULL;
      }
      f = &packed_formats[image->format];
      min_stride[0] = (gint64) w * f->bpp;
      break;
  }
  if (f->yuv && (unsigned) image->matrix > CLIP_YUV_BT2020_FULL) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "unknown YUV matrix %d", (int) image->matrix);
    return NULL;
  }
  for (int i = 0; i < f->n_planes; i++) {
    if (!image->planes[i]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image plane %d is NULL", i);
      return NULL;
    }
    if (image->strides[i] < min_stride[i]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image plane %d: stride %d is smaller than a row of a %d pixel "
          "wide image (%" G_GINT64_FORMAT " bytes)", i, image->strides[i], w,
          min_stride[i]);
      return NULL;
    }
  }
  return f;
}

/* YUV -> RGB in 16.16 fixed point, from the matrix's Kr/Kb and range. */
static ClipYuvCoeffs
yuv_coeffs (ClipYuvMatrix matrix)
{
  double kr = 0.299, kb = 0.114;        /* BT.601 */
  gboolean full = matrix == CLIP_YUV_BT601_FULL
      || matrix == CLIP_YUV_BT709_FULL || matrix == CLIP_YUV_BT2020_FULL;

  if (matrix == CLIP_YUV_BT709 || matrix == CLIP_YUV_BT709_FULL) {
    kr = 0.2126;
    kb = 0.0722;
  } else if (matrix == CLIP_YUV_BT2020 || matrix == CLIP_YUV_BT2020_FULL) {
    kr = 0.2627;
    kb = 0.0593;
  }
  double kg = 1.0 - kr - kb;
  double ys = full ? 1.0 : 255.0 / 219.0;
  double cs = full ? 1.0 : 255.0 / 224.0;
  const double one = 65536.0;
  ClipYuvCoeffs c = {
    .y_offset = full ? 0 : 16,
    .cy = (int32_t) (ys * one + 0.5),
    .crv = (int32_t) (2.0 * (1.0 - kr) * cs * one + 0.5),
    .cgu = (int32_t) (2.0 * kb * (1.0 - kb) / kg * cs * one + 0.5),
    .cgv = (int32_t) (2.0 * kr * (1.0 - kr) / kg * cs * one + 0.5),
    .cbu = (int32_t) (2.0 * (1.0 - kb) * cs * one + 0.5),
  };
  return c;
}

/* --------------------------------------------------------- geometry */

/* Python's round() of @twice_offset / 2: halves go to the even neighbour. */
static int
round_half_even_half (int twice_offset)
{
  int k = twice_offset / 2;
  if (twice_offset % 2 == 0)
    return k;
  return k % 2 == 0 ? k : k + 1;
}

/* torchvision's Resize(size) output for an int size, on the picture as
 * shown (@shown wide, @height high): the short side becomes @size, the
 * long one int(size * long / short), truncated. @width, the stored width,
 * only names the image in the error. */
static gboolean
resized_dims (int width, int shown, int height, int size, int *out_w,
    int *out_h, GError **error)
{
  gboolean width_short = shown <= height;
  int s = width_short ? shown : height;
  int l = width_short ? height : shown;
  double scaled = (double) ((gint64) size * l) / s;

  /* Keep every index and PIL-style int computation far from overflow. */
  if (scaled > G_MAXINT / 4) {
    if (shown != width)
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image size %dx%d, shown %dx%d by its pixel aspect ratio: aspect "
          "ratio too extreme to resize to %d", width, height, shown, height,
          size);
    else
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "image size %dx%d: aspect ratio too extreme to resize to %d",
          width, height, size);
    return FALSE;
  }
  *out_w = width_short ? size : (int) scaled;
  *out_h = width_short ? (int) scaled : size;
  return TRUE;
}

/* The width @image is shown at: round(width * par_n / par_d), at least 1
 * (halves up); the width itself for square pixels. */
static int
display_width (const ClipImage *image)
{
  if (image->par_n <= 0 || image->par_d <= 0 || image->par_n == image->par_d)
    return image->width;
  gint64 w = ((gint64) image->width * image->par_n + image->par_d / 2) /
      image->par_d;
  return (int) CLAMP (w, 1, G_MAXINT);
}

/* The filter tables of one frame size: PIL's taps for the crop's columns
 * and rows, and the columns' taps laid out for each pixel size met. */
typedef struct {
  int width, height;
  int display_width;          /* what the resize's geometry is computed on */
  ClipTaps htaps, vtaps;
  ClipHTable htables[5];      /* indexed by bytes per pixel: 1, 3, 4 */
} Plan;

/* The columns go from @width to the size torchvision's Resize gives the
 * picture shown @display_width wide, in one resampling as PIL's resize()
 * to that size does. */
static Plan *
plan_new (int width, int height, int display_width, int size, GError **error)
{
  int out_w, out_h;

  if (!resized_dims (width, display_width, height, size, &out_w, &out_h,
          error))
    return NULL;

  Plan *plan = g_new0 (Plan, 1);
  plan->width = width;
  plan->height = height;
  plan->display_width = display_width;
  clip_taps_init (&plan->htaps, width, out_w,
      round_half_even_half (out_w - size), size);
  clip_taps_init (&plan->vtaps, height, out_h,
      round_half_even_half (out_h - size), size);
  return plan;
}

static void
plan_free (Plan *plan)
{
  if (!plan)
    return;
  clip_taps_clear (&plan->htaps);
  clip_taps_clear (&plan->vtaps);
  for (int i = 0; i < 5; i++)
    if (plan->htables[i].n)
      clip_htable_clear (&plan->htables[i]);
  g_free (plan);
}

static const ClipHTable *
plan_htable (Plan *plan, int bpp, ClipHTableLayout layout)
{
  ClipHTable *t = &plan->htables[bpp];

  if (t->n && t->layout != layout)
    clip_htable_clear (t);
  if (!t->n)
    clip_htable_init (t, &plan->htaps, plan->width, bpp, layout);
  return t;
}

/* ---------------------------------------------------- one band of rows */

/* Everything a band needs to know about the frame being processed. */
typedef struct {
  const ClipImage *image;
  const FormatInfo *format;
  const Plan *plan;
  const ClipHTable *htable;
  const ClipPrepKernels *kernels;
  ClipYuvCoeffs yuv;
  gboolean direct;            /* resample source rows in place */
  int buf_first, buf_end;     /* pixels of a converted / copied row */
  int size;
  const float (*lut)[256];    /* normalisation, or NULL for 8-bit output */
  float *out;
  uint8_t *out8;
} Frame;

/* Source rows resampled horizontally together (see ClipPrepKernels). */
#define ROWS_AT_ONCE 4

/* The scratch memory of one band: sized for one plan and format. */
typedef struct {
  uint8_t *ring;              /* [ring_rows, 4 * size] resampled rows */
  int ring_rows;
  uint8_t *rowbuf[ROWS_AT_ONCE];  /* converted or copied source rows */
  size_t rowbuf_size;
  int32_t *chroma;            /* 3 arrays of chroma terms */
  size_t chroma_n;
  int chroma_row;             /* chroma row held in @chroma, or -1 */
  uint8_t *split;             /* 4:2:2: a row's luma, then 2 chroma rows */
  size_t split_size;
  uint8_t *vrow;              /* [4 * size] one output row */
  const uint8_t **rowptrs;    /* [ring_rows] */
} Band;

static void
band_clear (Band *b)
{
  g_free (b->ring);
  for (int r = 0; r < ROWS_AT_ONCE; r++)
    g_free (b->rowbuf[r]);
  g_free (b->chroma);
  g_free (b->split);
  g_free (b->vrow);
  g_free (b->rowptrs);
  memset (b, 0, sizeof *b);
}

/* (Re)allocates @b for @f when the plan or the row buffer size changed. */
static void
band_prepare (Band *b, const Frame *f)
{
  /* The vertical window, plus the rows resampled ahead with it. */
  int ring_rows = f->plan->vtaps.ksize + ROWS_AT_ONCE - 1;
  size_t row_px = (size_t) (f->buf_end - f->buf_first);
  size_t rowbuf_size = f->direct ? 0 : row_px * f->format->bpp + 16;
  size_t chroma_n = f->format->yuv ? row_px / 2 + 2 : 0;
  size_t split_size = f->format->yuv422 ? row_px + 2 + 2 * chroma_n : 0;

  if (b->ring_rows != ring_rows || !b->vrow
      || b->rowbuf_size != rowbuf_size || b->chroma_n != chroma_n
      || b->split_size != split_size) {
    band_clear (b);
    b->ring_rows = ring_rows;
    b->ring = g_malloc ((size_t) ring_rows * 4 * f->size);
    b->rowptrs = g_new (const uint8_t *, ring_rows);
    b->vrow = g_malloc ((size_t) 4 * f->size);
    b->rowbuf_size = rowbuf_size;
    /* Zeroed once: the part past the image's last column stays zero. */
    for (int r = 0; rowbuf_size && r < ROWS_AT_ONCE; r++)
      b->rowbuf[r] = g_malloc0 (rowbuf_size);
    b->chroma_n = chroma_n;
    b->chroma = chroma_n ? g_new (int32_t, 3 * chroma_n) : NULL;
    b->split_size = split_size;
    b->split = split_size ? g_malloc (split_size) : NULL;
  }
  b->chroma_row = -1;
}

/* Makes source row @y readable as packed pixels from buf_first on, in
 * @buf, and returns it. */
static const uint8_t *
band_source_row (Band *b, const Frame *f, int y, uint8_t *buf)
{
  const ClipImage *im = f->image;
  const uint8_t *row = im->planes[0] + (size_t) y * im->strides[0];
  int bpp = f->format->bpp;
  int have_end = MIN (f->buf_end, im->width);

  if (!f->format->yuv) {
    memcpy (buf, row + (size_t) f->buf_first * bpp,
        (size_t) (have_end - f->buf_first) * bpp);
    return buf;
  }
  /* buf_first is even: pixel j of the buffer uses chroma term j / 2. */
  int cx0 = f->buf_first / 2, n = have_end - f->buf_first, nc = (n + 1) / 2;
  int32_t *cr = b->chroma, *cg = cr + b->chroma_n, *cb = cg + b->chroma_n;
  const uint8_t *luma = row + f->buf_first;

  if (f->format->yuv422) {
    /* Each row holds its own chroma: split it from the luma. */
    uint8_t *c0 = b->split + n + 2, *c1 = c0 + b->chroma_n;
    f->kernels->yuv422_split (row + 4 * (size_t) cx0, nc,
        im->format == CLIP_PIXEL_UYVY, b->split, c0, c1);
    luma = b->split;
    gboolean v_first = im->format == CLIP_PIXEL_YVYU;
    f->kernels->yuv_chroma (&f->yuv, v_first ? c1 : c0, v_first ? c0 : c1, 1,
        nc, cr, cg, cb);
  } else if (b->chroma_row != y / 2) {
    const uint8_t *u, *v;
    int step;
    if (im->format == CLIP_PIXEL_I420) {
      u = im->planes[1] + (size_t) (y / 2) * im->strides[1] + cx0;
      v = im->planes[2] + (size_t) (y / 2) * im->strides[2] + cx0;
      step = 1;
    } else {
      /* NV12 pairs are U, V; NV21 pairs V, U */
      u = im->planes[1] + (size_t) (y / 2) * im->strides[1] + 2 * cx0;
      v = u + 1;
      if (im->format == CLIP_PIXEL_NV21) {
        v = u;
        u = v + 1;
      }
      step = 2;
    }
    f->kernels->yuv_chroma (&f->yuv, u, v, step, nc, cr, cg, cb);
    b->chroma_row = y / 2;
  }
  f->kernels->yuv_row (&f->yuv, luma, n, cr, cg, cb, buf);
  return buf;
}

/* Resamples source rows @y .. @y + @n - 1 horizontally into the ring. */
static void
band_rows (Band *b, const Frame *f, int y, int n)
{
  const ClipImage *im = f->image;
  const uint8_t *src[ROWS_AT_ONCE];
  uint8_t *dst[ROWS_AT_ONCE];

  for (int r = 0; r < n; r++) {
    src[r] = f->direct
        ? im->planes[0] + (size_t) (y + r) * im->strides[0]
        : band_source_row (b, f, y + r, b->rowbuf[r]);
    dst[r] = b->ring + (size_t) ((y + r) % b->ring_rows) * 4 * f->size;
  }
  f->kernels->hpass (f->htable, src, f->direct ? 0 : f->buf_first, dst, n);
}

/* Writes output row @i from @vrow (4 bytes a pixel, in source order). */
static void
emit_row (const Frame *f, int i, const uint8_t *vrow)
{
  int size = f->size;
  const int *lanes = f->format->lanes;

  if (f->lut) {
    size_t plane = (size_t) size * size;
    for (int c = 0; c < 3; c++) {
      const float *lut = f->lut[c];
      const uint8_t *src = vrow + lanes[c];
      float *dst = f->out + c * plane + (size_t) i * size;
      for (int j = 0; j < size; j++)
        dst[j] = lut[src[4 * j]];
    }
  } else {
    uint8_t *dst = f->out8 + (size_t) i * size * 3;
    for (int j = 0; j < size; j++)
      for (int c = 0; c < 3; c++)
        dst[3 * j + c] = vrow[4 * j + lanes[c]];
  }
}

/* Output rows @i0 .. @i1 - 1: each source row they need is resampled once
 * into the ring, then each output row is a vertical pass over the ring. */
static void
band_run (Band *b, const Frame *f, int i0, int i1)
{
  const ClipTaps *vt = &f->plan->vtaps;
  size_t row_bytes = (size_t) 4 * f->size;
  int next = vt->first[i0];
  int last = vt->first[i1 - 1] + vt->count[i1 - 1];

  for (int i = i0; i < i1; i++) {
    int first = vt->first[i], count = vt->count[i];

    next = MAX (next, first);
    while (next < first + count) {
      int n = MIN (ROWS_AT_ONCE, last - next);
      band_rows (b, f, next, n);
      next += n;
    }
    for (int y = 0; y < count; y++)
      b->rowptrs[y] = b->ring + (size_t) ((first + y) % b->ring_rows)
          * row_bytes;
    f->kernels->vpass (b->rowptrs, vt->weights + (size_t) i * vt->ksize,
        count, (int) row_bytes, b->vrow);
    emit_row (f, i, b->vrow);
  }
}

/* ------------------------------------------------------------ the plan */

struct _ClipPrep {
  int size;
  float lut[3][256];
  int n_threads;
  const ClipPrepKernels *kernels;
  Plan *plan;                 /* for the last frame size */
  Band *bands;                /* [n_threads] */
  GThreadPool *pool;          /* n_threads - 1 workers, or NULL */
  GMutex lock;
  GCond done;
  int pending;                /* bands still running */
};

typedef struct {
  ClipPrep *prep;
  const Frame *frame;
  Band *band;
  int i0, i1;
} Task;

/* Below this many multiply-adds a frame runs on one thread: handing work
 * to another thread costs tens of microseconds. */
#define MIN_WORK_PER_THREAD 2000000

ClipPrep *
clip_prep_new (int size, const float mean[3], const float std[3],
    int n_threads, gboolean portable)
{
  g_return_val_if_fail (size >= 1 && n_threads >= 1, NULL);

  ClipPrep *prep = g_new0 (ClipPrep, 1);
  prep->size = size;
  prep->kernels = clip_prep_kernels (portable);
  /* ToTensor then Normalize, in float32 as torch computes them. */
  for (int c = 0; c < 3; c++)
    for (int v = 0; v < 256; v++)
      prep->lut[c][v] = mean && std
          ? ((float) v / 255.0f - mean[c]) / std[c] : (float) v;
  /* More bands than this would overlap more than they share out. */
  prep->n_threads = MIN (n_threads, 64);
  prep->bands = g_new0 (Band, prep->n_threads);
  g_mutex_init (&prep->lock);
  g_cond_init (&prep->done);
  return prep;
}

void
clip_prep_free (ClipPrep *prep)
{
  if (!prep)
    return;
  if (prep->pool)
    g_thread_pool_free (prep->pool, FALSE, TRUE);
  for (int i = 0; i < prep->n_threads; i++)
    band_clear (&prep->bands[i]);
  g_free (prep->bands);
  plan_free (prep->plan);
  g_mutex_clear (&prep->lock);
  g_cond_clear (&prep->done);
  g_free (prep);
}

const char *
clip_prep_kernels_name (const ClipPrep *prep)
{
  return prep->kernels->name;
}

gboolean
clip_prep_use_kernels (ClipPrep *prep, const char *name)
{
  g_return_val_if_fail (prep != NULL && name != NULL, FALSE);

  const ClipPrepKernels *kernels = clip_prep_kernels_named (name);
  if (!kernels)
    return FALSE;
  prep->kernels = kernels;
  return TRUE;
}

static void
task_run (gpointer data, gpointer user_data)
{
  Task *t = data;
  ClipPrep *prep = t->prep;

  band_run (t->band, t->frame, t->i0, t->i1);
  g_mutex_lock (&prep->lock);
  if (--prep->pending == 0)
    g_cond_signal (&prep->done);
  g_mutex_unlock (&prep->lock);
}

/* How many bands @f is worth splitting into. */
static int
n_bands (ClipPrep *prep, const Frame *f)
{
  const ClipTaps *vt = &f->plan->vtaps;
  gint64 rows = vt->first[vt->n - 1] + vt->count[vt->n - 1] - vt->first[0];
  gint64 work = rows * f->htable->steps * f->htable->step_px * 4 * f->size
      + (gint64) f->size * 4 * f->size * vt->ksize;
  /* Neighbouring bands both resample the source rows their vertical
   * windows share: keep that overlap under a quarter of a band. */
  gint64 by_overlap = rows / (4 * vt->ksize);
  int n = (int) MIN (MIN (prep->n_threads, work / MIN_WORK_PER_THREAD),
      by_overlap);

  n = MAX (n, 1);

  if (n > 1 && !prep->pool) {
    GError *error = NULL;
    prep->pool = g_thread_pool_new (task_run, NULL, prep->n_threads - 1,
        TRUE, &error);
    if (!prep->pool) {
      g_warning ("preprocessing on one thread: %s", error->message);
      g_error_free (error);
      prep->n_threads = 1;
      return 1;
    }
  }
  return n;
}

static gboolean
prep_run (ClipPrep *prep, const ClipImage *image, float *out, uint8_t *out8,
    GError **error)
{
  const FormatInfo *format = image_format (image, error);
  if (!format)
    return FALSE;

  int shown = display_width (image);
  if (!prep->plan || prep->plan->width != image->width
      || prep->plan->height != image->height
      || prep->plan->display_width != shown) {
    Plan *plan = plan_new (image->width, image->height, shown, prep->size,
        error);
    if (!plan)
      return FALSE;
    plan_free (prep->plan);
    prep->plan = plan;
  }

  Frame f = {
    .image = image,
    .format = format,
    .plan = prep->plan,
    .htable = plan_htable (prep->plan, format->bpp, prep->kernels->hlayout),
    .kernels = prep->kernels,
    .size = prep->size,
    .lut = out ? (const float (*)[256]) prep->lut : NULL,
    .out = out,
    .out8 = out8,
  };
  f.direct = !format->yuv && f.htable->direct_ok;
  f.buf_first = f.htable->first_px;
  if (format->yuv) {
    f.yuv = yuv_coeffs (image->matrix);
    f.buf_first &= ~1;
  }
  f.buf_end = f.htable->end_px;

  int n = n_bands (prep, &f);
  int size = prep->size;
  Task *tasks = g_newa (Task, n);
  prep->pending = n - 1;
  for (int k = 0; k < n; k++) {
    tasks[k] = (Task) { prep, &f, &prep->bands[k], size * k / n,
      size * (k + 1) / n };
    band_prepare (&prep->bands[k], &f);
    if (k > 0)
      g_thread_pool_push (prep->pool, &tasks[k], NULL);
  }
  band_run (tasks[0].band, &f, tasks[0].i0, tasks[0].i1);
  g_mutex_lock (&prep->lock);
  while (prep->pending > 0)
    g_cond_wait (&prep->done, &prep->lock);
  g_mutex_unlock (&prep->lock);
  return TRUE;
}

gboolean
clip_prep_run (ClipPrep *prep, const ClipImage *image, float *out,
    GError **error)
{
  g_return_val_if_fail (prep != NULL && image != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return prep_run (prep, image, out, NULL, error);
}

gboolean
clip_prep_run_rgb8 (ClipPrep *prep, const ClipImage *image, uint8_t *out,
    GError **error)
{
  g_return_val_if_fail (prep != NULL && image != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return prep_run (prep, image, NULL, out, error);
}

/* ---------------------------------------------------- one-shot calls */

ClipImage
clip_image_rgb (const uint8_t *pixels, int width, int height, int stride)
{
  ClipImage image = {
    .format = CLIP_PIXEL_RGB,
    .width = width,
    .height = height,
    .planes = { pixels, NULL, NULL },
    .strides = { stride, 0, 0 },
    .matrix = CLIP_YUV_BT601,
  };
  return image;
}

static gboolean
check_size (int size, GError **error)
{
  if (size < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "output size %d must be at least 1", size);
    return FALSE;
  }
  return TRUE;
}

gboolean
clip_resize_crop_rgb8 (const ClipImage *image, int size, uint8_t *out,
    GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_size (size, error))
    return FALSE;
  ClipPrep *prep = clip_prep_new (size, NULL, NULL, 1, FALSE);
  gboolean ok = prep_run (prep, image, NULL, out, error);
  clip_prep_free (prep);
  return ok;
}

gboolean
clip_preprocess_image (const ClipImage *image, int size, const float mean[3],
    const float std[3], float *out, GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (mean != NULL && std != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_size (size, error))
    return FALSE;
  ClipPrep *prep = clip_prep_new (size, mean, std, 1, FALSE);
  gboolean ok = prep_run (prep, image, out, NULL, error);
  clip_prep_free (prep);
  return ok;
}
