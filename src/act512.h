/* act512.h: the activations of kernels.h (k_quick_gelu, k_gelu,
 * k_gelu_tanh) on the 16 lanes of an AVX-512 register, for the product
 * kernels' epilogues: through glibc's libmvec in its AVX-512 form (the
 * vector function ABI's "e") where meson found it, lane by lane
 * otherwise; the same operations in the same order either way. Include
 * after <immintrin.h>, on x86-64 only. Internal. */
#ifndef CLIP_ACT512_H
#define CLIP_ACT512_H

#include "kernels.h"

#define ACT512_ATTR __attribute__ ((target ("avx512f")))

#ifdef CLIP_HAVE_LIBMVEC
ACT512_ATTR __m512 _ZGVeN16v_expf (__m512 x);
ACT512_ATTR __m512 _ZGVeN16v_erff (__m512 x);
ACT512_ATTR __m512 _ZGVeN16v_tanhf (__m512 x);

ACT512_ATTR static inline __m512
k_activate16 (__m512 v, ClipAct act)
{
  const __m512 one = _mm512_set1_ps (1.0f), half = _mm512_set1_ps (0.5f);

  if (act == CLIP_ACT_QUICK_GELU)
    return _mm512_div_ps (v, _mm512_add_ps (one,
            _ZGVeN16v_expf (_mm512_mul_ps (_mm512_set1_ps (-1.702f), v))));
  if (act == CLIP_ACT_GELU)
    return _mm512_mul_ps (_mm512_mul_ps (half, v), _mm512_add_ps (one,
            _ZGVeN16v_erff (_mm512_mul_ps (v,
                    _mm512_set1_ps ((float) M_SQRT1_2)))));
  __m512 cube = _mm512_mul_ps (_mm512_mul_ps (_mm512_mul_ps (
              _mm512_set1_ps (0.044715f), v), v), v);
  return _mm512_mul_ps (_mm512_mul_ps (half, v), _mm512_add_ps (one,
          _ZGVeN16v_tanhf (_mm512_mul_ps (_mm512_set1_ps (0.7978845608f),
                  _mm512_add_ps (v, cube)))));
}
#else
ACT512_ATTR static inline __m512
k_activate16 (__m512 v, ClipAct act)
{
  float lanes[16] __attribute__ ((aligned (64)));

  _mm512_store_ps (lanes, v);
  k_activate_block (lanes, 16, 1, 16, TRUE, act, NULL, 0);
  return _mm512_load_ps (lanes);
}
#endif

/* k_activate16 for values rounded to bf16 next (bf16dot.c's fc1): there
 * QuickGELU's 1 / (1 + e^-1.702x) comes from 2^t = 2^n 2^f with a cubic
 * for 2^f on [-1/2, 1/2] (relative error 7.5e-5, the coefficients fitted
 * by reweighted least squares to even out the relative error) and
 * VRCP14PS (2^-14), within 1.4e-4 of the value all told (1.3e-4 at
 * worst over x from -51 to 80 in steps of 2e-5; below -51 the value and
 * the result are both under 2e-36 in size): a fourteenth of the
 * rounding to bf16 (up to 2^-9 = 2e-3), at half libmvec's cost. The
 * other activations as k_activate16. */
ACT512_ATTR static inline __m512
k_activate16_to_bf16 (__m512 v, ClipAct act)
{
  if (act != CLIP_ACT_QUICK_GELU)
    return k_activate16 (v, act);
  /* t = -1.702x log2(e), kept where 1 + 2^t and its reciprocal are
   * normal floats */
  __m512 t = _mm512_mul_ps (v, _mm512_set1_ps (-1.702f * 1.44269504f));
  t = _mm512_min_ps (_mm512_max_ps (t, _mm512_set1_ps (-126.0f)),
      _mm512_set1_ps (126.0f));
  __m512 n = _mm512_roundscale_ps (t,
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 f = _mm512_sub_ps (t, n);
  __m512 p = _mm512_set1_ps (0.05517166f);
  p = _mm512_fmadd_ps (p, f, _mm512_set1_ps (0.24261114f));
  p = _mm512_fmadd_ps (p, f, _mm512_set1_ps (0.69326097f));
  p = _mm512_fmadd_ps (p, f, _mm512_set1_ps (0.99992806f));
  __m512 d = _mm512_add_ps (_mm512_set1_ps (1.0f), _mm512_scalef_ps (p, n));
  return _mm512_mul_ps (v, _mm512_rcp14_ps (d));
}

#endif
