/* placement.h: whether two threads share a core complex (placement.c).
 * Internal. */
#ifndef CLIP_PLACEMENT_H
#define CLIP_PLACEMENT_H

#include <glib.h>

/* Whether the two threads of a parallel region, run now, share a core
 * complex's last-level cache: FALSE where they sit apart, cannot be
 * told apart, or only one thread runs (inside a region of the
 * caller's, or without OpenMP). */
gboolean clip_two_threads_share_cache (void);

#endif
