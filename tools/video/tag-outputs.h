/* tag-outputs.h: segments from a file's inferences, and the files written
 * from them (JSON lines, segments JSON, WebVTT, timeline picture). Every
 * file is written to a temporary name and renamed when complete. */
#ifndef CLIP_TAG_OUTPUTS_H
#define CLIP_TAG_OUTPUTS_H

#include "tag-run.h"

typedef struct
{
  guint label;                  /* index into TagResult.labels */
  guint first, last;            /* records [first, last] */
  gdouble start, end;           /* seconds */
  gdouble mean_score, max_score;
} TagSegment;

/* Consecutive matched inferences with the same top label, as segments:
 * each runs from its first inference's pts to the next inference's (the
 * last to the end of the video). Segments shorter than @min_length seconds
 * are merged into their longer neighbour. Inferences without a match
 * split segments and belong to none. */
GArray *tag_segments_build (const TagResult * result, gdouble min_length);

/* Writes @text to @path atomically (temp file + rename). */
gboolean tag_write_atomic (const gchar * path, const gchar * text,
    gssize len, GError ** error);

gboolean tag_write_jsonl (const gchar * path, const TagResult * result,
    GError ** error);
/* @settings_json: the settings object embedded for --resume. */
gboolean tag_write_segments_json (const gchar * path, const gchar * video,
    const TagResult * result, const GArray * segments,
    const gchar * settings_json, GError ** error);
gboolean tag_write_vtt (const gchar * path, const TagResult * result,
    const GArray * segments, GError ** error);
gboolean tag_write_timeline (const gchar * path, const gchar * title,
    const TagResult * result, const GArray * segments, GError ** error);

/* The end of the video in seconds (duration, or the last frame's end). */
gdouble tag_result_end (const TagResult * result);

#endif
