/* fuzz-safetensors.c: libFuzzer target for the safetensors validator: any
 * byte string is either rejected with a GError or yields tensors whose
 * ranges lie inside the input and whose element count is their shape's. */
#include "safetensors.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *err = NULL;
  StFile *f = st_open_bytes (data, size, "fuzz", &err);
  if (!f) {
    if (!err || !err->message)
      __builtin_trap ();
    g_error_free (err);
    return 0;
  }
  float sink[4];
  for (size_t i = 0; i < st_n_tensors (f); i++) {
    const StTensor *t = st_tensor_at (f, i);
    if (t->data < data || t->data + t->nbytes > data + size)
      __builtin_trap ();
    if (st_find (f, t->name) != t)
      __builtin_trap ();
    /* numel is the product of the shape, which did not overflow */
    uint64_t n = 1;
    for (int d = 0; d < t->ndim; d++) {
      if (t->shape[d] < 0
          || __builtin_mul_overflow (n, (uint64_t) t->shape[d], &n))
        __builtin_trap ();
    }
    if (n != t->numel || (n == 0 && t->nbytes != 0))
      __builtin_trap ();
    /* touch the first and last bytes */
    if (t->nbytes && t->numel <= 4
        && (t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16))
      st_to_f32 (t, sink);
    volatile uint8_t b = t->nbytes ? t->data[t->nbytes - 1] : 0;
    (void) b;
  }
  st_close (f);
  return 0;
}
