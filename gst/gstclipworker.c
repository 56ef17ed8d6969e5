/* gstclipworker.c: in async mode the streaming thread only copies a sampled
 * frame (a memcpy of its planes: the one cost a frame pays) and hands it
 * here; preprocessing and the vision tower run on this thread with its own
 * workspace. Copying rather than keeping a reference to the buffer means
 * the worker never holds a frame of a source's or decoder's small buffer
 * pool for the length of an inference.
 *
 * There is one pending slot: a newer frame replaces a pending one, so the
 * result is always about the newest frame the thread could take, and no
 * queue builds up behind a slow model. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipworker.h"
#include "gstclipencoder.h"

typedef struct
{
  GstClipStamp stamp;
  GstBuffer *pixels;            /* packed copy of the frame; NULL: no job */
  GstVideoInfo info;            /* layout of @pixels */
  gint64 submitted;             /* monotonic time the copy began */
} Job;

struct _GstClipWorker
{
  GstClipEncoder *encoder;
  GstClipWorkerDone done;
  gpointer user_data;

  GMutex lock;
  GCond wake;                   /* a job arrived or quit */
  GCond idle;                   /* a job finished */
  Job pending;
  gboolean running;
  gboolean flushing;
  gboolean quit;
  GSList *spare;                /* GstBuffer copies ready for reuse */
  gsize copy_size;              /* the size all copies were last made at */

  GThread *thread;
};

/* Copies there can be at once: pending, running and the one being
 * filled. */
#define N_COPIES 3

/* Under the lock: keeps @pixels for reuse (at most N_COPIES exist once the
 * caps settle). */
static void
recycle_locked (GstClipWorker * w, GstBuffer * pixels)
{
  w->spare = g_slist_prepend (w->spare, pixels);
}

static const float *
run_job (GstClipWorker * w, Job * job, GError ** error)
{
  GstVideoFrame frame;
  const float *embed;

  if (!gst_video_frame_map (&frame, &job->info, job->pixels, GST_MAP_READ)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "could not map the copied frame");
    return NULL;
  }
  embed = gst_clip_encoder_encode_frame (w->encoder, &frame, error);
  gst_video_frame_unmap (&frame);
  return embed;
}

static gpointer
worker_loop (gpointer data)
{
  GstClipWorker *w = data;

  g_mutex_lock (&w->lock);
  while (!w->quit) {
    Job job;
    GError *error = NULL;
    const float *embed;

    if (!w->pending.pixels) {
      g_cond_broadcast (&w->idle);
      g_cond_wait (&w->wake, &w->lock);
      continue;
    }
    job = w->pending;
    w->pending.pixels = NULL;
    w->running = TRUE;
    g_mutex_unlock (&w->lock);

    embed = run_job (w, &job, &error);
    w->done (w->user_data, &job.stamp, embed,
        (g_get_monotonic_time () - job.submitted) / 1000.0, error);
    g_clear_error (&error);

    g_mutex_lock (&w->lock);
    recycle_locked (w, job.pixels);
    w->running = FALSE;
  }
  g_cond_broadcast (&w->idle);
  g_mutex_unlock (&w->lock);
  return NULL;
}

GstClipWorker *
gst_clip_worker_new (ClipModel * model, int n_threads, GstClipWorkerDone done,
    gpointer user_data, GError ** error)
{
  GstClipWorker *w;
  GstClipEncoder *encoder;

  encoder = gst_clip_encoder_new (model, 1, n_threads, error);
  if (!encoder)
    return NULL;

  w = g_new0 (GstClipWorker, 1);
  w->encoder = encoder;
  w->done = done;
  w->user_data = user_data;
  g_mutex_init (&w->lock);
  g_cond_init (&w->wake);
  g_cond_init (&w->idle);
  w->thread = g_thread_new ("clipclassify-worker", worker_loop, w);
  return w;
}

/* A spare buffer of at least @size bytes, or a new one. The first frame
 * (and the first after the caps grew) makes all N_COPIES copies and writes
 * them once, so that the worker's memory is at its bound from then on,
 * rather than growing by a frame the first time an inference overruns the
 * frame interval. */
static GstBuffer *
take_spare (GstClipWorker * w, gsize size)
{
  GstBuffer *buf = NULL;
  GSList *made = NULL;

  g_mutex_lock (&w->lock);
  if (w->spare) {
    buf = w->spare->data;
    w->spare = g_slist_delete_link (w->spare, w->spare);
  }
  g_mutex_unlock (&w->lock);

  if (buf && gst_buffer_get_size (buf) < size)
    gst_clear_buffer (&buf);    /* the caps grew */
  if (buf)
    return buf;
  buf = gst_buffer_new_allocate (NULL, size, NULL);
  if (size > w->copy_size) {
    w->copy_size = size;
    for (int i = 1; i < N_COPIES; i++) {
      GstBuffer *extra = gst_buffer_new_allocate (NULL, size, NULL);
      gst_buffer_memset (extra, 0, 0, size);
      made = g_slist_prepend (made, extra);
    }
    g_mutex_lock (&w->lock);
    w->spare = g_slist_concat (made, w->spare);
    g_mutex_unlock (&w->lock);
  }
  return buf;
}

gboolean
gst_clip_worker_submit (GstClipWorker * w, const GstVideoFrame * frame,
    const GstClipStamp * stamp)
{
  gint64 started = g_get_monotonic_time ();
  GstVideoInfo info;
  GstBuffer *pixels;
  gboolean replaced;

  gst_clip_frame_copy_info (frame, &info);
  pixels = take_spare (w, info.size);
  if (!gst_clip_frame_copy (frame, &info, pixels)) {
    gst_buffer_unref (pixels);
    return FALSE;
  }

  g_mutex_lock (&w->lock);
  replaced = w->pending.pixels != NULL;
  if (replaced)
    recycle_locked (w, w->pending.pixels);
  w->pending.stamp = *stamp;
  w->pending.pixels = pixels;
  w->pending.info = info;
  w->pending.submitted = started;
  g_cond_signal (&w->wake);
  g_mutex_unlock (&w->lock);
  return replaced;
}

void
gst_clip_worker_discard (GstClipWorker * w)
{
  g_mutex_lock (&w->lock);
  if (w->pending.pixels) {
    recycle_locked (w, w->pending.pixels);
    w->pending.pixels = NULL;
  }
  g_cond_broadcast (&w->idle);
  g_mutex_unlock (&w->lock);
}

void
gst_clip_worker_set_flushing (GstClipWorker * w, gboolean flushing)
{
  g_mutex_lock (&w->lock);
  w->flushing = flushing;
  g_cond_broadcast (&w->idle);
  g_mutex_unlock (&w->lock);
}

void
gst_clip_worker_drain (GstClipWorker * w)
{
  g_mutex_lock (&w->lock);
  while ((w->pending.pixels || w->running) && !w->flushing && !w->quit)
    g_cond_wait (&w->idle, &w->lock);
  g_mutex_unlock (&w->lock);
}

void
gst_clip_worker_free (GstClipWorker * w)
{
  if (!w)
    return;

  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  if (w->pending.pixels) {
    recycle_locked (w, w->pending.pixels);
    w->pending.pixels = NULL;
  }
  g_cond_broadcast (&w->wake);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);

  g_slist_free_full (w->spare, (GDestroyNotify) gst_buffer_unref);
  gst_clip_encoder_free (w->encoder);
  g_cond_clear (&w->idle);
  g_cond_clear (&w->wake);
  g_mutex_clear (&w->lock);
  g_free (w);
}
