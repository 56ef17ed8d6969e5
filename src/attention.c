/* attention.c: one head of softmax (Q K^T / sqrt (d)) V in plain C, for
 * the native backend. At the sizes of CLIP's heads (tens of tokens, 64
 * dimensions) oneDNN's batched products spend most of their time on fixed
 * costs; here every product runs as 4 x 16 tiles whose sums stay in
 * registers. Built apart, with -ffp-contract=fast, so that the tiles'
 * multiply-adds fuse (the rest of the engine keeps exact rounding). */
#include "kernels.h"

#include <math.h>
#include <string.h>

#ifdef CLIP_HAVE_LIBMVEC
/* glibc's libmvec has vector expf for SSE, AVX2 and AVX-512; math.h only
 * declares it under -ffast-math, so say here that it exists. */
__attribute__ ((simd ("notinbranch"))) float expf (float);
#endif

#define TILE 32

/* 16 floats as one value (one AVX-512 register, two AVX2 ones), read from
 * and written to any float address. */
typedef float v16 __attribute__ ((vector_size (64), aligned (4)));

/* c[r][0, w) = sum over t < len of a[r][t] * b[t * ldb + 0, w), for four
 * rows r. With w == TILE the eight sums stay in registers: on AVX-512
 * enough of them are in flight to keep both FMA units busy. Always
 * inlined, so that it is compiled for each of the caller's instruction
 * sets. */
static inline __attribute__ ((always_inline)) void
tile (const float *const a[4], const float *b, size_t ldb, int len, int w,
    float c[4][TILE])
{
  if (w == TILE) {
    v16 c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 },
        c21 = { 0 }, c30 = { 0 }, c31 = { 0 };
    for (int t = 0; t < len; t++) {
      const v16 *bt = (const v16 *) (b + (size_t) t * ldb);
      v16 b0 = bt[0], b1 = bt[1];
      float a0 = a[0][t], a1 = a[1][t], a2 = a[2][t], a3 = a[3][t];
      c00 += a0 * b0;
      c01 += a0 * b1;
      c10 += a1 * b0;
      c11 += a1 * b1;
      c20 += a2 * b0;
      c21 += a2 * b1;
      c30 += a3 * b0;
      c31 += a3 * b1;
    }
    v16 *out[4] = { (v16 *) c[0], (v16 *) c[1], (v16 *) c[2], (v16 *) c[3] };
    out[0][0] = c00;
    out[0][1] = c01;
    out[1][0] = c10;
    out[1][1] = c11;
    out[2][0] = c20;
    out[2][1] = c21;
    out[3][0] = c30;
    out[3][1] = c31;
    return;
  }
  memset (c, 0, sizeof (float) * 4 * TILE);
  for (int t = 0; t < len; t++) {
    const float *bt = b + (size_t) t * ldb;
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < w; j++)
        c[r][j] += a[r][t] * bt[j];
  }
}

/* Softmax of @row[0, @n) in place, as weights still to be divided by the
 * returned sum; @row[@n, @len) is zeroed. */
static inline __attribute__ ((always_inline)) float
softmax_unnormalised (float *row, int n, int len)
{
  float max = row[0], sum = 0;

#pragma omp simd reduction (max:max)
  for (int j = 1; j < n; j++)
    max = row[j] > max ? row[j] : max;
#pragma omp simd reduction (+:sum)
  for (int j = 0; j < n; j++) {
    row[j] = expf (row[j] - max);
    sum += row[j];
  }
  for (int j = n; j < len; j++)
    row[j] = 0;
  return sum;
}

size_t
k_attention_scratch (int seq, int hd)
{
  size_t padded = (size_t) (seq + TILE - 1) / TILE * TILE;
  return padded * hd + 4 * padded;
}

CLIP_SIMD_CLONES void
k_attention_head (const float *q, const float *k, const float *v, int ld,
    int seq, int hd, gboolean causal, float *scratch, float *out, int ldo)
{
  int padded = (seq + TILE - 1) / TILE * TILE;
  float *kt = scratch;                           /* [hd, padded] */
  float *s = scratch + (size_t) padded * hd;     /* [4, padded] */
  float scale = 1.0f / sqrtf ((float) hd);
  float c[4][TILE];

  /* K^T with zero columns up to a whole tile */
  for (int d = 0; d < hd; d++)
    memset (kt + (size_t) d * padded + seq, 0,
        (padded - seq) * sizeof (float));
  for (int j = 0; j < seq; j++)
    for (int d = 0; d < hd; d++)
      kt[(size_t) d * padded + j] = k[(size_t) j * ld + d];

  for (int i = 0; i < seq; i += 4) {
    int rows = MIN (4, seq - i);
    int n = causal ? i + rows : seq;      /* columns any of the rows uses */
    const float *qr[4], *pr[4];
    float inv[4];

    /* a short last block repeats its last row and drops the copies */
    for (int r = 0; r < 4; r++) {
      qr[r] = q + (size_t) (i + MIN (r, rows - 1)) * ld;
      pr[r] = s + (size_t) MIN (r, rows - 1) * padded;
    }
    for (int j0 = 0; j0 < n; j0 += TILE) {
      /* whole tiles: the rows of s and K^T are padded to them */
      tile (qr, kt + j0, padded, hd, TILE, c);
      for (int r = 0; r < rows; r++) {
        float *sr = s + (size_t) r * padded + j0;
#pragma omp simd
        for (int j = 0; j < TILE; j++)
          sr[j] = c[r][j] * scale;
      }
    }
    for (int r = 0; r < rows; r++)
      inv[r] = 1.0f / softmax_unnormalised (s + (size_t) r * padded,
          causal ? i + r + 1 : n, n);

    for (int d0 = 0; d0 < hd; d0 += TILE) {
      int w = MIN (TILE, hd - d0);
      tile (pr, v + d0, ld, n, w, c);
      for (int r = 0; r < rows; r++) {
        float *o = out + (size_t) (i + r) * ldo + d0;
        float f = inv[r];
#pragma omp simd
        for (int d = 0; d < w; d++)
          o[d] = c[r][d] * f;
      }
    }
  }
}
