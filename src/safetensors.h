/* safetensors.h: a validated, memory-mapped view of a .safetensors file.
 *
 * Byte layout of the format:
 *
 *   offset 0      u64 little-endian N: length of the header
 *   offset 8      N bytes of JSON: { "name": { "dtype": "F32",
 *                   "shape": [d0, d1, ...], "data_offsets": [begin, end] },
 *                   ..., "__metadata__": { string: string } (optional) }
 *   offset 8 + N  the data area; begin/end are relative to its start
 *
 * Everything is checked before use: N within the file, the JSON well formed
 * (no name listed twice, integers exact), every tensor's byte range equal to
 * product(shape) x dtype size, inside the data area, no two ranges
 * overlapping, and "__metadata__" an object of strings. */
#ifndef CLIP_SAFETENSORS_H
#define CLIP_SAFETENSORS_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8,
  ST_BOOL, ST_OTHER
} StDtype;

typedef struct {
  const char *name;
  StDtype dtype;
  int ndim;
  int64_t shape[8];
  size_t numel;
  const uint8_t *data;         /* inside the mapping; may be unaligned */
  size_t nbytes;
} StTensor;

typedef struct _StFile StFile;

/* Maps and validates @path. */
StFile *st_open (const char *path, GError **error);
/* Validates an in-memory image (@data must outlive the result). */
StFile *st_open_bytes (const uint8_t *data, size_t len, const char *origin,
    GError **error);
void st_close (StFile *f);

const char *st_path (const StFile *f);
size_t st_n_tensors (const StFile *f);
const StTensor *st_tensor_at (const StFile *f, size_t i);
/* NULL when absent. */
const StTensor *st_find (const StFile *f, const char *name);
const char *st_dtype_name (StDtype dtype);

/* Copies a floating tensor (F32, F16, BF16, F64) into @out as float32. */
void st_to_f32 (const StTensor *t, float *out);

#endif
