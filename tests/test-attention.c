/* test-attention.c: each attention kernel this CPU runs (AVX-512, AVX2,
 * portable, and AVX512_BF16's for towers in bf16) against softmax (Q K^T
 * / sqrt (d)) V computed in double precision here, on the shapes CLIP's
 * towers give it: whole sequences, the class token alone, causal text with
 * and without a shared prefix, heads of 64, 80 and 40 dimensions, up to
 * 577 tokens. The towers' golden checks run only the kernel the CPU
 * picks. */
#include "kernels.h"

#include <math.h>

typedef struct {
  const char *name;
  int n_keys;                  /* prefix + sequence */
  int n_q;                     /* queries: the sequence's last n_q rows */
  gboolean causal;
  int prefix;                  /* keys of a shared prefix, apart */
  int hd, width;
} Case;

static const Case cases[] = {
  { "vision-b32", 50, 50, FALSE, 0, 64, 768 },
  { "class-token", 50, 1, FALSE, 0, 64, 768 },
  { "vision-b16", 197, 197, FALSE, 0, 64, 768 },
  { "vision-l14", 257, 257, FALSE, 0, 64, 1024 },
  { "vision-l14-336", 577, 577, FALSE, 0, 64, 1024 },
  { "vision-h14", 257, 257, FALSE, 0, 80, 1280 },
  { "text", 77, 77, TRUE, 0, 64, 512 },
  { "text-prefix", 77, 72, TRUE, 5, 64, 512 },
  { "text-pooled", 20, 1, TRUE, 5, 64, 512 },
  { "odd-sizes", 33, 7, TRUE, 0, 80, 160 },
  { "tiny", 3, 3, FALSE, 0, 40, 80 },
};

/* Row t of the keys (prefix first), and of the values. */
static const float *
row_of (const float *pre, const float *seq, int prefix, int w, int ld,
    int t)
{
  return t < prefix ? pre + (size_t) t * w : seq + (size_t) (t - prefix) * ld;
}

/* @x, or with @bf16 the bf16 nearest it, as the bf16 kernel takes it. */
static double
input (float x, gboolean bf16)
{
  return bf16 ? k_round_bf16 (x) : x;
}

/* @fn (or, NULL, the bf16 kernel @fn16) against the reference. For the
 * bf16 kernel the reference takes Q, K and V rounded to bf16 as the kernel
 * does, and leaves two roundings to the tolerance: the softmax's weights
 * to bf16 (each within 2^-9 of itself), which move a weighted mean of
 * values within +-2 by at most 2 * 2^-9, and the output's (within 2^-8 of
 * itself, relative). */
static void
check_kernel (ClipAttentionFn fn, ClipAttentionBf16Fn fn16,
    const char *name)
{
  GRand *rand = g_rand_new_with_seed (7);
  gboolean bf16 = fn16 != NULL;

  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++) {
    const Case *k = &cases[c];
    if (bf16 && k->hd % 16 != 0)
      continue;                    /* heads k_attention_head_bf16 () declines */
    int w = k->width, ld = 3 * w, seq = k->n_keys - k->prefix;
    int heads = w / k->hd;
    float *qkv = g_new (float, (size_t) seq * ld);
    float *pk = g_new0 (float, (size_t) (k->prefix + 1) * w);
    float *pv = g_new0 (float, (size_t) (k->prefix + 1) * w);
    float *out = g_new0 (float, (size_t) k->n_q * w);
    guint16 *out16 = g_new0 (guint16, (size_t) k->n_q * w);
    float *scratch = g_new (float, k_attention_scratch (k->n_keys, k->hd));
    double *p = g_new (double, k->n_keys);
    double worst = 0, worst_share = 0;    /* error, and over its bound */

    for (size_t i = 0; i < (size_t) seq * ld; i++)
      qkv[i] = (float) g_rand_double_range (rand, -2, 2);
    for (size_t i = 0; i < (size_t) k->prefix * w; i++) {
      pk[i] = (float) g_rand_double_range (rand, -2, 2);
      pv[i] = (float) g_rand_double_range (rand, -2, 2);
    }
    /* the queries are the last n_q rows of the sequence */
    const float *q = qkv + (size_t) (seq - k->n_q) * ld;
    for (int h = 0; h < heads; h++) {
      int off = h * k->hd;
      ClipKeys keys[2] = {
        { pk + off, pv + off, w, k->prefix },
        { qkv + w + off, qkv + 2 * w + off, ld, seq },
      };
      int first_part = k->prefix > 0 ? 0 : 1;
      if (bf16) {
        fn16 (q + off, ld, k->n_q, keys + first_part, 2 - first_part,
            k->hd, k->causal, scratch, out16 + off, w);
        for (int i = 0; i < k->n_q; i++)
          for (int d = 0; d < k->hd; d++)
            out[(size_t) i * w + off + d] =
                k_bf16_value (out16[(size_t) i * w + off + d]);
      } else {
        fn (q + off, ld, k->n_q, keys + first_part, 2 - first_part, k->hd,
            k->causal, scratch, out + off, w);
      }

      for (int i = 0; i < k->n_q; i++) {
        int pos = k->n_keys - k->n_q + i;
        int n = k->causal ? pos + 1 : k->n_keys;
        double max = -INFINITY, sum = 0;
        for (int t = 0; t < n; t++) {
          const float *kr = row_of (pk + off, qkv + w + off, k->prefix, w,
              ld, t);
          double dot = 0;
          for (int d = 0; d < k->hd; d++)
            dot += input (q[(size_t) i * ld + off + d], bf16)
                * input (kr[d], bf16);
          p[t] = dot / sqrt ((double) k->hd);
          max = MAX (max, p[t]);
        }
        for (int t = 0; t < n; t++)
          sum += p[t] = exp (p[t] - max);
        for (int d = 0; d < k->hd; d++) {
          double ref = 0;
          for (int t = 0; t < n; t++)
            ref += p[t] * input (row_of (pv + off, qkv + 2 * w + off,
                    k->prefix, w, ld, t)[d], bf16);
          ref /= sum;
          double err = fabs (out[(size_t) i * w + off + d] - ref);
          /* values within +-2: float32 sums of a few hundred terms stay
           * within about 1e-6 of the exact result; a wrong key, row or
           * weight is off by tenths */
          double bound = bf16 ? 1e-5 + 2 * 0x1p-9
              + 0x1p-8 * (fabs (ref) + 2 * 0x1p-9) : 1e-5;
          worst = MAX (worst, err);
          worst_share = MAX (worst_share, err / bound);
        }
      }
    }
    g_test_message ("%s, %s: largest error %.2e, %.2f of its bound", name,
        k->name, worst, worst_share);
    g_assert_cmpfloat (worst_share, <, 1);
    g_free (p);
    g_free (scratch);
    g_free (out16);
    g_free (out);
    g_free (pv);
    g_free (pk);
    g_free (qkv);
  }
  g_rand_free (rand);
}

static void
test_kernels (void)
{
  static const char *names[] = { "avx512", "avx2", "portable" };
  int ran = 0;

  for (size_t i = 0; i < G_N_ELEMENTS (names); i++) {
    ClipAttentionFn fn = k_attention_head_named (names[i]);
    if (!fn) {
      g_test_message ("%s: not built or not run on this CPU", names[i]);
      continue;
    }
    check_kernel (fn, NULL, names[i]);
    ran++;
  }
  g_assert_cmpint (ran, >=, 1);
  g_assert_nonnull (k_attention_head_named ("portable"));
  g_assert_null (k_attention_head_named ("avx1024"));
}

/* The kernel the towers run is one of those checked above. */
static void
test_dispatch (void)
{
  check_kernel (k_attention_head, NULL, "picked");
}

/* The bf16 kernel, where the CPU runs it; heads it declines. */
static void
test_bf16 (void)
{
  g_assert_null (k_attention_head_bf16 (40));
  g_assert_null (k_attention_head_bf16 (72));
  ClipAttentionBf16Fn fn = k_attention_head_bf16 (64);
  if (!fn) {
    g_test_skip ("no AVX512_BF16 on this CPU");
    return;
  }
  g_assert_true (k_attention_head_bf16 (80) == fn);
  check_kernel (NULL, fn, "avx512-bf16");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attention/kernels", test_kernels);
  g_test_add_func ("/attention/dispatch", test_dispatch);
  g_test_add_func ("/attention/bf16", test_bf16);
  return g_test_run ();
}
