/* share.h: runs a product's items on a team of threads that take one
 * another's items as they free up (share.c). Internal. */
#ifndef CLIP_SHARE_H
#define CLIP_SHARE_H

#include <glib.h>

/* Most threads a product runs on. */
#define CLIP_MAX_SHARES 256

/* Runs item (@data, block, group, next, thread) for every block of rows
 * 0 .. @blocks - 1 and group of columns 0 .. @groups - 1 of a product of
 * @macs multiply-adds, on up to @threads threads (at most
 * CLIP_MAX_SHARES): @next is the group the same thread likely takes after
 * this one, whose weights the item may fetch ahead, or -1; @thread is the
 * caller's index in the team, from 0. */
typedef void (*ClipShareItem) (void *data, int block, int group, int next,
    int thread);
void clip_share_run (int threads, size_t macs, int blocks, int groups,
    ClipShareItem item, void *data);

#endif
