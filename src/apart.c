/* apart.c: work done once, run on a thread that ends with it.
 *
 * OpenMP (libgomp, which oneDNN runs on here) keeps a pool of threads for
 * every thread that has run a parallel region, for as long as that thread
 * lives. Once a process holds more of them than there are processors,
 * libgomp lets every pool's threads spin only briefly before they sleep,
 * so that each product of a forward pass then waits for its threads to be
 * woken. A program that loads a model and builds its labels on one thread
 * and runs passes on another (a GStreamer pipeline does) kept two pools,
 * one of them idle for good, and the element's ViT-B/32 passes on two
 * cores took 4-9% (fp32) to 20-35% (int8) longer (docs/engine.md). Packing
 * a model's weights and encoding a label set's texts therefore run here,
 * on a thread of their own, and its OpenMP threads end with it. */
#include "apart.h"
#include "clip.h"

struct _ClipApart {
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean (*fn) (void *);
  void *data;
  gboolean busy;               /* a job is handed over and not done */
  gboolean ok;                 /* what the last job returned */
  gboolean quit;
};

static gpointer
loop (gpointer data)
{
  ClipApart *a = data;

  g_mutex_lock (&a->lock);
  for (;;) {
    while (!a->busy && !a->quit)
      g_cond_wait (&a->cond, &a->lock);
    if (!a->busy)
      break;
    g_mutex_unlock (&a->lock);
    gboolean ok = a->fn (a->data);
    g_mutex_lock (&a->lock);
    a->ok = ok;
    a->busy = FALSE;
    g_cond_broadcast (&a->cond);
  }
  g_mutex_unlock (&a->lock);
  return NULL;
}

ClipApart *
clip_apart_new (void)
{
  ClipApart *a = g_new0 (ClipApart, 1);

  g_mutex_init (&a->lock);
  g_cond_init (&a->cond);
  a->thread = g_thread_try_new ("clip-once", loop, a, NULL);
  if (!a->thread) {
    clip_apart_free (a);
    return NULL;
  }
  return a;
}

gboolean
clip_apart_run (ClipApart *a, gboolean (*fn) (void *data), void *data)
{
  if (!a)
    return fn (data);
  g_mutex_lock (&a->lock);
  a->fn = fn;
  a->data = data;
  a->busy = TRUE;
  g_cond_broadcast (&a->cond);
  while (a->busy)
    g_cond_wait (&a->cond, &a->lock);
  gboolean ok = a->ok;
  g_mutex_unlock (&a->lock);
  return ok;
}

void
clip_apart_free (ClipApart *a)
{
  if (!a)
    return;
  if (a->thread) {
    g_mutex_lock (&a->lock);
    a->quit = TRUE;
    g_cond_broadcast (&a->cond);
    g_mutex_unlock (&a->lock);
    g_thread_join (a->thread);
  }
  g_mutex_clear (&a->lock);
  g_cond_clear (&a->cond);
  g_free (a);
}

gboolean
clip_run_apart (gboolean (*fn) (void *data), void *data)
{
  ClipApart *a = clip_apart_new ();
  gboolean ok = clip_apart_run (a, fn, data);

  clip_apart_free (a);
  return ok;
}
