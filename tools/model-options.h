/* model-options.h: the --backend, --precision and --no-kept-sums flags
 * every engine tool takes, turned into ClipModelParams. */
#ifndef CLIP_MODEL_OPTIONS_H
#define CLIP_MODEL_OPTIONS_H

#include <glib.h>

#include "clip.h"

typedef struct {
  char *backend;              /* as given, or NULL */
  char *precision;            /* as given, or NULL */
  gboolean make_sums;         /* --no-kept-sums */
} ModelOptions;

/* Adds the flags to @context's main group, storing into @o. */
void model_options_add (GOptionContext *context, ModelOptions *o);

/* Fills @params from @o; FALSE with @error set for an unknown name. */
gboolean model_options_apply (const ModelOptions *o,
    ClipModelParams *params, GError **error);

void model_options_clear (ModelOptions *o);

#endif
