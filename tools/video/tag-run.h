/* tag-run.h: decode one video file through clipclassify and collect one
 * record per inference. */
#ifndef CLIP_TAG_RUN_H
#define CLIP_TAG_RUN_H

#include <gst/gst.h>


typedef enum
{
  TAG_DECODE_ALL,               /* every frame */
  TAG_DECODE_KEYFRAMES,         /* key frames only (trick-mode seek) */
} TagDecode;

/* What the classifier is told; every string may be NULL (element default). */
typedef struct
{
  const gchar *model, *labels, *labels_file, *prompt, *prompt_file;
  const gchar *text_embeddings, *precision;
  gdouble threshold;            /* < 0: element default */
  gint threads;                 /* 0: element default */
  gdouble every;                /* > 0: one inference per this many s */
  guint interval;               /* > 0: one inference per this many frames */
  TagDecode decode;
  gboolean upright;             /* apply the image-orientation tag */
  gboolean embed;               /* keep every inferred frame's embedding */
} TagSettings;

typedef struct
{
  guint64 frame;                /* index of the inferred frame */
  GstClockTime pts;
  gboolean matched;
  gchar *json;                  /* its JSON line (gstclipresultjson) */
  gdouble *scores;              /* [n_labels] in TagResult's label order */
  float *embedding;             /* [embed_dim] normalised, or NULL */
} TagRecord;

typedef struct
{
  gchar **labels;               /* every label, in the order of the first result */
  guint n_labels;
  GArray *records;              /* TagRecord */
  GstClockTime duration;        /* of the stream (NONE if unknown) */
  GstClockTime last_pts;        /* end of the last decoded frame */
  guint64 frames_decoded;
  gint width, height;
  gint embed_dim;               /* 0 without embeddings */
} TagResult;

/* Progress of a running file, updated by the streaming thread. */
typedef struct
{
  GMutex lock;
  gint64 position_ns;           /* last decoded pts */
  gint64 duration_ns;           /* -1 while unknown */
  guint64 frames;               /* decoded so far */
} TagProgress;

/* Sets position and/or duration (-2: leave as is); (0, -1) restarts. */
void tag_progress_set (TagProgress * p, gint64 position_ns,
    gint64 duration_ns);
/* Counts one decoded frame. */
void tag_progress_frame (TagProgress * p);
/* Frames decoded so far, and position and duration (either may be NULL). */
guint64 tag_progress_get (TagProgress * p, gint64 * position_ns,
    gint64 * duration_ns);

/* Tags @path; NULL and @error (naming what went wrong) on failure. */
TagResult *tag_run_file (const gchar * path, const TagSettings * settings,
    TagProgress * progress, GError ** error);

void tag_result_free (TagResult * result);

#endif
