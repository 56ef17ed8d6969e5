/* gstcliplabels.h: turning the labels/prompt properties into a label set. */
#ifndef __GST_CLIP_LABELS_H__
#define __GST_CLIP_LABELS_H__

#include <glib.h>
#include "clip.h"

G_BEGIN_DECLS

#define GST_CLIP_DEFAULT_PROMPT "a photo of a {}."

/* What the element's label properties say, copied at one moment so that a
 * label set can be built from it in another thread. */
typedef struct
{
  gchar *labels;                /* "person, car, a\, b": may be NULL */
  gchar *labels_file;           /* one label per line: may be NULL */
  gchar *prompt;                /* template with {}: NULL for the default */
  gchar *prompt_file;           /* templates, one per line: may be NULL */
  gchar *text_embeddings;       /* a label-set file: used instead of all
                                 * the above when set */
  gchar *cache_dir;             /* label cache folder: NULL for none */
} GstClipLabelSpec;

/* A deep copy of @spec. */
GstClipLabelSpec *gst_clip_label_spec_copy (const GstClipLabelSpec * spec);
/* Frees a spec made by gst_clip_label_spec_copy(). */
void gst_clip_label_spec_free (GstClipLabelSpec * spec);
/* Frees the strings of @spec (embedded in another struct) and clears them. */
void gst_clip_label_spec_clear (GstClipLabelSpec * spec);

/* Splits @text at commas: surrounding whitespace is trimmed, "\," is a
 * literal comma and "\\" a literal backslash, empty items are dropped.
 * Returns a NULL-terminated vector (empty for NULL @text). */
gchar **gst_clip_labels_parse_list (const gchar * text);

/* Reads the non-empty lines of @path, trimmed, skipping blank lines and
 * lines whose first non-blank character is '#'. Errors name the file. */
gchar **gst_clip_labels_read_lines (const gchar * path, GError ** error);

/* The labels of @spec: the labels list, then the lines of labels-file,
 * duplicates removed (first kept). Fails when there is none. */
gchar **gst_clip_label_spec_get_labels (const GstClipLabelSpec * spec,
    GError ** error);

/* The prompt templates of @spec: the lines of prompt-file if set, else the
 * prompt (or the default). */
gchar **gst_clip_label_spec_get_templates (const GstClipLabelSpec * spec,
    GError ** error);

/* Builds the label set described by @spec with @ws (a workspace of @model
 * used by the calling thread only): loads text_embeddings when set, else
 * takes it from the cache (cache_dir) or runs the text tower. A non-NULL
 * @cancel set to non-zero (atomically, from any thread) stops the build
 * after the text batch in progress, with CLIP_ERROR_CANCELLED. */
ClipLabelSet *gst_clip_label_spec_build (const GstClipLabelSpec * spec,
    ClipModel * model, ClipWorkspace * ws, const gint * cancel,
    GError ** error);

G_END_DECLS

#endif
