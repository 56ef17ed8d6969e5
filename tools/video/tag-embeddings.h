/* tag-embeddings.h: FILE.embeddings.safetensors, the normalised image
 * embedding of every inferred frame, for clip-search.
 *
 * Tensors: "embeddings" F16 [N, E] (L2-normalised rows), "pts" I64 [N]
 * (ns), "frame" I64 [N]. Metadata (strings): "format"
 * ("clip-tag-embeddings/1"), "model_fingerprint", "model" (path), "video"
 * (path), "duration" (s), "settings" (clip-tag's settings JSON). */
#ifndef CLIP_TAG_EMBEDDINGS_H
#define CLIP_TAG_EMBEDDINGS_H

#include "tag-run.h"

#define TAG_EMBEDDINGS_FORMAT "clip-tag-embeddings/1"

gboolean tag_write_embeddings (const gchar * path, const gchar * video,
    const TagResult * result, const gchar * fingerprint,
    const gchar * model, const gchar * settings_json, GError ** error);

/* IEEE half from float, rounding to nearest even. */
guint16 tag_float_to_half (float f);

#endif
