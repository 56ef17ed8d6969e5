/* error.c: the GError domain of the clipclassify engine. */
#include "clip.h"

G_DEFINE_QUARK (clip-error-quark, clip_error)
