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

#endif
