/* labelset_internal.h: making label sets from parts, for the label-set
 * file loader. Internal to the engine. */
#ifndef CLIP_LABELSET_INTERNAL_H
#define CLIP_LABELSET_INTERNAL_H

#include "model_internal.h"

/* A label set of @model from its parts, all taken: @labels and @templates
 * (NULL-terminated, at least one each) and @embeds ([n_labels, E], unit
 * rows). */
ClipLabelSet *clip_label_set_new_take (const ClipModel *model, char **labels,
    char **templates, float *embeds);

/* clip_label_set_load() of an in-memory file image (@path names it in
 * errors); for the fuzz target. */
ClipLabelSet *clip_label_set_load_bytes (const ClipModel *model,
    const guint8 *data, size_t len, const char *path, GError **error);

#endif
