/* gstcliplabelstore.c: text embeddings take a text-tower pass per label and
 * prompt, far longer than a frame lasts, so a change of labels while
 * PLAYING is built in a thread of its own with its own workspace; the
 * streaming thread keeps scoring against the old set until the new one is
 * swapped in. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcliplabelstore.h"

struct _GstClipLabelStore
{
  ClipModel *model;
  int n_threads;
  GstClipLabelStoreNotify notify;
  gpointer user_data;

  GMutex lock;
  ClipLabelSet *current;        /* under lock */
  GstClipLabelSpec *pending;    /* newest request not yet started, under lock */

  GThreadPool *pool;            /* one thread: rebuilds run in order */
  gint stopping;                /* atomic: a rebuild in progress gives up */
};

static void
rebuild (gpointer data, gpointer user_data)
{
  GstClipLabelStore *store = user_data;
  GstClipLabelSpec *spec;
  ClipWorkspace *ws;
  ClipLabelSet *set = NULL, *old;
  GError *error = NULL;

  g_mutex_lock (&store->lock);
  spec = store->pending;
  store->pending = NULL;
  g_mutex_unlock (&store->lock);
  if (!spec)
    return;                     /* coalesced into an earlier run */

  ws = clip_workspace_new (store->model, 1, &error);
  if (ws) {
    clip_workspace_set_threads (ws, store->n_threads);
    set = gst_clip_label_spec_build (spec, store->model, ws,
        &store->stopping, &error);
    clip_workspace_free (ws);
  }
  gst_clip_label_spec_free (spec);

  if (!set) {
    /* Cancelled by gst_clip_label_store_free(): nobody to tell. */
    if (!g_error_matches (error, CLIP_ERROR, CLIP_ERROR_CANCELLED))
      store->notify (store->user_data, NULL, error);
    g_clear_error (&error);
    return;
  }

  g_mutex_lock (&store->lock);
  old = store->current;
  store->current = set;
  g_mutex_unlock (&store->lock);
  if (old)
    clip_label_set_unref (old);

  store->notify (store->user_data, set, NULL);
}

GstClipLabelStore *
gst_clip_label_store_new (ClipModel * model, ClipLabelSet * initial,
    int n_threads, GstClipLabelStoreNotify notify, gpointer user_data)
{
  GstClipLabelStore *store = g_new0 (GstClipLabelStore, 1);

  store->model = clip_model_ref (model);
  store->n_threads = n_threads;
  store->notify = notify;
  store->user_data = user_data;
  g_mutex_init (&store->lock);
  store->current = clip_label_set_ref (initial);
  /* A non-exclusive pool of one thread only exists while it has work. */
  store->pool = g_thread_pool_new (rebuild, store, 1, FALSE, NULL);
  return store;
}

ClipLabelSet *
gst_clip_label_store_get (GstClipLabelStore * store)
{
  ClipLabelSet *set;

  g_mutex_lock (&store->lock);
  set = clip_label_set_ref (store->current);
  g_mutex_unlock (&store->lock);
  return set;
}

void
gst_clip_label_store_request (GstClipLabelStore * store,
    const GstClipLabelSpec * spec)
{
  g_mutex_lock (&store->lock);
  gst_clip_label_spec_free (store->pending);
  store->pending = gst_clip_label_spec_copy (spec);
  g_mutex_unlock (&store->lock);
  g_thread_pool_push (store->pool, GINT_TO_POINTER (1), NULL);
}

void
gst_clip_label_store_free (GstClipLabelStore * store)
{
  if (!store)
    return;

  /* Drop what has not started, stop a rebuild in progress after its text
   * batch (100,000 labels take minutes), and wait for it. */
  g_atomic_int_set (&store->stopping, 1);
  g_mutex_lock (&store->lock);
  g_clear_pointer (&store->pending, gst_clip_label_spec_free);
  g_mutex_unlock (&store->lock);
  g_thread_pool_free (store->pool, TRUE, TRUE);

  clip_label_set_unref (store->current);
  clip_model_unref (store->model);
  g_mutex_clear (&store->lock);
  g_free (store);
}
