/* test-crowding.c: the automatic thread count on crowded cores
 * (src/crowding.c), fed measurements as the workspace would: a pass's
 * wall time and how long its calling thread waited for a processor. What
 * is held is the rule docs/engine.md states: over a quarter of at least
 * 200 ms of passes spent waiting halves the threads; the whole count is
 * tried again after 2 s, then after twice as long each time the cores are
 * still crowded (at most 64 s), and kept once they are not. */
#include "crowding.h"

#define MS G_GINT64_CONSTANT (1000000)  /* ns */
#define S G_GINT64_CONSTANT (1000000)   /* µs */

/* Passes on @used threads of @wall ms each, @wait ms of it waiting, from
 * time @now µs; returns the time after them. */
static gint64
passes (ClipCrowding *c, int n, int used, int wall, int wait, gint64 now)
{
  for (int i = 0; i < n; i++) {
    g_assert_cmpint (clip_crowding_threads (c, now), ==, used);
    now += wall * 1000;
    clip_crowding_account (c, used, wall * MS, wait * MS, now);
  }
  return now;
}

static void
test_uncrowded (void)
{
  ClipCrowding c;

  clip_crowding_init (&c, 2);
  /* a tenth of the time waiting, for a minute of passes: no change */
  gint64 now = passes (&c, 2000, 2, 30, 3, 0);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);
}

static void
test_halves_then_retries (void)
{
  ClipCrowding c;

  clip_crowding_init (&c, 2);
  /* a third of the time waiting: six passes are under 200 ms, the
   * seventh fills the window */
  gint64 now = passes (&c, 6, 2, 30, 10, 0);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);
  now = passes (&c, 1, 2, 30, 10, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 1);
  gint64 halved = now;

  /* one thread until 2 s have passed, however free the cores look */
  now = passes (&c, 60, 1, 30, 0, now);
  g_assert_cmpint (clip_crowding_threads (&c, halved + 2 * S - 1), ==, 1);
  /* then both again, until a window says the cores are still crowded */
  now = MAX (now, halved + 2 * S);
  now = passes (&c, 1, 2, 300, 150, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 1);
  /* the next try waits twice as long */
  g_assert_cmpint (clip_crowding_threads (&c, now + 4 * S - 1), ==, 1);
  now += 4 * S;
  now = passes (&c, 1, 2, 300, 150, now);
  g_assert_cmpint (clip_crowding_threads (&c, now + 8 * S - 1), ==, 1);
  now += 8 * S;
  /* the cores are free again: both threads stay */
  now = passes (&c, 10, 2, 30, 0, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);
  now = passes (&c, 1000, 2, 30, 1, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);

  /* crowded once more, from part of the way through a window: halved
   * within two windows, and back to 2 s before the first try */
  int n = 0;
  while (clip_crowding_threads (&c, now) == 2 && n++ < 14)
    now = passes (&c, 1, 2, 30, 15, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 1);
  g_assert_cmpint (clip_crowding_threads (&c, now + 2 * S - 1), ==, 1);
  g_assert_cmpint (clip_crowding_threads (&c, now + 2 * S), ==, 2);
}

static void
test_backoff_bound (void)
{
  ClipCrowding c;

  clip_crowding_init (&c, 2);
  gint64 now = passes (&c, 1, 2, 250, 100, 0);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 1);
  /* tries at 2, 4, 8, 16, 32, 64, 64 s: all crowded */
  gint64 wait = 2 * S;
  for (int i = 0; i < 7; i++) {
    g_assert_cmpint (clip_crowding_threads (&c, now + wait - 1), ==, 1);
    now = passes (&c, 1, 2, 250, 100, now + wait);
    wait = MIN (wait * 2, 64 * S);
  }
  g_assert_cmpint (wait, ==, 64 * S);
  g_assert_cmpint (clip_crowding_threads (&c, now + 64 * S - 1), ==, 1);
  g_assert_cmpint (clip_crowding_threads (&c, now + 64 * S), ==, 2);
}

/* More cores: halved again while still crowded, tried again whole. */
static void
test_many_cores (void)
{
  ClipCrowding c;

  clip_crowding_init (&c, 8);
  gint64 now = passes (&c, 1, 8, 200, 100, 0), halved = now;
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 4);
  now = passes (&c, 1, 4, 200, 100, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);
  now = passes (&c, 1, 2, 200, 10, now);
  g_assert_cmpint (clip_crowding_threads (&c, now), ==, 2);
  g_assert_cmpint (clip_crowding_threads (&c, halved + 2 * S - 1), ==, 2);
  g_assert_cmpint (clip_crowding_threads (&c, halved + 2 * S), ==, 8);
}

/* Measurements of another count (the threads set by hand meanwhile) and
 * counts that cannot adapt change nothing. */
static void
test_ignored (void)
{
  ClipCrowding c;

  clip_crowding_init (&c, 2);
  passes (&c, 0, 2, 0, 0, 0);
  clip_crowding_account (&c, 1, 1000 * MS, 1000 * MS, 1 * S);
  g_assert_cmpint (clip_crowding_threads (&c, 1 * S), ==, 2);

  for (int most = 0; most <= 1; most++) {
    clip_crowding_init (&c, most);
    gint64 now = passes (&c, 10, 1, 100, 100, 0);
    g_assert_cmpint (clip_crowding_threads (&c, now + 100 * S), ==, 1);
  }
}

/* Where Linux keeps the clocks they are read, and a busy thread's wait
 * is part of its wall time. */
static void
test_mark (void)
{
  ClipCrowdMark a, b;

#ifdef __linux__
  if (!g_file_test ("/proc/thread-self/schedstat", G_FILE_TEST_EXISTS)) {
    /* a kernel built without it: the count just never adapts */
    g_assert_false (clip_crowding_mark (&a));
    g_test_skip ("this kernel keeps no schedstat");
    return;
  }
  g_assert_true (clip_crowding_mark (&a));
  volatile double x = 0;
  for (int i = 0; i < 20000000; i++)
    x += i;
  g_assert_true (clip_crowding_mark (&b));
  g_assert_cmpint (b.wall, >, a.wall);
  g_assert_cmpint (b.wait, >=, a.wait);
  g_assert_cmpint (b.wait - a.wait, <=, b.wall - a.wall);
#else
  g_test_skip ("no schedstat here");
  (void) a;
  (void) b;
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crowding/uncrowded", test_uncrowded);
  g_test_add_func ("/crowding/halves-then-retries", test_halves_then_retries);
  g_test_add_func ("/crowding/backoff-bound", test_backoff_bound);
  g_test_add_func ("/crowding/many-cores", test_many_cores);
  g_test_add_func ("/crowding/ignored", test_ignored);
  g_test_add_func ("/crowding/mark", test_mark);
  return g_test_run ();
}
