/* placement.c: whether the two threads of a pass share a core complex,
 * from a cache line's round trip between them.
 *
 * The two virtual CPUs of a guest sit now on one core complex of the
 * host, now on two, changing every few minutes (bench/core-trip). On the
 * Zen 5 guest a batch-8 ViT-B/32 pass in fp32 ran faster as two halves,
 * one thread each, while they sat on two (170-176 ms against 189-211
 * with both threads on every product), but slower while they sat on one
 * (193-197 against 182-187; bench/README.md), where the activations the
 * threads share stay in the complex's third-level cache. So workspace.c
 * asks here before each pass that could run as halves. The threads hand
 * a flag back and forth a few times: the fastest round trip was 110-200
 * ns on one complex and 400-600 on two. A round trip slowed by the host
 * only makes the threads look apart, which keeps the halves; a thread
 * that does not answer within a millisecond ends the probe the same
 * way. */
#include "placement.h"

#include <stdatomic.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Round trips timed, and the fastest of them below which the threads
 * share a complex. */
#define TRIPS 8
#define SHARED_NS 250
#define GIVE_UP_NS 1000000

static gint64
now_ns (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (gint64) t.tv_sec * 1000000000 + t.tv_nsec;
}

gboolean
clip_two_threads_share_cache (void)
{
#ifdef _OPENMP
  struct {
    _Alignas (64) atomic_int ball;      /* odd: the other thread's turn */
    atomic_int quit;
  } flag = { 0, 0 };
  gint64 best = G_MAXINT64;
  int threads = 1;

#pragma omp parallel num_threads (2)
  if (omp_get_num_threads () == 2) {
    if (omp_get_thread_num () == 0) {
      gint64 start = now_ns ();
      threads = 2;
      for (int i = 0; i < TRIPS && !atomic_load (&flag.quit); i++) {
        gint64 t = now_ns ();
        atomic_store_explicit (&flag.ball, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit (&flag.ball, memory_order_acquire)
            != 2 * i + 2)
          if (now_ns () - start > GIVE_UP_NS) {
            atomic_store (&flag.quit, 1);
            break;
          }
        if (!atomic_load (&flag.quit))
          best = MIN (best, now_ns () - t);
      }
      atomic_store (&flag.quit, 1);
    } else {
      for (int i = 0; i < TRIPS; i++) {
        while (atomic_load_explicit (&flag.ball, memory_order_acquire)
            != 2 * i + 1 && !atomic_load (&flag.quit))
          ;
        if (atomic_load (&flag.quit))
          break;
        atomic_store_explicit (&flag.ball, 2 * i + 2, memory_order_release);
      }
    }
  }
  return threads == 2 && best < SHARED_NS;
#else
  return FALSE;
#endif
}
