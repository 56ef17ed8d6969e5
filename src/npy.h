/* npy.h: reading and writing NumPy .npy files (format 1.0/2.0/3.0,
 * little-endian float32, float64, int32, int64; C order). Used by the tools
 * and tests. */
#ifndef CLIP_NPY_H
#define CLIP_NPY_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { NPY_F32, NPY_F64, NPY_I32, NPY_I64 } NpyDtype;

typedef struct {
  NpyDtype dtype;
  int ndim;
  size_t shape[8];
  size_t count;              /* product of shape */
  void *data;                /* count elements of dtype, owned */
} NpyArray;

/* Bytes per element of @dtype. */
size_t npy_itemsize (NpyDtype dtype);

/* Loads @path. Errors (CLIP_ERROR_IO / CLIP_ERROR_FORMAT) name the file. */
NpyArray *npy_load (const char *path, GError **error);
void npy_free (NpyArray *a);
/* A float64 copy of the data of any supported dtype (g_free it). */
double *npy_to_f64 (const NpyArray *a);

/* Writes @data atomically (temporary file + rename): on failure no file is
 * left at @path. */
gboolean npy_save (const char *path, NpyDtype dtype, const void *data,
    int ndim, const size_t *shape, GError **error);

#endif
