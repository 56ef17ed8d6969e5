/* gstclipsmoother.c: "the door camera now shows a person", once.
 *
 * Smoothing: p <- p + a (p_new - p) with a = 1 - exp (-dt / tau), dt the
 * stream time since the previous inference, tau the smoothing property:
 * an exponential moving average whose weights follow stream time, so that
 * sampling every frame or every tenth gives the same time constant. When
 * stream time is unknown, a = 1 (no smoothing).
 *
 * Hold (hysteresis): the held label changes to a new candidate only once
 * the candidate has been the smoothed top label at every inference for at
 * least `hold` seconds of stream time. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipsmoother.h"

#include <math.h>
#include <string.h>

typedef struct
{
  const ClipLabelSet *set;      /* identity only: the set it averages over */
  gint n;
  gdouble *avg;                 /* [n] */
  GstClockTime last;            /* stream time of the previous inference */
  gboolean started;
  gchar *held;                  /* "" (no match) at the start */
  gchar *candidate;             /* differs from held, or NULL */
  GstClockTime candidate_since;
} Stream;

struct _GstClipSmoother
{
  GMutex lock;
  GHashTable *streams;          /* key -> Stream */
};

static void
stream_free (gpointer data)
{
  Stream *s = data;

  g_free (s->avg);
  g_free (s->held);
  g_free (s->candidate);
  g_free (s);
}

GstClipSmoother *
gst_clip_smoother_new (void)
{
  GstClipSmoother *sm = g_new0 (GstClipSmoother, 1);

  g_mutex_init (&sm->lock);
  sm->streams = g_hash_table_new_full (NULL, NULL, NULL, stream_free);
  return sm;
}

void
gst_clip_smoother_free (GstClipSmoother * sm)
{
  if (!sm)
    return;
  g_hash_table_unref (sm->streams);
  g_mutex_clear (&sm->lock);
  g_free (sm);
}

void
gst_clip_smoother_reset (GstClipSmoother * sm)
{
  g_mutex_lock (&sm->lock);
  g_hash_table_remove_all (sm->streams);
  g_mutex_unlock (&sm->lock);
}

void
gst_clip_change_clear (GstClipChange * change)
{
  g_clear_pointer (&change->previous, g_free);
  g_clear_pointer (&change->label, g_free);
}

/* Averages @probs into @s and writes the averages back. */
static void
smooth (Stream * s, const ClipLabelSet * set, float *probs,
    GstClockTime t, gdouble tau)
{
  gint n = clip_label_set_size (set), i;
  gdouble a = 1.0;

  if (s->set != set || s->n != n) {
    /* Another label set: its probabilities do not average with these. */
    g_free (s->avg);
    s->avg = g_new0 (gdouble, n);
    s->n = n;
    s->set = set;
    s->started = FALSE;
  }
  if (s->started && tau > 0 && GST_CLOCK_TIME_IS_VALID (t)
      && GST_CLOCK_TIME_IS_VALID (s->last))
    a = 1.0 - exp (-((gdouble) GST_CLOCK_DIFF (s->last, t) / GST_SECOND) /
        tau);
  if (a < 0)
    a = 1.0;                    /* stream time went back: start over */
  for (i = 0; i < n; i++) {
    s->avg[i] = s->started ? s->avg[i] + a * (probs[i] - s->avg[i]) :
        probs[i];
    probs[i] = (float) s->avg[i];
  }
  s->started = TRUE;
  s->last = t;
}

gboolean
gst_clip_smoother_update (GstClipSmoother * sm, gint key,
    const ClipLabelSet * set, float *probs, GstClockTime t,
    gdouble smoothing, gdouble hold, gdouble threshold,
    GstClipChange * change)
{
  Stream *s;
  gint n = clip_label_set_size (set), i, top = 0;
  const gchar *candidate;
  gboolean changed = FALSE, held_long_enough;

  g_mutex_lock (&sm->lock);
  s = g_hash_table_lookup (sm->streams, GINT_TO_POINTER (key));
  if (!s) {
    s = g_new0 (Stream, 1);
    s->last = GST_CLOCK_TIME_NONE;
    s->held = g_strdup ("");
    g_hash_table_insert (sm->streams, GINT_TO_POINTER (key), s);
  }
  smooth (s, set, probs, t, smoothing);

  for (i = 1; i < n; i++)
    if (probs[i] > probs[top])
      top = i;
  candidate = probs[top] >= threshold ? clip_label_set_label (set, top) : "";

  if (strcmp (candidate, s->held) == 0) {
    g_clear_pointer (&s->candidate, g_free);
    goto out;
  }
  if (!s->candidate || strcmp (candidate, s->candidate) != 0) {
    g_free (s->candidate);
    s->candidate = g_strdup (candidate);
    s->candidate_since = t;
  }
  held_long_enough = hold <= 0 || !GST_CLOCK_TIME_IS_VALID (t)
      || !GST_CLOCK_TIME_IS_VALID (s->candidate_since)
      || (gdouble) GST_CLOCK_DIFF (s->candidate_since, t) / GST_SECOND >=
      hold - 1e-9;
  if (held_long_enough) {
    change->previous = g_strdup (s->held);
    change->label = g_strdup (candidate);
    change->score = probs[top];
    g_free (s->held);
    s->held = s->candidate;
    s->candidate = NULL;
    changed = TRUE;
  }
out:
  g_mutex_unlock (&sm->lock);
  return changed;
}

GstMessage *
gst_clip_change_new_message (GstObject * src, const GstClipChange * change,
    const GstClipStamp * stamp, gboolean is_region, gint region_id)
{
  GstStructure *s = gst_structure_new ("clipclassify-change",
      "previous", G_TYPE_STRING, change->previous,
      "label", G_TYPE_STRING, change->label,
      "score", G_TYPE_DOUBLE, change->score,
      "timestamp", G_TYPE_UINT64, (guint64) stamp->pts,
      "stream-time", G_TYPE_UINT64, (guint64) stamp->stream_time,
      "running-time", G_TYPE_UINT64, (guint64) stamp->running_time,
      "frame", G_TYPE_UINT64, stamp->frame, NULL);

  if (is_region)
    gst_structure_set (s, "region-id", G_TYPE_INT, region_id, NULL);
  return gst_message_new_element (src, s);
}
