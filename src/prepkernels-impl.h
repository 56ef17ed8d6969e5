/* prepkernels-impl.h: the bodies of preprocessing's kernels, included by
 * prepkernels.c once per instruction set with ISA (a name suffix) and
 * ISA_ATTR (a target attribute, or nothing) defined, after a function
 * widen_u8_<ISA> that zero-extends 16 bytes to 16 int32 lanes: the one
 * operation compilers do not lower well from generic vectors. */

#define KFN_(name, isa) name##_##isa
#define KFN__(name, isa) KFN_ (name, isa)
#define KFN(name) KFN__ (name, ISA)

/* Helpers share the kernels' target: Clang refuses 64-byte vector
 * arguments between functions built for different instruction sets. */
BODY ISA_ATTR i32x16
KFN (load_i32) (const int32_t *p)
{
  i32x16 v;
  memcpy (&v, p, sizeof v);
  return v;
}

/* max (0, min (255, v)), lane by lane. */
BODY ISA_ATTR i32x16
KFN (clamp_u8) (i32x16 v)
{
  i32x16 over = v > 255;

  v &= ~(v >> 31);
  return (v & ~over) | (over & 255);
}

BODY ISA_ATTR void
KFN (store_u8) (uint8_t *p, i32x16 v)
{
  u8x16 b = __builtin_convertvector (v, u8x16);
  memcpy (p, &b, sizeof b);
}

/* Lanes 0..7 of @v, each twice: the chroma term of pixels 2i and 2i + 1. */
BODY ISA_ATTR i32x16
KFN (load_doubled) (const int32_t *p)
{
  i32x8 v;
  memcpy (&v, p, sizeof v);
  return __builtin_shufflevector (v, v, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
      6, 6, 7, 7);
}

BODY ISA_ATTR i32x16
KFN (load_u8) (const uint8_t *p)
{
  u8x16 b;
  memcpy (&b, p, sizeof b);
  return KFN (widen_u8) (b);
}

/* ------------------------------------------------------------- colour */

BODY ISA_ATTR void
KFN (yuv_chroma_body) (const ClipYuvCoeffs *c, const uint8_t *u,
    const uint8_t *v, int step, int n, int32_t *cr, int32_t *cg,
    int32_t *cb)
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
    i32x16 r = KFN (clamp_u8) ((yy + KFN (load_doubled) (cr + j / 2))
        >> 16);
    i32x16 g = KFN (clamp_u8) ((yy + KFN (load_doubled) (cg + j / 2))
        >> 16);
    i32x16 b = KFN (clamp_u8) ((yy + KFN (load_doubled) (cb + j / 2))
        >> 16);
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

/* Four pixels of @bpp bytes at @p as 16 lanes, channel c of pixel g in
 * lane 4 g + c: 3-byte pixels get a zero fourth lane, grey ones their
 * value three times. Reads 16 bytes. */
BODY ISA_ATTR i32x16
KFN (load_px) (const uint8_t *p, const int bpp)
{
  const u8x16 zero = { 0 };
  u8x16 b;

  memcpy (&b, p, sizeof b);
  if (bpp == 3)
    b = __builtin_shufflevector (b, zero, 0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8,
        16, 9, 10, 11, 16);
  else if (bpp == 1)
    b = __builtin_shufflevector (b, zero, 0, 0, 0, 16, 1, 1, 1, 16, 2, 2, 2,
        16, 3, 3, 3, 16);
  return KFN (widen_u8) (b);
}

/* Sums the four pixels' lanes of @a channel by channel and stores the
 * 4 channel bytes, rounded and clamped as PIL does, at @dst. */
BODY ISA_ATTR void
KFN (store_px) (uint8_t *dst, i32x16 a)
{
  const int32_t half = 1 << (PREC - 1);
  const i32x16 zero = { 0 };

  /* Lanes that are not needed get zeros, not copies: every lane then holds
   * a sum of some of PIL's products, which fits in int32 as PIL's does. */
  a += __builtin_shufflevector (a, zero, 8, 9, 10, 11, 12, 13, 14, 15,
      16, 16, 16, 16, 16, 16, 16, 16);
  a += __builtin_shufflevector (a, zero, 4, 5, 6, 7, 16, 16, 16, 16,
      16, 16, 16, 16, 16, 16, 16, 16);
  i32x4 v = __builtin_shufflevector (a, a, 0, 1, 2, 3);
  v = (v + half) >> PREC;
  i32x4 over = v > 255;
  v &= ~(v >> 31);
  v = (v & ~over) | (over & 255);
  u8x4 b = __builtin_convertvector (v, u8x4);
  memcpy (dst, &b, sizeof b);
}

/* Horizontal pass over @R rows at once (each weight load serves them
 * all): output pixel i of row r is 4 bytes at dst[r] + 4 i. */
BODY ISA_ATTR void
KFN (hpass_body) (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, const int bpp, const int R)
{
  const int advance = 4 * bpp;
  const int n = t->n, steps = t->steps;

  for (int i = 0; i < n; i++) {
    size_t off = (size_t) (t->start[i] - src_first) * bpp;
    const int32_t *w = t->weights + (size_t) i * steps * 16;
    /* Named sums, not an array: compilers keep these in registers. */
    i32x16 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };

    for (int s = 0; s < steps; s++) {
      i32x16 k = KFN (load_i32) (w + 16 * s);
      size_t o = off + (size_t) s * advance;
      a0 += KFN (load_px) (src[0] + o, bpp) * k;
      if (R > 1)
        a1 += KFN (load_px) (src[1] + o, bpp) * k;
      if (R > 2)
        a2 += KFN (load_px) (src[2] + o, bpp) * k;
      if (R > 3)
        a3 += KFN (load_px) (src[3] + o, bpp) * k;
    }
    KFN (store_px) (dst[0] + 4 * (size_t) i, a0);
    if (R > 1)
      KFN (store_px) (dst[1] + 4 * (size_t) i, a1);
    if (R > 2)
      KFN (store_px) (dst[2] + 4 * (size_t) i, a2);
    if (R > 3)
      KFN (store_px) (dst[3] + 4 * (size_t) i, a3);
  }
}

BODY ISA_ATTR void
KFN (hpass_any) (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, int rows)
{
  /* Constant bpp and row counts let each copy keep its sums in
   * registers; a frame's rows come in fours but for a few. */
#define HPASS_ROWS(bpp) \
  switch (rows) { \
    case 4: KFN (hpass_body) (t, src, src_first, dst, bpp, 4); break; \
    case 3: KFN (hpass_body) (t, src, src_first, dst, bpp, 3); break; \
    case 2: KFN (hpass_body) (t, src, src_first, dst, bpp, 2); break; \
    default: KFN (hpass_body) (t, src, src_first, dst, bpp, 1); break; \
  }
  if (t->bpp == 4)
    HPASS_ROWS (4)
  else if (t->bpp == 3)
    HPASS_ROWS (3)
  else
    HPASS_ROWS (1)
#undef HPASS_ROWS
}

BODY ISA_ATTR void
KFN (vpass_body) (const uint8_t *const *rows, const int32_t *k, int count,
    int len, uint8_t *dst)
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
    KFN (store_u8) (dst + j, KFN (clamp_u8) ((a0 + half) >> PREC));
    KFN (store_u8) (dst + j + 16, KFN (clamp_u8) ((a1 + half) >> PREC));
    KFN (store_u8) (dst + j + 32, KFN (clamp_u8) ((a2 + half) >> PREC));
    KFN (store_u8) (dst + j + 48, KFN (clamp_u8) ((a3 + half) >> PREC));
  }
  for (; j + 16 <= len; j += 16) {
    i32x16 a = { 0 };
    for (int y = 0; y < count; y++)
      a += KFN (load_u8) (rows[y] + j) * k[y];
    KFN (store_u8) (dst + j, KFN (clamp_u8) ((a + half) >> PREC));
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
KFN (hpass) (const ClipHTable *t, const uint8_t *const *src, int src_first,
    uint8_t *const *dst, int rows)
{
  KFN (hpass_any) (t, src, src_first, dst, rows);
}

static ISA_ATTR void
KFN (vpass) (const uint8_t *const *rows, const int32_t *k, int count,
    int len, uint8_t *dst)
{
  KFN (vpass_body) (rows, k, count, len, dst);
}

static const ClipPrepKernels KFN (kernels) = {
  G_STRINGIFY (ISA), CLIP_HTABLE_LANES, KFN (yuv_chroma), KFN (yuv_row),
  KFN (hpass), KFN (vpass),
};

#undef KFN
#undef KFN_
#undef KFN__
