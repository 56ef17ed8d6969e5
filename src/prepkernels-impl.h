/* prepkernels-impl.h: the bodies of preprocessing's kernels, included by
 * prepkernels.c once per instruction set with ISA (a name suffix) and
 * ISA_ATTR (a target attribute, or nothing) defined, after a function
 * widen_u8_<ISA> that zero-extends 16 bytes to 16 int32 lanes: the one
 * operation compilers do not lower well from generic vectors. */

#define KFN_(name, isa) name##_##isa
#define KFN__(name, isa) KFN_ (name, isa)
#define KFN(name) KFN__ (name, ISA)

BODY ISA_ATTR i32x16
KFN (load_u8) (const uint8_t *p)
{
  u8x16 b;
  memcpy (&b, p, sizeof b);
  return KFN (widen_u8) (b);
}

/* ------------------------------------------------------------- colour */

BODY ISA_ATTR void
KFN (yuv_chroma_body) (const ClipYuvCoeffs *c, const uint8_t *u, const uint8_t *v,
    int step, int n, int32_t *cr, int32_t *cg, int32_t *cb)
{
  const int32_t half = 1 << 15;
  int i = 0;

  for (; i + 16 <= n; i += 16) {
    i32x16 uu, vv;
    if (step == 2) {
      /* NV12: u and v alternate; take the even and odd bytes. */
      u8x32 uv;
      memcpy (&uv, u + 2 * i, sizeof uv);
      u8x16 ub = __builtin_shufflevector (uv, uv, 0, 2, 4, 6, 8, 10, 12, 14,
          16, 18, 20, 22, 24, 26, 28, 30);
      u8x16 vb = __builtin_shufflevector (uv, uv, 1, 3, 5, 7, 9, 11, 13, 15,
          17, 19, 21, 23, 25, 27, 29, 31);
      uu = KFN (widen_u8) (ub) - 128;
      vv = KFN (widen_u8) (vb) - 128;
    } else {
      uu = KFN (load_u8) (u + i) - 128;
      vv = KFN (load_u8) (v + i) - 128;
    }
    i32x16 r = c->crv * vv + half;
    i32x16 g = half - c->cgu * uu - c->cgv * vv;
    i32x16 b = c->cbu * uu + half;
    memcpy (cr + i, &r, sizeof r);
    memcpy (cg + i, &g, sizeof g);
    memcpy (cb + i, &b, sizeof b);
  }
  for (; i < n; i++) {
    int32_t uu = u[(size_t) i * step] - 128, vv = v[(size_t) i * step] - 128;
    cr[i] = c->crv * vv + half;
    cg[i] = half - c->cgu * uu - c->cgv * vv;
    cb[i] = c->cbu * uu + half;
  }
}

BODY ISA_ATTR void
KFN (yuv_row_body) (const ClipYuvCoeffs *c, const uint8_t *y, int n,
    const int32_t *cr, const int32_t *cg, const int32_t *cb, uint8_t *dst)
{
  int j = 0;

  for (; j + 16 <= n; j += 16) {
    i32x16 yy = (KFN (load_u8) (y + j) - c->y_offset) * c->cy;
    i32x16 r = clamp_u8 ((yy + load_doubled (cr + j / 2)) >> 16);
    i32x16 g = clamp_u8 ((yy + load_doubled (cg + j / 2)) >> 16);
    i32x16 b = clamp_u8 ((yy + load_doubled (cb + j / 2)) >> 16);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    i32x16 px = r | g << 8 | b << 16;
#else
    i32x16 px = r << 24 | g << 16 | b << 8;
#endif
    memcpy (dst + 4 * (size_t) j, &px, sizeof px);
  }
  for (; j < n; j++) {
    int32_t yy = (y[j] - c->y_offset) * c->cy;
    uint8_t *d = dst + 4 * (size_t) j;
    d[0] = (uint8_t) clamp_fixed16 (yy + cr[j / 2]);
    d[1] = (uint8_t) clamp_fixed16 (yy + cg[j / 2]);
    d[2] = (uint8_t) clamp_fixed16 (yy + cb[j / 2]);
    d[3] = 0;
  }
}

/* ----------------------------------------------------------- resampling */

/* One window: the 16 lane sums of loads times weights. */
BODY ISA_ATTR i32x16
KFN (window_sum) (const uint8_t *p, const int32_t *w, int steps, int advance)
{
  i32x16 acc = { 0 };

  for (int s = 0; s < steps; s++)
    acc += KFN (load_u8) (p + (size_t) s * advance) * load_i32 (w + 16 * s);
  return acc;
}

BODY ISA_ATTR void
KFN (hpass_body) (const ClipHTable *t, const uint8_t *src, int src_first,
    const int lanes[3], uint8_t *dst, const int bpp)
{
  const int32_t half = 1 << (PREC - 1);
  const int advance = 16 / bpp * bpp;
  const int n = t->n, steps = t->steps;
  int32_t s[4];

  for (int i = 0; i < n; i++) {
    const uint8_t *p = src + (size_t) (t->start[i] - src_first) * bpp;
    i32x16 a = KFN (window_sum) (p, t->weights + (size_t) i * steps * 16, steps,
        advance);

    if (bpp == 4) {
      /* Lanes c, c + 4, c + 8, c + 12 are channel c. */
      a += __builtin_shufflevector (a, a, 8, 9, 10, 11, 12, 13, 14, 15,
          8, 9, 10, 11, 12, 13, 14, 15);
      a += __builtin_shufflevector (a, a, 4, 5, 6, 7, 4, 5, 6, 7,
          4, 5, 6, 7, 4, 5, 6, 7);
      for (int c = 0; c < 4; c++)
        s[c] = a[c];
    } else if (bpp == 3) {
      /* Lanes c, c + 3, ..., c + 12 are channel c; lane 15 is zero. */
      i32x16 b = a + __builtin_shufflevector (a, a, 6, 7, 8, 9, 10, 11, 12,
          13, 14, 15, 15, 15, 15, 15, 15, 15);
      b += __builtin_shufflevector (b, b, 3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4,
          5, 3, 4, 5, 3);
      for (int c = 0; c < 3; c++)
        s[c] = b[c] + a[c + 12];
    } else {
      a += __builtin_shufflevector (a, a, 8, 9, 10, 11, 12, 13, 14, 15,
          8, 9, 10, 11, 12, 13, 14, 15);
      a += __builtin_shufflevector (a, a, 4, 5, 6, 7, 4, 5, 6, 7,
          4, 5, 6, 7, 4, 5, 6, 7);
      s[0] = a[0] + a[1] + a[2] + a[3];
    }
    dst[i] = clip8 (s[lanes[0]] + half);
    dst[n + i] = clip8 (s[lanes[1]] + half);
    dst[2 * n + i] = clip8 (s[lanes[2]] + half);
  }
}

BODY ISA_ATTR void
KFN (hpass_any) (const ClipHTable *t, const uint8_t *src, int src_first,
    const int lanes[3], uint8_t *dst)
{
  /* A constant bpp lets each copy fold its reduction. */
  if (t->bpp == 4)
    KFN (hpass_body) (t, src, src_first, lanes, dst, 4);
  else if (t->bpp == 3)
    KFN (hpass_body) (t, src, src_first, lanes, dst, 3);
  else
    KFN (hpass_body) (t, src, src_first, lanes, dst, 1);
}

BODY ISA_ATTR void
KFN (vpass_body) (const uint8_t *const *rows, const int32_t *k, int count, int len,
    uint8_t *dst)
{
  const int32_t half = 1 << (PREC - 1);
  int j = 0;

  /* Four vectors at a time keep the multiplier busy. */
  for (; j + 64 <= len; j += 64) {
    i32x16 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    for (int y = 0; y < count; y++) {
      const uint8_t *r = rows[y] + j;
      a0 += KFN (load_u8) (r) * k[y];
      a1 += KFN (load_u8) (r + 16) * k[y];
      a2 += KFN (load_u8) (r + 32) * k[y];
      a3 += KFN (load_u8) (r + 48) * k[y];
    }
    store_u8 (dst + j, clamp_u8 ((a0 + half) >> PREC));
    store_u8 (dst + j + 16, clamp_u8 ((a1 + half) >> PREC));
    store_u8 (dst + j + 32, clamp_u8 ((a2 + half) >> PREC));
    store_u8 (dst + j + 48, clamp_u8 ((a3 + half) >> PREC));
  }
  for (; j + 16 <= len; j += 16) {
    i32x16 a = { 0 };
    for (int y = 0; y < count; y++)
      a += KFN (load_u8) (rows[y] + j) * k[y];
    store_u8 (dst + j, clamp_u8 ((a + half) >> PREC));
  }
  for (; j < len; j++) {
    int32_t ss = half;
    for (int y = 0; y < count; y++)
      ss += rows[y][j] * k[y];
    dst[j] = clip8 (ss);
  }
}

/* ------------------------------------------------------ entry points */

static ISA_ATTR void
KFN (yuv_chroma) (const ClipYuvCoeffs *c, const uint8_t *u, const uint8_t *v,
    int step, int n, int32_t *cr, int32_t *cg, int32_t *cb)
{
  KFN (yuv_chroma_body) (c, u, v, step, n, cr, cg, cb);
}

static ISA_ATTR void
KFN (yuv_row) (const ClipYuvCoeffs *c, const uint8_t *y, int n,
    const int32_t *cr, const int32_t *cg, const int32_t *cb, uint8_t *dst)
{
  KFN (yuv_row_body) (c, y, n, cr, cg, cb, dst);
}

static ISA_ATTR void
KFN (hpass) (const ClipHTable *t, const uint8_t *src, int src_first,
    const int lanes[3], uint8_t *dst)
{
  KFN (hpass_any) (t, src, src_first, lanes, dst);
}

static ISA_ATTR void
KFN (vpass) (const uint8_t *const *rows, const int32_t *k, int count,
    int len, uint8_t *dst)
{
  KFN (vpass_body) (rows, k, count, len, dst);
}

static const ClipPrepKernels KFN (kernels) = {
  G_STRINGIFY (ISA), KFN (yuv_chroma), KFN (yuv_row), KFN (hpass),
  KFN (vpass),
};

#undef KFN
#undef KFN_
#undef KFN__
