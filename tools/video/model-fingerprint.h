/* model-fingerprint.h: a checksum that identifies a CLIP checkpoint, so
 * that embeddings made with one model are never compared with another's.
 *
 * A stand-in kept in tools/ until the engine has its own fingerprint
 * function; it is written into FILE.embeddings.safetensors and checked by
 * clip-search. */
#ifndef CLIP_TOOLS_MODEL_FINGERPRINT_H
#define CLIP_TOOLS_MODEL_FINGERPRINT_H

#include <glib.h>

/* "sha256:HEX" over the checkpoint: for a .safetensors file its bytes; for
 * a directory the name and bytes of each of its .safetensors, .json and
 * .txt files in name order (weights, config, vocabulary, merges). */
gchar *tools_model_fingerprint (const gchar * path, GError ** error);

#endif
