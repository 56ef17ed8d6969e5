/* gstclipresultjson.h: one classification result as one line of JSON, the
 * format shared by clippublish and clip-tag (docs/clippublish.md). */
#ifndef __GST_CLIP_RESULT_JSON_H__
#define __GST_CLIP_RESULT_JSON_H__

#include <gst/gst.h>
#include "gstclipclassifymeta.h"

G_BEGIN_DECLS

/* Where a result comes from, beside the meta itself. */
typedef struct
{
  gint width, height;           /* frame size; 0 when unknown (omitted) */
  const gchar *source;          /* "source" field; NULL: omitted */
  GstClockTime stream_time;     /* of the inferred frame; NONE: omitted */
} GstClipResultJsonContext;

/* The result of @meta as a single-line JSON object (no newline), newly
 * allocated. */
gchar *gst_clip_result_to_json (const GstClipClassifyMeta * meta,
    const GstClipResultJsonContext * ctx);

G_END_DECLS

#endif
