/* gstclipbatcher.c: several clipclassify instances on one model share a
 * thread that runs their frames through the vision tower together: a batch
 * of B frames is one [B * tokens, width] matrix per layer, which uses the
 * cores better than B passes of one frame.
 *
 * The thread takes a batch when batch-size frames are pending, or when the
 * oldest pending frame has waited batch-timeout ms (so a lone stream never
 * waits longer than that). Each client has one pending slot, as the async
 * worker: in async mode a newer frame replaces one not yet taken; in sync
 * mode the streaming thread submits and then drains, waiting for its own
 * result. Results go back through each client's callback, in order. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipbatcher.h"
#include "gstclipencoder.h"

GST_DEBUG_CATEGORY_STATIC (batcher_debug);
#define GST_CAT_DEFAULT batcher_debug

struct _GstClipBatchClient
{
  GstClipBatcher *batcher;
  GstClipWorkerDone done;
  gpointer user_data;
  /* under the batcher's lock */
  GstBuffer *pending;           /* packed copy; NULL: none */
  GstVideoInfo pending_info;
  GstClipStamp pending_stamp;
  gint64 submitted;
  gboolean running;
  gboolean flushing;
};

struct _GstClipBatcher
{
  ClipModel *model;             /* identity of the key too */
  guint batch_size, timeout_ms;
  GstClipEncoder *encoder;      /* batcher thread only */
  GMutex lock;
  GCond wake, idle;
  GList *clients;
  gboolean quit;
  GThread *thread;
};

/* Process-wide: instances find each other here, as they find a shared
 * model in the model cache. */
static GMutex registry_lock;
static GList *registry;

typedef struct
{
  GstClipBatchClient *client;
  GstBuffer *pixels;
  GstVideoInfo info;
  GstClipStamp stamp;
  gint64 submitted;
  GstVideoFrame frame;
} Job;

/* Under the lock: the oldest pending submission time, and the count. */
static guint
count_pending (GstClipBatcher * b, gint64 * oldest)
{
  guint n = 0;
  GList *l;

  *oldest = G_MAXINT64;
  for (l = b->clients; l; l = l->next) {
    GstClipBatchClient *c = l->data;
    if (c->pending && !c->running) {
      n++;
      *oldest = MIN (*oldest, c->submitted);
    }
  }
  return n;
}

/* Under the lock: moves up to batch_size pending frames, oldest first,
 * into @jobs. */
static guint
take_jobs (GstClipBatcher * b, Job * jobs)
{
  guint n = 0;

  while (n < b->batch_size) {
    GstClipBatchClient *best = NULL;
    GList *l;

    for (l = b->clients; l; l = l->next) {
      GstClipBatchClient *c = l->data;
      if (c->pending && !c->running && (!best
              || c->submitted < best->submitted))
        best = c;
    }
    if (!best)
      break;
    jobs[n].client = best;
    jobs[n].pixels = best->pending;
    jobs[n].info = best->pending_info;
    jobs[n].stamp = best->pending_stamp;
    jobs[n].submitted = best->submitted;
    best->pending = NULL;
    best->running = TRUE;
    n++;
  }
  return n;
}

static void
run_batch (GstClipBatcher * b, Job * jobs, guint n)
{
  ClipImage *images = g_new (ClipImage, n);
  const float *embeds = NULL;
  GError *error = NULL;
  guint i, mapped = 0;
  int dim = clip_model_embed_dim (b->model);

  for (i = 0; i < n; i++, mapped++) {
    if (!gst_video_frame_map (&jobs[i].frame, &jobs[i].info, jobs[i].pixels,
            GST_MAP_READ)) {
      g_set_error (&error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "could not map a copied frame");
      break;
    }
    if (!gst_clip_picture_from_frame (&jobs[i].frame, &images[i])) {
      g_set_error (&error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "video format %s is not supported",
          gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT
              (&jobs[i].frame)));
      mapped++;
      break;
    }
  }
  if (!error)
    embeds = gst_clip_encoder_encode (b->encoder, images, (int) n, &error);
  for (i = 0; i < mapped; i++)
    gst_video_frame_unmap (&jobs[i].frame);
  GST_LOG ("batch of %u frames: %s", n, error ? error->message : "ok");

  for (i = 0; i < n; i++)
    jobs[i].client->done (jobs[i].client->user_data, &jobs[i].stamp,
        embeds ? embeds + (gsize) i * dim : NULL,
        (g_get_monotonic_time () - jobs[i].submitted) / 1000.0, error);
  g_clear_error (&error);
  g_free (images);
}

static gpointer
batcher_loop (gpointer data)
{
  GstClipBatcher *b = data;
  Job *jobs = g_new0 (Job, b->batch_size);

  g_mutex_lock (&b->lock);
  while (!b->quit) {
    gint64 oldest, deadline;
    guint n = count_pending (b, &oldest), i;

    if (n == 0) {
      g_cond_wait (&b->wake, &b->lock);
      continue;
    }
    deadline = oldest + (gint64) b->timeout_ms * 1000;
    if (n < b->batch_size && g_get_monotonic_time () < deadline) {
      g_cond_wait_until (&b->wake, &b->lock, deadline);
      continue;
    }
    n = take_jobs (b, jobs);
    g_mutex_unlock (&b->lock);
    run_batch (b, jobs, n);
    g_mutex_lock (&b->lock);
    for (i = 0; i < n; i++) {
      gst_buffer_unref (jobs[i].pixels);
      jobs[i].client->running = FALSE;
    }
    g_cond_broadcast (&b->idle);
  }
  g_mutex_unlock (&b->lock);
  g_free (jobs);
  return NULL;
}

GstClipBatchClient *
gst_clip_batcher_join (ClipModel * model, guint batch_size, guint timeout_ms,
    int n_threads, GstClipWorkerDone done, gpointer user_data,
    GError ** error)
{
  GstClipBatcher *b = NULL;
  GstClipBatchClient *c;
  GList *l;

  GST_DEBUG_CATEGORY_INIT (batcher_debug, "clipbatcher", 0,
      "clipclassify shared batches");
  g_mutex_lock (&registry_lock);
  for (l = registry; l; l = l->next) {
    GstClipBatcher *x = l->data;
    if (x->model == model && x->batch_size == batch_size
        && x->timeout_ms == timeout_ms)
      b = x;
  }
  if (!b) {
    GstClipEncoder *enc = gst_clip_encoder_new (model, (int) batch_size,
        n_threads, error);
    if (!enc) {
      g_mutex_unlock (&registry_lock);
      return NULL;
    }
    b = g_new0 (GstClipBatcher, 1);
    b->model = clip_model_ref (model);
    b->batch_size = batch_size;
    b->timeout_ms = timeout_ms;
    b->encoder = enc;
    g_mutex_init (&b->lock);
    g_cond_init (&b->wake);
    g_cond_init (&b->idle);
    b->thread = g_thread_new ("clipclassify-batch", batcher_loop, b);
    registry = g_list_prepend (registry, b);
  }
  c = g_new0 (GstClipBatchClient, 1);
  c->batcher = b;
  c->done = done;
  c->user_data = user_data;
  g_mutex_lock (&b->lock);
  b->clients = g_list_append (b->clients, c);
  g_mutex_unlock (&b->lock);
  g_mutex_unlock (&registry_lock);
  return c;
}

gboolean
gst_clip_batch_client_submit (GstClipBatchClient * c,
    const GstVideoFrame * frame, const GstClipStamp * stamp)
{
  GstClipBatcher *b = c->batcher;
  gint64 started = g_get_monotonic_time ();
  GstVideoInfo info;
  GstBuffer *pixels;
  gboolean replaced;

  gst_clip_frame_copy_info (frame, &info);
  pixels = gst_buffer_new_allocate (NULL, info.size, NULL);
  if (!gst_clip_frame_copy (frame, &info, pixels)) {
    gst_buffer_unref (pixels);
    return FALSE;
  }

  g_mutex_lock (&b->lock);
  replaced = c->pending != NULL;
  if (replaced)
    gst_buffer_unref (c->pending);
  c->pending = pixels;
  c->pending_info = info;
  c->pending_stamp = *stamp;
  c->submitted = started;
  g_cond_broadcast (&b->wake);
  g_mutex_unlock (&b->lock);
  return replaced;
}

void
gst_clip_batch_client_discard (GstClipBatchClient * c)
{
  GstClipBatcher *b = c->batcher;

  g_mutex_lock (&b->lock);
  gst_clear_buffer (&c->pending);
  g_cond_broadcast (&b->idle);
  g_mutex_unlock (&b->lock);
}

void
gst_clip_batch_client_set_flushing (GstClipBatchClient * c,
    gboolean flushing)
{
  GstClipBatcher *b = c->batcher;

  g_mutex_lock (&b->lock);
  c->flushing = flushing;
  g_cond_broadcast (&b->idle);
  g_mutex_unlock (&b->lock);
}

void
gst_clip_batch_client_drain (GstClipBatchClient * c)
{
  GstClipBatcher *b = c->batcher;

  g_mutex_lock (&b->lock);
  while ((c->pending || c->running) && !c->flushing)
    g_cond_wait (&b->idle, &b->lock);
  g_mutex_unlock (&b->lock);
}

void
gst_clip_batch_client_free (GstClipBatchClient * c)
{
  GstClipBatcher *b;
  gboolean last;

  if (!c)
    return;
  b = c->batcher;
  g_mutex_lock (&registry_lock);
  g_mutex_lock (&b->lock);
  gst_clear_buffer (&c->pending);
  while (c->running)
    g_cond_wait (&b->idle, &b->lock);
  b->clients = g_list_remove (b->clients, c);
  last = b->clients == NULL;
  if (last) {
    b->quit = TRUE;
    g_cond_broadcast (&b->wake);
  }
  g_mutex_unlock (&b->lock);
  if (last)
    registry = g_list_remove (registry, b);
  g_mutex_unlock (&registry_lock);
  g_free (c);
  if (!last)
    return;

  g_thread_join (b->thread);
  gst_clip_encoder_free (b->encoder);
  clip_model_unref (b->model);
  g_cond_clear (&b->idle);
  g_cond_clear (&b->wake);
  g_mutex_clear (&b->lock);
  g_free (b);
}
