/* crowding.h: the automatic thread count of a workspace on crowded cores
 * (crowding.c). Internal. */
#ifndef CLIP_CROWDING_H
#define CLIP_CROWDING_H

#include <glib.h>

/* What a workspace whose thread count was left to it (0) knows about how
 * crowded the cores are, from the time its passes' calling thread waited
 * for a processor. */
typedef struct {
  int most;                    /* the automatic count; below 2: fixed */
  int cur;                     /* the count passes run on, 1 to most */
  gboolean trying;             /* running on most again, to see */
  gint64 wall, wait;           /* the window measured so far (ns) */
  gint64 retry_at;             /* when to try most again (µs, monotonic) */
  gint64 backoff;              /* µs to the next try after a crowded one */
} ClipCrowding;

/* A pass's start, as clip_crowding_mark() read it. */
typedef struct {
  gint64 wall, wait;           /* ns */
} ClipCrowdMark;

/* Starts over for the automatic count @most (below 2: nothing adapts). */
void clip_crowding_init (ClipCrowding *c, int most);

/* The thread count of the next pass, at monotonic time @now (µs). */
int clip_crowding_threads (ClipCrowding *c, gint64 now);

/* Counts a pass on @used threads that took @wall ns, of which its calling
 * thread waited @wait ns for a processor, ending at @now (µs). */
void clip_crowding_account (ClipCrowding *c, int used, gint64 wall,
    gint64 wait, gint64 now);

/* Reads the calling thread's clocks into @m; FALSE where the system does
 * not say how long a thread waited for a processor. */
gboolean clip_crowding_mark (ClipCrowdMark *m);

#endif
