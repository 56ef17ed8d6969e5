/* mvec.h: glibc's libmvec has vector forms of expf, erff and tanhf for
 * SSE, AVX2 and AVX-512; math.h declares them only under -ffast-math, so
 * say here that they exist. Loops marked "omp simd" then call them in
 * SIMD lanes. Only where meson found libmvec and a compiler that uses it.
 * Internal. */
#ifndef CLIP_MVEC_H
#define CLIP_MVEC_H

#include <math.h>

#ifdef CLIP_HAVE_LIBMVEC
__attribute__ ((simd ("notinbranch"))) float expf (float);
__attribute__ ((simd ("notinbranch"))) float erff (float);
__attribute__ ((simd ("notinbranch"))) float tanhf (float);
#endif

#endif
