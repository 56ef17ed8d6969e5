/* bench-load: times loading a checkpoint (clip_model_load) and, apart,
 * the tokenizer files of its directory (vocab.json + merges.txt), which
 * is where a large JSON document is parsed. Prints the minimum and the
 * median over RUNS loads of the wall time and of the process CPU time
 * (the latter is steadier on a busy machine); numbers only, no target.
 *
 *   build/bench/bench-load MODEL_DIR [RUNS]
 */
#include "clip.h"
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
cpu_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double
wall_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what, double *ms, int runs)
{
  qsort (ms, runs, sizeof (double), cmp_double);
  printf ("%-44s min %8.1f ms  median %8.1f ms  (%d runs)\n", what, ms[0],
      ms[runs / 2], runs);
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: bench-load MODEL_DIR [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? atoi (argv[2]) : 10;
  if (runs < 1)
    runs = 1;
  /* wall and CPU time of the model load, then of the tokenizer load */
  double *ms[4];
  for (int k = 0; k < 4; k++)
    ms[k] = g_new (double, runs);
  char *vocab = g_build_filename (argv[1], "vocab.json", NULL);
  char *merges = g_build_filename (argv[1], "merges.txt", NULL);
  for (int r = 0; r < runs; r++) {
    GError *error = NULL;
    double w0 = wall_ms (), c0 = cpu_ms ();
    ClipModel *m = clip_model_load (argv[1], NULL, &error);
    double w1 = wall_ms (), c1 = cpu_ms ();
    if (m == NULL) {
      fprintf (stderr, "bench-load: %s\n", error->message);
      return 1;
    }
    clip_model_unref (m);
    double w2 = wall_ms (), c2 = cpu_ms ();
    ClipTokenizer *tok = clip_tokenizer_load (vocab, merges, &error);
    double w3 = wall_ms (), c3 = cpu_ms ();
    if (tok == NULL) {
      fprintf (stderr, "bench-load: %s\n", error->message);
      return 1;
    }
    clip_tokenizer_free (tok);
    ms[0][r] = w1 - w0;
    ms[1][r] = c1 - c0;
    ms[2][r] = w3 - w2;
    ms[3][r] = c3 - c2;
  }
  printf ("model: %s\n", argv[1]);
  report ("clip_model_load, wall", ms[0], runs);
  report ("clip_model_load, CPU", ms[1], runs);
  report ("clip_tokenizer_load (vocab+merges), wall", ms[2], runs);
  report ("clip_tokenizer_load (vocab+merges), CPU", ms[3], runs);
  g_free (vocab);
  g_free (merges);
  for (int k = 0; k < 4; k++)
    g_free (ms[k]);
  return 0;
}
