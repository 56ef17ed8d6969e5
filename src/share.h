/* share.h: runs a product's items on a team of threads that take one
 * another's items as they free up (share.c). Internal. */
#ifndef CLIP_SHARE_H
#define CLIP_SHARE_H

#include <glib.h>

/* Most threads a product runs on. */
#define CLIP_MAX_SHARES 256

/* Runs item (@data, block, split, group, next, thread) for every block
 * of rows 0 .. @blocks - 1, split 0 .. @splits - 1 of its tiles and
 * group of columns 0 .. @groups - 1 of a product of @macs multiply-adds,
 * on up to @threads threads (at most CLIP_MAX_SHARES). A block's splits
 * by one group come one after the other, so that a thread finds the
 * group's weights in its cache for the next split; a product splits its
 * blocks only so that threads finish together, the last item each takes
 * being smaller. @next is the group the same thread likely takes after
 * this one, whose weights the item may fetch ahead, or -1; @thread is the
 * caller's index in the team, from 0. */
typedef void (*ClipShareItem) (void *data, int block, int split, int group,
    int next, int thread);
void clip_share_run (int threads, size_t macs, int blocks, int splits,
    int groups, ClipShareItem item, void *data);

/* How many splits (at most 4) a product whose blocks have @tiles tiles
 * of rows makes of each: a tile at least in each. */
static inline int
clip_share_splits (int tiles)
{
  return CLAMP (tiles, 1, 4);
}

#endif
