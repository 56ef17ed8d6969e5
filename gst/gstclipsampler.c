/* gstclipsampler.c: the sampling rule of interval and max-rate. Slots of
 * stream time (rather than a minimum spacing from the last inference) keep
 * the long-run rate at max-rate exactly, whatever the frame rate. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipsampler.h"

#include <math.h>

void
gst_clip_sampler_reset (GstClipSampler * sampler, guint64 origin)
{
  sampler->origin = origin;
  sampler->have_slot = FALSE;
  sampler->last_slot = 0;
}

gboolean
gst_clip_sampler_take (GstClipSampler * sampler, guint64 frame,
    GstClockTime stream_time, guint interval, gdouble max_rate)
{
  guint64 slot;

  if (interval == 0)
    interval = 1;
  if (frame < sampler->origin || (frame - sampler->origin) % interval != 0)
    return FALSE;
  if (max_rate <= 0.0 || !GST_CLOCK_TIME_IS_VALID (stream_time))
    return TRUE;

  /* Integer scaling: the slot of a frame at an exact slot boundary (a 30 fps
   * frame at 1/3 s with max-rate 3) does not depend on rounding. */
  slot = gst_util_uint64_scale (stream_time,
      (guint64) llround (max_rate * 1000.0), GST_SECOND * 1000);
  if (sampler->have_slot && slot == sampler->last_slot)
    return FALSE;
  sampler->have_slot = TRUE;
  sampler->last_slot = slot;
  return TRUE;
}
