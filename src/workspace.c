/* workspace.c: per-thread scratch memory and the batching entry points of
 * the towers (clip_vision_encode, clip_text_encode*). */
#include "backend.h"
#include "kernels.h"
#include "placement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_thread_num() 0
#define omp_get_num_threads() 1
#endif

/* Forward passes against process exit: exit() runs the libraries'
 * destructors (oneDNN frees its generated kernels, OpenBLAS stops its
 * threads) while other threads may still be inside a pass, as when a
 * program exits with a pipeline PLAYING. Passes hold this lock for
 * reading; an exit handler takes it for writing: it waits for the passes
 * under way and holds back any new one for good. Exit handlers run in the
 * reverse order of their registration and oneDNN registers destructors
 * for state it makes during the first passes (its generated kernels), so
 * ours is registered once a first pass is over. */
static GRWLock pass_lock;

static void
block_passes_at_exit (void)
{
  g_rw_lock_writer_lock (&pass_lock);
}

static void
guard_exit (void)
{
  static gsize registered;

  if (g_once_init_enter (&registered)) {
    atexit (block_passes_at_exit);
    g_once_init_leave (&registered, 1);
  }
}


void *
clip_workspace_alloc (size_t count, size_t size)
{
  void *p = NULL;
  size_t bytes;
  if (!g_size_checked_mul (&bytes, count, size)
      || posix_memalign (&p, 64, MAX (bytes, 1)) != 0)
    return NULL;
  return p;
}

/* A workspace for vision passes only (@vision_only: no text rows or
 * buffers), or for both towers. */
static ClipWorkspace *
workspace_new (ClipModel *model, int max_batch, gboolean vision_only,
    GError **error)
{
  const ClipVision *vis = &model->vision;
  const ClipText *txt = &model->text;
  ClipWorkspace *ws = g_new0 (ClipWorkspace, 1);
  ws->model = clip_model_ref (model);
  ws->max_batch = max_batch;
  ws->text_batch = vision_only ? 0 : CLIP_TEXT_BATCH;
  ws->text_max = vision_only ? 0 : CLIP_TEXT_PASS_MAX;
  size_t vrows = (size_t) max_batch * vis->n_pos;
  size_t trows = (size_t) ws->text_batch * txt->context;
  size_t width = MAX (vis->tf.width, txt->tf.width);
  size_t mlp = MAX (vis->tf.mlp, txt->tf.mlp);
  size_t vscores = (size_t) max_batch * vis->tf.heads * vis->n_pos
      * vis->n_pos;
  size_t tscores = (size_t) ws->text_batch * txt->tf.heads * txt->context
      * txt->context;
  ws->rows = MAX (vrows, trows);
  ws->x = clip_workspace_alloc (ws->rows * width * 6, sizeof (float));
  /* (the MLP's hidden rows may be spaced apart: k_spaced_stride) */
  ws->u = clip_workspace_alloc (ws->rows * (mlp + 16), sizeof (float));
  ws->scores = g_try_new (float, MAX (vscores, tscores));
  ws->patches = clip_workspace_alloc (clip_model_input_size (model)
      * max_batch, sizeof (float));
  ws->pooled = clip_workspace_alloc (MAX (max_batch, ws->text_max) * width,
      sizeof (float));
  ws->pool = g_try_new (int, MAX (max_batch, ws->text_max));
  ws->ids = g_try_new (int32_t,
      MAX ((size_t) ws->text_max * txt->context, 1));
  ws->prefix_kv = clip_workspace_alloc (vision_only ? 1 : (size_t)
      txt->tf.layers * 2 * txt->context * txt->tf.width, sizeof (float));
  /* the attention kernel's scratch for each thread there can be */
  ws->att_threads = (int) g_get_num_processors ();
  ws->att_size = k_attention_scratch (MAX (vis->n_pos, txt->context),
      MAX (vis->tf.width / vis->tf.heads, txt->tf.width / txt->tf.heads));
  ws->att = clip_workspace_alloc (ws->att_size * ws->att_threads,
      sizeof (float));
  if (!ws->x || !ws->u || !ws->scores || !ws->patches || !ws->pooled
      || !ws->pool || !ws->ids || !ws->prefix_kv || !ws->att) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "out of memory for a workspace of %d images", max_batch);
    clip_workspace_free (ws);
    return NULL;
  }
  ws->t = ws->x + ws->rows * width;
  ws->q = ws->t + ws->rows * width;
  ws->k = ws->q + ws->rows * width;
  ws->v = ws->k + ws->rows * width;
  ws->a = ws->v + ws->rows * width;
  clip_workspace_set_threads (ws, vision_only ? 1 : 0);
  if (!clip_backend_workspace_init (ws, error)) {
    clip_workspace_free (ws);
    return NULL;
  }
  return ws;
}

ClipWorkspace *
clip_workspace_new (ClipModel *model, int max_batch, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (max_batch < 1 || max_batch > 4096) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "workspace batch size %d is out of range (1-4096)", max_batch);
    return NULL;
  }
  ClipWorkspace *ws = workspace_new (model, max_batch, FALSE, error);
  if (ws && !clip_workspace_set_halves (ws,
          clip_backend_halves_pay (model), TRUE, error)) {
    clip_workspace_free (ws);
    return NULL;
  }
  return ws;
}

/* Rows each half of a vision pass needs before the halves run apart
 * (ViT-B/32: four images). */
#define HALF_ROWS 200

/* Whether halves of @m images (m / 2 and the rest) are big enough. */
static gboolean
halves_fit (const ClipWorkspace *ws, int m)
{
  return (m / 2) * ws->model->vision.n_pos >= HALF_ROWS;
}

/* Whether @m images run as two halves, one thread each: every product
 * stays on one thread's images, so that no activation crosses to the
 * other core's caches (clip_backend_halves_pay). Not while the two
 * threads share a core complex: its cache holds what they share, and
 * both threads on every product ran faster (placement.c). */
static gboolean
halves_run (const ClipWorkspace *ws, int m)
{
  return ws->half[0] && ws->n_threads == 2 && halves_fit (ws, m)
      && !(ws->halves_placed && clip_two_threads_share_cache ());
}

gboolean
clip_workspace_set_halves (ClipWorkspace *ws, gboolean halves,
    gboolean placed, GError **error)
{
  ws->halves_placed = placed;
  for (int h = 0; h < 2; h++)
    g_clear_pointer (&ws->half[h], clip_workspace_free);
#ifdef _OPENMP
  if (halves && g_get_num_processors () >= 2
      && halves_fit (ws, ws->max_batch)) {
    for (int h = 0; h < 2; h++) {
      ws->half[h] = workspace_new (ws->model, (ws->max_batch + 1) / 2, TRUE,
          error);
      if (!ws->half[h]) {
        g_clear_pointer (&ws->half[0], clip_workspace_free);
        return FALSE;
      }
    }
  }
#endif
  return TRUE;
}

/* One vision pass of @m images as two halves, on two threads (or one
 * after the other, called inside a parallel region of the caller's). */
static void
vision_halves (ClipWorkspace *ws, const float *pixels, int m, float *out)
{
  size_t in_size = clip_model_input_size (ws->model);
  int e = ws->model->embed_dim, first = m / 2;

#pragma omp parallel num_threads (2)
  for (int h = omp_get_thread_num (); h < 2; h += omp_get_num_threads ()) {
    ClipWorkspace *half = ws->half[h];
    clip_backend_begin (half);
    clip_vision_forward (half, pixels + in_size * (h ? first : 0),
        h ? m - first : first, out + (size_t) e * (h ? first : 0));
  }
  for (int h = 0; h < 2; h++)
    if (ws->half[h]->error && !ws->error)
      ws->error = g_steal_pointer (&ws->half[h]->error);
    else
      g_clear_error (&ws->half[h]->error);
}

void
clip_workspace_free (ClipWorkspace *ws)
{
  if (!ws)
    return;
  for (int h = 0; h < 2; h++)
    g_clear_pointer (&ws->half[h], clip_workspace_free);
  clip_backend_workspace_clear (ws);
  g_clear_error (&ws->error);
  free (ws->x);
  free (ws->u);
  g_free (ws->scores);
  free (ws->patches);
  free (ws->pooled);
  g_free (ws->pool);
  g_free (ws->ids);
  free (ws->prefix_kv);
  free (ws->att);
  clip_model_unref (ws->model);
  g_free (ws);
}

ClipModel *
clip_workspace_get_model (ClipWorkspace *ws)
{
  return ws->model;
}

/* Multiply-adds of one image through the vision tower, roughly. */
static double
vision_macs (const ClipModel *m)
{
  const ClipTransformer *tf = &m->vision.tf;
  return (double) tf->layers * m->vision.n_pos * tf->width
      * (4.0 * tf->width + 2.0 * tf->mlp);
}

/* Below this a forward pass is too small to share between threads. */
#define THREADED_MIN_MACS 5e8

void
clip_workspace_set_threads (ClipWorkspace *ws, int n_threads)
{
  int cores = (int) g_get_num_processors ();

  if (n_threads <= 0) {
    n_threads = vision_macs (ws->model) < THREADED_MIN_MACS ? 1 : cores;
    clip_crowding_init (&ws->crowding, n_threads);
  } else {
    if (n_threads > cores) {
      g_message ("%d threads asked for, using %d: more threads than "
          "processors only slow a forward pass down", n_threads, cores);
      n_threads = cores;
    }
    clip_crowding_init (&ws->crowding, 0);
  }
  ws->n_threads = n_threads;
}

/* Before a pass: its thread count, when it is left to the workspace, and
 * the clocks that tell how crowded the cores were during the pass. */
static gboolean
pass_begin (ClipWorkspace *ws, ClipCrowdMark *start)
{
  if (ws->crowding.most < 2)
    return FALSE;
  ws->n_threads = clip_crowding_threads (&ws->crowding,
      g_get_monotonic_time ());
  return clip_crowding_mark (start);
}

static void
pass_end (ClipWorkspace *ws, gboolean marked, const ClipCrowdMark *start)
{
  ClipCrowdMark end;
  int before = ws->crowding.cur;

  if (!marked || !clip_crowding_mark (&end))
    return;
  clip_crowding_account (&ws->crowding, ws->n_threads,
      end.wall - start->wall, end.wait - start->wait, end.wall / 1000);
  if (ws->crowding.cur != before)
    g_info ("passes now run on %d of %d threads: the calling thread waited "
        "for a processor %s a quarter of the time", ws->crowding.cur,
        ws->crowding.most, ws->crowding.cur < before ? "over" : "under");
}

int
clip_workspace_get_threads (ClipWorkspace *ws)
{
  return ws->n_threads;
}

/* Moves a failure the backend recorded during a pass into @error. */
static gboolean
take_backend_error (ClipWorkspace *ws, GError **error)
{
  if (!ws->error)
    return TRUE;
  g_propagate_error (error, ws->error);
  ws->error = NULL;
  return FALSE;
}

void
clip_l2_normalize (float *rows, int n, int dim)
{
  for (int r = 0; r < n; r++) {
    float *row = rows + (size_t) r * dim;
    double sq = 0;
    for (int i = 0; i < dim; i++)
      sq += (double) row[i] * row[i];
    if (sq <= 0)
      continue;
    float inv = (float) (1.0 / sqrt (sq));
    for (int i = 0; i < dim; i++)
      row[i] *= inv;
  }
}

gboolean
clip_vision_encode (ClipWorkspace *ws, const float *pixels, int n,
    float *out, gboolean normalize, GError **error)
{
  g_return_val_if_fail (ws != NULL && (pixels != NULL || n == 0), FALSE);
  if (n < 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "negative image count %d", n);
    return FALSE;
  }
  size_t in_size = clip_model_input_size (ws->model);
  int e = ws->model->embed_dim;
  ClipCrowdMark start;
  g_rw_lock_reader_lock (&pass_lock);
  gboolean marked = pass_begin (ws, &start);
  clip_backend_begin (ws);
  for (int i = 0; i < n && !ws->error; i += ws->max_batch) {
    int m = MIN (ws->max_batch, n - i);
    if (halves_run (ws, m))
      vision_halves (ws, pixels + in_size * i, m, out + (size_t) e * i);
    else
      clip_vision_forward (ws, pixels + in_size * i, m, out + (size_t) e * i);
  }
  g_rw_lock_reader_unlock (&pass_lock);
  pass_end (ws, marked, &start);
  guard_exit ();
  if (!take_backend_error (ws, error))
    return FALSE;
  if (normalize)
    clip_l2_normalize (out, n, e);
  return TRUE;
}

/* How many leading ids all @n texts share, when running them once for all
 * of them pays: never past any text's end-of-text token (its pooled
 * position), 0 for fewer than 8 texts or fewer than 2 shared ids. */
static int
shared_prefix (const int32_t *ids, int n, int ctx)
{
  if (n < 8)
    return 0;
  int p = clip_eot_position (ids, ctx);
  for (int b = 1; b < n && p > 0; b++) {
    const int32_t *t = ids + (size_t) b * ctx;
    int j = 0, end = MIN (p, clip_eot_position (t, ctx));
    while (j < end && t[j] == ids[j])
      j++;
    p = j;
  }
  return p >= 2 ? p : 0;
}

/* Rows a text pass fills before it ends where a longer text would pad
 * them: beyond about 50 rows the products run at nearly their full rate
 * (ViT-B/32's text products on bf16 panels, two threads of the Emerald
 * Rapids guest: 298 GFLOPS at 48 rows, 302 at 1,024), so a padded row
 * costs what a real one does. */
#define PASS_ROWS 128

/* How many of @n texts from @ids on one text pass takes: as many as its
 * rows hold at the length the longest of them runs to (its positions
 * after @prefix, up to its end-of-text token), at most ws->text_max; and
 * once PASS_ROWS are filled, none longer than those already in. Prompts
 * are short (a label set's are about four positions past their
 * template's shared words), so a pass holds a hundred or more of them
 * rather than 16; callers with many texts sort them by length
 * (labelset.c). 80,000 prompts in bf16 took 97-104 s against 109-113 in
 * passes of 16 texts. */
static int
pass_texts (const ClipWorkspace *ws, const int32_t *ids, int n, int prefix)
{
  int ctx = ws->model->text.context, longest = 1, m = 0;
  size_t rows = (size_t) ws->text_batch * ctx;

  while (m < MIN (n, ws->text_max)) {
    int len = clip_eot_position (ids + (size_t) m * ctx, ctx) + 1 - prefix;
    int at = MAX (longest, len);
    if ((size_t) (m + 1) * at > rows
        || (len > longest && (size_t) m * longest >= PASS_ROWS))
      break;
    longest = at;
    m++;
  }
  return MAX (m, 1);
}

int
clip_text_pass_size (const ClipWorkspace *ws, const int32_t *ids, int n)
{
  if (n < 1)
    return 0;
  return pass_texts (ws, ids, n,
      shared_prefix (ids, n, ws->model->text.context));
}

gboolean
clip_text_encode_tokens (ClipWorkspace *ws, const int32_t *ids, int n,
    float *out, gboolean normalize, GError **error)
{
  g_return_val_if_fail (ws != NULL && (ids != NULL || n == 0), FALSE);
  const ClipText *txt = &ws->model->text;
  for (size_t i = 0; i < (size_t) n * txt->context; i++) {
    if (ids[i] < 0 || ids[i] >= txt->vocab) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "token id %d (text %zu, position %zu) is outside the vocabulary "
          "of %d", ids[i], i / txt->context, i % txt->context, txt->vocab);
      return FALSE;
    }
  }
  int e = ws->model->embed_dim;
  ClipCrowdMark start;
  g_rw_lock_reader_lock (&pass_lock);
  gboolean marked = pass_begin (ws, &start);
  clip_backend_begin (ws);
  /* a prefix every text starts with (a prompt template's words) runs once,
   * its keys and values kept for every text's later positions */
  int prefix = shared_prefix (ids, n, txt->context);
  if (prefix > 0)
    clip_text_prefix (ws, ids, prefix);
  for (int i = 0, m; i < n && !ws->error; i += m) {
    m = pass_texts (ws, ids + (size_t) txt->context * i, n - i, prefix);
    clip_text_forward (ws, ids + (size_t) txt->context * i, m, prefix,
        out + (size_t) e * i);
  }
  g_rw_lock_reader_unlock (&pass_lock);
  pass_end (ws, marked, &start);
  guard_exit ();
  if (!take_backend_error (ws, error))
    return FALSE;
  if (normalize)
    clip_l2_normalize (out, n, e);
  return TRUE;
}

gboolean
clip_text_encode (ClipWorkspace *ws, const char *const *texts, int n,
    float *out, gboolean normalize, GError **error)
{
  const ClipModel *model = ws->model;
  int ctx = model->text.context;
  int e = model->embed_dim;
  /* as many texts at a time as a text pass takes at most */
  for (int i = 0; i < n; i += ws->text_max) {
    int m = MIN (ws->text_max, n - i);
    for (int j = 0; j < m; j++)
      if (!clip_tokenize (model, texts[i + j], ws->ids + (size_t) j * ctx,
              error))
        return FALSE;
    if (!clip_text_encode_tokens (ws, ws->ids, m, out + (size_t) e * i,
            normalize, error))
      return FALSE;
  }
  return TRUE;
}
