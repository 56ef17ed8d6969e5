/* attention.c: one head of softmax (Q K^T / sqrt (d)) V in plain C, for
 * the native backend. At the sizes of CLIP's heads (tens of tokens, 64
 * dimensions) oneDNN's batched products spend most of their time on fixed
 * costs; here every product runs as 4 x 16 tiles whose sums stay in
 * registers. Built apart, with -ffp-contract=fast, so that the tiles'
 * multiply-adds fuse (the rest of the engine keeps exact rounding). */
#include "kernels.h"
#include "mvec.h"

#include <string.h>

#define TILE 32

/* 16 floats as one value (one AVX-512 register, two AVX2 ones), read from
 * and written to any float address. */
typedef float v16 __attribute__ ((vector_size (64), aligned (4)));
typedef int v16i __attribute__ ((vector_size (64)));

/* @v's lanes in the order of the 16 indices that follow */
#ifdef __clang__
#define PERMUTE(v, ...) __builtin_shufflevector (v, v, __VA_ARGS__)
#else
#define PERMUTE(v, ...) __builtin_shuffle (v, (v16i) { __VA_ARGS__ })
#endif

/* The caller's eight sums c00 .. c31 (rows 0-3, columns 0-15 and 16-31)
 * += sum over t < @len of a[r][t] * b[t * @ldb + 0, TILE): in registers,
 * which on AVX-512 keeps enough of them in flight for both FMA units. A
 * macro, so that the sums stay the caller's locals. */
#define TILE_SUMS(a, b, ldb, len)                                       \
  for (int t_ = 0; t_ < (len); t_++) {                                  \
    const v16 *bt_ = (const v16 *) ((b) + (size_t) t_ * (ldb));         \
    v16 b0_ = bt_[0], b1_ = bt_[1];                                     \
    float a0_ = (a)[0][t_], a1_ = (a)[1][t_], a2_ = (a)[2][t_],         \
        a3_ = (a)[3][t_];                                               \
    c00 += a0_ * b0_;                                                   \
    c01 += a0_ * b1_;                                                   \
    c10 += a1_ * b0_;                                                   \
    c11 += a1_ * b1_;                                                   \
    c20 += a2_ * b0_;                                                   \
    c21 += a2_ * b1_;                                                   \
    c30 += a3_ * b0_;                                                   \
    c31 += a3_ * b1_;                                                   \
  }

/* c[r][0, w) += sum over t < len of a[r][t] * b[t * ldb + 0, w), for four
 * rows r; with w == TILE, in registers (TILE_SUMS). Always inlined, so
 * that it is compiled for each of the caller's instruction sets. */
static inline __attribute__ ((always_inline)) void
tile (const float *const a[4], const float *b, size_t ldb, int len, int w,
    float c[4][TILE])
{
  if (w == TILE) {
    v16 *cr[4] = { (v16 *) c[0], (v16 *) c[1], (v16 *) c[2], (v16 *) c[3] };
    v16 c00 = cr[0][0], c01 = cr[0][1], c10 = cr[1][0], c11 = cr[1][1],
        c20 = cr[2][0], c21 = cr[2][1], c30 = cr[3][0], c31 = cr[3][1];
    TILE_SUMS (a, b, ldb, len);
    cr[0][0] = c00;
    cr[0][1] = c01;
    cr[1][0] = c10;
    cr[1][1] = c11;
    cr[2][0] = c20;
    cr[2][1] = c21;
    cr[3][0] = c30;
    cr[3][1] = c31;
    return;
  }
  for (int t = 0; t < len; t++) {
    const float *bt = b + (size_t) t * ldb;
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < w; j++)
        c[r][j] += a[r][t] * bt[j];
  }
}

/* tile() from zero sums for w == TILE, the first @rows rows written
 * scaled: row r times f[r] into dst[r][0, TILE). */
static inline __attribute__ ((always_inline)) void
tile_store (const float *const a[4], const float *b, size_t ldb, int len,
    const float f[4], float *const dst[4], int rows)
{
  v16 c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 },
      c21 = { 0 }, c30 = { 0 }, c31 = { 0 };

  TILE_SUMS (a, b, ldb, len);
  /* rows past @rows are copies, not written */
  v16 *d;
  switch (rows) {
    case 4:
      d = (v16 *) dst[3];
      d[0] = c30 * f[3];
      d[1] = c31 * f[3];
      /* fall through */
    case 3:
      d = (v16 *) dst[2];
      d[0] = c20 * f[2];
      d[1] = c21 * f[2];
      /* fall through */
    case 2:
      d = (v16 *) dst[1];
      d[0] = c10 * f[1];
      d[1] = c11 * f[1];
      /* fall through */
    default:
      d = (v16 *) dst[0];
      d[0] = c00 * f[0];
      d[1] = c01 * f[0];
  }
}

/* Elementwise max of two vectors (no vector ?: in C). */
static inline __attribute__ ((always_inline)) v16
vmax (v16 a, v16 b)
{
  v16i gt = a > b;
  return (v16) ((gt & (v16i) a) | (~gt & (v16i) b));
}

/* @v with each lane i exchanged for lane i ^ @step (8, 4, 2 or 1). */
static inline __attribute__ ((always_inline)) v16
swap_lanes (v16 v, int step)
{
  switch (step) {
    case 8:
      return PERMUTE (v, 8, 9, 10, 11, 12, 13, 14, 15,
          0, 1, 2, 3, 4, 5, 6, 7);
    case 4:
      return PERMUTE (v, 4, 5, 6, 7, 0, 1, 2, 3,
          12, 13, 14, 15, 8, 9, 10, 11);
    case 2:
      return PERMUTE (v, 2, 3, 0, 1, 6, 7, 4, 5,
          10, 11, 8, 9, 14, 15, 12, 13);
    default:
      return PERMUTE (v, 1, 0, 3, 2, 5, 4, 7, 6,
          9, 8, 11, 10, 13, 12, 15, 14);
  }
}

/* Lane indices into two rows a, b (0-15: a's lanes, 16-31: b's) that
 * exchange their off-diagonal @step x @step blocks: row a's result with
 * @high FALSE, row b's with TRUE. [A B; C D] becomes [A C; B D] in each
 * 2 @step square. */
static inline __attribute__ ((always_inline)) v16i
block_lanes (int step, gboolean high)
{
  const v16i j = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  v16i from_b = (j & step) != 0;

  return high ? (from_b & (16 + j)) | (~from_b & (j + step))
      : (from_b & (16 + j - step)) | (~from_b & j);
}

/* The lanes @m picks from @a and @b (GCC's two-vector shuffle; plain
 * lane copies under clang, which has no shuffle with computed lanes and
 * builds this only for the fuzzers). */
static inline __attribute__ ((always_inline)) v16
shuffle2 (v16 a, v16 b, v16i m)
{
#ifdef __clang__
  v16 r;
  for (int j = 0; j < 16; j++)
    r[j] = m[j] < 16 ? a[m[j]] : b[m[j] - 16];
  return r;
#else
  return __builtin_shuffle (a, b, m);
#endif
}

/* Rows i and i + @step (i & @step == 0) of a 16 x 16 block exchange their
 * off-diagonal blocks (block_lanes). After steps 8, 4, 2 and 1 the block
 * is transposed. */
static inline __attribute__ ((always_inline)) void
swap_blocks (v16 r[16], int step)
{
  v16i lo = block_lanes (step, FALSE), hi = block_lanes (step, TRUE);

  for (int i = 0; i < 16; i++) {
    if (i & step)
      continue;
    v16 a = r[i], b = r[i + step];
    r[i] = shuffle2 (a, b, lo);
    r[i + step] = shuffle2 (a, b, hi);
  }
}

/* Row @j of the keys in @n_parts parts, or NULL past their end. */
static inline const float *
key_row (const ClipKeys *keys, int n_parts, int j)
{
  for (int p = 0; p < n_parts; j -= keys[p].n, p++)
    if (j < keys[p].n)
      return keys[p].k + (size_t) j * keys[p].ld;
  return NULL;
}

/* K^T into @kt ([hd, padded], padded a multiple of 16), keys past the last
 * as zero columns: 16 keys by 16 dimensions at a time, as whole vectors. */
static inline __attribute__ ((always_inline)) void
transpose_keys (const ClipKeys *keys, int n_parts, int hd, int padded,
    float *kt)
{
  for (int j0 = 0; j0 < padded; j0 += 16) {
    const float *row[16];
    for (int j = 0; j < 16; j++)
      row[j] = key_row (keys, n_parts, j0 + j);
    int d0 = 0;
    for (; d0 + 16 <= hd; d0 += 16) {
      v16 r[16];
      for (int j = 0; j < 16; j++)
        r[j] = row[j] ? *(const v16 *) (row[j] + d0) : (v16) { 0 };
      swap_blocks (r, 8);
      swap_blocks (r, 4);
      swap_blocks (r, 2);
      swap_blocks (r, 1);
      for (int d = 0; d < 16; d++)
        *(v16 *) (kt + (size_t) (d0 + d) * padded + j0) = r[d];
    }
    for (; d0 < hd; d0++)          /* dimensions past the last 16 */
      for (int j = 0; j < 16; j++)
        kt[(size_t) d0 * padded + j0 + j] = row[j] ? row[j][d0] : 0;
  }
}

/* Each of four vectors' 16 lanes combined pairwise into its lane 0, by
 * max or by sum, the four side by side. */
static inline __attribute__ ((always_inline)) void
lanes_combine4 (v16 v[4], gboolean max)
{
#pragma GCC unroll 4
  for (int step = 8; step > 0; step /= 2)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      v16 o = swap_lanes (v[r], step);
      v[r] = max ? vmax (v[r], o) : v[r] + o;
    }
}

/* Softmax of the first @rows (1 to 4) rows of @s (@padded floats apart),
 * row r over its first n[r] entries, in place, as weights still to be
 * divided by their sums, whose reciprocals go to @inv; entries n[r] to
 * @len - 1 are zeroed, and so is the rest of n[r]'s last 16 floats. The
 * maxima and sums of the four rows are taken side by side: each is a
 * chain of dependent steps, and four chains overlap where one waits.
 * Past @rows the last row stands in (n[r] its n), read, never written. */
static inline __attribute__ ((always_inline)) void
softmax_rows (float *s, size_t padded, int rows, const int n[4], int len,
    float inv[4])
{
  int lo = MIN (MIN (n[0], n[1]), MIN (n[2], n[3])) & ~15;
  int hi = MAX (MAX (n[0], n[1]), MAX (n[2], n[3]));
  float *row[4];
  for (int r = 0; r < 4; r++)
    row[r] = s + (size_t) MIN (r, rows - 1) * padded;
  v16 m[4], sum[4];

#pragma GCC unroll 4
  for (int r = 0; r < 4; r++)
    m[r] = (v16) { 0 } + row[r][0];
  for (int j = 0; j < lo; j += 16)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
      m[r] = vmax (m[r], *(const v16 *) (row[r] + j));
  lanes_combine4 (m, TRUE);

  for (int r = 0; r < rows; r++) {
    float max = m[r][0], *x = row[r];
    int end = MAX (len, (n[r] + 15) & ~15);
    for (int j = lo; j < n[r]; j++)
      max = x[j] > max ? x[j] : max;
    /* in SIMD lanes where expf has a vector form (libmvec) */
#ifdef CLIP_HAVE_LIBMVEC
#pragma omp simd
#endif
    for (int j = 0; j < n[r]; j++)
      x[j] = expf (x[j] - max);
    for (int j = n[r]; j < end; j++)
      x[j] = 0;
  }
  for (int r = 0; r < 4; r++)
    sum[r] = (v16) { 0 };
  for (int j = 0; j < hi; j += 16)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
      if (j < n[r])
        sum[r] += *(const v16 *) (row[r] + j);
  lanes_combine4 (sum, FALSE);
  for (int r = 0; r < 4; r++)
    inv[r] = 1.0f / sum[r][0];
}

size_t
k_attention_scratch (int n_keys, int hd)
{
  size_t padded = (size_t) (n_keys + TILE - 1) / TILE * TILE;
  return padded * hd + 4 * padded;
}

CLIP_SIMD_CLONES void
k_attention_head (const float *q, int ldq, int n_q, const ClipKeys *keys,
    int n_parts, int hd, gboolean causal, float *scratch, float *out,
    int ldo)
{
  int n_keys = 0;
  for (int p = 0; p < n_parts; p++)
    n_keys += keys[p].n;
  int padded = (n_keys + TILE - 1) / TILE * TILE;
  int first = n_keys - n_q;                /* the first query's position */
  float *kt = scratch;                     /* [hd, padded] */
  float *s = scratch + (size_t) padded * hd;     /* [4, padded] */
  float scale = 1.0f / sqrtf ((float) hd);
  float c[4][TILE];

  transpose_keys (keys, n_parts, hd, padded, kt);

  for (int i = 0; i < n_q; i += 4) {
    int rows = MIN (4, n_q - i);
    /* the keys any of the rows sees */
    int n = causal ? first + i + rows : n_keys;
    const float *qr[4], *pr[4];
    float inv[4];

    /* a short last block repeats its last row and drops the copies */
    for (int r = 0; r < 4; r++) {
      qr[r] = q + (size_t) (i + MIN (r, rows - 1)) * ldq;
      pr[r] = s + (size_t) MIN (r, rows - 1) * padded;
    }
    const float fs[4] = { scale, scale, scale, scale };
    for (int j0 = 0; j0 < n; j0 += TILE) {
      /* whole tiles: the rows of s and K^T are padded to them */
      float *sr[4];
      for (int r = 0; r < 4; r++)
        sr[r] = s + (size_t) r * padded + j0;
      tile_store (qr, kt + j0, padded, hd, fs, sr, rows);
    }
    int nr[4];
    for (int r = 0; r < 4; r++)
      nr[r] = causal ? first + i + MIN (r, rows - 1) + 1 : n;
    softmax_rows (s, padded, rows, nr, n, inv);

    int d0 = 0;
    if (n_parts == 1) {
      /* one part of keys: whole tiles of the output straight from the
       * sums (a short last block writes its own rows only) */
      for (; d0 + TILE <= hd; d0 += TILE) {
        float *o[4];
        for (int r = 0; r < 4; r++)
          o[r] = out + (size_t) (i + MIN (r, rows - 1)) * ldo + d0;
        tile_store (pr, keys[0].v + d0, keys[0].ld, n, inv, o, rows);
      }
    }
    for (; d0 < hd; d0 += TILE) {
      int w = MIN (TILE, hd - d0);
      memset (c, 0, sizeof c);
      /* the weights of each part of the keys times its values */
      for (int p = 0, at = 0; p < n_parts && at < n; at += keys[p].n, p++) {
        const float *pp[4] = { pr[0] + at, pr[1] + at, pr[2] + at,
          pr[3] + at };
        tile (pp, keys[p].v + d0, keys[p].ld, MIN (keys[p].n, n - at), w,
            c);
      }
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
