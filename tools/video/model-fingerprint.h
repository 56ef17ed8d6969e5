/* model-fingerprint.h: a checksum that identifies a CLIP checkpoint, so
 * that embeddings made with one model are never compared with another's.
 * It is written into FILE.embeddings.safetensors and checked by
 * clip-search.
 *
 * Not the engine's clip_model_fingerprint(): that one covers only what
 * text embeddings depend on (the text tower, sampled, so that every
 * pipeline start can afford it), while these files hold image embeddings
 * too, made once per video, so the whole checkpoint is hashed. */
#ifndef CLIP_TOOLS_MODEL_FINGERPRINT_H
#define CLIP_TOOLS_MODEL_FINGERPRINT_H

#include <glib.h>

/* "sha256:HEX" over the checkpoint: for a .safetensors file its bytes; for
 * a directory the name and bytes of each of its .safetensors, .json and
 * .txt files in name order (weights, config, vocabulary, merges). A ViT-L
 * takes seconds to hash, so the result is kept in
 * $XDG_CACHE_HOME/clipclassify/fingerprints/ with each file's size, times,
 * inode and device, and reused while none of those has changed. */
gchar *tools_model_fingerprint (const gchar * path, GError ** error);

#endif
