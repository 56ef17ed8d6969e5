/* tag-embedder.h: image embeddings of decoded frames for clip-tag
 * --embeddings, computed with the engine on the frames the element
 * inferred (the element does not export its embeddings). */
#ifndef CLIP_TAG_EMBEDDER_H
#define CLIP_TAG_EMBEDDER_H

#include <gst/video/video.h>
#include "clip.h"

typedef struct _TagEmbedder TagEmbedder;

/* Loads @model_path (precision: NULL or a clip_precision name). */
TagEmbedder *tag_embedder_new (const gchar * model_path,
    const gchar * precision, GError ** error);
void tag_embedder_free (TagEmbedder * e);

gint tag_embedder_dim (const TagEmbedder * e);
const gchar *tag_embedder_fingerprint (const TagEmbedder * e);

/* The normalised embedding of @frame into @out ([E]). Thread-safe: one
 * workspace per call. */
gboolean tag_embedder_embed (TagEmbedder * e, const GstVideoFrame * frame,
    float *out, GError ** error);

#endif
