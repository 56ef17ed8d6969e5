/* core-trip.c: how far apart two processors are, as the time a cache
 * line takes to go from one to the other and back.
 *
 * Two threads, pinned to processors --cpu (default 0) and --other
 * (default 1), hand one flag back and forth --rounds times; the program
 * prints the mean round trip in nanoseconds. On the Zen 4 guest of
 * bench/README.md ("two halves of a batch") its two virtual CPUs gave
 * 50-90 ns while they sat on one core complex (sharing its third-level
 * cache) and 320-390 ns while they sat on two, moving from one state to
 * the other every few minutes: run it beside a benchmark to know which
 * one the benchmark saw. Linux only (it pins threads with
 * pthread_setaffinity_np). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

typedef struct {
  _Alignas (64) atomic_int turn;        /* 1: the other thread's */
  long rounds;
} Trip;

static void *
answer (void *data)
{
  Trip *t = data;
  for (long i = 0; i < t->rounds; i++) {
    while (atomic_load_explicit (&t->turn, memory_order_acquire) != 1)
      ;
    atomic_store_explicit (&t->turn, 0, memory_order_release);
  }
  return NULL;
}

int
main (int argc, char **argv)
{
  int cpu = 0, other = 1;
  gint64 rounds = 200000;
  GOptionEntry entries[] = {
    { "cpu", 0, 0, G_OPTION_ARG_INT, &cpu, "Processor of the timing "
          "thread (default 0)", "N" },
    { "other", 0, 0, G_OPTION_ARG_INT, &other, "Processor of the "
          "answering thread (default 1)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT64, &rounds, "Round trips to time "
          "(default 200000)", "N" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- time a cache line's "
      "round trip between two processors");
  g_option_context_add_main_entries (ctx, entries, NULL);
  GError *err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "core-trip: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (rounds < 1 || cpu == other) {
    fprintf (stderr, "core-trip: --rounds must be positive and --cpu "
        "differ from --other\n");
    return 2;
  }

  static Trip t;
  pthread_t thread;
  pthread_attr_t attr;
  cpu_set_t mine, its;
  CPU_ZERO (&mine);
  CPU_SET (cpu, &mine);
  CPU_ZERO (&its);
  CPU_SET (other, &its);
  t.rounds = rounds;
  atomic_init (&t.turn, 0);
  pthread_attr_init (&attr);
  if (cpu < 0 || other < 0 || cpu >= CPU_SETSIZE || other >= CPU_SETSIZE
      || pthread_setaffinity_np (pthread_self (), sizeof mine, &mine) != 0
      || pthread_attr_setaffinity_np (&attr, sizeof its, &its) != 0
      || pthread_create (&thread, &attr, answer, &t) != 0) {
    fprintf (stderr, "core-trip: cannot run on processors %d and %d\n",
        cpu, other);
    return 1;
  }
  gint64 start = g_get_monotonic_time ();
  for (long i = 0; i < rounds; i++) {
    atomic_store_explicit (&t.turn, 1, memory_order_release);
    while (atomic_load_explicit (&t.turn, memory_order_acquire) != 0)
      ;
  }
  gint64 end = g_get_monotonic_time ();
  pthread_join (thread, NULL);
  pthread_attr_destroy (&attr);
  printf ("processors %d and %d: %.0f ns a round trip\n", cpu, other,
      (end - start) * 1000.0 / rounds);
  return 0;
}
