/* share.c: a product's work split into items, each a block of rows by a
 * group of columns (a few panels of weights). Each thread starts on an
 * equal share, a run of groups, block by block, so that an item can fetch
 * the weights its thread takes next. A thread done with its share takes
 * items from the far end of the others'. With fixed halves, whichever
 * thread's core ran slower (the Emerald Rapids guest's two virtual CPUs,
 * now one, now the other; or a core shared with other work) held up the
 * other: 4-9% of a batch-8 fp32 pass waiting in libgomp, and with a busy
 * process beside it the pass took 1.6 times as long as this way
 * (bench/README.md). Each item computes the same outputs in the same
 * order whichever thread runs it. */
#include "share.h"

#include <stdatomic.h>

#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_thread_num() 0
#endif

typedef struct {
  /* the share's items still to run, first | last + 1 << 32 */
  _Atomic guint64 ends;
} __attribute__ ((aligned (64))) Share;

/* Claims item *@i of @s: the first left (@own) or the last. */
static gboolean
claim (Share *s, gboolean own, int *i)
{
  guint64 v = atomic_load_explicit (&s->ends, memory_order_relaxed);

  for (;;) {
    guint32 first = (guint32) v, end = (guint32) (v >> 32);
    if (first >= end)
      return FALSE;
    guint64 left = own ? v + 1 : v - ((guint64) 1 << 32);
    if (atomic_compare_exchange_weak_explicit (&s->ends, &v, left,
            memory_order_relaxed, memory_order_relaxed)) {
      *i = own ? (int) first : (int) end - 1;
      return TRUE;
    }
  }
}

void
clip_share_run (int threads, size_t macs, int blocks, int groups,
    ClipShareItem item, void *data)
{
  Share shares[CLIP_MAX_SHARES];
  /* a thread pays once the product has a few million multiply-adds */
  int parts = macs >= (1u << 21)
      ? CLAMP (MIN (threads, groups), 1, CLIP_MAX_SHARES) : 1;

  for (int t = 0; t < parts; t++) {
    guint64 span = (guint64) blocks * (groups * (t + 1) / parts
        - groups * t / parts);
    atomic_init (&shares[t].ends, span << 32);
  }
#pragma omp parallel num_threads (parts) if (parts > 1)
  {
    int me = omp_get_thread_num ();
    for (int v = 0; v < parts; v++) {
      int t = (me + v) % parts, i;
      int g0 = groups * t / parts, per = groups * (t + 1) / parts - g0;
      while (claim (&shares[t], v == 0, &i)) {
        int g = g0 + i % per;
        /* the group its thread likely takes next */
        int then = v == 0 ? g + 1 : g - 1;
        item (data, i / per, g, then >= g0 && then < g0 + per ? then : -1,
            me);
      }
    }
  }
}
