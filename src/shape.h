/* shape.h: how large an array's shape may be, one rule for every file
 * format the engine reads (safetensors, .npy). As numpy asks of every
 * array, empty ones included: the bytes of the nonzero dimensions must fit
 * in a gssize, whatever the order of the dimensions. Internal to the
 * engine. */
#ifndef CLIP_SHAPE_H
#define CLIP_SHAPE_H

#include <glib.h>

/* Multiplies dimension @dim into @count (elements; start at 1) and @bytes
 * (those of the nonzero dimensions; start at the item size). FALSE, with
 * neither changed, when those bytes would pass G_MAXSSIZE. @count never
 * overflows: it is 0 or at most @bytes. */
static inline gboolean
clip_shape_mul (guint64 *count, guint64 *bytes, guint64 dim)
{
  if (dim == 0) {
    *count = 0;
    return TRUE;
  }
  if (*bytes > (guint64) G_MAXSSIZE / dim)
    return FALSE;
  *bytes *= dim;
  *count *= dim;
  return TRUE;
}

#endif
