/* act-ref.h: the activations in double precision, the reference the
 * product kernels' tests hold their fused activations to. */
#ifndef CLIP_TEST_ACT_REF_H
#define CLIP_TEST_ACT_REF_H

#include "backend.h"

#include <math.h>

static inline double
act_ref (double v, ClipAct act)
{
  switch (act) {
    case CLIP_ACT_QUICK_GELU:
      return v / (1.0 + exp (-1.702 * v));
    case CLIP_ACT_GELU:
      return 0.5 * v * (1.0 + erf (v / sqrt (2.0)));
    default:
      return 0.5 * v * (1.0 + tanh (0.7978845608 * (v + 0.044715 * v * v
                  * v)));
  }
}

#endif
