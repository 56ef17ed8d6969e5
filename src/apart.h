/* apart.h: a thread of its own for work done once (apart.c). Internal to
 * the engine. */
#ifndef CLIP_APART_H
#define CLIP_APART_H

#include <glib.h>

typedef struct _ClipApart ClipApart;

/* Starts a thread that runs jobs handed to it one at a time; NULL if no
 * thread can be made, in which case jobs run on the caller's thread. */
ClipApart *clip_apart_new (void);
/* Runs @fn (@data) on @a's thread (on this one when @a is NULL) and
 * returns what it returns. */
gboolean clip_apart_run (ClipApart *a, gboolean (*fn) (void *data),
    void *data);
/* Ends @a's thread, and with it every thread its jobs started; NULL is
 * ignored. */
void clip_apart_free (ClipApart *a);

#endif
