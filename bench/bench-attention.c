/* bench-attention.c: the attention kernel of each instruction set this CPU
 * runs (AVX-512, AVX2, portable, and AVX512_BF16's for towers in bf16),
 * one thread, on the shapes of CLIP's towers: all the heads of one layer,
 * median of --rounds timings, in ms and GFLOPS, and each kernel's time
 * against the portable one's.
 *
 * Usage: bench-attention [ROUNDS] (default 30) */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const char *name;
  int n, hd, width;
  gboolean causal;
} Shape;

static const Shape shapes[] = {
  { "ViT-B/32 (50 tokens)", 50, 64, 768, FALSE },
  { "ViT-B/16 (197)", 197, 64, 768, FALSE },
  { "ViT-L/14 (257)", 257, 64, 1024, FALSE },
  { "ViT-L/14-336 (577)", 577, 64, 1024, FALSE },
  { "ViT-H/14 (257, 80 dims)", 257, 80, 1280, FALSE },
  { "text (77, causal)", 77, 64, 512, TRUE },
};

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Median ms of @rounds passes over the layer's heads, through @fn or,
 * NULL, the bf16 kernel @fn16 (into @out as bf16). */
static double
time_layer (ClipAttentionFn fn, ClipAttentionBf16Fn fn16, const Shape *s,
    const float *qkv, float *out, float *scratch, int rounds)
{
  int ld = 3 * s->width, heads = s->width / s->hd;
  double *ms = g_new (double, rounds);

  for (int r = 0; r < rounds; r++) {
    gint64 t0 = g_get_monotonic_time ();
    for (int h = 0; h < heads; h++) {
      int off = h * s->hd;
      ClipKeys keys = { qkv + s->width + off, qkv + 2 * s->width + off, ld,
        s->n };
      if (fn16)
        fn16 (qkv + off, ld, s->n, &keys, 1, s->hd, s->causal, scratch,
            (guint16 *) out + off, s->width);
      else
        fn (qkv + off, ld, s->n, &keys, 1, s->hd, s->causal, scratch,
            out + off, s->width);
    }
    ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  qsort (ms, rounds, sizeof *ms, cmp_double);
  double median = ms[rounds / 2];
  g_free (ms);
  return median;
}

int
main (int argc, char **argv)
{
  static const char *names[] = { "avx512", "avx2", "portable" };
  int rounds = argc > 1 ? atoi (argv[1]) : 30;

  if (rounds < 1) {
    fprintf (stderr, "usage: bench-attention [ROUNDS]\n");
    return 2;
  }
  printf ("one thread, all heads of one layer, median of %d rounds\n",
      rounds);
  printf ("%-26s %-9s %9s %8s %12s\n", "shape", "kernel", "ms", "GFLOPS",
      "/ portable");
  for (size_t i = 0; i < G_N_ELEMENTS (shapes); i++) {
    const Shape *s = &shapes[i];
    size_t ld = 3 * (size_t) s->width;
    float *qkv = g_new (float, s->n * ld);
    float *out = g_new (float, (size_t) s->n * s->width);
    float *scratch = g_new (float, k_attention_scratch (s->n, s->hd));
    GRand *rand = g_rand_new_with_seed (1);
    double portable = 0;
    /* two products of n x n x hd multiply-adds per head (causal: about
     * half, counted whole) */
    double flop = 4.0 * s->n * s->n * s->width;

    for (size_t j = 0; j < s->n * ld; j++)
      qkv[j] = (float) g_rand_double_range (rand, -2, 2);
    /* the portable kernel first, for the ratios */
    for (int k = G_N_ELEMENTS (names) - 1; k >= 0; k--) {
      ClipAttentionFn fn = k_attention_head_named (names[k]);
      if (!fn)
        continue;
      time_layer (fn, NULL, s, qkv, out, scratch, 2);     /* warm up */
      double ms = time_layer (fn, NULL, s, qkv, out, scratch, rounds);
      if (!portable)
        portable = ms;
      printf ("%-26s %-9s %9.3f %8.1f %12.3f\n", s->name, names[k], ms,
          flop / ms / 1e6, ms / portable);
    }
    ClipAttentionBf16Fn bf16 = k_attention_head_bf16 (s->hd);
    if (bf16) {
      time_layer (NULL, bf16, s, qkv, out, scratch, 2);
      double ms = time_layer (NULL, bf16, s, qkv, out, scratch, rounds);
      printf ("%-26s %-9s %9.3f %8.1f %12.3f\n", s->name, "bf16", ms,
          flop / ms / 1e6, ms / portable);
    }
    g_rand_free (rand);
    g_free (scratch);
    g_free (out);
    g_free (qkv);
  }
  return 0;
}
