/* attention-impl.h: the body of the attention kernel, included by
 * attention.c once per instruction set with ISA (a name suffix), ISA_ATTR
 * (a target attribute, or nothing) and VL defined: the floats of one
 * vector, no wider than the target's registers (GCC splits wider generic
 * vectors through memory: 64-byte vectors ran at a thirtieth of the speed
 * on AVX2). A tile of the products is four rows of two vectors, TILE_W
 * columns, whose sums stay in registers. It undefines ISA, ISA_ATTR and VL
 * at its end. */

#define AFN_(name, isa) name##_##isa
#define AFN__(name, isa) AFN_ (name, isa)
#define AFN(name) AFN__ (name, ISA)
#define BODY static inline __attribute__ ((always_inline))

#define VF AFN (vf)
#define VI AFN (vi)
#define TILE_W (2 * VL)

/* VL floats as one value, read from and written to any float address. */
typedef float VF __attribute__ ((vector_size (VL * 4), aligned (4)));
typedef int VI __attribute__ ((vector_size (VL * 4)));

/* 0, 1, ..., VL - 1 */
BODY ISA_ATTR VI
AFN (iota) (void)
{
  VI j;
  for (int i = 0; i < VL; i++)
    j[i] = i;
  return j;
}

/* The lanes @m picks from @a and @b (0 to VL - 1: a's lanes, VL to 2 VL -
 * 1: b's); GCC's two-vector shuffle, plain lane copies under clang, which
 * has no shuffle with computed lanes and builds this only for the
 * fuzzers. */
BODY ISA_ATTR VF
AFN (shuffle2) (VF a, VF b, VI m)
{
#ifdef __clang__
  VF r;
  for (int j = 0; j < VL; j++)
    r[j] = m[j] < VL ? a[m[j]] : b[m[j] - VL];
  return r;
#else
  return __builtin_shuffle (a, b, m);
#endif
}

/* The caller's eight sums c00 .. c31 (rows 0-3, columns 0 to VL - 1 and
 * VL to 2 VL - 1) += sum over t < @len of a[r][t] * b[t * @ldb + 0,
 * TILE_W): in registers, which keeps enough of them in flight for both FMA
 * units. A macro, so that the sums stay the caller's locals. */
#define TILE_SUMS(a, b, ldb, len)                                       \
  for (int t_ = 0; t_ < (len); t_++) {                                  \
    const VF *bt_ = (const VF *) ((b) + (size_t) t_ * (ldb));           \
    VF b0_ = bt_[0], b1_ = bt_[1];                                      \
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

/* dst[r][0, TILE_W) = f[r] * sum over t < @len of a[r][t] * b[t * @ldb +
 * 0, TILE_W), for the first @rows of four rows r (TILE_SUMS). */
BODY ISA_ATTR void
AFN (tile_store) (const float *const a[4], const float *b, size_t ldb,
    int len, const float f[4], float *const dst[4], int rows)
{
  VF c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 },
      c21 = { 0 }, c30 = { 0 }, c31 = { 0 };

  TILE_SUMS (a, b, ldb, len);
  /* rows past @rows are copies, not written */
  VF *d;
  switch (rows) {
    case 4:
      d = (VF *) dst[3];
      d[0] = c30 * f[3];
      d[1] = c31 * f[3];
      /* fall through */
    case 3:
      d = (VF *) dst[2];
      d[0] = c20 * f[2];
      d[1] = c21 * f[2];
      /* fall through */
    case 2:
      d = (VF *) dst[1];
      d[0] = c10 * f[1];
      d[1] = c11 * f[1];
      /* fall through */
    default:
      d = (VF *) dst[0];
      d[0] = c00 * f[0];
      d[1] = c01 * f[0];
  }
}
#undef TILE_SUMS

/* tile_store() for one vector of columns. */
BODY ISA_ATTR void
AFN (tile_store_vec) (const float *const a[4], const float *b, size_t ldb,
    int len, const float f[4], float *const dst[4], int rows)
{
  VF c0 = { 0 }, c1 = { 0 }, c2 = { 0 }, c3 = { 0 };

  for (int t = 0; t < len; t++) {
    VF bt = *(const VF *) (b + (size_t) t * ldb);
    c0 += a[0][t] * bt;
    c1 += a[1][t] * bt;
    c2 += a[2][t] * bt;
    c3 += a[3][t] * bt;
  }
  const VF c[4] = { c0, c1, c2, c3 };
  for (int r = 0; r < rows; r++)
    *(VF *) dst[r] = c[r] * f[r];
}

/* tile_store() for @w < VL columns. */
BODY ISA_ATTR void
AFN (tile_store_narrow) (const float *const a[4], const float *b,
    size_t ldb, int len, int w, const float f[4], float *const dst[4],
    int rows)
{
  float c[4][VL] = { { 0 } };

  for (int t = 0; t < len; t++) {
    const float *bt = b + (size_t) t * ldb;
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < w; j++)
        c[r][j] += a[r][t] * bt[j];
  }
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < w; j++)
      dst[r][j] = c[r][j] * f[r];
}

/* Elementwise max of two vectors (no vector ?: in C). */
BODY ISA_ATTR VF
AFN (vmax) (VF a, VF b)
{
  VI gt = a > b;
  return (VF) ((gt & (VI) a) | (~gt & (VI) b));
}

/* Rows i and i + @step (i & @step == 0) of a VL x VL block exchange their
 * off-diagonal @step x @step blocks: [A B; C D] becomes [A C; B D] in
 * each 2 @step square. After steps VL / 2, ..., 2 and 1 the block is
 * transposed. */
BODY ISA_ATTR void
AFN (swap_blocks) (VF r[VL], int step)
{
  VI j = AFN (iota) (), from_b = (j & step) != 0;
  /* lanes of row i's result, then of row i + step's */
  VI lo = (from_b & (VL + j - step)) | (~from_b & j);
  VI hi = (from_b & (VL + j)) | (~from_b & (j + step));

  for (int i = 0; i < VL; i++) {
    if (i & step)
      continue;
    VF a = r[i], b = r[i + step];
    r[i] = AFN (shuffle2) (a, b, lo);
    r[i + step] = AFN (shuffle2) (a, b, hi);
  }
}

/* K^T into @kt ([hd, padded], padded a multiple of VL), keys past the last
 * as zero columns: VL keys by VL dimensions at a time, as whole vectors. */
BODY ISA_ATTR void
AFN (transpose_keys) (const ClipKeys *keys, int n_parts, int hd,
    int padded, float *kt)
{
  for (int j0 = 0; j0 < padded; j0 += VL) {
    const float *row[VL];
    for (int j = 0; j < VL; j++)
      row[j] = key_row (keys, n_parts, j0 + j);
    int d0 = 0;
    for (; d0 + VL <= hd; d0 += VL) {
      VF r[VL];
      for (int j = 0; j < VL; j++)
        r[j] = row[j] ? *(const VF *) (row[j] + d0) : (VF) { 0 };
#pragma GCC unroll 4
      for (int step = VL / 2; step > 0; step /= 2)
        AFN (swap_blocks) (r, step);
      for (int d = 0; d < VL; d++)
        *(VF *) (kt + (size_t) (d0 + d) * padded + j0) = r[d];
    }
    for (; d0 < hd; d0++)          /* dimensions past the last VL */
      for (int j = 0; j < VL; j++)
        kt[(size_t) d0 * padded + j0 + j] = row[j] ? row[j][d0] : 0;
  }
}

/* Each of four vectors' lanes combined pairwise into its lane 0, by max or
 * by sum, the four side by side. */
BODY ISA_ATTR void
AFN (lanes_combine4) (VF v[4], gboolean max)
{
  VI j = AFN (iota) ();

#pragma GCC unroll 4
  for (int step = VL / 2; step > 0; step /= 2)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      VF o = AFN (shuffle2) (v[r], v[r], j ^ step);
      v[r] = max ? AFN (vmax) (v[r], o) : v[r] + o;
    }
}

/* Softmax of the first @rows (1 to 4) rows of @s (@padded floats apart),
 * row r over its first n[r] entries, in place, as weights still to be
 * divided by their sums, whose reciprocals go to @inv; entries n[r] to
 * @len - 1 are zeroed, and so is the rest of n[r]'s last VL floats. The
 * maxima and sums of the four rows are taken side by side: each is a chain
 * of dependent steps, and four chains overlap where one waits. Past @rows
 * the last row stands in (n[r] its n), read, never written. */
BODY ISA_ATTR void
AFN (softmax_rows) (float *s, size_t padded, int rows, const int n[4],
    int len, float inv[4])
{
  int lo = MIN (MIN (n[0], n[1]), MIN (n[2], n[3])) & ~(VL - 1);
  int hi = MAX (MAX (n[0], n[1]), MAX (n[2], n[3]));
  float *row[4];
  for (int r = 0; r < 4; r++)
    row[r] = s + (size_t) MIN (r, rows - 1) * padded;
  VF m[4], sum[4];

#pragma GCC unroll 4
  for (int r = 0; r < 4; r++)
    m[r] = (VF) { 0 } + row[r][0];
  for (int j = 0; j < lo; j += VL)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
      m[r] = AFN (vmax) (m[r], *(const VF *) (row[r] + j));
  AFN (lanes_combine4) (m, TRUE);

  for (int r = 0; r < rows; r++) {
    float max = m[r][0], *x = row[r];
    int end = MAX (len, (n[r] + VL - 1) & ~(VL - 1));
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
    sum[r] = (VF) { 0 };
  for (int j = 0; j < hi; j += VL)
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
      if (j < n[r])
        sum[r] += *(const VF *) (row[r] + j);
  AFN (lanes_combine4) (sum, FALSE);
  for (int r = 0; r < 4; r++)
    inv[r] = 1.0f / sum[r][0];
}

/* k_attention_head() (kernels.h) for this instruction set. */
static ISA_ATTR void
AFN (attention_head) (const float *q, int ldq, int n_q, const ClipKeys *keys,
    int n_parts, int hd, gboolean causal, float *scratch, float *out,
    int ldo)
{
  int n_keys = 0;
  for (int p = 0; p < n_parts; p++)
    n_keys += keys[p].n;
  int padded = (n_keys + TILE_W - 1) / TILE_W * TILE_W;
  int first = n_keys - n_q;                /* the first query's position */
  float *kt = scratch;                     /* [hd, padded] */
  float *s = kt + (size_t) padded * hd;    /* [4, padded] */
  float *vb = s + (size_t) 4 * padded;     /* [n_keys, hd] */
  float scale = 1.0f / sqrtf ((float) hd);
  const float fs[4] = { scale, scale, scale, scale };

  AFN (transpose_keys) (keys, n_parts, hd, padded, kt);
  copy_values (keys, n_parts, hd, vb);

  for (int i = 0; i < n_q; i += 4) {
    int rows = MIN (4, n_q - i);
    /* the keys any of the rows sees */
    int n = causal ? first + i + rows : n_keys;
    const float *qr[4], *pr[4];
    float *o[4], *d[4], inv[4];
    int nr[4];

    /* a short last block repeats its last row and drops the copies */
    for (int r = 0; r < 4; r++) {
      int rr = MIN (r, rows - 1);
      qr[r] = q + (size_t) (i + rr) * ldq;
      pr[r] = s + (size_t) rr * padded;
      o[r] = out + (size_t) (i + rr) * ldo;
      nr[r] = causal ? first + i + rr + 1 : n;
    }
    /* whole tiles of scores: the rows of s and K^T are padded to them */
    for (int j0 = 0; j0 < n; j0 += TILE_W) {
      for (int r = 0; r < 4; r++)
        d[r] = s + (size_t) r * padded + j0;
      AFN (tile_store) (qr, kt + j0, padded, hd, fs, d, rows);
    }
    AFN (softmax_rows) (s, padded, rows, nr, n, inv);

    /* the weights times the values, as wide a tile as the head has left */
    for (int d0 = 0; d0 < hd;) {
      int w = hd - d0;
      for (int r = 0; r < 4; r++)
        d[r] = o[r] + d0;
      if (w >= TILE_W) {
        AFN (tile_store) (pr, vb + d0, hd, n, inv, d, rows);
        d0 += TILE_W;
      } else if (w >= VL) {
        AFN (tile_store_vec) (pr, vb + d0, hd, n, inv, d, rows);
        d0 += VL;
      } else {
        AFN (tile_store_narrow) (pr, vb + d0, hd, n, w, inv, d, rows);
        d0 += w;
      }
    }
  }
}

#undef TILE_W
#undef VI
#undef VF
#undef BODY
#undef AFN
#undef AFN__
#undef AFN_
#undef ISA
#undef ISA_ATTR
#undef VL
