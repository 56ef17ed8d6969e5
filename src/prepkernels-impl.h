/* prepkernels-impl.h: the bodies of preprocessing's kernels, included by
 * prepkernels.c once per instruction set with ISA (a name suffix),
 * ISA_ATTR (a target attribute, or nothing) and the vector width defined:
 * VL int32 lanes (16 or 8: no wider than the target's registers, as GCC
 * splits wider generic vectors through memory), the types vi32 (VL int32),
 * vi32h (VL / 2 int32), vu8 (VL bytes), vu8x2 (2 VL bytes) and vu8h (VL /
 * 2 bytes), and the shuffle indices IDX_* below; then a function
 * widen_u8_<ISA> that zero-extends VL bytes to VL int32 lanes, the one
 * operation compilers do not lower well from generic vectors, and
 * optionally PACK_RGBX (r, g, b): the bytes R, G, B, 0 of each lane, each
 * value clamped to 0 .. 255. It undefines ISA, ISA_ATTR and PACK_RGBX at
 * its end. A step of the horizontal pass is 4 pixels x 4 channels, 16
 * lanes, taken VL lanes at a time. */

#define KFN_(name, isa) name##_##isa
#define KFN__(name, isa) KFN_ (name, isa)
#define KFN(name) KFN__ (name, ISA)

/* Helpers share the kernels' target: Clang refuses 64-byte vector
 * arguments between functions built for different instruction sets. */
BODY ISA_ATTR vi32
KFN (load_i32) (const int32_t *p)
{
  vi32 v;
  memcpy (&v, p, sizeof v);
  return v;
}

/* max (0, min (255, v)), lane by lane. */
BODY ISA_ATTR vi32
KFN (clamp_u8) (vi32 v)
{
  vi32 over = v > 255;

  v &= ~(v >> 31);
  return (v & ~over) | (over & 255);
}

BODY ISA_ATTR void
KFN (store_u8) (uint8_t *p, vi32 v)
{
  vu8 b = __builtin_convertvector (v, vu8);
  memcpy (p, &b, sizeof b);
}

/* VL / 2 values at @p, each twice: the chroma term of pixels 2i and
 * 2i + 1. */
BODY ISA_ATTR vi32
KFN (load_doubled) (const int32_t *p)
{
  vi32h v;
  memcpy (&v, p, sizeof v);
  return __builtin_shufflevector (v, v, IDX_DOUBLED);
}

BODY ISA_ATTR vi32
KFN (load_u8) (const uint8_t *p)
{
  vu8 b;
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

  for (; i + VL <= n; i += VL) {
    vi32 uu, vv;
    if (step == 2) {
      /* NV12 or NV21: u and v alternate; read the pairs from the first
       * byte of each and take the even and odd bytes. */
      vu8x2 uv;
      memcpy (&uv, (u < v ? u : v) + 2 * i, sizeof uv);
      vu8 eb = __builtin_shufflevector (uv, uv, IDX_EVEN);
      vu8 ob = __builtin_shufflevector (uv, uv, IDX_ODD);
      uu = KFN (widen_u8) (u < v ? eb : ob) - 128;
      vv = KFN (widen_u8) (u < v ? ob : eb) - 128;
    } else {
      uu = KFN (load_u8) (u + i) - 128;
      vv = KFN (load_u8) (v + i) - 128;
    }
    vi32 r = c->crv * vv + half;
    vi32 g = half - c->cgu * uu - c->cgv * vv;
    vi32 b = c->cbu * uu + half;
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

  for (; j + VL <= n; j += VL) {
    vi32 yy = (KFN (load_u8) (y + j) - c->y_offset) * c->cy;
    vi32 r = (yy + KFN (load_doubled) (cr + j / 2)) >> 16;
    vi32 g = (yy + KFN (load_doubled) (cg + j / 2)) >> 16;
    vi32 b = (yy + KFN (load_doubled) (cb + j / 2)) >> 16;
#if defined(PACK_RGBX)
    vi32 px = PACK_RGBX (r, g, b);
#else
    r = KFN (clamp_u8) (r);
    g = KFN (clamp_u8) (g);
    b = KFN (clamp_u8) (b);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    vi32 px = r | g << 8 | b << 16;
#else
    vi32 px = r << 24 | g << 16 | b << 8;
#endif
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

BODY ISA_ATTR void
KFN (yuv422_split_body) (const uint8_t *src, int n, gboolean luma_odd,
    uint8_t *y, uint8_t *c0, uint8_t *c1)
{
  int i = 0;

  /* VL / 2 pairs a step: VL luma bytes, VL / 2 of each chroma */
  for (; i + VL / 2 <= n; i += VL / 2) {
    vu8x2 px;
    memcpy (&px, src + 4 * (size_t) i, sizeof px);
    vu8 luma = __builtin_shufflevector (px, px, IDX_EVEN);
    vu8 chroma = __builtin_shufflevector (px, px, IDX_ODD);
    if (luma_odd) {
      vu8 t = luma;
      luma = chroma;
      chroma = t;
    }
    vu8h a = __builtin_shufflevector (chroma, chroma, IDX_EVEN_H);
    vu8h b = __builtin_shufflevector (chroma, chroma, IDX_ODD_H);
    memcpy (y + 2 * (size_t) i, &luma, sizeof luma);
    memcpy (c0 + i, &a, sizeof a);
    memcpy (c1 + i, &b, sizeof b);
  }
  for (; i < n; i++) {
    const uint8_t *p = src + 4 * (size_t) i;
    y[2 * i] = p[luma_odd];
    y[2 * i + 1] = p[2 + luma_odd];
    c0[i] = p[!luma_odd];
    c1[i] = p[2 + !luma_odd];
  }
}

/* ----------------------------------------------------------- resampling */

/* VL / 4 pixels of @bpp bytes at @p as VL lanes, channel c of pixel g in
 * lane 4 g + c: 3-byte pixels get a zero fourth lane, grey ones their
 * value three times. Reads VL bytes. */
BODY ISA_ATTR vi32
KFN (load_px) (const uint8_t *p, const int bpp)
{
  const vu8 zero = { 0 };
  vu8 b;

  memcpy (&b, p, sizeof b);
  if (bpp == 3)
    b = __builtin_shufflevector (b, zero, IDX_RGB);
  else if (bpp == 1)
    b = __builtin_shufflevector (b, zero, IDX_GREY);
  return KFN (widen_u8) (b);
}

/* Sums the four pixels' lanes of @a channel by channel and stores the
 * 4 channel bytes, rounded and clamped as PIL does, at @dst. */
BODY ISA_ATTR void
KFN (store_px) (uint8_t *dst, vi32 a)
{
  const int32_t half = 1 << (PREC - 1);

  /* Lanes that are not needed get zeros, not copies: every lane then holds
   * a sum of some of PIL's products, which fits in int32 as PIL's does. */
#if VL >= 16
  a += __builtin_shufflevector (a, (vi32) { 0 }, IDX_FOLD8);
#endif
#if VL >= 8
  a += __builtin_shufflevector (a, (vi32) { 0 }, IDX_FOLD4);
#endif
  i32x4 v = __builtin_shufflevector (a, a, 0, 1, 2, 3);
  v = (v + half) >> PREC;
  i32x4 over = v > 255;
  v &= ~(v >> 31);
  v = (v & ~over) | (over & 255);
  u8x4 b = __builtin_convertvector (v, u8x4);
  memcpy (dst, &b, sizeof b);
}

/* Horizontal pass over @R rows at once (each weight load serves them
 * all): output pixel i of row r is 4 bytes at dst[r] + 4 i. A step's 16
 * lanes are taken VL at a time; each part's reads stay inside the 16
 * bytes the table allows for the step. */
BODY ISA_ATTR void
KFN (hpass_body) (const ClipHTable *t, const uint8_t *const *src,
    int src_first, uint8_t *const *dst, const int bpp, const int R)
{
  const int advance = VL / 4 * bpp;
  const int n = t->n, steps = t->steps;

  for (int i = 0; i < n; i++) {
    size_t off = (size_t) (t->start[i] - src_first) * bpp;
    const int32_t *w = t->weights + (size_t) i * steps * 16;
    /* Named sums, not an array: compilers keep these in registers. */
    vi32 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };

    for (int s = 0; s < steps * (16 / VL); s++) {
      vi32 k = KFN (load_i32) (w + VL * s);
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
  /* A frame's rows come in fours but for a few. */
  CLIP_HPASS_DISPATCH (KFN (hpass_body), t, src, src_first, dst, rows);
}

BODY ISA_ATTR void
KFN (vpass_body) (const uint8_t *const *rows, const int32_t *k, int count,
    int len, uint8_t *dst)
{
  const int32_t half = 1 << (PREC - 1);
  int j = 0;

  /* Four vectors at a time keep the multiplier busy. */
  for (; j + 4 * VL <= len; j += 4 * VL) {
    vi32 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    for (int y = 0; y < count; y++) {
      const uint8_t *r = rows[y] + j;
      a0 += KFN (load_u8) (r) * k[y];
      a1 += KFN (load_u8) (r + VL) * k[y];
      a2 += KFN (load_u8) (r + 2 * VL) * k[y];
      a3 += KFN (load_u8) (r + 3 * VL) * k[y];
    }
    KFN (store_u8) (dst + j, KFN (clamp_u8) ((a0 + half) >> PREC));
    KFN (store_u8) (dst + j + VL, KFN (clamp_u8) ((a1 + half) >> PREC));
    KFN (store_u8) (dst + j + 2 * VL, KFN (clamp_u8) ((a2 + half) >> PREC));
    KFN (store_u8) (dst + j + 3 * VL, KFN (clamp_u8) ((a3 + half) >> PREC));
  }
  for (; j + VL <= len; j += VL) {
    vi32 a = { 0 };
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
KFN (yuv422_split) (const uint8_t *src, int n, gboolean luma_odd, uint8_t *y,
    uint8_t *c0, uint8_t *c1)
{
  KFN (yuv422_split_body) (src, n, luma_odd, y, c0, c1);
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
  KFN (yuv422_split), KFN (hpass), KFN (vpass),
};

#undef KFN
#undef KFN_
#undef KFN__
/* The instantiation's own parameters, for the next one to define (the
 * width's may serve several). */
#undef ISA
#undef ISA_ATTR
#undef PACK_RGBX
