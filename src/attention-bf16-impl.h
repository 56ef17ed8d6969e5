/* attention-bf16-impl.h: one head of attention on AVX512_BF16's dot
 * product, for towers run in bf16, included by attention.c after the
 * AVX-512 kernel, whose softmax and transposing steps it shares. Both
 * products take bf16 inputs, as the towers' other products do in bf16:
 * Q and K for the scores, the softmax's weights and V for the output,
 * each rounded to nearest even (VCVTNE2PS2BF16, which takes fp32's
 * subnormals as zeros), summed in fp32; the scaling, the softmax and the
 * division by its sums stay in fp32, and the output is rounded to bf16 as
 * it leaves the registers, the form the out projection reads (no fp32
 * copy is written). VDPBF16PS makes two products a lane where FMA makes
 * one, so the tiles take half the steps. Heads of a multiple of 16
 * dimensions only (CLIP's are 64 or 80). */

#define BF16_ATTR __attribute__ ((target \
      ("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma")))
#define BF16_TILE 32             /* keys (or dimensions) of a tile */
#define BODY static inline __attribute__ ((always_inline))

/* Pairs of @x's floats 2 i, 2 i + 1 as one 32-bit lane, lane i of 16. */
BODY BF16_ATTR __m512i
pairs16 (const float *x)
{
  return (__m512i) _mm512_cvtne2ps_pbh (_mm512_loadu_ps (x + 16),
      _mm512_loadu_ps (x));
}

/* bf16 of @x's 16 floats in the low halves of 16 lanes and @y's (or
 * zeros) in the high ones. */
BODY BF16_ATTR __m512i
interleave16 (const float *x, const float *y)
{
  __m512i lo = _mm512_cvtepu16_epi32 ((__m256i) _mm512_cvtneps_pbh
      (_mm512_loadu_ps (x)));
  if (!y)
    return lo;
  __m512i hi = _mm512_cvtepu16_epi32 ((__m256i) _mm512_cvtneps_pbh
      (_mm512_loadu_ps (y)));
  return _mm512_or_si512 (lo, _mm512_slli_epi32 (hi, 16));
}

/* The pair of bf16 (@a, @b) as one 32-bit lane (k_bf16_bits (): as
 * VCVTNE2PS2BF16 but for subnormals, which it keeps). */
static inline guint32
pair_bits (float a, float b)
{
  return k_bf16_bits (a) | (guint32) k_bf16_bits (b) << 16;
}

/* K^T as pairs of dimensions, [hd / 2, padded] lanes of 32 bits: lane j
 * of row i holds key j's dimensions 2 i and 2 i + 1; keys past the last
 * are zeros. */
static BF16_ATTR void
pack_keys_bf16 (const ClipKeys *keys, int n_parts, int hd, int padded,
    guint32 *kt)
{
  int hp = hd / 2;

  for (int j0 = 0; j0 < padded; j0 += 16) {
    const float *row[16];
    for (int j = 0; j < 16; j++)
      row[j] = key_row (keys, n_parts, j0 + j);
    int p0 = 0;
    for (; p0 + 16 <= hp; p0 += 16) {
      vf_avx512 r[16];
      for (int j = 0; j < 16; j++)
        r[j] = row[j] ? (vf_avx512) pairs16 (row[j] + 2 * p0)
            : (vf_avx512) { 0 };
#pragma GCC unroll 4
      for (int step = 8; step > 0; step /= 2)
        swap_blocks_avx512 (r, step);
      for (int p = 0; p < 16; p++)
        memcpy (kt + (size_t) (p0 + p) * padded + j0, &r[p], 64);
    }
    for (; p0 < hp; p0++)           /* pairs past the last 16 */
      for (int j = 0; j < 16; j++)
        kt[(size_t) p0 * padded + j0 + j] = row[j]
            ? pair_bits (row[j][2 * p0], row[j][2 * p0 + 1]) : 0;
  }
}

/* V as pairs of keys, [(n_keys + 1) / 2, hd] lanes: lane d of row i holds
 * dimension d of keys 2 i and 2 i + 1 (a zero past the last key). */
static BF16_ATTR void
pack_values_bf16 (const ClipKeys *keys, int n_parts, int n_keys, int hd,
    guint32 *vp)
{
  for (int t = 0; t < n_keys; t += 2, vp += hd) {
    const float *a = value_row (keys, n_parts, t);
    const float *b = value_row (keys, n_parts, t + 1);
    for (int d = 0; d < hd; d += 16)
      _mm512_storeu_si512 (vp + d, interleave16 (a + d, b ? b + d : NULL));
  }
}

/* The first @pairs lanes of @dst: pairs of @src's floats (2 @pairs of
 * them read, no more). */
BODY BF16_ATTR void
pack_row_bf16 (const float *src, int pairs, guint32 *dst)
{
  int i = 0;
  for (; i + 16 <= pairs; i += 16)
    _mm512_storeu_si512 (dst + i, pairs16 (src + 2 * i));
  if (i < pairs) {
    int floats = 2 * (pairs - i);           /* 2 to 30 */
    __mmask16 lo = floats >= 16 ? 0xffff : (1u << floats) - 1;
    __mmask16 hi = floats > 16 ? (1u << (floats - 16)) - 1 : 0;
    __m512 a = _mm512_maskz_loadu_ps (lo, src + 2 * i);
    __m512 b = _mm512_maskz_loadu_ps (hi, src + 2 * i + 16);
    _mm512_mask_storeu_epi32 (dst + i, (1u << (pairs - i)) - 1,
        (__m512i) _mm512_cvtne2ps_pbh (b, a));
  }
}

/* dst[r][0, 32) = f[r] * the sums over @steps pairs of a[r]'s lane t
 * times lanes [t * @ldb, t * @ldb + 32) of @b, for the first @rows of
 * four rows r; with @half, 16 lanes only. With @dst NULL, the same
 * rounded to bf16 into @dst16's rows. */
BODY BF16_ATTR void
tile_bf16 (const guint32 *const a[4], const guint32 *b, size_t ldb,
    int steps, const float f[4], float *const dst[4],
    guint16 *const dst16[4], int rows, gboolean half)
{
  __m512 c[4][2];

  for (int r = 0; r < 4; r++)
    c[r][0] = c[r][1] = _mm512_setzero_ps ();
  for (int t = 0; t < steps; t++) {
    const guint32 *bt = b + (size_t) t * ldb;
    __m512bh b0 = (__m512bh) _mm512_loadu_si512 (bt);
    __m512bh b1 = half ? b0 : (__m512bh) _mm512_loadu_si512 (bt + 16);
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      __m512bh ar = (__m512bh) _mm512_set1_epi32 ((int) a[r][t]);
      c[r][0] = _mm512_dpbf16_ps (c[r][0], ar, b0);
      if (!half)
        c[r][1] = _mm512_dpbf16_ps (c[r][1], ar, b1);
    }
  }
  for (int r = 0; r < rows; r++) {
    __m512 s = _mm512_set1_ps (f[r]);
    __m512 lo = _mm512_mul_ps (c[r][0], s), hi = _mm512_mul_ps (c[r][1], s);
    if (!dst && half)
      _mm256_storeu_si256 ((__m256i *) dst16[r],
          (__m256i) _mm512_cvtneps_pbh (lo));
    else if (!dst)
      _mm512_storeu_si512 (dst16[r], (__m512i) _mm512_cvtne2ps_pbh (hi, lo));
    else if (half)
      _mm512_storeu_ps (dst[r], lo);
    else {
      _mm512_storeu_ps (dst[r], lo);
      _mm512_storeu_ps (dst[r] + 16, hi);
    }
  }
}

static BF16_ATTR void
attention_head_bf16 (const float *q, int ldq, int n_q,
    const ClipKeys *keys, int n_parts, int hd, gboolean causal,
    float *scratch, guint16 *out, int ldo)
{
  int n_keys = 0;
  for (int p = 0; p < n_parts; p++)
    n_keys += keys[p].n;
  int padded = (n_keys + BF16_TILE - 1) / BF16_TILE * BF16_TILE;
  int hp = hd / 2, first = n_keys - n_q;
  guint32 *kt = (guint32 *) scratch;              /* [hp, padded] */
  float *s = scratch + (size_t) hp * padded;      /* [4, padded] */
  guint32 *ps = (guint32 *) s + 4 * padded;       /* [4, padded / 2] */
  guint32 *qs = ps + 2 * padded;                  /* [4, hp] */
  guint32 *vp = qs + 4 * hp;                      /* [(n_keys + 1) / 2, hd] */
  float scale = 1.0f / sqrtf ((float) hd);
  const float fs[4] = { scale, scale, scale, scale };

  g_assert (hd % 16 == 0);
  pack_keys_bf16 (keys, n_parts, hd, padded, kt);
  pack_values_bf16 (keys, n_parts, n_keys, hd, vp);

  for (int i = 0; i < n_q; i += 4) {
    int rows = MIN (4, n_q - i);
    int n = causal ? first + i + rows : n_keys;
    const guint32 *qr[4], *pr[4];
    guint16 *o[4], *d16[4];
    float *d[4], inv[4];
    int nr[4];

    /* a short last block repeats its last row and drops the copies */
    for (int r = 0; r < 4; r++) {
      int rr = MIN (r, rows - 1);
      if (r == rr)
        pack_row_bf16 (q + (size_t) (i + r) * ldq, hp, qs + r * hp);
      qr[r] = qs + rr * hp;
      pr[r] = ps + (size_t) rr * padded / 2;
      o[r] = out + (size_t) (i + rr) * ldo;
      nr[r] = causal ? first + i + rr + 1 : n;
    }
    for (int j0 = 0; j0 < n; j0 += BF16_TILE) {
      for (int r = 0; r < 4; r++)
        d[r] = s + (size_t) r * padded + j0;
      tile_bf16 (qr, kt + j0, padded, hp, fs, d, NULL, rows, FALSE);
    }
    softmax_rows_avx512 (s, padded, rows, nr, n, inv);

    /* the weights as pairs of keys: an odd last key pairs with a zero */
    int pairs = (n + 1) / 2;
    for (int r = 0; r < rows; r++) {
      if (n & 1)
        s[(size_t) r * padded + n] = 0;
      pack_row_bf16 (s + (size_t) r * padded, pairs,
          ps + (size_t) r * padded / 2);
    }
    for (int d0 = 0; d0 < hd; d0 += BF16_TILE) {
      for (int r = 0; r < 4; r++)
        d16[r] = o[r] + d0;
      if (hd - d0 >= BF16_TILE)
        tile_bf16 (pr, vp + d0, hd, pairs, inv, NULL, d16, rows, FALSE);
      else
        tile_bf16 (pr, vp + d0, hd, pairs, inv, NULL, d16, rows, TRUE);
    }
  }
}

#undef BODY
#undef BF16_TILE
#undef BF16_ATTR
