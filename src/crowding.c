/* crowding.c: fewer threads while the cores are crowded.
 *
 * OpenMP's threads (libgomp's) spin for a few milliseconds when they wait
 * for one another, and hold their core while they do. When more threads
 * want the cores than there are cores, as with two programs each running
 * passes on every core, a waiting thread spins while the one it waits for
 * is set aside by the scheduler, and products wait a time slice each: two
 * ViT-B/32 `clip-bench -j 2` side by side on two cores took 587-672 ms a
 * batch-1 pass, about 20 times one alone. libgomp spins only briefly when
 * it sees more threads than cores, but it counts its own process's.
 *
 * So a workspace whose thread count was left to it watches how long its
 * passes' calling thread waits for a processor (Linux's schedstat). Alone
 * on two cores that was 1% of a pass; beside a busy loop 33-35%; beside a
 * second such program 50%. Over a quarter, measured over at least
 * WINDOW_NS of passes, it halves its threads; after a while it tries the
 * whole count again, at once if the cores are free and later and later
 * while they are not. */
#include "crowding.h"

#include <stdio.h>

/* Passes are judged over at least this much of their time. */
#define WINDOW_NS G_GINT64_CONSTANT (200000000)
/* First wait before trying the whole count again, and the longest. */
#define RETRY_FIRST_US G_GINT64_CONSTANT (2000000)
#define RETRY_MOST_US G_GINT64_CONSTANT (64000000)

void
clip_crowding_init (ClipCrowding *c, int most)
{
  *c = (ClipCrowding) { .most = MAX (most, 1), .cur = MAX (most, 1),
    .backoff = RETRY_FIRST_US };
}

int
clip_crowding_threads (ClipCrowding *c, gint64 now)
{
  if (c->cur < c->most && !c->trying && now >= c->retry_at) {
    c->trying = TRUE;
    c->wall = c->wait = 0;
  }
  return c->trying ? c->most : c->cur;
}

void
clip_crowding_account (ClipCrowding *c, int used, gint64 wall, gint64 wait,
    gint64 now)
{
  if (c->most < 2 || used != (c->trying ? c->most : c->cur))
    return;
  c->wall += MAX (wall, 0);
  c->wait += CLAMP (wait, 0, MAX (wall, 0));
  if (c->wall < WINDOW_NS)
    return;
  gboolean crowded = c->wait * 4 > c->wall;
  c->wall = c->wait = 0;
  if (c->trying) {
    c->trying = FALSE;
    if (!crowded) {
      c->cur = c->most;
      c->backoff = RETRY_FIRST_US;
      return;
    }
    c->backoff = MIN (c->backoff * 2, RETRY_MOST_US);
    c->retry_at = now + c->backoff;
  } else if (crowded && c->cur > 1) {
    if (c->cur == c->most)
      c->retry_at = now + c->backoff;
    c->cur /= 2;
  }
}

gboolean
clip_crowding_mark (ClipCrowdMark *m)
{
#ifdef __linux__
  /* time on a processor, then time waiting for one, in ns */
  FILE *f = fopen ("/proc/thread-self/schedstat", "re");
  unsigned long long run, wait;
  int got = f ? fscanf (f, "%llu %llu", &run, &wait) : 0;

  if (f)
    fclose (f);
  if (got != 2)
    return FALSE;
  m->wait = (gint64) wait;
  m->wall = g_get_monotonic_time () * 1000;
  return TRUE;
#else
  (void) m;
  return FALSE;
#endif
}
